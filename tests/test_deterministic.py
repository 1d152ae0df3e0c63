"""``capsim run --deterministic``: every distribution at its point value, one replication, and the
one-replication summary (values, met or missed; no probability, percentage, P50 or band)."""

from __future__ import annotations

import pandas as pd
import pytest

import sim
from sim.engine.distributions import point_value
from sim.run.simulate import deterministic
from sim.scenario.schema import Fixed, Lognormal, Normal, Triangular, Uniform
from safety import capsim, one_line

# a (operating) 1000 PFLOPS, 10 MW IT; b planned 2025-03 with go 0.6 (goes), delay triangular
# mode 2 (online 2025-05) and its PFLOPS drawn lognormal, median 3000; c go 0.4 (never goes).
# Flat PUE 1.2, utilisation 0.5: facility MW = 0.5 x IT MW x 1.2.
HAND = """\
version: 1
name: Hand check
horizon: {start: 2025-01, end: 2025-06}
sites:
  s: {monthly_temp_c: [10, 10, 10, 10, 10, 10, 10, 10, 10, 10, 10, 10]}
cooling:
  c: {pue_curve: [[0, 1.2], [30, 1.2]]}
projects:
  - {id: a, class: intelligent, site: s, cooling: c, compute: {pflops: 1000, precision: FP16}, it_mw: 10,
     utilization: 0.5, status: operating}
  - {id: b, class: intelligent, site: s, cooling: c, compute: {pflops: 2000, precision: FP16}, it_mw: 20,
     utilization: 0.5, status: planned, online: 2025-03, go_probability: 0.6,
     delay_months: {dist: triangular, low: 0, mode: 2, high: 6}}
  - {id: c, class: intelligent, site: s, cooling: c, compute: {pflops: 500, precision: FP16}, it_mw: 5,
     utilization: 0.5, status: planned, online: 2025-02, go_probability: 0.4}
uncertainty:
  parameters:
    projects.b.compute.pflops: {dist: lognormal, median: 3000, sigma: 0.3}
targets:
  - {name: april, by: 2025-04, total_eflops: 4}
  - {name: june, by: 2025-06, total_eflops: 4}
"""

HOURS = [744, 672, 744, 720, 744, 720]  # 2025-01 .. 2025-06
EXPECTED_EFLOPS = [1.0, 1.0, 1.0, 1.0, 4.0, 4.0]  # a alone, then a + b (3000 PFLOPS) from 2025-05
EXPECTED_FACILITY_MW = [6.0, 6.0, 6.0, 6.0, 18.0, 18.0]  # 0.5 x 10 x 1.2, then + 0.5 x 20 x 1.2


@pytest.mark.parametrize("dist, value", [
    (Fixed(dist="fixed", value=7), 7.0),
    (Uniform(dist="uniform", low=2, high=6), 4.0),  # midpoint (median)
    (Triangular(dist="triangular", low=0, mode=2, high=6), 2.0),  # mode
    (Normal(dist="normal", mean=5, sd=2), 5.0),  # mean (median)
    (Normal(dist="normal", mean=5, sd=2, low=5), 5 + 2 * 0.6744897501960817),  # truncated: its median, Phi^-1(0.75)
    (Lognormal(dist="lognormal", median=3, sigma=0.5), 3.0),  # median
    (Lognormal(dist="lognormal", median=3, sigma=0.5, high=3), 3 * 2.718281828459045 ** (0.5 * -0.6744897501960817)),
])
def test_point_values(dist, value):
    assert point_value(dist) == pytest.approx(value, rel=1e-12)


def test_deterministic_scenario_draws_nothing(write_yaml):
    scenario = deterministic(sim.load_scenario(write_yaml(HAND)))
    b, c = scenario.project("b"), scenario.project("c")
    assert (b.go_probability, b.delay_months.value, c.go_probability) == (1.0, 2.0, 0.0)
    assert scenario.uncertainty.parameters["projects.b.compute.pflops"].value == 3000.0


def test_hand_computed_deterministic_run(tmp_path, write_yaml):
    path = write_yaml(HAND)
    done = capsim("run", path, "--deterministic", "--out", tmp_path / "out", "--no-plots", "--no-report")
    assert done.returncode == 0, done.stderr
    monthly = pd.read_csv(tmp_path / "out" / "monthly.csv")

    def column(metric):
        return monthly[monthly["metric"] == metric].sort_values("month")["p50"].tolist()

    assert column("total_eflops") == EXPECTED_EFLOPS
    assert column("facility_mw") == EXPECTED_FACILITY_MW
    assert column("energy_mwh") == [mw * h for mw, h in zip(EXPECTED_FACILITY_MW, HOURS)]  # 4464 ... 12960
    assert done.stdout.splitlines()[:6] == [
        "met: 'june' by 2025-06 (one replication); peak facility 18 MW",
        "Hand check: 1 replication, seed 0, variant base; capacity as reported",
        "target 'april' by 2025-04 (total_eflops >= 4): missed; 1.00 EFLOPS total; first met 2025-05",
        "target 'june' by 2025-06 (total_eflops >= 4): met; 4.00 EFLOPS total; first met 2025-05",
        "peak monthly facility power: 18 MW",
        "energy per year (TWh): 2025 0.04",  # 43,632 MWh
    ]


def test_same_files_whatever_jobs(tmp_path, write_yaml):
    path = write_yaml(HAND)
    for jobs in ("1", "2"):
        done = capsim("run", path, "--deterministic", "-j", jobs, "--out", tmp_path / jobs, "--no-plots",
                      "--no-report", "-q")
        assert done.returncode == 0, done.stderr
    for name in ("monthly.csv", "annual.csv", "targets.csv", "projects.csv"):
        assert (tmp_path / "1" / name).read_bytes() == (tmp_path / "2" / name).read_bytes(), name


@pytest.mark.parametrize("args", [["--deterministic"], ["-r", "1"]])
def test_one_replication_summary_has_no_probabilities(tmp_path, args):
    done = capsim("run", "scenarios/example.yaml", *args, "--out", tmp_path / "out", "--no-plots", "--no-report")
    assert done.returncode == 0, done.stderr
    text = done.stdout
    for word in ("%", "probab", "P50", "P10", "[", "on track", "at risk", "off track"):
        assert word not in text, (word, text)
    assert "met" in text


def test_deterministic_with_replications_is_refused(tmp_path):
    done = capsim("run", "scenarios/example.yaml", "--deterministic", "-r", "5", "--out", tmp_path / "out")
    assert done.returncode == 2
    assert one_line(done) == "capsim: error: --deterministic runs one replication (got -r 5); drop -r"
    assert not (tmp_path / "out").exists()
