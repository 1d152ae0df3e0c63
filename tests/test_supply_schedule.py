"""A supply of accelerators that changes over time: ``supply.ai_pflops_per_month: {YYYY-MM: rate}``."""

from __future__ import annotations

import pandas as pd
import pytest

from safety import capsim, one_line

SCENARIO = """\
version: 1
name: Supply schedule
horizon: {start: 2025-01, end: 2025-08}
sites:
  s: {monthly_temp_c: [10, 10, 10, 10, 10, 10, 10, 10, 10, 10, 10, 10]}
cooling:
  c: {pue_curve: [[0, 1.2], [30, 1.2]]}
projects:
  - {id: a, class: intelligent, site: s, cooling: c, compute: {pflops: 250, precision: FP16}, it_mw: 1,
     utilization: 0.5, status: planned, online: 2025-03}
supply:
  ai_pflops_per_month: RATE
"""


def _stock(tmp_path, write_yaml, rate: str, name: str) -> list[float]:
    path = write_yaml(SCENARIO.replace("RATE", rate), name=f"{name}.yaml")
    done = capsim("run", path, "--out", tmp_path / name, "-q", "--no-plots", "--no-report")
    assert done.returncode == 0, done.stderr
    monthly = pd.read_csv(tmp_path / name / "monthly.csv")
    return monthly[monthly["metric"] == "supply_stock_pflops"].sort_values("month")["p50"].tolist()


def test_stock_stops_piling_up_after_the_rate_drops(tmp_path, write_yaml):
    """100 PFLOPS a month at t = 0, 1, 2; the project takes 250 in 2025-03 (stock 300 - 250 = 50);
    nothing delivered in 2025-04 and 2025-05; 50 a month from 2025-06. With the single rate of 100
    the stock grows by 100 every month after 2025-03."""
    schedule = _stock(tmp_path, write_yaml, "{2025-01: 100, 2025-04: 0, 2025-06: 50}", "schedule")
    assert schedule == [100, 200, 50, 50, 50, 100, 150, 200]
    single = _stock(tmp_path, write_yaml, "100", "single")
    assert single == [100, 200, 50, 150, 250, 350, 450, 550]


def test_nothing_is_delivered_before_the_first_step(tmp_path, write_yaml):
    # first step in 2025-02: 100 at t = 1, 2 (200 by 2025-03, short of 250), granted at t = 3 (300)
    assert _stock(tmp_path, write_yaml, "{2025-02: 100}", "late") == [0, 100, 200, 50, 150, 250, 350, 450]


def test_one_step_before_the_horizon_is_the_single_rate_file_for_file(tmp_path, write_yaml):
    _stock(tmp_path, write_yaml, "100", "single")
    _stock(tmp_path, write_yaml, "{2020-06: 100}", "early")
    for name in ("monthly.csv", "annual.csv", "projects.csv"):
        assert (tmp_path / "single" / name).read_bytes() == (tmp_path / "early" / name).read_bytes(), name


@pytest.mark.parametrize("rate, message", [
    ("{2025-01: -1}", "12:34: supply.ai_pflops_per_month.2025-01: must be at least 0 (got -1)"),
    ("{2025-13: 5}", "12:25: supply.ai_pflops_per_month: must be a month written YYYY-MM, e.g. 2026-06 (got '2025-13')"),
    ("{}", "12:24: supply.ai_pflops_per_month: must have at least 1 entry (got an empty mapping)"),
    ("0", "12:24: supply.ai_pflops_per_month: must be greater than 0 (got 0)"),
    ("[1, 2]", "12:24: supply.ai_pflops_per_month: must be a number (got a list)"),
])
def test_a_bad_schedule_is_one_line(write_yaml, rate, message):
    path = write_yaml(SCENARIO.replace("RATE", rate))
    done = capsim("validate", path)
    assert done.returncode == 2
    assert one_line(done) == f"{path}:{message}"


def test_a_step_can_be_drawn_but_not_the_whole_schedule(write_yaml):
    text = SCENARIO.replace("RATE", "{2025-01: 100, 2025-06: 50}")
    good = write_yaml(text + "uncertainty:\n  parameters:\n    supply.ai_pflops_per_month.2025-06: "
                      "{dist: uniform, low: 10, high: 20}\n", name="good.yaml")
    assert capsim("validate", good).returncode == 0
    bad = write_yaml(text + "uncertainty:\n  parameters:\n    supply.ai_pflops_per_month: "
                     "{dist: uniform, low: 10, high: 20}\n", name="bad.yaml")
    done = capsim("validate", bad)
    assert done.returncode == 2
    assert one_line(done).endswith("uncertainty.parameters.supply.ai_pflops_per_month: path "
                                   "'supply.ai_pflops_per_month' names a mapping, not a number")


def test_a_share_of_a_national_supply(tmp_path, write_yaml):
    """``national_pflops_per_month`` x ``share``: a quarter of {400, then 0 from 2025-04, then 200 from
    2025-06} is the schedule {100, 0, 50} of the first test, stock for stock; a quarter of one
    national rate of 400 is the single rate 100."""
    stocks = {}
    for name, supply in (("national", "{2025-01: 400, 2025-04: 0, 2025-06: 200}"), ("rate", "400")):
        text = SCENARIO.replace("ai_pflops_per_month: RATE", f"national_pflops_per_month: {supply}\n  share: 0.25")
        done = capsim("run", write_yaml(text, name=f"{name}.yaml"), "--out", tmp_path / name, "-q", "--no-plots",
                      "--no-report")
        assert done.returncode == 0, done.stderr
        monthly = pd.read_csv(tmp_path / name / "monthly.csv")
        stocks[name] = monthly[monthly["metric"] == "supply_stock_pflops"].sort_values("month")["p50"].tolist()
    assert stocks["national"] == [100, 200, 50, 50, 50, 100, 150, 200]
    assert stocks["rate"] == [100, 200, 50, 150, 250, 350, 450, 550]
    _stock(tmp_path, write_yaml, "100", "single")
    for name in ("monthly.csv", "annual.csv", "projects.csv"):
        assert (tmp_path / "single" / name).read_bytes() == (tmp_path / "rate" / name).read_bytes(), name


@pytest.mark.parametrize("supply, message", [
    ("national_pflops_per_month: 400", "12:30: supply.national_pflops_per_month: needs share: the region's share "
                                       "of national_pflops_per_month (0 to 1)"),
    ("share: 0.25", "12:10: supply.share: needs national_pflops_per_month: the national supply that share is a share of"),
    ("ai_pflops_per_month: 100\n  share: 0.25", "13:10: supply.share: give either ai_pflops_per_month (the region's "
                                                "deliveries) or national_pflops_per_month with share, not both"),
    ("national_pflops_per_month: 400\n  share: 1.5", "13:10: supply.share: must be at most 1 (got 1.5)"),
    ("source: x", "12:3: supply: needs ai_pflops_per_month (the region's deliveries, PFLOPS per month), or "
                  "national_pflops_per_month and share"),
])
def test_a_bad_national_supply_is_one_line(write_yaml, supply, message):
    path = write_yaml(SCENARIO.replace("ai_pflops_per_month: RATE", supply))
    done = capsim("validate", path)
    assert done.returncode == 2
    assert one_line(done) == f"{path}:{message}"
