"""Plain labels of explored inputs (sim/scenario/labels.py): declared, else derived from the path."""

from __future__ import annotations

from sim.scenario.labels import input_label, input_labels, short_name

SCENARIO = {
    "projects": [{"id": "general-rest", "name": "PLACEHOLDER: the rest of Guizhou's general-purpose compute (operating)"},
                 {"id": "no-name"}],
    "sites": {"guian": {"name": "Gui'an New Area (China Mobile, NetEase)"}},
    "explore": {"levers": {"grid.headroom_mw": {"low": 0, "high": 10, "label": "new grid capacity"}}},
    "uncertainty": {"parameters": {"supply.ai_pflops_per_month": {"dist": "uniform", "low": 1, "high": 2,
                                                                  "label": "accelerators delivered"}}},
}


def test_declared_labels_win():
    assert input_label("grid.headroom_mw", SCENARIO) == "new grid capacity"
    assert input_label("supply.ai_pflops_per_month", SCENARIO) == "accelerators delivered"


def test_labels_derived_from_the_path():
    assert input_label("projects.general-rest.utilization", SCENARIO) == \
        "utilisation of the rest of Guizhou's general-purpose compute"
    assert input_label("projects.no-name.it_mw", SCENARIO) == "IT power of no-name"
    assert input_label("policies.capex_subsidy.rate") == "subsidy rate"
    assert input_label("policies.fast_track.delay_scale") == "fast-track delay scale"
    assert input_label("uncertainty.go_probability.registered") == "go probability of registered projects"
    assert input_label("uncertainty.delay_months.registered.high") == "longest delay of registered projects"
    assert input_label("accounting.factors.FP16") == "FP16 accounting factor"
    assert input_label("grid.headroom_mw") == "grid headroom"
    assert input_label("sites.guian.monthly_temp_c", SCENARIO) == "monthly temp of Gui'an New Area"


def test_short_names_and_distinct_labels():
    assert short_name("Yangquan data centres (Baidu Yangquan and others), operating") == "Yangquan data centres"
    labels = input_labels(["policies.capex_subsidy.rate", "policies.other.rate"], {})
    assert labels == {"policies.capex_subsidy.rate": "subsidy rate", "policies.other.rate": "other rate"}


def test_the_schema_takes_a_label_on_levers_and_uncertainties_only_added():
    from conftest import project, scenario_data
    from sim.scenario.load import scenario_from_data

    data = scenario_data([project("old")], grid={"headroom_mw": 1})
    data["explore"] = {"levers": {"grid.headroom_mw": {"low": 0, "high": 5, "label": "grid"}}}
    data["uncertainty"] = {"parameters": {"projects.old.utilization": {"dist": "uniform", "low": 0.4, "high": 0.6,
                                                                       "label": "how full"}}}
    scenario = scenario_from_data(data)
    assert input_label("grid.headroom_mw", scenario) == "grid"
    assert input_label("projects.old.utilization", scenario) == "how full"
