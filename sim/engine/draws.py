"""Random draws for one replication, made up front from independent keyed streams.

Each draw comes from its own generator, ``numpy.random.default_rng([seed, replication, stream,
key])``, where ``stream`` names what is drawn (``go``, ``delay``, ``parameter``) and ``key`` the
project id or parameter path (both hashed to 64-bit words). So adding, removing or changing one
project leaves every other project's draws unchanged, a replication's draws do not depend on which
worker runs it, and two variants of a scenario see the same draws for the same project (common
random numbers).

Creating a numpy generator costs about 10 us, more than the simulation of a small replication.
:class:`BlockStreams` gives the very same generators for a block of replications at a fraction of
that: it runs numpy's ``SeedSequence`` hashing for every (replication, key) of the block at once
with numpy arithmetic, works out each PCG64 starting state, and sets it on one reused generator.
Draws that cannot change anything (a fixed value, a certain go) take no generator at all.
"""

from __future__ import annotations

import hashlib
from functools import lru_cache

import numpy as np

from ..scenario.schema import Scenario
from .distributions import sample, uses_randomness

MASK32 = 0xFFFFFFFF
MASK64 = 0xFFFFFFFFFFFFFFFF
MASK128 = (1 << 128) - 1
PCG64_MULTIPLIER = 0x2360ED051FC65DA44385DF649FCCF645
# numpy.random.SeedSequence constants (numpy/random/bit_generator.pyx)
POOL_SIZE = 4
INIT_A, MULT_A = np.uint32(0x43B0D7E5), np.uint32(0x931E8875)
INIT_B, MULT_B = np.uint32(0x8B51F9DD), np.uint32(0x58F38DED)
MIX_MULT_L, MIX_MULT_R = np.uint32(0xCA01F9DD), np.uint32(0x4973F715)
XSHIFT = np.uint32(16)


@lru_cache(maxsize=65536)
def _word(text: str) -> int:
    return int.from_bytes(hashlib.blake2b(text.encode("utf-8"), digest_size=8).digest(), "little")


def stream(seed: int, replication: int, name: str, key: str) -> np.random.Generator:
    """The generator for draw ``name`` of ``key`` in ``replication`` of a run with ``seed``."""
    return np.random.default_rng([seed, replication, _word(name), _word(key)])


def _uint32_words(n: int) -> list[int]:
    """A non-negative int as numpy's SeedSequence reads it: 32-bit words, least significant first."""
    if n == 0:
        return [0]
    words = []
    while n > 0:
        words.append(n & MASK32)
        n >>= 32
    return words


def _seed_sequence_states(entropy: np.ndarray) -> np.ndarray:
    """``SeedSequence(row).generate_state(4, uint64)`` for every row of ``entropy`` ((N, L) uint32)."""
    n_rows, length = entropy.shape
    with np.errstate(over="ignore"):
        hash_const = INIT_A

        def hashmix(value: np.ndarray) -> np.ndarray:
            nonlocal hash_const
            value = value ^ hash_const
            hash_const = hash_const * MULT_A
            value = value * hash_const
            return value ^ (value >> XSHIFT)

        def mix(x: np.ndarray, y: np.ndarray) -> np.ndarray:
            result = MIX_MULT_L * x - MIX_MULT_R * y
            return result ^ (result >> XSHIFT)

        zeros = np.zeros(n_rows, dtype=np.uint32)
        pool = [hashmix(entropy[:, i] if i < length else zeros) for i in range(POOL_SIZE)]
        for i_src in range(POOL_SIZE):
            for i_dst in range(POOL_SIZE):
                if i_src != i_dst:
                    pool[i_dst] = mix(pool[i_dst], hashmix(pool[i_src]))
        for i_src in range(POOL_SIZE, length):
            for i_dst in range(POOL_SIZE):
                pool[i_dst] = mix(pool[i_dst], hashmix(entropy[:, i_src]))
        state = np.empty((n_rows, 8), dtype=np.uint32)
        hash_const_b = INIT_B
        for i_dst in range(8):
            value = pool[i_dst % POOL_SIZE] ^ hash_const_b
            hash_const_b = hash_const_b * MULT_B
            value = value * hash_const_b
            state[:, i_dst] = value ^ (value >> XSHIFT)
    return state.astype("<u4").view("<u8").astype(np.uint64)


def _pcg64_state(words) -> tuple[int, int]:
    """PCG64's (state, inc) after seeding from ``generate_state(4, uint64)`` (numpy's pcg64_set_seed)."""
    init_state = (int(words[0]) << 64) | int(words[1])
    inc = (((int(words[2]) << 64) | int(words[3])) << 1 | 1) & MASK128
    state = (inc + init_state) & MASK128  # one step from 0 gives inc
    state = (state * PCG64_MULTIPLIER + inc) & MASK128
    return state, inc


class BlockStreams:
    """The keyed streams of replications ``first .. first + count - 1``, made in bulk.

    ``streams(replication, name, key)`` returns a generator in exactly the state of
    :func:`stream` with the same arguments. It is one generator, reused: draw from it before
    asking for the next stream. :meth:`prepare` computes the starting states of many keys at once
    (optional; a key not prepared is computed on first use).
    """

    def __init__(self, seed: int, first: int, count: int):
        if first < 0 or first + count > MASK32:
            raise ValueError(f"replications must be in 0 .. {MASK32 - 1}")
        self.seed = seed
        self.first = first
        self.count = count
        self._states: dict[tuple[str, str], list[tuple[int, int]]] = {}
        self._bits = np.random.PCG64(0)
        self._generator = np.random.Generator(self._bits)

    def prepare(self, name: str, keys) -> None:
        keys = [k for k in dict.fromkeys(keys) if (name, k) not in self._states]
        if not keys:
            return
        head = _uint32_words(self.seed)
        replications = np.arange(self.first, self.first + self.count, dtype=np.uint32)
        by_length: dict[int, list[tuple[str, list[int]]]] = {}
        name_words = _uint32_words(_word(name))
        for key in keys:
            tail = name_words + _uint32_words(_word(key))
            by_length.setdefault(len(tail), []).append((key, tail))
        for group in by_length.values():
            n_keys = len(group)
            entropy = np.empty((n_keys, self.count, len(head) + 1 + len(group[0][1])), dtype=np.uint32)
            entropy[:, :, : len(head)] = head
            entropy[:, :, len(head)] = replications
            entropy[:, :, len(head) + 1:] = np.array([tail for _, tail in group], dtype=np.uint32)[:, None, :]
            words = _seed_sequence_states(entropy.reshape(n_keys * self.count, -1)).reshape(n_keys, self.count, 4)
            for (key, _), rows in zip(group, words.tolist()):
                self._states[(name, key)] = [_pcg64_state(row) for row in rows]

    def __call__(self, replication: int, name: str, key: str) -> np.random.Generator:
        if (name, key) not in self._states:
            self.prepare(name, [key])
        state, inc = self._states[(name, key)][replication - self.first]
        self._bits.state = {"bit_generator": "PCG64", "state": {"state": state, "inc": inc},
                            "has_uint32": 0, "uinteger": 0}
        return self._generator


def _streams(seed: int, replication: int, streams: BlockStreams | None):
    if streams is not None:
        return streams
    return lambda replication, name, key: stream(seed, replication, name, key)


def draw_parameters(scenario: Scenario, seed: int, replication: int,
                    streams: BlockStreams | None = None) -> dict[str, float]:
    if scenario.uncertainty is None:
        return {}
    get = _streams(seed, replication, streams)
    return {
        path: sample(dist, get(replication, "parameter", path) if uses_randomness(dist) else None)
        for path, dist in scenario.uncertainty.parameters.items()
    }


def has_uncertainty(scenario: Scenario) -> bool:
    """Whether anything is drawn: an ``uncertainty`` block or a project's own delay or go probability."""
    return scenario.uncertainty is not None or any(
        p.delay_months is not None or p.go_probability is not None for p in scenario.projects)


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


def draw_projects(scenario: Scenario, seed: int, replication: int,
                  streams: BlockStreams | None = None,
                  go_bonus: np.ndarray | None = None) -> tuple[np.ndarray, np.ndarray]:
    """(go, delay_months) for every project. Operating projects always go, with no delay.

    A project goes when its uniform draw u < p, p its go probability (:func:`go_probability`) plus
    ``go_bonus`` (per project, from a capex subsidy; p capped at 1). The uniform is the same with or
    without a bonus, so a bonus can only turn a no-go into a go. Each project's draws come from its
    own streams, so one project's override leaves the other projects' draws unchanged.
    """
    n = len(scenario.projects)
    go = np.ones(n, dtype=bool)
    delay = np.zeros(n, dtype=float)
    get = _streams(seed, replication, streams)
    for j, project in enumerate(scenario.projects):
        if project.status == "operating":
            continue
        probability = go_probability(scenario, project)
        if go_bonus is not None:
            probability = min(1.0, probability + go_bonus[j])
        if probability <= 0.0:
            go[j] = False  # random() < 0 never holds
        elif probability < 1.0:
            go[j] = get(replication, "go", project.id).random() < probability
        dist = delay_distribution(scenario, project)
        if dist is not None and go[j]:
            delay[j] = sample(dist, get(replication, "delay", project.id) if uses_randomness(dist) else None)
    return go, delay


def prepare_block(scenario: Scenario, streams: BlockStreams) -> None:
    """Compute, in bulk, the starting states of every stream the block's draws may use."""
    unc = scenario.uncertainty
    if unc is not None:
        streams.prepare("parameter", [p for p, d in unc.parameters.items() if uses_randomness(d)])
    pending = [p for p in scenario.projects if p.status != "operating"]
    streams.prepare("go", [p.id for p in pending if 0.0 < go_probability(scenario, p) < 1.0])
    streams.prepare("delay", [p.id for p in pending if (d := delay_distribution(scenario, p)) is not None
                              and uses_randomness(d)])
