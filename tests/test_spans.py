"""Monthly sums from each phase's span of months (sim/engine/spans.py) against the month-by-month
definition: a phase counts in a stock at the end of month m when on < m + 1 <= off, and a flow
integrates its rate over the part of [m, m + 1) it is online, less its utilisation ramp's shortfall
(docs/model.md, "Power and energy")."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import sim
from sim.engine.block import simulate_block
from sim.engine.build import PlanPatcher, build_plan
from sim.engine.draws import draw_parameters_block, draw_projects_block
from sim.engine.policies import adjust_draws, block_policy, policy_rows
from sim.engine.series import monthly_series
from sim.engine.sites import block_series, site_series
from sim.engine.spans import PhaseMonths, ramp_shortfall, range_sums

ROOT = Path(__file__).resolve().parents[1]


def by_month(on, off, ramp_months, base, ramp, n_months, pue=None, groups=None):
    """The month-by-month definition, one (R, P, M) array: what series.py computed before spans."""
    month_end = np.arange(1, n_months + 1, dtype=float)
    month_start = month_end - 1.0
    t_on, t_off = on[:, :, None], off[:, :, None]
    overlap = np.clip(np.minimum(t_off, month_end) - np.maximum(t_on, month_start), 0.0, 1.0)
    rate = base[:, :, None] * overlap
    if ramp_months is not None:
        rate = rate + ramp[:, :, None] * ramp_shortfall(t_on, t_off, month_start, month_end, ramp_months[:, :, None])
    if pue is not None:
        rate = rate * pue[np.arange(on.shape[0])[:, None], groups]
    return rate.sum(axis=1)


def stock_by_month(on, off, values, n_months):
    month_end = np.arange(1, n_months + 1, dtype=float)
    active = (on[:, :, None] < month_end) & (off[:, :, None] >= month_end)
    return (values[:, :, None] * active).sum(axis=1)


def test_one_phase_by_hand():
    # online at 2.5, retired at 5.25, 10 MW, a 2-month ramp starting 4 MW below full load
    on, off = np.array([[2.5]]), np.array([[5.25]])
    months = PhaseMonths(on, off, np.array([[2.0]]), 7)
    energy = months.flow(np.array([[10.0]]), np.array([[-4.0]]))
    # the shortfall s(t) = 1 - (t - 2.5) / 2 until t = 4.5; its integral from 2.5 to x is
    # u - u^2 / 4 with u = x - 2.5: 0.4375 by t = 3, 0.9375 by t = 4, 1 by t = 4.5
    # month 2: 10 x 0.5 - 4 x 0.4375 = 3.25; month 3: 10 - 4 x 0.5 = 8; month 4: 10 - 4 x 0.0625 = 9.75
    # month 5: 10 x 0.25 = 2.5 (retired at 5.25)
    assert energy[0].tolist() == [0.0, 0.0, 3.25, 8.0, 9.75, 2.5, 0.0]
    stock = range_sums(months.a, months.b, [np.array([[7.0]])], 7)[0]
    assert stock[0].tolist() == [0, 0, 7, 7, 7, 0, 0]  # end of month 2 (t = 3) to end of month 4 (t = 5)


def test_a_stock_whose_phases_all_retired_is_exactly_zero():
    values = np.array([[0.1, 0.2, 0.7, 1e-3]])
    on = np.array([[0.0, 1.0, 1.5, 2.0]])
    off = np.array([[4.0, 5.5, 3.0, 5.0]])
    stock = range_sums(np.floor(on).astype(int), np.floor(off).astype(int), [values], 8)[0][0]
    assert stock[5:].tolist() == [0.0, 0.0, 0.0]
    months = PhaseMonths(on, off, None, 8)
    assert months.flow(values)[0][6:].tolist() == [0.0, 0.0]


@st.composite
def blocks(draw):
    n_reps = draw(st.integers(1, 4))
    n_phases = draw(st.integers(1, 6))
    n_months = draw(st.integers(1, 14))
    n_groups = draw(st.integers(1, 3))
    times = st.one_of(st.floats(-2.0, n_months + 2.0), st.sampled_from([0.0, 1.0, 3.0, float(n_months), np.inf]))
    shape = (n_reps, n_phases)

    def array(strategy):
        return np.array(draw(st.lists(strategy, min_size=n_reps * n_phases, max_size=n_reps * n_phases))).reshape(shape)

    on = array(times)
    off = np.where(on == np.inf, np.inf, on + array(st.one_of(st.floats(0.0, n_months + 3.0), st.just(np.inf))))
    ramp_months = array(st.one_of(st.just(0.0), st.floats(0.5, 8.0), st.sampled_from([1.0, 2.0, 6.0])))
    base = array(st.one_of(st.just(0.0), st.floats(0.0, 100.0)))
    ramp = -base * array(st.floats(0.0, 1.0))
    groups = array(st.integers(0, n_groups - 1))
    pue = np.array(draw(st.lists(st.floats(1.0, 2.0), min_size=n_reps * n_groups * n_months,
                                 max_size=n_reps * n_groups * n_months))).reshape(n_reps, n_groups, n_months)
    return on, off, ramp_months, base, ramp, groups, pue, n_months


@settings(max_examples=200, deadline=None)
@given(blocks())
def test_spans_give_the_month_by_month_sums(block):
    on, off, ramp_months, base, ramp, groups, pue, n_months = block
    months = PhaseMonths(on, off, ramp_months, n_months)
    plain, weighted = months.flow(base, ramp, pue, groups)
    expected = by_month(on, off, ramp_months, base, ramp, n_months)
    expected_weighted = by_month(on, off, ramp_months, base, ramp, n_months, pue, groups)
    np.testing.assert_allclose(plain, expected, rtol=1e-12, atol=1e-9)
    np.testing.assert_allclose(weighted, expected_weighted, rtol=1e-12, atol=1e-9)
    # a month in which no phase with a non-zero rate is online is exactly 0, not a residue
    present = ((base != 0) | (ramp != 0)).astype(float)
    nobody = by_month(on, off, None, present, None, n_months) == 0
    assert np.all(plain[nobody] == 0) and np.all(weighted[nobody] == 0)
    stock = range_sums(months.a, months.b, [base], n_months)[0]
    expected_stock = stock_by_month(on, off, base, n_months)
    np.testing.assert_allclose(stock, expected_stock, rtol=1e-12, atol=1e-9)
    assert np.all(stock[stock_by_month(on, off, (base != 0).astype(float), n_months) == 0] == 0)


@settings(max_examples=50, deadline=None)
@given(blocks())
def test_a_rows_sums_do_not_depend_on_the_other_rows(block):
    on, off, ramp_months, base, ramp, groups, pue, n_months = block
    whole = PhaseMonths(on, off, ramp_months, n_months).flow(base, ramp, pue, groups)
    stock = range_sums(*(np.floor(np.clip(t, -1, n_months)).astype(int) for t in (on, off)), [base], n_months)[0]
    for r in range(on.shape[0]):
        rows = slice(r, r + 1)
        alone = PhaseMonths(on[rows], off[rows], ramp_months[rows], n_months).flow(base[rows], ramp[rows], pue[rows],
                                                                                   groups[rows])
        assert np.array_equal(alone[0][0], whole[0][r]) and np.array_equal(alone[1][0], whole[1][r])
        stock_alone = range_sums(*(np.floor(np.clip(t[rows], -1, n_months)).astype(int) for t in (on, off)),
                                 [base[rows]], n_months)[0]
        assert np.array_equal(stock_alone[0], stock[r])


@settings(max_examples=100, deadline=None)
@given(blocks(), st.integers(1, 3), st.booleans())
def test_sums_by_site_add_up_each_sites_phases(block, n_sites, same_sites):
    on, off, ramp_months, base, ramp, groups, pue, n_months = block
    n_reps, n_groups = pue.shape[:2]
    group_site = np.arange(n_groups)[None, :] % n_sites + (0 if same_sites else np.arange(n_reps)[:, None])
    group_site = np.broadcast_to(group_site % n_sites, (n_reps, n_groups))
    phase_site = np.take_along_axis(group_site, groups, axis=1)
    months = PhaseMonths(on, off, ramp_months, n_months)
    plain, weighted = months.flow(base, ramp, pue, groups, (phase_site, group_site, n_sites))
    assert plain.shape == weighted.shape == (n_reps, n_sites, n_months)
    for site in range(n_sites):
        mine = np.where(phase_site == site, base, 0.0), np.where(phase_site == site, ramp, 0.0)
        np.testing.assert_allclose(plain[:, site], by_month(on, off, ramp_months, *mine, n_months), rtol=1e-12, atol=1e-9)
        np.testing.assert_allclose(weighted[:, site], by_month(on, off, ramp_months, *mine, n_months, pue, groups),
                                   rtol=1e-12, atol=1e-9)


@pytest.mark.parametrize("name", ["shanxi", "example"])
def test_block_series_is_monthly_and_site_series_bit_for_bit(name):
    """run_block works out both from one set of spans and flows: the same numbers as apart."""
    scenario = sim.load_scenario(ROOT / "scenarios" / f"{name}.yaml")
    base, seed, count = build_plan(scenario), 5, 30
    patched = PlanPatcher(scenario, base, scenario.uncertainty.parameters if scenario.uncertainty else ()).apply_block(
        draw_parameters_block(scenario, seed, 0, count))
    plans = [plan for _, plan in patched]
    go, drawn = draw_projects_block([local for local, _ in patched], seed, 0, policy_rows(plans, "go_bonus"))
    go, delay = adjust_draws(block_policy(plans), go, drawn)
    log = simulate_block(plans, go, delay)
    series, sites = block_series(plans, log.on, log.off, log.limits)
    apart = monthly_series(plans, log.on, log.off, log.limits)
    assert series.keys() == apart.keys() and "voucher_pflops_hours" in series
    for key, value in apart.items():
        assert np.array_equal(series[key], value, equal_nan=True), key
    for key, value in site_series(plans, log.on, log.off, apart["voucher_pflops_hours"]).items():
        assert np.array_equal(sites[key], value), key
