"""Random draws for a block of replications, from counter-based keyed streams (numpy's Philox).

Each (stream, key) pair, ``stream`` naming what is drawn (``go``, ``delay``, ``parameter``) and
``key`` the project id or parameter path, has its own Philox generator, keyed by a blake2b hash of
(seed, stream, key). Replication r reads :data:`WORDS` uniforms at counter r (Philox4x64 gives four
64-bit words per counter step), so a replication's draws depend on nothing but (seed, stream, key,
r): not on the block it runs in, the worker, nor on any other project or parameter. Adding,
removing or changing one project leaves every other project's draws unchanged, and two variants of a
scenario see the same draws for the same project (common random numbers).

A block needs one generator per (stream, key), whatever its number of replications; the
distributions are inverse transforms on the block's uniforms (:func:`sample_block`). Truncated
normal and lognormal values take the first of the :data:`WORDS` Box-Muller candidates that falls
inside the bounds; a replication none of whose candidates does (rare: bounds are checked to hold at
least 1 % of the distribution) continues on its own overflow stream.
"""

from __future__ import annotations

import hashlib

import numpy as np

from ..scenario.schema import Fixed, Scenario
from .distributions import MAX_REDRAWS, WORDS, point_value, sample_block, uses_randomness

_HALF_ULP = 2.0 ** -54
_BELOW_ONE = 1.0 - 2.0 ** -53
"""The largest float below 1: the top raw value would round to 1.0 (halfway, to even)."""


def _unit(raw: np.ndarray) -> np.ndarray:
    """Uniforms in (0, 1) from raw 64-bit words: the top 53 bits, centred in their interval
    (k + 1/2) / 2**53, the last interval's centre rounded down rather than up to 1.0."""
    return np.minimum((raw >> np.uint64(11)).astype(float) * 2.0 ** -53 + _HALF_ULP, _BELOW_ONE)


def stream_key(seed: int, name: str, key: str, *extra: int) -> np.ndarray:
    """The 128-bit Philox key of stream ``name`` of ``key`` (two uint64 words)."""
    text = "\x1f".join([str(int(seed)), name, key, *map(str, extra)])
    digest = hashlib.blake2b(text.encode("utf-8"), digest_size=16).digest()
    return np.frombuffer(digest, dtype="<u8").astype(np.uint64)


def uniforms(seed: int, name: str, key: str, first: int, count: int) -> np.ndarray:
    """(count, WORDS) uniforms in (0, 1) of replications ``first .. first + count - 1``."""
    if first < 0 or count < 0:
        raise ValueError("replications must be non-negative")
    bits = np.random.Philox(key=stream_key(seed, name, key))
    bits.advance(first)
    raw = bits.random_raw(count * WORDS).reshape(count, WORDS)
    return _unit(raw)


def draw(dist, seed: int, name: str, key: str, first: int, count: int) -> np.ndarray:
    """(count,) values of ``dist`` for stream ``name`` of ``key``, replications ``first ..``."""
    if not uses_randomness(dist):
        return sample_block(dist, np.empty((count, WORDS)))

    def overflow(rows: np.ndarray) -> np.ndarray:
        return np.array([_overflow(dist, seed, name, key, first + int(r)) for r in rows])

    return sample_block(dist, uniforms(seed, name, key, first, count), overflow)


def _overflow(dist, seed: int, name: str, key: str, replication: int) -> float:
    """A truncated value for one replication whose block candidates all fell outside: candidates
    from its own stream, :data:`WORDS` at a time, up to :data:`MAX_REDRAWS`."""
    bits = np.random.Philox(key=stream_key(seed, name + "/overflow", key, replication))
    for _ in range(MAX_REDRAWS // WORDS):
        raw = bits.random_raw(WORDS).reshape(1, WORDS)
        u = _unit(raw)
        try:
            return float(sample_block(dist, u)[0])
        except ValueError:
            continue
    raise ValueError(f"could not draw a value inside [{dist.low}, {dist.high}] in {MAX_REDRAWS} tries; "
                     "widen the bounds")


def draw_parameters_block(scenario: Scenario, seed: int, first: int, count: int) -> list[dict[str, float]]:
    """The drawn ``uncertainty.parameters`` of each replication of the block, {path: value}."""
    if scenario.uncertainty is None:
        return [{} for _ in range(count)]
    columns = {path: draw(dist, seed, "parameter", path, first, count).tolist()
               for path, dist in scenario.uncertainty.parameters.items()}
    return [{path: values[r] for path, values in columns.items()} for r in range(count)]


def has_uncertainty(scenario: Scenario) -> bool:
    """Whether anything is drawn: an ``uncertainty`` block or a project's own delay or go probability."""
    return scenario.uncertainty is not None or any(
        p.delay_months is not None or p.go_probability is not None for p in scenario.projects)


def deterministic_scenario(scenario: Scenario, go_bonus: np.ndarray | None = None) -> Scenario:
    """``scenario`` with nothing left to draw (``capsim run --deterministic``, docs/model.md): every
    distribution replaced by its :func:`~sim.engine.distributions.point_value` (a ``fixed`` one, its
    ``source`` kept), every go probability by 1 where it is at least 0.5 and by 0 below.

    ``go_bonus`` (J,): the capex subsidy's bonus per project (``Plan.policy.go_bonus``), added to a
    project's go probability before the rounding; the subsidy's ``go_probability_bonus`` is then set
    to 0, as the rounded probabilities already hold it (else 0 + bonus would be drawn). Without
    ``go_bonus`` the subsidy is left as it is."""
    bonus = np.zeros(len(scenario.projects)) if go_bonus is None else np.asarray(go_bonus, dtype=float)

    def fixed(dist):
        return None if dist is None else Fixed(dist="fixed", value=point_value(dist), source=dist.source)

    def go(p):
        return None if p is None else (1.0 if p >= 0.5 else 0.0)

    projects = tuple(p if p.status == "operating" else p.model_copy(update={
        "delay_months": fixed(delay_distribution(scenario, p)),
        "go_probability": go(min(1.0, go_probability(scenario, p) + float(bonus[j])))})
        for j, p in enumerate(scenario.projects))
    unc = scenario.uncertainty
    if unc is not None:
        statuses = ("construction", "registered", "planned")
        unc = unc.model_copy(update={
            "delay_months": unc.delay_months.model_copy(update={s: fixed(getattr(unc.delay_months, s)) for s in statuses}),
            "go_probability": unc.go_probability.model_copy(update={s: go(getattr(unc.go_probability, s)) for s in statuses}),
            "parameters": {path: fixed(dist) for path, dist in unc.parameters.items()},
        })
    policies = scenario.policies
    subsidy = policies.capex_subsidy
    if go_bonus is not None and subsidy is not None and subsidy.go_probability_bonus:
        policies = policies.model_copy(update={"capex_subsidy": subsidy.model_copy(update={"go_probability_bonus": 0.0})})
    return scenario.model_copy(update={"projects": projects, "uncertainty": unc, "policies": policies})


def go_probability(scenario: Scenario, project) -> float:
    """The project's own ``go_probability``, else its status's in ``uncertainty``, else 1."""
    if project.go_probability is not None:
        return project.go_probability
    unc = scenario.uncertainty
    return 1.0 if unc is None else getattr(unc.go_probability, project.status)


def delay_distribution(scenario: Scenario, project):
    """The project's own ``delay_months``, else its status's in ``uncertainty``, else None (no delay)."""
    if project.delay_months is not None:
        return project.delay_months
    unc = scenario.uncertainty
    return None if unc is None else getattr(unc.delay_months, project.status)


def draw_projects_block(scenarios: list[Scenario], seed: int, first: int, go_bonus: np.ndarray | None = None
                        ) -> tuple[np.ndarray, np.ndarray]:
    """(R, J) go decisions and delays (months) of replications ``first .. first + R - 1``.

    ``scenarios`` has one scenario per replication (as the plan patching returns them: the same
    object where only plan values were drawn); ``go_bonus`` (R, J) is added to the go probabilities
    (capped at 1). Operating projects always go, with no delay. A project goes when its uniform
    u < p; the uniform is the same with or without a bonus, so a bonus can only turn a no-go into a
    go. A project that does not go has no delay. Each project's draws come from its own streams.
    """
    rows = list(scenarios)
    count = len(rows)
    distinct = {id(s): s for s in rows}
    scenario = rows[0]
    n = len(scenario.projects)
    go = np.ones((count, n), dtype=bool)
    delay = np.zeros((count, n), dtype=float)
    bonus = np.zeros((count, n)) if go_bonus is None else np.broadcast_to(go_bonus, (count, n))
    for j, project in enumerate(scenario.projects):
        if project.status == "operating":
            continue
        if len(distinct) == 1:
            probability = np.full(count, go_probability(scenario, project), dtype=float)
            dists = [delay_distribution(scenario, project)]
        else:
            probability = np.array([go_probability(s, s.projects[j]) for s in rows], dtype=float)
            dists = [delay_distribution(s, s.projects[j]) for s in rows]
        probability = np.minimum(1.0, probability + bonus[:, j])
        random = (probability > 0.0) & (probability < 1.0)
        if random.any():
            u = uniforms(seed, "go", project.id, first, count)[:, 0]
            go[:, j] = np.where(random, u < probability, probability >= 1.0)
        else:
            go[:, j] = probability >= 1.0
        delay[:, j] = _delays(dists, seed, project.id, first, count)
    return go, np.where(go, delay, 0.0)


def _delays(dists: list, seed: int, key: str, first: int, count: int) -> np.ndarray:
    """(count,) drawn delays: ``dists`` holds one distribution for the block or one per replication."""
    if len(dists) == 1 or all(d == dists[0] for d in dists):
        return np.zeros(count) if dists[0] is None else draw(dists[0], seed, "delay", key, first, count)
    out = np.zeros(count)
    for dist in {repr(d): d for d in dists if d is not None}.values():
        rows = np.array([d == dist for d in dists])
        out[rows] = draw(dist, seed, "delay", key, first, count)[rows]
    return out


def draw_parameters(scenario: Scenario, seed: int, replication: int) -> dict[str, float]:
    """The drawn ``uncertainty.parameters`` of one replication (a block of one)."""
    return draw_parameters_block(scenario, seed, replication, 1)[0]


def draw_projects(scenario: Scenario, seed: int, replication: int,
                  go_bonus: np.ndarray | None = None) -> tuple[np.ndarray, np.ndarray]:
    """(go, delay_months) for every project in one replication (a block of one; see
    :func:`draw_projects_block`)."""
    go, delay = draw_projects_block([scenario], seed, replication, None if go_bonus is None else go_bonus[None, :])
    return go[0], delay[0]
