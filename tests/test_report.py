"""The report: read a results folder, answer from its tables, write one HTML file (and a workbook).

The folders are written by hand (tests/report_folders.py) so the expected sentences and figures
are written out; the browser tests are in tests/test_report_browser.py."""

from __future__ import annotations

import json

import pandas as pd
import pytest

import sim
from report_folders import SCENARIO, compare_folder, manifest, monthly, run_folder, write_folder
from sim.errors import ScenarioError
from sim.output.comparison import write_comparison
from sim.report.answer import answer
from sim.report.page import build_html, charts_for
from sim.report.ranking import ranking_table
from sim.report.read import read_folder
from sim.report.sources import anchor, cited_ids, linked, read_entries, scenario_sources
from sim.report.text import band
from sim.report.xlsx import unit_of, with_units

from conftest import REPO, run_cli


def test_band_shows_p50_and_the_p10_p90_range_or_one_number_when_they_agree():
    assert band(36.409, 36.409, 42.72) == "36.4 [36.4–42.7]"
    assert band(2.5, 2.0, 3.0) == "2.50 [2.00–3.00]"
    assert band(881.2, 845.4, 919.6, ",.0f") == "881 [845–920]"
    assert band(4.389, 4.389, 4.389) == "4.39"
    assert band(1234.0, 1200.0, 1300.0) == "1,234 [1,200–1,300]"


def test_a_run_folder_is_read_as_a_run_with_its_tables(tmp_path):
    folder = read_folder(run_folder(tmp_path / "r"))
    assert folder.kind == "run"
    assert list(folder.tables) == ["targets", "monthly", "annual", "projects"]
    assert folder.tables["targets"]["reached_p90"].tolist() == ["never", "2025-03", "never"]
    assert [s["role"] for s in folder.target_specs] == ["plan", "calibration", "calibration"]


def test_run_answer_says_probability_when_and_capacity_with_its_basis(tmp_path):
    result = answer(read_folder(run_folder(tmp_path / "r")))
    assert result.sentences[0].startswith("Verdict: ")
    assert result.sentences[1:] == [
        "Target 'plan A' (total ≥ 2 EFLOPS, AI share ≥ 50%) by 2025-03: met in 75% of 200 simulated futures; "
        "in the median future first met in 2025-03 (P10–P90: 2025-02 to never). "
        "Total compute in 2025-03: 2.50 [2.00–3.00] EFLOPS, as reported (test basis)."
    ]
    figures = {f.label: (f.value, f.unit, f.note) for f in result.figures}
    assert figures["total compute, 2025-04"] == ("3.00 [2.50–3.50]", "EFLOPS", "as reported (test basis)")
    assert figures["intelligent (AI) compute, 2025-04"] == ("1.80 [1.50–2.10]", "EFLOPS", "as reported (test basis)")
    assert figures["AI share of compute, 2025-04"][0] == "60.0"
    assert figures["peak monthly facility power"] == ("103 [102–104]", "MW",
                                                      "in 2025-04, the month with the highest median")
    assert figures["energy over the horizon"][:2] == ("3.00", "TWh")
    assert figures["public money over the horizon"][:2] == ("0.25", "bn CNY")
    assert figures["carbon over the horizon"][:2] == ("1.50", "Mt CO2")
    assert "supercomputing, 2025-04" not in figures  # a class with no capacity is left out
    assert result.years.loc[0, "energy TWh"] == "3.00 [2.80–3.20]"


def test_every_eflops_key_figure_states_its_basis(tmp_path):
    result = answer(read_folder(run_folder(tmp_path / "r")))
    eflops = [f for f in result.figures if f.unit == "EFLOPS"]
    assert len(eflops) == 3 and all("test basis" in f.note for f in eflops)


def test_calibration_targets_are_checked_against_the_band_not_answered(tmp_path):
    result = answer(read_folder(run_folder(tmp_path / "r")))
    table = result.calibration
    assert table["check"].tolist() == ["reported B", "reported C"]
    assert table["model P50 [P10–P90]"].tolist() == ["1.60 [1.40–1.80] EFLOPS", "3.00 [2.50–3.50] EFLOPS"]
    assert table["P50 vs reported"].tolist() == ["+6.7%", "-66.7%"]
    assert table["reported figure within P10–P90"].tolist() == ["yes", "no: model below"]
    assert not any("reported B" in s for s in result.sentences)


def test_a_calibration_figure_the_model_meets_exactly_is_inside_its_band(tmp_path):
    """Float noise (85.00000000000003 against 85) does not put a figure outside a zero-width band."""
    rows = monthly()
    total = (rows["metric"] == "total_eflops") & (rows["month"] == "2025-02")
    rows.loc[total, ["p10", "p50", "p90"]] = 1.5 + 3e-15
    folder = write_folder(tmp_path / "r", {"monthly": rows})
    table = answer(read_folder(folder)).calibration
    assert table.loc[0, "reported figure within P10–P90"] == "yes"
    assert table.loc[0, "model P50 [P10–P90]"] == "1.50 EFLOPS"


def test_compare_ranks_by_the_plan_target_ties_broken_by_public_money(tmp_path):
    folder = read_folder(compare_folder(tmp_path / "c"))
    assert folder.kind == "compare"
    table, by, higher = ranking_table(folder)
    assert (by, higher) == ("plan A", True)
    assert table["variant"].tolist() == ["fast", "cheap", "base", "slow"]
    result = answer(folder)
    assert result.sentences[0].startswith("Verdict: ")
    assert result.sentences[1:] == [
        "Ranked by probability of meeting 'plan A', the best of 4 runs is fast: 95% against the base's 75%, "
        "a difference of +20.0 points, 95% interval +15.0 to +25.0.",
        "Worst: slow at 40%, -35.0 points, 95% interval -40.0 to -30.0.",
    ]
    shown = result.ranking.set_index("variant")
    assert shown.loc["fast", "vs base [95% interval]"] == "+20.0 [+15.0, +25.0]"
    assert shown.loc["cheap", "public money bn CNY (mean)"] == "0.15"
    assert shown.loc["fast", "EFLOPS basis"] == "FP32-equivalent (test)"
    assert shown.loc["base", "EFLOPS basis"] == "as reported (test basis)"


def test_compare_ranks_by_the_manifests_rank_by(tmp_path):
    folder = read_folder(compare_folder(tmp_path / "c", rank_by="public_cost"))
    table, by, higher = ranking_table(folder)
    assert (by, higher) == ("public_cost", False)
    assert table["variant"].tolist() == ["cheap", "base", "slow", "fast"]
    assert answer(folder).sentences[1].startswith(
        "Ranked by subsidy paid + voucher spend over the horizon, the best of 4 runs is cheap: 0.15 bn CNY against the base's "
        "0.25 bn CNY, a difference of -0.10 bn CNY")


def test_a_scenario_without_targets_gets_a_report_of_its_capacity(tmp_path):
    empty = pd.DataFrame(columns=["variant", "target", "by", "probability", "reached_p10", "reached_p50",
                                  "reached_p90"])
    folder = write_folder(tmp_path / "r", {"monthly": monthly(), "targets": empty},
                          manifest(resolved_scenario={**SCENARIO, "targets": []}))
    assert answer(read_folder(folder)).sentences == [
        "The scenario sets no plan target; by 2025-04 total compute reaches 3.00 [2.50–3.50] EFLOPS, "
        "as reported (test basis)."]
    assert (sim.report.write(folder)[0]).is_file()


def test_a_comparison_folder_is_ranked_as_capsim_compare_ranks_it(tmp_path):
    """ranking.csv (written by capsim compare) is the ranking, with its own intervals."""
    scenario = sim.load_scenario(REPO / "scenarios" / "example.yaml")
    comparison = sim.compare(scenario, variants="all", replications=20, seed=1, jobs=1, rank_by="energy")
    folder = read_folder(write_comparison(comparison, tmp_path / "c"))
    assert folder.manifest["rank_by"] == "energy"
    expected = comparison.ranking()
    table, by, higher = ranking_table(folder)
    assert (by, higher) == ("energy", False)
    assert table["variant"].tolist() == expected["variant"].tolist()
    best = expected.iloc[0]
    result = answer(folder)
    assert result.sentences[1].startswith(
        f"Ranked by facility energy over the horizon, the best of {len(expected)} runs is {best['variant']}: "
        f"{best['value'] / 1e6:,.2f} TWh against the base's")
    assert f"{best['diff_mean'] / 1e6:+,.2f} TWh, 95% interval {best['diff_ci_low'] / 1e6:+,.2f}" in result.sentences[1]


def test_limits_section_appears_with_the_grid_and_supply_metrics(tmp_path):
    plain = charts_for(read_folder(run_folder(tmp_path / "a")))
    assert [c.id for c in plain] == ["growth", "share", "power", "timeline", "limits"]
    assert plain[-1].title.startswith("Waiting for grid")  # projects.csv's mean waits only
    limits = {"grid_free_mw": (10.0, 20.0, 30.0), "grid_queue_mw": (0.0, 5.0, 9.0),
              "supply_backlog_pflops": (0.0, 100.0, 300.0), "supply_stock_pflops": (0.0, 0.0, 50.0),
              "racks": (1000.0, 1000.0, 1000.0)}
    chart = charts_for(read_folder(run_folder(tmp_path / "b", **limits)))[-1]
    assert chart.title == "Shared limits: grid and accelerator supply"
    names = [t["name"] for t in chart.figure.data]
    assert "free headroom, median" in names and "accelerators requested, waiting, median" in names
    assert len({t["line"]["dash"] for t in chart.figure.data if t["name"].endswith("median")}) == 4


def test_sources_tell_facts_from_assumptions_and_keep_the_numbers():
    rows = scenario_sources({"grid": {"headroom_mw": 50.0, "source": "B1 (H); assumption: all new load"},
                             "projects": [{"id": "p1", "it_mw": 10.0, "compute": {"pflops": 100.0},
                                           "source": "assumption: made up"}],
                             "supply": {"ai_pflops_per_month": 1000.0, "source": "S2 and G3-G6"},
                             "horizon": {"start": "2025-01"}, "emissions": {"grid_t_per_mwh": 0.7}})
    assert [(r.path, r.kind, r.numbers) for r in rows] == [
        ("grid", "fact + assumption", ["headroom_mw = 50"]),
        ("projects.p1", "assumption", ["it_mw = 10", "compute.pflops = 100"]),
        ("supply", "fact", ["ai_pflops_per_month = 1000"]),
        ("emissions", "not stated", ["grid_t_per_mwh = 0.7"]),
    ]
    assert cited_ids(rows) == ["S2", "B1", "G3", "G6"]
    with_group = scenario_sources({"grid": {"headroom_mw": 1.0, "source": "B13, FACTS B and B2; S10"}})
    assert cited_ids(with_group) == ["S10", "FACTS B", "B2", "B13"]  # the group's entry introduces its ids
    assert anchor("FACTS B") == "facts-b" and anchor("S10") == "s10"
    html = linked("S10 & FACTS B, see https://x.org/a.html.", lambda f: f"#fact-{anchor(f)}")
    assert html == ('<a href="#fact-s10" class="fact">S10</a> &amp; <a href="#fact-facts-b" class="fact">FACTS B</a>, '
                    'see <a href="https://x.org/a.html" rel="noreferrer">https://x.org/a.html</a>.')


def test_fact_entries_are_read_from_sources_md_with_the_sections_address(tmp_path):
    path = tmp_path / "sources.md"
    path.write_text("# Sources\n\n## Shanxi\n\nAll from https://news.example/a.html (copy).\n\n### S1\n"
                    "Racks: 514,000.\n\n### S2\nAI: 32 EFLOPS.\nhttps://other.example/b\n\n## FACTS B\n\n"
                    "Other figures.\n\n### B1\nGrid (H).\n", encoding="utf-8")
    assert read_entries(path) == {
        "S1": "Racks: 514,000. Address (the section's): https://news.example/a.html",
        "S2": "AI: 32 EFLOPS. https://other.example/b",
        "FACTS B": "Other figures.",
        "B1": "Grid (H).",
    }
    assert read_entries(tmp_path / "missing.md") == {}


def test_page_has_every_section_the_tables_allow_and_no_outside_reference(tmp_path):
    folder = read_folder(run_folder(tmp_path / "r"))
    page = build_html(folder, folder.path, docs_url="https://example.org/capsim/docs")
    for section in ("answer", "charts", "limits", "calibration", "sources", "reproduce"):
        assert f'<section id="{section}"' in page
    for absent in ("compare", "sensitivity", "solve"):
        assert f'<section id="{absent}"' not in page
    assert 'href="https://example.org/capsim/docs/sources.md#s15"' in page
    assert "<script src" not in page and "<link" not in page and "@import" not in page
    assert page.count('role="img"') == 5 and page.count("aria-label=") >= 6
    assert "data:text/csv;base64," in page and 'href="monthly.csv"' in page


def test_write_puts_report_html_in_the_folder_and_the_workbook_beside_it(tmp_path):
    folder = run_folder(tmp_path / "r")
    written = sim.report.write(folder, xlsx=True)
    assert written == [folder / "report.html", folder / "report.xlsx"]
    from openpyxl import load_workbook

    book = load_workbook(folder / "report.xlsx", read_only=True)
    assert book.sheetnames == ["targets", "monthly", "annual", "projects", "manifest"]
    header = next(book["monthly"].iter_rows(max_row=1, values_only=True))
    assert header == ("variant", "month (YYYY-MM)", "metric", "unit", "mean (in unit)", "p5 (in unit)",
                      "p10 (in unit)", "p50 (in unit)", "p90 (in unit)", "p95 (in unit)")
    second = next(book["monthly"].iter_rows(min_row=2, max_row=2, values_only=True))
    assert second[:4] == ("base", "2025-01", "total_eflops", "EFLOPS") and second[7] == 1.0
    projects = next(book["projects"].iter_rows(max_row=1, values_only=True))
    assert "go_share (share 0-1)" in projects and "grid_wait_months_mean (months, mean)" in projects


def test_units_come_from_the_names():
    assert [unit_of(n) for n in ("total_eflops", "facility_mw", "energy_mwh", "carbon_t", "intelligent_share",
                                 "subsidy_cny_cumulative", "voucher_pflops_hours", "pue", "grid_queue_mw",
                                 "supply_backlog_pflops", "racks", "variant")] == [
        "EFLOPS", "MW", "MWh", "t CO2", "share 0-1", "CNY, cumulative", "PFLOPS-hours", "ratio", "MW", "PFLOPS",
        "racks", ""]
    shown = with_units(pd.DataFrame({"variant": ["base"], "output": ["x"], "unit": ["MW"], "base": [1.0]}))
    assert list(shown.columns) == ["variant", "output", "unit", "base (in unit)"]


BAD_FOLDERS = {
    "missing": (None, "no such results folder"),
    "no-manifest": ({"monthly.csv": "variant,month,metric,p10,p50,p90\n"}, "not a capsim results folder (no manifest.json)"),
    "foreign-manifest": ({"manifest.json": '{"tool": "other"}'}, "not a capsim manifest"),
    "broken-manifest": ({"manifest.json": '{"written_by": "capsim",'}, "damaged manifest"),
    "no-tables": ({"manifest.json": json.dumps(manifest())}, "not a capsim results folder (no tables"),
    "binary": ({"monthly.csv": b"\xff\xfe\x00\x81garbage\x00"}, "monthly.csv: damaged table"),
    "empty": ({"monthly.csv": ""}, "monthly.csv: damaged table: the file is empty"),
    "no-column": ({"monthly.csv": "variant,month,metric,p10,p90\nbase,2025-01,x,1,2\n"},
                  "monthly.csv: damaged table: no column p50"),
    "text-number": ({"monthly.csv": "variant,month,metric,p10,p50,p90\nbase,2025-01,x,1,lots,2\n"},
                    "monthly.csv: damaged table: column p50 holds text where numbers belong"),
    "ragged": ({"monthly.csv": 'variant,month,metric,p10,p50,p90\nbase,"2025-01,x,1,2,3\n'},
               "monthly.csv: damaged table"),
}


def _bad_folder(tmp_path, name):
    files, message = BAD_FOLDERS[name]
    folder = tmp_path / name
    if files is not None:
        folder.mkdir()
        files = {"manifest.json": json.dumps(manifest()), **files} if name not in (
            "no-manifest", "foreign-manifest", "broken-manifest") else files
        for file, text in files.items():
            (folder / file).write_bytes(text if isinstance(text, bytes) else text.encode())
    return folder, message


@pytest.mark.parametrize("name", sorted(BAD_FOLDERS))
def test_a_bad_folder_is_one_clear_error(tmp_path, name):
    folder, message = _bad_folder(tmp_path, name)
    with pytest.raises(ScenarioError, match=None) as caught:
        sim.report.write(folder)
    assert message in str(caught.value)
    assert not (folder / "report.html").exists()


def test_cli_report_of_a_bad_folder_exits_2_with_one_line_and_writes_nothing(tmp_path):
    folder, message = _bad_folder(tmp_path, "text-number")
    before = sorted(p.name for p in folder.iterdir())
    done = run_cli("report", str(folder))
    assert done.returncode == 2
    assert done.stderr.count("\n") == 1 and message in done.stderr and "Traceback" not in done.stderr
    assert sorted(p.name for p in folder.iterdir()) == before


def test_cli_report_writes_the_page_and_with_xlsx_the_workbook(tmp_path):
    folder = compare_folder(tmp_path / "c")
    out = tmp_path / "elsewhere" / "cmp.html"
    out.parent.mkdir()
    done = run_cli("report", str(folder), "--xlsx", "--out", str(out))
    assert done.returncode == 0, done.stderr
    assert done.stdout.split() == [str(out), str(out.with_suffix(".xlsx"))]
    page = out.read_text(encoding="utf-8")
    assert 'id="ranking"' in page and 'href="../c/compare.csv"' in page
    assert not (folder / "report.html").exists()


def test_run_writes_report_html_unless_no_report(tmp_path):
    scenario = str(REPO / "scenarios" / "example.yaml")
    done = run_cli("run", scenario, "-r", "20", "--seed", "3", "-j", "1", "--no-plots", "-q", "--out", str(tmp_path / "a"))
    assert done.returncode == 0, done.stderr
    page = (tmp_path / "a" / "report.html").read_text(encoding="utf-8")
    assert 'id="answer"' in page and "plan 2027" in page
    done = run_cli("run", scenario, "-r", "20", "--seed", "3", "-j", "1", "--no-plots", "--no-report", "-q",
                   "--out", str(tmp_path / "b"))
    assert done.returncode == 0, done.stderr
    assert not (tmp_path / "b" / "report.html").exists()
    assert {p.name for p in (tmp_path / "a").iterdir()} == {p.name for p in (tmp_path / "b").iterdir()} | {"report.html"}


def test_monthly_fixture_is_what_the_expected_numbers_assume():
    rows = monthly()
    total = rows[rows["metric"] == "total_eflops"]
    assert total[["p10", "p50", "p90"]].values.tolist() == [[1, 1, 1], [1.4, 1.6, 1.8], [2, 2.5, 3], [2.5, 3, 3.5]]
