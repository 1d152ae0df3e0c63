"""Per-site outputs: the site arrays (sim/engine/sites.py), sites.csv and the sites plot.

- hand-computed site figures of a two-site scenario (full and part months, seasonal PUE);
- summed over sites, facility power, facility energy and IT energy equal the province's, in every
  replication (Shanxi, with its vouchers, and generated scenarios);
- the table's layout; the plot draws the table's numbers, one panel per site, its legend clear of
  the panels.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure

import sim
from sim import plots
from sim.engine.sites import SITE_METRICS

from conftest import REPO, project, run, scenario_data

SHANXI = REPO / "scenarios" / "shanxi.yaml"


def two_sites() -> dict:
    """'a': 10 MW x 0.5 at site s (flat PUE 1.5), operating. 'b': 4 MW x 0.25 at site cold
    (seasonal PUE: 1.1 at or below 0 degC, 1.3 at or above 20), planned 2025-03 with a fixed delay
    of half a month, so online at t = 2.5 (the middle of March)."""
    return scenario_data([
        project("a"),
        project("b", site="cold", cooling="seasonal", it_mw=4, utilization=0.25, status="construction",
                online="2025-03", delay_months={"dist": "fixed", "value": 0.5}),
    ])


def value(table: pd.DataFrame, month: str, site: str, metric: str, stat: str = "p50") -> float:
    row = table[(table.month == month) & (table.site == site) & (table.metric == metric)]
    assert len(row) == 1
    return float(row[stat].iloc[0])


def test_hand_computed_sites():
    table = run(two_sites(), replications=1).sites
    # site s: 5 MW IT load x 1.5 all year; January has 744 hours
    assert value(table, "2025-01", "s", "it_load_mw") == pytest.approx(5.0)
    assert value(table, "2025-01", "s", "facility_mw") == pytest.approx(7.5)
    assert value(table, "2025-01", "s", "energy_mwh") == pytest.approx(7.5 * 744)
    # site cold: nothing before March; half of March at 1 MW x PUE 1.1 (0 degC)
    assert value(table, "2025-02", "cold", "energy_mwh") == 0.0
    assert value(table, "2025-03", "cold", "it_load_mw") == pytest.approx(0.5)
    assert value(table, "2025-03", "cold", "energy_mwh") == pytest.approx(1.0 * 1.1 * 0.5 * 744)
    # April 5 degC: PUE 1.15 over 720 hours; July 20 degC: 1.3
    assert value(table, "2025-04", "cold", "facility_mw") == pytest.approx(1.15)
    assert value(table, "2025-04", "cold", "energy_mwh") == pytest.approx(1.15 * 720)
    assert value(table, "2025-07", "cold", "facility_mw") == pytest.approx(1.3)


def test_table_layout():
    results = run(two_sites(), replications=1)
    table = results.sites
    assert list(table.columns) == ["variant", "month", "site", "metric", "mean", "p10", "p50", "p90"]
    assert len(table) == 12 * 2 * 3
    first = table.head(6)
    assert list(first.site) == ["s"] * 3 + ["cold"] * 3  # the file's order of sites
    assert list(first.metric) == list(SITE_METRICS) * 2
    assert set(table.variant) == {"base"}


def assert_sites_add_up(results: sim.Results) -> None:
    stored = results.site_series
    for site_name, province in (("site_energy_mwh", "energy_mwh"), ("site_it_energy_mwh", "it_energy_mwh")):
        total = results.series[province]
        np.testing.assert_allclose(stored[site_name].sum(axis=1), total, rtol=1e-12, atol=1e-9 * max(1, total.max()))
    facility = (stored["site_energy_mwh"] / results.plan.hours).sum(axis=1)
    np.testing.assert_allclose(facility, results.series["facility_mw"], rtol=1e-12, atol=1e-9)


def test_shanxi_sites_add_up_to_the_province_in_every_replication():
    results = sim.simulate(sim.load_scenario(SHANXI), replications=40, seed=11)
    assert results.plan.policy.has_vouchers  # the vouchers' energy is shared out too
    assert_sites_add_up(results)
    assert results.site_series["site_energy_mwh"].shape == (40, len(results.scenario.sites), results.plan.n_months)


@st.composite
def generated(draw):
    n = draw(st.integers(1, 5))
    projects = []
    for i in range(n):
        status = draw(st.sampled_from(["operating", "construction", "planned"]))
        fields = {"site": draw(st.sampled_from(["s", "cold"])), "cooling": draw(st.sampled_from(["flat", "seasonal"])),
                  "class": draw(st.sampled_from(["general", "intelligent"])), "status": status,
                  "it_mw": draw(st.floats(0.5, 50)), "utilization": draw(st.floats(0.05, 1)),
                  "phases": draw(st.sampled_from([[1], [0.5, 0.5]])), "phase_gap_months": draw(st.sampled_from([0, 2.5]))}
        if status != "operating":
            fields["online"] = draw(st.sampled_from(["2025-02", "2025-06", "2025-11"]))
        if status != "operating" and draw(st.booleans()):
            fields["ramp"] = {"months": draw(st.sampled_from([0.5, 3, 7.5])), "start": draw(st.floats(0, 1)) * fields["utilization"]}
        projects.append(project(f"p{i}", **fields))
    extra = {"uncertainty": {"delay_months": {"construction": {"dist": "uniform", "low": 0, "high": 5}},
                             "go_probability": {"planned": 0.5}}}
    if draw(st.booleans()):
        extra["policies"] = {"compute_vouchers": {"annual_budget_cny": draw(st.floats(1e3, 1e7)),
                                                  "price_cny_per_pflops_hour": 10}}
    return sim.scenario_from_data(scenario_data(projects, **extra))


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(generated(), st.integers(0, 2**31))
def test_sites_add_up_to_the_province(scenario, seed):
    assert_sites_add_up(sim.simulate(scenario, replications=5, seed=seed))


# --- the plot ---------------------------------------------------------------------------------


def eight_sites() -> pd.DataFrame:
    """A sites table of 8 sites x 24 months; site k draws k x 100 MW (facility), P10/P90 +-10%."""
    months = [f"{y}-{m:02d}" for y in (2026, 2027) for m in range(1, 13)]
    rows = []
    for k in range(8):
        for month in months:
            for metric, mw in (("it_load_mw", 80.0 * (k + 1)), ("facility_mw", 100.0 * (k + 1))):
                rows.append({"variant": "base", "month": month, "site": f"site{k}", "metric": metric,
                             "mean": mw, "p10": 0.9 * mw, "p50": mw, "p90": 1.1 * mw})
    return pd.DataFrame(rows)


def test_sites_plot_one_panel_per_site_drawing_the_table():
    table = eight_sites()
    fig = plots.sites(table, plots.PlotContext(name="Test", replications=100))
    assert isinstance(fig, Figure)
    stack, *panels = [ax for ax in fig.axes if ax.get_visible()]  # the stack of all sites, then one panel each
    assert stack.get_title(loc="left") == "all sites, stacked (median facility power)"
    assert [ax.get_title(loc="left") for ax in panels] == [f"site{k}: peak {100 * (k + 1)} MW" for k in range(8)]
    for k, ax in enumerate(panels):
        medians = [line for line in ax.get_lines() if line.get_gid() == f"median:site{k} facility"]
        assert len(medians) == 1
        assert np.allclose(medians[0].get_ydata(), 100.0 * (k + 1))


def test_sites_plot_legend_is_clear_of_every_panel():
    fig = plots.sites(eight_sites(), plots.PlotContext(name="Test"))
    canvas = FigureCanvasAgg(fig)  # lays the figure out without pyplot
    canvas.draw()
    renderer = canvas.get_renderer()
    legend = fig.legends[0].get_window_extent(renderer)
    for ax in fig.axes:
        if ax.get_visible():
            assert not legend.overlaps(ax.get_tightbbox(renderer))
    assert not legend.overlaps(fig._suptitle.get_window_extent(renderer))


def test_sites_plot_fits_a_screen_with_8_or_20_sites():
    """Eight sites were 1,440 px tall at 150 dpi; the panels now share at most 7.4 in (8.6 in, 1,290 px,
    with title and legend), and more than eight sites take three columns."""
    table = eight_sites()
    twenty = pd.concat([table.assign(site=table["site"] + f"-{copy}") for copy in range(3)]).reset_index(drop=True)
    twenty = twenty[twenty["site"].isin(sorted(twenty["site"].unique())[:20])]
    for data, columns in ((table, 2), (twenty, 3)):
        fig = plots.sites(data, plots.PlotContext(name="Test"))
        assert fig.get_size_inches()[1] * 150 <= 1290
        panels = [ax for ax in fig.axes[1:] if ax.get_visible()]  # after the stack of all sites
        assert len(panels) == data["site"].nunique()
        assert len({round(ax.get_position().x0, 3) for ax in panels}) == columns


def test_a_run_writes_sites_csv(tmp_path):
    results = run(two_sites(), replications=1)
    sim.write_results(results, tmp_path / "out")
    written = pd.read_csv(tmp_path / "out" / "sites.csv", dtype={"month": str})
    pd.testing.assert_frame_equal(written, results.sites, check_dtype=False)
