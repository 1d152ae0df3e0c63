"""The report of real ``capsim explore`` and ``capsim solve`` folders (small subprocess runs):
the answer says what the tables hold, the charts are the ones they allow, and both commands leave
report.html unless --no-report.

The scenario (tests/explore_scenarios.py): the target needs the 30 MW of peak facility power of
two planned projects, so it is met exactly when grid.headroom_mw >= 30. Bisection from [0, 100]
with tolerance 2 evaluates 0, 100, 50, 25, 37.5, 31.25, 28.125, 29.6875: the answer is 31.25 MW,
the bracket 29.6875 to 31.25 MW (1.5625 <= 2).
"""

from __future__ import annotations

import json

import pandas as pd
import pytest
from explore_scenarios import TARGET, explore_folder, grid_file, solve_folder
from report_folders import plotly_json

from conftest import run_cli
from sim.report.answer import answer
from sim.report.page import charts_for, discovery_boxes
from sim.report.read import read_folder


@pytest.fixture(scope="module")
def folders(tmp_path_factory):
    root = tmp_path_factory.mktemp("studies")
    scenario = grid_file(root / "grid.yaml")
    return {"explore": explore_folder(scenario, root / "ex"),
            "solve": solve_folder(scenario, root / "sv", "--tolerance", "2"),
            "met-at-end": solve_folder(scenario, root / "end", "--low", "40", "--high", "90", "--no-report"),
            "missed": solve_folder(scenario, root / "miss", "--low", "0", "--high", "20", "--no-report")}


def test_explore_and_solve_write_report_html_unless_no_report(folders):
    assert (folders["explore"] / "report.html").stat().st_size > 100_000
    assert (folders["solve"] / "report.html").stat().st_size > 100_000
    assert not (folders["met-at-end"] / "report.html").exists()
    assert sorted(p.name for p in folders["missed"].iterdir()) == ["manifest.json", "solve.csv"]


def test_solve_answer_is_the_value_with_its_unit_bracket_and_uncertainty(folders):
    result = answer(read_folder(folders["solve"]))
    # the file's headroom is 5 MW: evaluated too (0 of 30 met); the answer 31.25 MW is known only to
    # within the values whose interval contains 90% (31.25 to 100 MW): "about 30 MW"
    assert result.sentences[0] == (
        f"Today grid headroom is 5 MW, where the chance is 0%; it needs to be at least about 30 MW for target "
        f"'{TARGET}' to be met with probability at least 90% (30 replications per value, the same seed at every "
        "value).")
    assert result.sentences[1] == ("The search found 31.25 MW (the smallest value met, bracket 29.69 MW to 31.25 MW, "
                                   "tolerance 2 MW).")
    # 30 of 30 met: Wilson's interval [88.6%, 100%] contains 90% at every value that meets
    assert result.sentences[2].startswith("Uncertainty: from 31.25 MW to 100 MW the 95% interval of P contains 90%")
    assert not any("grid.headroom_mw" in s for s in result.sentences)
    caption, table = result.tables[0]
    assert list(table["grid headroom"]) == ["0 MW", "5 MW  (today)", "25 MW", "28.12 MW", "29.69 MW", "31.25 MW",
                                            "37.5 MW", "50 MW", "100 MW"]
    assert list(table["meets 90%"]) == ["missed"] * 5 + ["met"] * 4
    assert table["P(met) [95% interval]"].iloc[0] == "0% [0.0% to 11.4%]"  # 30 replications: whole percents
    chart = charts_for(read_folder(folders["solve"]))
    assert [c.id for c in chart] == ["solve"]
    names = [t["name"] for t in chart[0].figure.data]
    assert names == ["met", "missed"]  # points only: no line joins two evaluations
    assert [t["marker"]["symbol"] for t in chart[0].figure.data] == ["circle", "x"]  # shape as well as colour
    shapes = chart[0].figure.layout["shapes"]
    assert shapes[0]["y0"] == 90  # the threshold, in percent
    assert [s["x0"] for s in shapes[1:]] == [31.25, 5]  # the value needed, today's value


def test_solve_met_at_the_hard_end_and_missed_at_the_easy_end_say_so(folders):
    met = answer(read_folder(folders["met-at-end"])).sentences
    assert met[0].startswith("Today grid headroom is 5 MW, outside the range searched. The target is met even at "
                             "40 MW, the hard end of the range searched")
    assert "the smallest value is 40 MW or beyond the range; widen it" in met[0]
    missed = answer(read_folder(folders["missed"])).sentences
    assert missed[0].startswith("Today grid headroom is 5 MW, where the chance is 0%. Even at 20 MW, the easy end of "
                                "the range searched, the chance is 0%")
    assert "no value of grid headroom from 0 MW to 20 MW gives" in missed[0]


def test_explore_answer_ranks_the_inputs_per_question_and_finds_the_prim_box(folders):
    folder = read_folder(folders["explore"])
    assert folder.kind == "explore"
    sentences = answer(folder).sentences
    assert sentences[0] == "Varied: 2 assumptions (ranged) (sobol, N = 8, 32 samples × 10 replications)."
    assert sentences[1].startswith("Warning: no policy was varied: the levers declared are assumptions and risks")
    assert sentences[2].startswith(f"What decides P(target '{TARGET}' met): grid headroom (ST ")
    assert any("N = 8 is too small to read them as fact; rerun with --samples 32" in s for s in sentences)
    assert not any("grid.headroom_mw" in s or "projects.a.it_mw" in s for s in sentences)  # plain labels only
    samples = pd.read_csv(folders["explore"] / "samples.csv")
    share = (samples[f"p_met[{TARGET}]"] < 0.9).mean()
    assert 0 < share < 1
    box = next(s for s in sentences if s.startswith(f"Target '{TARGET}' misses P(met) ≥ 90% in {share:.0%}"))
    assert "the misses gather where grid headroom ≤ " in box and "100% of the samples in it miss" in box
    bound = float(box.split("grid headroom ≤ ")[1].split(" MW")[0])
    assert bound < 30  # below 30 MW the target is always missed
    caption, table = answer(folder).tables[0]
    assert caption.startswith(f"What decides P(target '{TARGET}' met)")
    assert list(table["input"])[0] == "grid headroom" and list(table["range"])[0] == "0 to 100 MW"
    assert list(table["kind"])[0] == "assumption (ranged)"
    boxes = discovery_boxes(folder)
    assert list(boxes["target"]) == [TARGET] and boxes["where"].iloc[0].startswith("grid headroom ≤ ")


def test_the_pmet_map_carries_prims_box_and_the_tornado_is_in_outcome_units(folders):
    charts = {c.id: c for c in charts_for(read_folder(folders["explore"]))}
    pmet = charts[f"pmet-{TARGET.replace(' ', '-')}"]
    box = pmet.figure.layout["shapes"][0]
    assert box["type"] == "rect" and box["x1"] < 30  # the box of the misses: headroom below 30 MW
    effects = charts[f"effects-p-met-{TARGET.replace(' ', '-')}"]
    low, high = effects.figure.data[1], effects.figure.data[2]
    assert low["y"][0] == "grid headroom" and (low["x"][0], high["x"][0]) == (0.0, 100.0)  # P(met) in %


def test_tornado_labels_sit_outside_each_bar_and_its_legend_under_the_title(folders):
    """'0.371 / 0.63 months' ran into each other where an input lowers the outcome (its low end on the
    right): each label goes on the outer side of its end; the legend sits under the title, not on it."""
    charts = [c for c in charts_for(read_folder(folders["explore"])) if c.id.startswith("effects-")]
    assert charts
    for chart in charts:
        low, high = chart.figure.data[1], chart.figure.data[2]
        for a, b, pa, pb in zip(low["x"], high["x"], low["textposition"], high["textposition"]):
            assert (pa, pb) == (("middle left", "middle right") if a <= b else ("middle right", "middle left"))
        layout = chart.figure.layout
        assert layout["margin"]["t"] >= 130 and layout["title"]["yanchor"] == "top"
    pmet = next(c for c in charts_for(read_folder(folders["explore"])) if c.id.startswith("pmet-")).figure.layout
    assert all(len(line) <= 36 for line in pmet["yaxis"]["title"]["text"].split("<br>"))  # not cut at the edge
    assert pmet["legend"]["y"] <= -0.2 and pmet["margin"]["b"] >= 120  # under the x-axis title, not on it


def test_explore_charts_one_bar_chart_per_output_and_one_heatmap_per_yearly_output(folders):
    folder = read_folder(folders["explore"])
    ids = [c.id for c in charts_for(folder)]
    sensitivity = pd.read_csv(folders["explore"] / "sensitivity.csv")
    whole = sensitivity[sensitivity["year"].isna()]["output"].unique()
    yearly = sensitivity[sensitivity["year"].notna()]["output"].unique()
    assert len([i for i in ids if i.startswith("tornado-")]) == len(whole) > 0
    assert len([i for i in ids if i.startswith("years-")]) == len(yearly) > 0
    assert f"tornado-p-met-{TARGET.replace(' ', '-')}" in ids
    bars = next(c for c in charts_for(folder) if c.id.startswith("tornado-p-met"))
    assert [t["name"].split(" ")[0] for t in bars.figure.data] == ["ST", "S1"]


def test_plotly_accepts_every_chart_of_an_explore_and_a_solve_and_writes_the_same_json(folders):
    charts = charts_for(read_folder(folders["explore"])) + charts_for(read_folder(folders["solve"]))
    assert {c.id.split("-")[0] for c in charts} == {"effects", "pmet", "tornado", "years", "solve"}
    for chart in charts:
        assert json.loads(chart.figure.to_json()) == plotly_json(chart.figure), chart.id


def test_cli_report_of_an_explore_folder_writes_the_page(folders, tmp_path):
    out = tmp_path / "page.html"
    done = run_cli("report", str(folders["explore"]), "--out", str(out))
    assert done.returncode == 0, done.stderr
    text = out.read_text(encoding="utf-8")
    assert "an exploration of the inputs" in text and "Scenario discovery" in text


def test_a_run_with_sites_csv_gets_one_power_panel_per_site(tmp_path):
    from report_folders import MONTHS, run_folder

    rows = []
    for site, mw in (("north", 100.0), ("county", 3.0)):
        for i, month in enumerate(MONTHS):
            for metric, value in (("facility_mw", mw + i), ("it_load_mw", mw * 0.8)):
                rows.append({"variant": "base", "month": month, "site": site, "metric": metric, "mean": value,
                             "p10": value - 1, "p50": value, "p90": value + 1})
    folder = run_folder(tmp_path / "run")
    pd.DataFrame(rows).to_csv(folder / "sites.csv", index=False)
    charts = charts_for(read_folder(folder))
    assert [c.id for c in charts][:5] == ["growth", "share", "power", "sites", "timeline"]
    sites = next(c for c in charts if c.id == "sites")
    assert [a["text"] for a in sites.figure.layout["annotations"]] == [
        "all sites, stacked (median)", "north: peak 103 MW", "county: peak 6 MW"]  # one scale, names, peaks
    medians = {t["name"]: list(t["y"]) for t in sites.figure.data if t["name"].endswith("median")}
    assert medians["north facility power, median"] == [100.0, 101.0, 102.0, 103.0]
    assert medians["county facility power, median"] == [3.0, 4.0, 5.0, 6.0]
    assert medians["county IT load, median"] == [2.4] * 4
    assert "every site (2), then one panel per site on one MW scale" in sites.description


def test_an_input_with_no_effect_is_named_as_one_to_fix_not_as_deciding(folders, tmp_path):
    """Project a's IT MW does not change whether the target is met (its index on P(met) is 0) but
    moves energy; an input whose every index is 0 is listed apart."""
    folder = read_folder(folders["explore"])
    table = folder.tables["sensitivity"]
    table.loc[table["parameter"] == "projects.a.it_mw", ["value", "ci_low", "ci_high"]] = 0.0
    table.loc[table["parameter"] == "projects.a.it_mw", "stable"] = True
    sentences = answer(folder).sentences
    assert sentences[2].startswith(f"What decides P(target '{TARGET}' met): grid headroom (ST ")
    assert not any(s.startswith("What decides") and "IT power of a" in s for s in sentences)
    assert ("1 input hardly moves any of these outcomes (ST below 0.01; can be fixed anywhere in its range): "
            "IT power of a.") in sentences
