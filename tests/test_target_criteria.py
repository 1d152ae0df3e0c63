"""Targets on every measure: racks, IT MW, peak facility MW, annual PUE, green share, utilisation,
annual energy (a quota), annual carbon and public cost, each met in one month or year and missed in
the next, by hand.

The scenario (deterministic: no uncertainty block, one replication), on a site at 10 degC all year:

* project ``a``: 10 MW IT at utilisation 0.5, cooling ``air`` (PUE 1.5), online 2025-01 (the
  horizon's first month), 1,000 PFLOPS, investment 1e9 CNY;
* project ``b``: 10 MW IT at utilisation 0.9, cooling ``good`` (PUE 1.2), online 2026-01, 2,000
  PFLOPS, investment 2e9 CNY;
* a capital subsidy of 10 % (paid as a project comes online), an emissions block with grid power at
  0.5 tCO2/MWh and a green share of 20 % in 2025 and 50 % in 2026; racks of 2.5 kW (the default).

Then, in every month of 2025 and of 2026 (both years have 8,760 hours):

=============================  =====================================  =============================================
measure                        2025                                   2026
=============================  =====================================  =============================================
IT MW (month end)              10                                     20
racks = IT MW x 1000 / 2.5     4,000                                  8,000
IT load MW                     5 (10 x 0.5)                           14 (5 + 10 x 0.9)
utilisation = load / IT MW     0.5                                    0.7
facility MW                    7.5 (5 x 1.5)                          18.3 (7.5 + 9 x 1.2)
energy MWh (year)              65,700 (7.5 x 8,760)                   160,308 (18.3 x 8,760)
IT energy MWh (year)           43,800                                 122,640
PUE (year)                     1.5                                    160,308 / 122,640 = 1.307143
green share                    0.2                                    0.5
carbon t (year)                65,700 x 0.8 x 0.5 = 26,280            160,308 x 0.5 x 0.5 = 40,077
public cost to date (CNY)      1e8 (a's subsidy, paid 2025-01)        3e8 (+ b's 2e8, paid 2026-01)
=============================  =====================================  =============================================

Each criterion gets a target by 2025-12 and one by 2026-01 with a figure between its two values.
"""

from __future__ import annotations

import json
import re

import numpy as np
import pandas as pd
import pytest
from safety import capsim

import sim
from sim.analysis.criteria import criterion_values

SCENARIO = {
    "name": "criteria test region",
    "horizon": {"start": "2025-01", "end": "2026-12"},
    "sites": {"flat": {"monthly_temp_c": [10.0] * 12}},
    "cooling": {"air": {"pue_curve": [[10, 1.5]]}, "good": {"pue_curve": [[10, 1.2]]}},
    "projects": [
        {"id": "a", "class": "intelligent", "site": "flat", "cooling": "air",
         "compute": {"pflops": 1000, "precision": "FP16"}, "it_mw": 10, "utilization": 0.5,
         "investment_cny": 1.0e9, "status": "construction", "online": "2025-01"},
        {"id": "b", "class": "intelligent", "site": "flat", "cooling": "good",
         "compute": {"pflops": 2000, "precision": "FP16"}, "it_mw": 10, "utilization": 0.9,
         "investment_cny": 2.0e9, "status": "construction", "online": "2026-01"},
    ],
    "policies": {"capex_subsidy": {"rate": 0.1},
                 "emissions": {"grid_t_per_mwh": 0.5, "green_share": {2025: 0.2, 2026: 0.5}}},
    "variants": {"late-b": {"kind": "policy", "description": "b after the horizon",
                            "set": {"projects.b.online": "2027-01"}}},
}
FIGURES = {"racks": 6000, "it_mw": 15, "facility_mw": 10, "pue": 1.4, "green_share": 0.4, "utilization": 0.6,
           "energy_mwh": 100_000, "carbon_t": 30_000, "public_cost_cny": 2e8}
VALUES = {  # (2025, 2026) by hand, module docstring
    "racks": (4000, 8000), "it_mw": (10, 20), "facility_mw": (7.5, 18.3), "pue": (1.5, 160_308 / 122_640),
    "green_share": (0.2, 0.5), "utilization": (0.5, 0.7), "energy_mwh": (65_700, 160_308),
    "carbon_t": (26_280, 40_077), "public_cost_cny": (1e8, 3e8),
}
MET_2025 = {"racks": False, "it_mw": False, "facility_mw": True, "pue": False, "green_share": False,
            "utilization": False, "energy_mwh": True, "carbon_t": True, "public_cost_cny": True}
"""Whether the 2025-12 target is met; the 2026-01 one is the opposite in every case."""


def data(extra_targets=()) -> dict:
    out = json.loads(json.dumps(SCENARIO))
    out["targets"] = [{"name": f"{name} {by}", "by": by, name: figure}
                      for name, figure in FIGURES.items() for by in ("2025-12", "2026-01")]
    out["targets"] += [{"name": "AI 2026", "by": "2026-12", "intelligent_eflops": 2.0},
                       {"name": "all 2025", "by": "2025-12", "racks": 3000, "pue": 1.6, "energy_mwh": 1e5,
                        "carbon_t": 3e4},
                       *extra_targets]
    return out


@pytest.fixture(scope="module")
def results():
    return sim.simulate(sim.scenario_from_data(data()), replications=1, seed=0)


@pytest.mark.parametrize("name", list(FIGURES))
def test_each_criterion_value_by_hand(results, name):
    values = criterion_values(results.series, name, "2025-01")[0]
    assert values[:12] == pytest.approx([VALUES[name][0]] * 12, rel=1e-12)
    assert values[12:] == pytest.approx([VALUES[name][1]] * 12, rel=1e-12)


def test_each_criterion_met_in_one_period_and_missed_in_the_next(results):
    table = results.targets.set_index("target")
    for name, met in MET_2025.items():
        assert table.at[f"{name} 2025-12", "probability"] == (1.0 if met else 0.0), name
        assert table.at[f"{name} 2026-01", "probability"] == (0.0 if met else 1.0), name
        # at least: first met when b comes online; at most: met from the start
        assert table.at[f"{name} 2025-12", "reached_p50"] == ("2025-01" if met else "2026-01"), name
    assert table.at["AI 2026", "probability"] == 1.0  # 3 intelligent EFLOPS >= 2
    assert table.at["all 2025", "probability"] == 1.0  # every criterion holds in 2025


def test_summary_shows_each_criterion_in_its_unit():
    # two replications (of a scenario without uncertainty: the same run twice) so the summary speaks in
    # probabilities; one replication prints values and met/missed (tests/test_deterministic.py)
    text = sim.summary_text(sim.simulate(sim.scenario_from_data(data()), replications=2, seed=0))
    expected = [
        "target 'racks 2025-12' by 2025-12 (racks >= 6,000): probability met 0.0%; racks 4,000 racks;",
        "target 'racks 2026-01' by 2026-01 (racks >= 6,000): probability met 100.0%; racks 8,000 racks;",
        "(it_mw >= 15): probability met 0.0%; IT 10.0 MW;",
        "(facility_mw <= 10): probability met 100.0%; peak facility in 2025 7.5 MW;",
        "(facility_mw <= 10): probability met 0.0%; peak facility in 2026 18.3 MW;",
        "(pue <= 1.4): probability met 0.0%; PUE in 2025 1.500;",
        "(pue <= 1.4): probability met 100.0%; PUE in 2026 1.307;",
        "(green_share >= 0.4): probability met 0.0%; green share 20.0%;",
        "(utilization >= 0.6): probability met 100.0%; utilisation 70.0%;",
        "(energy_mwh <= 100,000): probability met 100.0%; energy in 2025 65,700 MWh;",
        "(energy_mwh <= 100,000): probability met 0.0%; energy in 2026 160,308 MWh;",
        "(carbon_t <= 30,000): probability met 0.0%; carbon in 2026 40,077 t;",
        "(public_cost_cny <= 200,000,000): probability met 0.0%; public cost to date 300,000,000 CNY;",
        # a target on intelligent EFLOPS reports intelligent EFLOPS (3), not the total
        "target 'AI 2026' by 2026-12 (intelligent_eflops >= 2): probability met 100.0%; intelligent 3.00 EFLOPS;",
        "(racks >= 3,000, pue <= 1.6, energy_mwh <= 100,000, carbon_t <= 30,000): probability met 100.0%; "
        "racks 4,000 racks, PUE in 2025 1.500, energy in 2025 65,700 MWh, carbon in 2025 26,280 t;",
    ]
    for line in expected:
        assert line in text, line
    for name, met in MET_2025.items():  # each measure met in one month and missed in the next
        for by, held in (("2025-12", met), ("2026-01", not met)):
            assert re.search(rf"target '{name} {by}' by {by} \({name} [<>]= [0-9.,]+\): probability met "
                             rf"{100.0 if held else 0.0:.1f}%;", text), (name, by)


def test_verdict_gives_the_shortfall_in_each_criterions_unit():
    both = {"name": "t", "by": "2026-06", "racks": 9000, "facility_mw": 12, "pue": 1.25, "utilization": 0.8,
            "public_cost_cny": 1e8}
    scenario = sim.scenario_from_data({**data(), "targets": [both]})
    text = sim.summary_text(sim.simulate(scenario, replications=2))
    first = text.splitlines()[0]
    # racks 9,000 - 8,000; peak 18.3 - 12; PUE 1.307143 - 1.25; utilisation 0.8 - 0.7; cost 3e8 - 1e8
    assert ("in 2026-06: short by 1,000 racks at the median, 1,000 at the low end (P10); 6.3 MW peak facility above the aim of 12.0 MW at "
            "the median, 6.3 at the high end (P90); PUE 0.057 above the aim of 1.25 at the median, 0.057 at the high end (P90); short by 10.0 "
            "points of utilisation at the median, 10.0 at the low end (P10); 200,000,000 CNY public cost above the aim of 100,000,000 CNY at "
            "the median, 200,000,000 at the high end (P90)") in first


def test_run_compare_report_through_the_command(tmp_path):
    path = tmp_path / "criteria.yaml"
    path.write_text(json.dumps(data()), encoding="utf-8")
    run = capsim("run", path, "-r", "2", "--out", tmp_path / "run", "--no-plots", "-j", "1")
    assert run.returncode == 0, run.stderr
    assert "(pue <= 1.4): probability met 100.0%; PUE in 2026 1.307;" in run.stdout
    # the measures that are not metrics are rows of monthly.csv / annual.csv, for the report and verdict
    monthly = pd.read_csv(tmp_path / "run" / "monthly.csv")
    rows = monthly[monthly.month.isin(["2025-12", "2026-01"])].set_index(["metric", "month"])["p50"]
    assert rows[("utilization", "2025-12")] == pytest.approx(0.5)
    assert rows[("utilization", "2026-01")] == pytest.approx(0.7)
    assert rows[("green_share", "2026-01")] == pytest.approx(0.5)
    assert rows[("public_cost_cny", "2026-01")] == pytest.approx(3e8)
    annual = pd.read_csv(tmp_path / "run" / "annual.csv").set_index(["metric", "year"])["p50"]
    assert annual[("peak_facility_mw", 2025)] == pytest.approx(7.5)
    assert annual[("peak_facility_mw", 2026)] == pytest.approx(18.3)
    # the report's answer states each criterion and the run's figure for it
    html = (tmp_path / "run" / "report.html").read_text(encoding="utf-8")
    for words in ("Target &#x27;pue 2025-12&#x27; (PUE ≤ 1.4 in its year) by 2025-12: met in 0%",
                  "PUE in 2025: 1.500", "Utilisation in 2026-01: 70.0%", "Green share in 2025-12: 20.0%",
                  "Public cost to 2026-01: 300,000,000 CNY", "Peak facility in 2026: 18.3 MW",
                  "Energy in 2026: 160,308 MWh", "Carbon in 2026: 40,077 t", "Racks in 2026-01: 8,000 racks"):
        assert words in html or words.replace("&#x27;", "'") in html, words

    for name, met in MET_2025.items():  # the answer: each measure met in one month and missed in the next
        for by, held in (("2025-12", met), ("2026-01", not met)):
            assert re.search(rf"Target &#x27;{name} {by}&#x27; \([^)]*\) by {by}: met in {100 if held else 0}% of 2 "
                             "simulated futures", html), (name, by)

    compare = capsim("compare", path, "--out", tmp_path / "cmp", "--no-plots", "--no-report", "-j", "1")
    assert compare.returncode == 0, compare.stderr
    out = compare.stdout
    assert "  T7 = 'pue 2025-12' by 2025-12 (pue <= 1.4)" in out
    assert "  T20 = 'all 2025' by 2025-12 (racks >= 3,000, pue <= 1.6, energy_mwh <= 100,000, carbon_t <= 30,000)" in out
    ranking = pd.read_csv(tmp_path / "cmp" / "ranking.csv").set_index("variant")
    # late-b (b never online): the 2026-01 racks target is missed, the 2026 energy quota met
    racks, quota = "probability[racks 2026-01]", "probability[energy_mwh 2026-01]"
    assert ranking.at["base", racks] == 1.0 and ranking.at["late-b", racks] == 0.0
    assert ranking.at["base", quota] == 0.0 and ranking.at["late-b", quota] == 1.0
    base = next(x for x in out.splitlines() if x.split()[1:2] == ["base"])
    columns = base.split()[2:20]  # P(T1) ... P(T18): each measure by 2025-12, then by 2026-01
    for i, (name, met) in enumerate(MET_2025.items()):
        assert ranking.at["base", f"probability[{name} 2025-12]"] == float(met), name
        assert ranking.at["base", f"probability[{name} 2026-01]"] == float(not met), name
        assert columns[2 * i:2 * i + 2] == (["100.0%", "0.0%"] if met else ["0.0%", "100.0%"]), name
    line = next(x for x in out.splitlines() if x.split()[1:2] == ["late-b"])
    assert line.split()[2:5] == ["0.0%", "0.0%", "0.0%"]  # P(T1), P(T2), P(T3) of late-b


def test_explore_reports_p_met_and_each_criterions_measure(tmp_path):
    path = tmp_path / "criteria.yaml"
    path.write_text(json.dumps(data()), encoding="utf-8")
    # b's utilisation u in [0.2, 0.4]: 2026 energy (7.5 + 12 u) x 8,760 MWh, within the 100,000 quota
    # when u <= (100,000 / 8,760 - 7.5) / 12 = 0.32629
    result = capsim("explore", path, "--method", "lhs", "-n", "8", "-r", "1", "--vary",
                    "projects.b.utilization=0.2:0.4", "--out", tmp_path / "ex", "--no-plots", "--no-report", "-j", "1")
    assert result.returncode == 0, result.stderr
    samples = pd.read_csv(tmp_path / "ex" / "samples.csv")
    u = samples["projects.b.utilization"]
    energy = (7.5 + 12 * u) * 8760
    assert np.allclose(samples["energy_mwh_at[energy_mwh 2026-01]"], energy)
    assert (samples["p_met[energy_mwh 2026-01]"] == (energy <= 1e5).astype(float)).all()
    assert np.allclose(samples["utilization_at[utilization 2026-01]"], (5 + 10 * u) / 20)
    assert np.allclose(samples["pue_at[pue 2025-12]"], 1.5)
    assert "eflops_at[pue 2025-12]" in samples.columns  # the former outputs are all still there
    # every measure by 2025-12 and by 2026-01 (b online from 2026-01 at utilisation u): the racks, IT
    # and green-share aims missed, then met; the public-cost cap met, then missed (3e8 > 2e8); the
    # 2026 PUE (7.5 + 12 u) / (5 + 10 u) <= 1.4 when u >= 0.25; the 2026 peak 7.5 + 12 u <= 10 MW
    # when u <= 0.2083; the 2026 carbon (7.5 + 12 u) x 8,760 x 0.25 <= 30,000 t for every u <= 0.5166
    for name, met in MET_2025.items():
        assert (samples[f"p_met[{name} 2025-12]"] == float(met)).all(), name
    for name, held in (("racks", 1.0), ("it_mw", 1.0), ("green_share", 1.0), ("public_cost_cny", 0.0),
                       ("carbon_t", 1.0), ("utilization", 0.0)):  # utilisation (5 + 10 u) / 20 < 0.6
        assert (samples[f"p_met[{name} 2026-01]"] == held).all(), name
    assert (samples["p_met[pue 2026-01]"] == (u >= 0.25).astype(float)).all()
    assert np.allclose(samples["pue_at[pue 2026-01]"], (7.5 + 12 * u) / (5 + 10 * u))
    assert (samples["p_met[facility_mw 2026-01]"] == (7.5 + 12 * u <= 10).astype(float)).all()
    assert np.allclose(samples["racks_at[racks 2026-01]"], 8000)
    # the Latin hypercube puts 2 of its 8 samples in [0.2, 0.25): the PUE aim missed in 25% of them
    assert (u < 0.25).sum() == 2
    for line in ("target 'racks 2025-12': missed in every sample", "target 'racks 2026-01': met in every sample",
                 "target 'pue 2025-12': missed in every sample", "target 'public_cost_cny 2026-01': missed in every sample",
                 "target 'pue 2026-01' missed in 25% of samples; the misses gather where utilisation of b <= "):
        assert line in result.stdout, line
    assert "target 'energy_mwh 2026-01' missed in" in result.stdout
    assert "the misses gather where utilisation of b >=" in result.stdout  # the input by its plain label


def test_solve_on_an_energy_quota():
    scenario = sim.scenario_from_data(data())
    from sim.explore.solve import solve

    solution = solve(scenario, "projects.b.utilization", "energy_mwh 2026-01", 0.9, low=0.1, high=0.9, direction="largest",
                     tolerance=0.001, replications=1)
    # the largest utilisation within the quota: (100,000 / 8,760 - 7.5) / 12 = 0.326294
    assert solution.status == "solved" and solution.direction == "largest"
    assert abs(solution.answer - (100_000 / 8760 - 7.5) / 12) <= 0.001


@pytest.mark.parametrize("target, words", [
    ({"green_share": 0.5}, "targets[t].green_share: needs policies.emissions"),
    ({"carbon_t": 10}, "targets[t].carbon_t: needs policies.emissions"),
    ({"pue": 0.9}, "targets[t].pue"),
    ({"utilization": 1.5}, "targets[t].utilization"),
    ({"racks": -1}, "targets[t].racks"),
])
def test_bad_criteria_are_one_clear_line(tmp_path, target, words):
    bad = data()
    bad["policies"] = {"capex_subsidy": {"rate": 0.1}}
    bad["targets"] = [{"name": "t", "by": "2026-01", **target}]
    path = tmp_path / "bad.yaml"
    path.write_text(json.dumps(bad), encoding="utf-8")
    result = capsim("validate", path)
    assert result.returncode == 2 and "Traceback" not in result.stderr
    assert words in result.stderr, result.stderr


def test_peak_mw_and_energy_quota_targets_drawn_on_the_power_chart(results):
    from sim.report.charts import power_chart
    from sim.report.goal_charts import power_aims

    specs = [{**t.model_dump(mode="json"), "role": t.role} for t in results.scenario.targets]
    chart = power_aims(power_chart(results.monthly, results.annual), results.monthly, results.annual, specs,
                       results.targets)
    marks = [t for t in chart.figure.to_dict()["data"] if t.get("name") == "target"]
    assert len(marks) == 2  # the peak-MW aims (power panel) and the energy quotas (energy panel)
    peak, quota = marks
    # each peak aim in the middle of its calendar year (2025-01-01 + 182 days), a star where the
    # year's median peak meets it (7.5 <= 10 in 2025), an X where it misses it (18.3 in 2026)
    assert peak["x"] == ["2025-07-02", "2026-07-02"] and peak["y"] == [10, 10]
    assert peak["marker"]["symbol"] == ["star", "x"]
    assert peak["customdata"][0] == ("facility_mw 2025-12 (plan): ≤ 10 MW (peak of its year) by 2025-12; "
                                     "median 7.50 MW (peak of its year) meets it; whole target met in 100% of runs")
    # 100,000 MWh = 0.1 TWh at the target's year, on the energy bars' axis; 'all 2025' too
    assert quota["x"] == ["2025", "2026", "2025"] and quota["y"] == [0.1, 0.1, 0.1]
    assert quota["marker"]["symbol"] == ["star", "x", "star"]
    assert quota["customdata"][1].startswith("energy_mwh 2026-01 (plan): ≤ 0.1 TWh in its year by 2026-01; "
                                             "median 0.16 TWh in its year misses it")
    assert quota["text"] == ["", "energy_mwh 2026-01", "energy_mwh 2025-12, all 2025"]  # one label per year


def test_a_measure_undefined_at_the_target_is_said_and_not_met():
    # a online 2025-06 and b 2026-01: nothing is online in 2025-03, so no IT to be utilised and no
    # facility energy to be green; the year's PUE (June to December) is a's 1.5
    undefined = {"name": "u", "by": "2025-03", "utilization": 0.5, "green_share": 0.1, "pue": 1.6}
    changed = {**data(), "targets": [undefined]}
    changed["projects"][0]["online"] = "2025-06"
    results = sim.simulate(sim.scenario_from_data(changed), replications=2)
    assert results.targets.at[0, "probability"] == 0.0 and results.targets.at[0, "reached_p50"] == "2025-06"
    text = sim.summary_text(results)
    assert "PUE in 2025 1.500, green share undefined (not met), utilisation undefined (not met);" in text
    assert "short in 2025-03 by green share, utilisation undefined at the median (not met);" in text.splitlines()[0]


def test_one_replication_summary_shows_each_criterion_as_checked(results):
    # one replication: the value the check used (yearly ones over the year of `by`, public cost to
    # date), the criterion's direction and unit, met or missed (module docstring's table)
    text = sim.summary_text(results)
    expected = [
        "target 'racks 2025-12' by 2025-12 (racks >= 6,000): missed; racks 4,000 racks; first met 2026-01",
        "target 'it_mw 2026-01' by 2026-01 (it_mw >= 15): met; IT 20.0 MW;",
        "target 'facility_mw 2025-12' by 2025-12 (facility_mw <= 10): met; peak facility in 2025 7.5 MW;",
        "target 'facility_mw 2026-01' by 2026-01 (facility_mw <= 10): missed; peak facility in 2026 18.3 MW;",
        "target 'pue 2025-12' by 2025-12 (pue <= 1.4): missed; PUE in 2025 1.500;",
        "target 'pue 2026-01' by 2026-01 (pue <= 1.4): met; PUE in 2026 1.307;",
        "target 'green_share 2025-12' by 2025-12 (green_share >= 0.4): missed; green share 0.200;",
        "target 'utilization 2026-01' by 2026-01 (utilization >= 0.6): met; utilisation 0.700;",
        "target 'energy_mwh 2025-12' by 2025-12 (energy_mwh <= 100,000): met; energy in 2025 65,700 MWh;",
        "target 'energy_mwh 2026-01' by 2026-01 (energy_mwh <= 100,000): missed; energy in 2026 160,308 MWh;",
        "target 'carbon_t 2026-01' by 2026-01 (carbon_t <= 30,000): missed; carbon in 2026 40,077 t;",
        "target 'public_cost_cny 2025-12' by 2025-12 (public_cost_cny <= 200,000,000): met; "
        "public cost to date 100,000,000 CNY;",
        "target 'public_cost_cny 2026-01' by 2026-01 (public_cost_cny <= 200,000,000): missed; "
        "public cost to date 300,000,000 CNY;",
        "target 'AI 2026' by 2026-12 (intelligent_eflops >= 2): met; 3.00 EFLOPS intelligent;",
        "target 'all 2025' by 2025-12 (racks >= 3,000, pue <= 1.6, energy_mwh <= 100,000, carbon_t <= 30,000): "
        "met; racks 4,000 racks; PUE in 2025 1.500; energy in 2025 65,700 MWh; carbon in 2025 26,280 t;",
    ]
    for line in expected:
        assert line in text, (line, text)
    assert "EFLOPS racks" not in text and "EFLOPS pue" not in text
