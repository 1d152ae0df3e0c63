"""Words a director reads (issue 25): a one-replication run says met or missed, never a
probability, a band or a P50, in the terminal and in its report; a comparison says 'no difference'
where a variant changes nothing, in points and with a '95% interval', in the terminal and the report."""

from __future__ import annotations

import html
import re

import yaml
from safety import EXAMPLE, capsim


def answer_text(report) -> str:
    """The visible text of the report's answer section."""
    page = report.read_text(encoding="utf-8")
    section = page.split('<section id="answer"', 1)[1].split("</section>", 1)[0]
    return html.unescape(re.sub(r"<[^>]+>", " ", section))


def test_a_one_replication_run_says_met_or_missed_in_the_terminal_and_the_report(tmp_path):
    for flag, outcome in (("-r 1", "missed"), ("--deterministic", "met")):
        out = tmp_path / flag.strip("-").replace(" ", "")
        done = capsim("run", str(EXAMPLE), *flag.split(), "--out", str(out), "--no-plots")
        assert done.returncode == 0, done.stderr
        assert done.stdout.startswith(f"{outcome}: 'plan 2030' by 2030-12 (one replication); peak facility")
        assert "P50" not in done.stdout and "P10" not in done.stdout and "%" not in done.stdout
        text = answer_text(out / "report.html")
        assert f"Verdict: {outcome}: 'plan 2030' by 2030-12 (one replication); first met 2027-" in text
        assert f"{outcome} in the one simulated future" in text
        assert not re.search(r"P50|P10|P90|probability|median|met in \d+%|\b100%", text), text
        page = (out / "report.html").read_text(encoding="utf-8")
        assert "Reading the charts: one simulated future, so each line is its value; there are no bands" in page


def test_a_variant_that_changes_nothing_reads_no_difference(tmp_path):
    data = yaml.safe_load(EXAMPLE.read_text(encoding="utf-8"))
    data["variants"]["same"] = {"description": "the subsidy rate it already has", "kind": "policy",
                                "label": "same subsidy", "set": {"policies.capex_subsidy.rate": 0.10}}
    data["variants"]["no-subsidy"]["kind"] = "policy"
    for name in ("fast-approvals", "strict-pue"):
        data["variants"][name]["kind"] = "policy"
    file = tmp_path / "s.yaml"
    file.write_text(yaml.safe_dump(data, sort_keys=False), encoding="utf-8")
    out = tmp_path / "out"
    done = capsim("compare", str(file), "--variants", "same,no-subsidy", "-r", "8", "--seed", "3",
                  "--out", str(out), "--no-plots")
    assert done.returncode == 0, done.stderr
    row = next(line for line in done.stdout.splitlines() if re.match(r"\s+\d\s+same\b", line))
    assert " no difference " in row and "+0.0" not in row
    assert "[95% interval]" in done.stdout and "95% CI" not in done.stdout and " pts" not in done.stdout
    assert "every variant on the same simulated futures" in done.stdout
    text = answer_text(out / "report.html")
    assert "no difference" in text and "+0.0 [+0.0, +0.0]" not in text
