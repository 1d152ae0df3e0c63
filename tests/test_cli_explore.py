"""capsim explore and capsim solve through a real subprocess: files, printed results, determinism
across --jobs, and every bad argument as one line with exit code 2 and nothing written."""

from __future__ import annotations

import json
import os
import subprocess
import sys

import pandas as pd
import pytest
from explore_scenarios import TARGET, grid_pair

from conftest import REPO, run_cli


@pytest.fixture
def grid_file(tmp_path):
    path = tmp_path / "grid.yaml"
    data = grid_pair(uncertain=True)
    data["explore"] = {"levers": {"grid.headroom_mw": {"low": 0, "high": 100, "source": "assumption: test"}}}
    path.write_text(json.dumps(data), encoding="utf-8")  # JSON is YAML
    return path


def one_line_refusal(done, out, text):
    assert done.returncode == 2, done.stderr
    lines = done.stderr.strip().splitlines()
    assert len(lines) == 1 and text in lines[0], lines
    assert "Traceback" not in done.stderr
    assert not out.exists()


def test_solve_prints_the_answer_with_its_unit_and_writes_files(grid_file, tmp_path):
    out = tmp_path / "solved"
    done = run_cli("solve", str(grid_file), "--lever", "grid.headroom_mw", "--target", TARGET, "--probability", "0.9",
                   "--tolerance", "0.5", "-r", "30", "--out", str(out))
    assert done.returncode == 0, done.stderr
    assert "answer: 30.08 MW (bracket 29.69 MW to 30.08 MW, tolerance 0.5 MW)" in done.stdout
    assert sorted(p.name for p in out.iterdir()) == ["manifest.json", "plots", "report.html", "solve.csv"]
    assert (out / "plots" / "solve.png").stat().st_size > 10_000
    table = pd.read_csv(out / "solve.csv")
    assert list(table.columns) == ["step", "value", "unit", "probability", "ci_low", "ci_high", "met", "replications"]
    assert table.value.tolist()[:2] == [0, 100] and set(table.unit) == {"MW"}
    manifest = json.loads((out / "manifest.json").read_text())
    assert manifest["solve"]["status"] == "solved" and manifest["solve"]["answer"] == 30.078125
    assert manifest["command"][:2] == ["capsim", "solve"]


def test_solve_csv_is_bit_identical_whatever_the_jobs(grid_file, tmp_path):
    files = []
    for jobs in ("1", "2"):
        out = tmp_path / f"j{jobs}"
        done = run_cli("solve", str(grid_file), "--lever", "grid.headroom_mw", "--target", TARGET, "-r", "600",
                       "--tolerance", "5", "--seed", "5", "--jobs", jobs, "--out", str(out), "-q", "--no-plots")
        assert done.returncode == 0, done.stderr
        files.append((out / "solve.csv").read_bytes())
    assert files[0] == files[1]


@pytest.mark.parametrize("args, text", [
    (["--probability", "1.5"], "capsim: error: --probability: must be between 0 and 1, exclusive (got 1.5)"),
    (["--probability", "0"], "--probability: must be between 0 and 1, exclusive (got 0)"),
    (["--target", "nope"], "--target: unknown target 'nope'; this scenario's targets: 'all three online'"),
    (["--low", "50", "--high", "10"], "--lever grid.headroom_mw: low must be below high (got low 50, high 10)"),
    (["--lever", "grid.head"], "--lever grid.head: path 'grid.head' does not exist"),
    (["--direction", "up"], "--direction: must be one of smallest, largest (got 'up')"),
])
def test_solve_bad_arguments(grid_file, tmp_path, args, text):
    out = tmp_path / "never"
    base = {"--lever": "grid.headroom_mw", "--target": TARGET}
    for flag, value in zip(args[::2], args[1::2]):
        base[flag] = value
    flat = [part for pair in base.items() for part in pair]
    one_line_refusal(run_cli("solve", str(grid_file), *flat, "-r", "2", "--out", str(out)), out, text)


@pytest.fixture
def explore_file(tmp_path):
    path = tmp_path / "explore.yaml"
    data = grid_pair(uncertain=True)
    data["uncertainty"]["parameters"] = {"projects.b.utilization": {"dist": "uniform", "low": 0.3, "high": 0.7}}
    data["explore"] = {"levers": {"grid.headroom_mw": {"low": 0, "high": 60}}}
    path.write_text(json.dumps(data), encoding="utf-8")
    return path


EXPLORE_FILES = ("samples.csv", "sensitivity.csv", "discovery.csv")


def test_explore_writes_tables_plots_and_prints_the_ranking(explore_file, tmp_path):
    out = tmp_path / "ex"
    done = run_cli("explore", str(explore_file), "--samples", "16", "-r", "8", "--seed", "2", "--out", str(out))
    assert done.returncode == 0, done.stderr
    lines = done.stdout.splitlines()
    assert lines[0] == ("Test region: sobol, N = 16, 2 inputs -> 64 samples x 8 replications "
                        "(common random numbers), seed 2")
    assert lines[3].split()[:2] == ["rank", "input"] and lines[4].split()[1].rstrip("*") == "grid.headroom_mw"
    assert any(line.startswith(f"target '{TARGET}' missed in") for line in lines)
    assert sorted(p.name for p in out.iterdir()) == sorted([*EXPLORE_FILES, "manifest.json", "plots", "report.html"])
    samples = pd.read_csv(out / "samples.csv")
    assert len(samples) == 64 and list(samples.columns[:3]) == ["sample", "projects.b.utilization", "grid.headroom_mw"]
    sensitivity = pd.read_csv(out / "sensitivity.csv")
    assert list(sensitivity.columns) == ["output", "year", "parameter", "method", "index", "value", "ci_low",
                                         "ci_high", "stable"]
    plots = sorted(p.name for p in (out / "plots").iterdir())
    assert "pmet-all-three-online.png" in plots and "years-energy-mwh.png" in plots
    assert "sensitivity-p-met-all-three-online.png" in plots
    manifest = json.loads((out / "manifest.json").read_text())
    assert manifest["explore"]["method"] == "sobol" and manifest["explore"]["evaluations"] == 64
    assert [i["path"] for i in manifest["explore"]["inputs"]] == ["projects.b.utilization", "grid.headroom_mw"]


def test_explore_csvs_are_bit_identical_whatever_the_jobs(explore_file, tmp_path):
    outs = []
    for jobs in ("1", "2"):
        out = tmp_path / f"j{jobs}"
        done = run_cli("explore", str(explore_file), "--method", "lhs", "-n", "24", "-r", "300", "--seed", "9",
                       "--jobs", jobs, "--out", str(out), "-q", "--no-plots")
        assert done.returncode == 0, done.stderr
        outs.append(out)
    for name in EXPLORE_FILES:
        assert (outs[0] / name).read_bytes() == (outs[1] / name).read_bytes(), name


@pytest.mark.parametrize("args, text", [
    (["--method", "fast"], "capsim: error: --method: unknown method 'fast'; choose one of sobol, morris, lhs"),
    (["--samples", "12"], "--samples: Sobol needs N a power of two (got 12; use 8 or 16)"),
    (["--vary", "grid.nope=1:2"], "--vary grid.nope=1:2: path 'grid.nope' does not exist"),
    (["--vary", "grid.headroom_mw=9:3"], "--vary grid.headroom_mw=9:3: low must be below high (got low 9, high 3)"),
    (["--probability", "1"], "--probability: must be between 0 and 1, exclusive (got 1)"),
])
def test_explore_bad_arguments(explore_file, tmp_path, args, text):
    out = tmp_path / "never"
    one_line_refusal(run_cli("explore", str(explore_file), *args, "-r", "2", "--out", str(out)), out, text)


def test_explore_without_its_extra_names_it(explore_file, tmp_path):
    out = tmp_path / "never"
    code = ("import sys; sys.modules['SALib'] = None; from sim.cli import main; "
            f"sys.exit(main(['explore', {str(explore_file)!r}, '--out', {str(out)!r}]))")
    done = subprocess.run([sys.executable, "-c", code], cwd=REPO, capture_output=True, text=True, timeout=120,
                          env={**os.environ, "PYTHONPATH": str(REPO)})
    one_line_refusal(done, out, "capsim: error: capsim explore needs SALib: pip install 'capsim[explore]'")


def test_explore_block_with_a_bad_lever_points_at_its_line(tmp_path):
    path = tmp_path / "bad.yaml"
    data = grid_pair()
    text = json.dumps(data, indent=1)[:-2] + ',\n "explore": {"levers": {"grid.headroom_mw": {"low": 9, "high": 3}}}\n}\n'
    path.write_text(text, encoding="utf-8")
    out = tmp_path / "never"
    n = text.count("\n") - 1
    one_line_refusal(run_cli("explore", str(path), "--out", str(out)), out,
                     f"{path}:{n}:53: explore.levers.grid.headroom_mw.low: low must be below high (got low 9, high 3)")
