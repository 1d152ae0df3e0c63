"""The fast paths give exactly what the plain code gives: bulk streams, patched plans."""

from __future__ import annotations

import dataclasses
from pathlib import Path

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import sim
from sim.engine.distributions import WORDS, triangular
from sim.engine.draws import draw, uniforms
from sim.scenario.paths import with_values
from sim.scenario.schema import Normal, Ramp
from sim.engine.build import PlanPatcher, build_plan

EXAMPLE = Path(__file__).resolve().parents[1] / "scenarios" / "example.yaml"
WITH_POLICIES = sim.load_scenario(EXAMPLE)
SCENARIO = WITH_POLICIES.model_copy(update={"policies": type(WITH_POLICIES.policies)()})  # no levers: patched
RAMPED = WITH_POLICIES.model_copy(update={"projects": [  # a utilisation ramp: ramp rows, vouchers' ramp arrays
    p.model_copy(update={"ramp": Ramp(months=6, start=0.2)}) if p.id == "north-ai-1" else p
    for p in WITH_POLICIES.projects]})
KEYS = st.text(min_size=0, max_size=12)


@settings(max_examples=60, deadline=None)
@given(seed=st.integers(0, 2**70), first=st.integers(0, 2**40), count=st.integers(1, 6), cut=st.integers(0, 6),
       name=st.sampled_from(["go", "delay", "parameter"]), key=KEYS)
def test_a_replications_uniforms_do_not_depend_on_the_block_it_is_drawn_in(seed, first, count, cut, name, key):
    """Replication r's uniforms sit at Philox counter r of its (seed, stream, key) generator: the
    same whether drawn alone, in one block or split in two; in (0, 1); another key, other numbers."""
    whole = uniforms(seed, name, key, first, count)
    cut = min(cut, count)
    split = np.concatenate([uniforms(seed, name, key, first, cut), uniforms(seed, name, key, first + cut, count - cut)])
    assert whole.shape == (count, WORDS) and np.array_equal(whole, split)
    assert np.array_equal(whole[-1:], uniforms(seed, name, key, first + count - 1, 1))
    assert ((whole > 0) & (whole < 1)).all()
    assert not np.array_equal(whole, uniforms(seed, name, key + "x", first, count))


def test_the_extreme_raw_words_give_uniforms_strictly_inside_0_1():
    """The smallest raw word gives 2**-54; the largest, (2**53 - 1/2) / 2**53, lies halfway between
    the largest float below 1 and 1.0 and would round to 1.0 (an infinite normal draw): it is the
    float below 1 instead. Every other word keeps its value."""
    from sim.engine.draws import _unit

    raw = np.array([0, 2**11 - 1, 2**63, 2**64 - 2**12, 2**64 - 1], dtype=np.uint64)
    u = _unit(raw)
    plain = (raw >> np.uint64(11)).astype(float) * 2.0 ** -53 + 2.0 ** -54
    assert plain[-1] == 1.0  # what the formula alone gives for the top word
    assert u.tolist() == [2.0 ** -54, 2.0 ** -54, 0.5 + 2.0 ** -54, plain[3], 1.0 - 2.0 ** -53]
    assert plain[3] < 1.0 and ((u > 0) & (u < 1)).all()


def test_triangular_is_its_inverse_cdf_by_hand():
    # low 0, mode 4, high 12: the mode's CDF is 4/12; below it 0 + sqrt(u x 4 x 12), above it 12 - sqrt((1-u) x 8 x 12)
    got = triangular(0.0, 4.0, 12.0, np.array([0.0, 0.25, 1 / 3, 0.75, 1.0]))
    assert np.allclose(got, [0.0, 12 ** 0.5, 4.0, 12 - 24 ** 0.5, 12.0], rtol=0, atol=1e-12)


def test_truncated_draws_stay_inside_and_overflow_rows_keep_block_independence():
    # a bound 2.3 sd out: about 4 % of replications have no candidate of the 4 inside (overflow path)
    dist = Normal(dist="normal", mean=0.0, sd=1.0, low=2.3, source="test")
    whole = draw(dist, 5, "parameter", "x", 0, 400)
    assert (whole >= 2.3).all() and len(set(whole.tolist())) == 400
    assert np.array_equal(whole, np.concatenate([draw(dist, 5, "parameter", "x", 0, 137),
                                                 draw(dist, 5, "parameter", "x", 137, 263)]))


def assert_same_plan(a, b, where: str = "") -> None:
    for field in dataclasses.fields(a):
        x, y = getattr(a, field.name), getattr(b, field.name)
        name = where + field.name
        if isinstance(x, np.ndarray):
            assert x.dtype == y.dtype and np.array_equal(x, y, equal_nan=x.dtype.kind == "f"), name
        elif dataclasses.is_dataclass(x):
            assert_same_plan(x, y, name + ".")  # the policy levers' arrays
        else:
            assert x == y or (x != x and y != y), name  # NaN (a lever not in use) equals NaN


PATHS = {
    "supply.ai_pflops_per_month": st.floats(1, 1000),
    "grid.headroom_mw": st.floats(0, 1000),
    "projects.north-ai-1.utilization": st.floats(0, 1),
    "projects.north-ai-1.it_mw": st.floats(1, 100),
    "projects.capital-ai-2.compute.pflops": st.floats(1, 5000),
    "projects.north-general-2.investment_cny": st.floats(0, 1e10),
    "projects.capital-super.utilization": st.floats(0, 1),
    "sites.north.monthly_temp_c.3": st.floats(-30, 40),  # not patched: the plan is rebuilt
}


@settings(max_examples=60, deadline=None)
@given(st.dictionaries(st.sampled_from(sorted(PATHS)), st.just(None), min_size=1).flatmap(
    lambda chosen: st.fixed_dictionaries({path: PATHS[path] for path in chosen})))
def test_a_patched_plan_is_the_plan_of_the_changed_scenario(values):
    for scenario in (SCENARIO, WITH_POLICIES):  # with levers that read project values: rebuilt
        patcher = PlanPatcher(scenario, build_plan(scenario), values)
        _, patched = patcher.apply(values)
        assert_same_plan(patched, build_plan(with_values(scenario, values)))


def test_project_values_are_patched_with_levers_unless_the_pue_cap_upgraded_the_project():
    paths = ["projects.north-ai-1.utilization", "projects.capital-ai-2.it_mw"]
    assert not PlanPatcher(SCENARIO, build_plan(SCENARIO), paths).general
    assert not PlanPatcher(WITH_POLICIES, build_plan(WITH_POLICIES), paths).general
    # the example's PUE cap upgrades north-general-2 (planned 2028, air cooling above the cap)
    upgraded = ["projects.north-general-2.investment_cny"]
    assert PlanPatcher(WITH_POLICIES, build_plan(WITH_POLICIES), upgraded).general


SHANXI = sim.load_scenario(Path(__file__).resolve().parents[1] / "scenarios" / "shanxi.yaml")


def test_shanxi_drawn_parameters_patch_the_plan_and_its_levers_exactly():
    paths = list(SHANXI.uncertainty.parameters)
    patcher = PlanPatcher(SHANXI, build_plan(SHANXI), paths)
    assert not patcher.general
    values = {path: (0.5 if "utilization" in path else 6500.0 if "pflops" in path else 700.0) for path in paths}
    _, patched = patcher.apply(values)
    assert_same_plan(patched, build_plan(with_values(SHANXI, values)))


@settings(max_examples=40, deadline=None)
@given(st.dictionaries(st.sampled_from(sorted(PATHS)), st.just(None), min_size=1).flatmap(
    lambda chosen: st.lists(st.fixed_dictionaries({path: PATHS[path] for path in sorted(chosen)}),
                            min_size=1, max_size=3)))
def test_a_block_of_patched_plans_is_the_plans_of_the_changed_scenarios(block):
    """apply_block writes each replication's values into (R, P) arrays: field by field, bit for bit,
    the plan of the scenario with that replication's values (with and without levers)."""
    for scenario in (SCENARIO, WITH_POLICIES, RAMPED):
        patcher = PlanPatcher(scenario, build_plan(scenario), block[0])
        for values, (_, patched) in zip(block, patcher.apply_block(block), strict=True):
            assert_same_plan(patched, build_plan(with_values(scenario, values)))


@settings(max_examples=15, deadline=None)
@given(st.lists(st.tuples(st.floats(0.0, 1.0), st.floats(1.0, 9000.0), st.floats(1.0, 2000.0)), min_size=1, max_size=3))
def test_shanxi_block_patching_is_the_rebuilt_plan_and_shares_what_no_draw_changes(draws):
    paths = list(SHANXI.uncertainty.parameters)
    base = build_plan(SHANXI)
    block = [{path: (u if "utilization" in path else pflops if "pflops" in path else supply) for path in paths}
             for u, pflops, supply in draws]
    patched = PlanPatcher(SHANXI, base, paths).apply_block(block)
    for values, (scenario, plan) in zip(block, patched, strict=True):
        assert scenario is SHANXI
        assert_same_plan(plan, build_plan(with_values(SHANXI, values)))
        # the fast path: rows no draw changes are the base plan's own arrays (stacked by nobody)
        assert plan.phase_group is base.phase_group and plan.phase_it_mw is base.phase_it_mw
        assert plan.phase_load_mw is not base.phase_load_mw


VALUES = st.sampled_from([0.0, -0.0, 1.0, 2.5, -3.0, 1e-300, 7e12, np.nan, np.inf, -np.inf])


@settings(max_examples=150, deadline=None)
@given(rows=st.integers(1, 40), columns=st.integers(1, 4), data=st.data())
def test_summarise_percentiles_are_nanquantile_bit_for_bit(rows, columns, data):
    """The one-partition percentiles (finite values) and the fallback (NaN, inf, -0.0) both give
    np.nanquantile's linear percentiles, bit for bit, and np.nanmean's mean."""
    import warnings

    from sim.analysis.statistics import QUANTILES, summarise

    pool = data.draw(st.sampled_from(["finite", "any"]))
    elements = st.floats(-1e6, 1e6, allow_nan=False) if pool == "finite" else st.one_of(VALUES, st.floats(-5, 5))
    values = np.array(data.draw(st.lists(elements, min_size=rows * columns, max_size=rows * columns)))
    values = values.reshape(rows, columns)
    before = values.copy()
    got = summarise(values)
    assert np.array_equal(values, before, equal_nan=True)  # the caller's array is left alone
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)
        expected = {"mean": np.nanmean(values, axis=0),
                    **{name: np.nanquantile(values, q, axis=0) for name, q in QUANTILES.items()}}
    for name, array in expected.items():
        assert got[name].view(np.int64).tolist() == array.view(np.int64).tolist(), name


@settings(max_examples=150, deadline=None)
@given(rows=st.integers(1, 40), months=st.integers(1, 4), data=st.data())
def test_summaries_of_values_over_hours_share_one_partition_bit_for_bit(rows, months, data):
    """summarise_scaled(values, (hours, None)) is summarise(values / hours) and summarise(values),
    bit for bit, with ties, zeros, wide magnitudes and (for the fallback) NaN, inf and -0.0; only
    the percentiles asked for are returned."""
    from sim.analysis.statistics import summarise, summarise_scaled

    pool = data.draw(st.sampled_from(["finite", "ties", "any"]))
    elements = {"finite": st.floats(-1e300, 1e300, allow_nan=False, allow_infinity=False),
                "ties": st.sampled_from([0.0, 1.0, 3.0, 720.0, 1e-300]),
                "any": st.one_of(VALUES, st.floats(-5, 5))}[pool]
    values = np.array(data.draw(st.lists(elements, min_size=rows * 2 * months, max_size=rows * 2 * months)))
    values = values.reshape(rows, 2, months)  # (R, S, M), as the per-site arrays
    hours = np.array(data.draw(st.lists(st.sampled_from([744.0, 672.0, 720.0, 0.5, 3.0, 1e-5]),
                                        min_size=months, max_size=months)))
    names = data.draw(st.sampled_from([("p10", "p50", "p90"), ("p5", "p10", "p50", "p90", "p95"), ("p95",)]))
    quotient, itself = summarise_scaled(values, (hours, None), names)
    for got, expected in ((quotient, summarise(values / hours)), (itself, summarise(values))):
        assert set(got) == {"mean", *names}
        for name in got:
            assert got[name].shape == (2, months)
            assert got[name].view(np.int64).tolist() == expected[name].view(np.int64).tolist(), name


def test_one_partition_serves_a_column_divided_by_its_hours_worked_by_hand():
    """Energy 744, 1488, 2232 MWh in a 744-hour month: 1, 2, 3 MW; the median is 1488 MWh and 2 MW,
    the 10th percentile (virtual index 0.2) 744 + 0.2 x 744 = 892.8 MWh and 1.2 MW."""
    from sim.analysis.statistics import summarise_scaled

    energy = np.array([[2232.0], [744.0], [1488.0]])
    power, same = summarise_scaled(energy, (np.array([744.0]), None), ("p10", "p50"))
    assert power["p50"].tolist() == [2.0] and same["p50"].tolist() == [1488.0]
    assert power["mean"].tolist() == [2.0] and same["mean"].tolist() == [1488.0]
    assert same["p10"].tolist() == [744.0 + 0.2 * 744.0] and abs(power["p10"][0] - 1.2) < 1e-15


@pytest.mark.parametrize("rows", [1, 255, 256, 257, 700])
def test_the_banded_transpose_is_the_transposed_copy_across_band_edges(rows):
    """The copy the percentiles partition (made a band of rows at a time) is ``values.T``, and the
    percentiles of a column longer than a band are np.nanquantile's, bit for bit."""
    from sim.analysis.statistics import QUANTILES, TRANSPOSE_ROWS, _transposed, summarise

    assert TRANSPOSE_ROWS == 256  # the band edges the parameters straddle
    values = np.random.default_rng(rows).normal(size=(rows, 5))
    values[::7, 1] = 0.0
    copy = _transposed(values)
    assert copy.flags.c_contiguous and np.array_equal(copy, values.T)
    got = summarise(values)
    for name, q in QUANTILES.items():
        assert got[name].view(np.int64).tolist() == np.nanquantile(values, q, axis=0).view(np.int64).tolist()
