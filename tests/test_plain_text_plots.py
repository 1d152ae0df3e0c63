"""User texts drawn by matplotlib (labels, target, variant, project and site names) are plain text:
a ``$`` never starts mathtext, so ``$$`` or ``\\`` in a label cannot crash a command
(sim/plots/fonts.py, PLAIN_TEXT)."""

from __future__ import annotations

import io
from pathlib import Path

import pytest
from matplotlib.figure import Figure
from safety import capsim

from sim import plots

TEXTS = ["$$", "$5 and $6", "\\\\", "_^", "a $x^2$ b"]


@pytest.mark.parametrize("text", TEXTS)
def test_a_text_is_drawn_as_written(text):
    with plots.font_context([text]):
        fig = Figure(figsize=(2, 1))
        ax = fig.add_subplot()
        ax.set_title(text)
        ax.plot([0, 1], [0, 1], label=f"x {text}")
        ax.legend()
        fig.savefig(io.BytesIO(), format="png")  # mathtext would fail on "$$" here
    assert ax.get_title() == text
    assert not ax.title.get_parse_math()


def test_solve_with_a_dollar_label_draws_its_plot(tmp_path):
    text = Path("scenarios/shanxi.yaml").read_text(encoding="utf-8")
    old = "    grid.headroom_mw: {low: 435,"
    assert old in text
    path = tmp_path / "dollars.yaml"
    path.write_text(text.replace(old, '    grid.headroom_mw: {label: "grid $$ headroom $5 and $6 \\\\ _^", low: 435,'),
                    encoding="utf-8")
    out = tmp_path / "solve"
    run = capsim("solve", path, "--lever", "grid.headroom_mw", "--target", "plan 2025 (S15)", "-r", "5",
                 "--out", out, "-j", "1", "--no-report")
    assert run.returncode == 0, run.stderr
    assert "internal error" not in run.stderr
    assert "grid $$ headroom $5 and $6 \\ _^" in run.stdout
    assert (out / "plots" / "solve.png").is_file()
