"""The naive SimPy model of a region's build-out: the one a user writes first (issue 12).

Picture a site manager who phones every project once a month: "are you online yet?". Each phase
of each project is a SimPy process that wakes at the start of every month and checks whether it
is due within the month (its planned online month plus its drawn delay plus its phase offset); if
so it waits for the exact instant and switches on. A phase with a retirement month keeps waking
every month until that month and then switches off. A recorder process wakes at the end of every
month and walks over every phase: it adds up capacity (EFLOPS by class, at the accounting factor
of the phase's precision) for the phases online at the month's end, and facility power (IT load x
the month's PUE at the phase's site with its cooling) for the part of the month each phase was on.

No grid, no accelerator supply, no policy levers: only go/no-go, delays and drawn project values.
On a scenario without grid, supply and policies it computes the same monthly total EFLOPS and
facility MW as capsim (tests/test_naive_model.py), so the benchmark compares like with like.

It is an honest first attempt, not a straw man: the scenario is read into plain Python objects
once, the PUE of every (site, cooling) pair is tabulated once per calendar month, and the random
draws are capsim's own (the same keyed streams, drawn for all replications at once), so draws cost
the same in both and the comparison is about the model.

    python benchmarks/naive.py [SCENARIO] [--replications N] [--seed S]
"""

from __future__ import annotations

import argparse
import math
import sys
import time
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import simpy

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

# Every capsim import of the benchmarks' naive model is here (the modules may move into
# sub-packages): scenario loading, the calendar, the PUE curve and the random draws.
import sim  # noqa: E402
from sim.engine.draws import draw_parameters_block, draw_projects_block  # noqa: E402
from sim.months import calendar_months, horizon_months, month_index  # noqa: E402
from sim.engine.plan import monthly_pue  # noqa: E402

CLASSES = ("general", "intelligent", "supercomputing")
PROJECT_FIELDS = {"it_mw": "it_mw", "utilization": "utilization", "compute.pflops": "pflops",
                  "investment_cny": None}
"""Drawn project values the naive model uses (investment does not enter capacity or power)."""
IGNORED_BLOCKS = ("grid", "supply")
"""Drawn values of blocks the naive model does not have."""


@dataclass
class Project:
    """A project's values as the naive model reads them from the scenario."""

    id: str
    cls: str
    status: str
    online_month: int  # months from the horizon start (0 for operating)
    retire_month: float  # inf if it never retires
    pflops: float  # at its declared precision
    factor: float  # accounting factor of its precision
    it_mw: float
    utilization: float
    phases: tuple[float, ...]
    phase_gap_months: float
    pue_by_calendar_month: list[float]  # January..December at its site with its cooling


class Phase:
    """One phase in one replication: what it adds when online, and when it was on."""

    def __init__(self, cls: str, eflops: float, load_mw: float, pue_by_calendar_month: list[float]):
        self.cls = cls
        self.eflops = eflops
        self.load_mw = load_mw
        self.pue_by_calendar_month = pue_by_calendar_month
        self.on = math.inf  # time it came online
        self.off = math.inf  # time it retired


@dataclass
class NaiveResults:
    """Monthly arrays (replications, months) of the naive model."""

    eflops: dict[str, np.ndarray]  # class -> EFLOPS at the end of each month
    facility_mw: np.ndarray  # mean facility power over each month
    events: int  # SimPy events processed (counted only with a counting environment)

    @property
    def total_eflops(self) -> np.ndarray:
        return self.eflops["general"] + self.eflops["intelligent"] + self.eflops["supercomputing"]


def read_projects(scenario) -> list[Project]:
    """The scenario's projects as plain objects, PUE tabulated per calendar month."""
    start = scenario.horizon.start
    pue: dict[tuple[str, str], list[float]] = {}
    projects = []
    for p in scenario.projects:
        key = (p.site, p.cooling)
        if key not in pue:
            pue[key] = monthly_pue(scenario.cooling[p.cooling].pue_curve,
                                   scenario.sites[p.site].monthly_temp_c).tolist()
        projects.append(Project(
            id=p.id, cls=p.class_, status=p.status,
            online_month=0 if p.online is None else month_index(p.online, start),
            retire_month=math.inf if p.retire is None else float(month_index(p.retire, start)),
            pflops=p.compute.pflops, factor=float(getattr(scenario.accounting.factors, p.compute.precision)),
            it_mw=p.it_mw, utilization=p.utilization, phases=tuple(p.phases),
            phase_gap_months=p.phase_gap_months, pue_by_calendar_month=pue[key],
        ))
    return projects


def with_drawn_values(projects: list[Project], drawn: dict[str, float]) -> dict[str, dict[str, float]]:
    """{project id: {attribute: value}} of this replication's drawn project values."""
    changes: dict[str, dict[str, float]] = {}
    ids = {p.id for p in projects}
    for path, value in drawn.items():
        head, _, rest = path.partition(".")
        if head in IGNORED_BLOCKS:
            continue
        project_id, _, field = rest.partition(".")
        if head != "projects" or project_id not in ids or field not in PROJECT_FIELDS:
            raise ValueError(f"the naive model cannot apply the drawn parameter {path!r}")
        if PROJECT_FIELDS[field] is not None:
            changes.setdefault(project_id, {})[PROJECT_FIELDS[field]] = value
    return changes


def phase_process(env: simpy.Environment, phase: Phase, due: float, retire: float):
    """Wake every month; come online when due, go off when retired."""
    while phase.on == math.inf:
        if due >= retire:  # its service life ends before it is built
            return
        if due < env.now + 1:  # due within this month: wait for the instant
            if due > env.now:
                yield env.timeout(due - env.now)
            phase.on = env.now
            break
        yield env.timeout(1)
    while retire < math.inf:
        if retire < env.now + 1:
            if retire > env.now:
                yield env.timeout(retire - env.now)
            phase.off = env.now
            return
        yield env.timeout(1)


def recorder(env: simpy.Environment, phases: list[Phase], calendar: list[int],
             eflops: dict[str, np.ndarray], facility_mw: np.ndarray):
    """At every month's end, sum capacity (stock) and mean facility power (flow) over all phases."""
    for m, month_of_year in enumerate(calendar):
        yield env.timeout(1)
        start, end = float(m), float(m + 1)
        capacity = {c: 0.0 for c in CLASSES}
        facility = 0.0
        for phase in phases:
            if phase.on < end and phase.off >= end:
                capacity[phase.cls] += phase.eflops
            on_for = min(phase.off, end) - max(phase.on, start)  # months online in [start, end)
            if on_for > 0:
                facility += phase.load_mw * min(on_for, 1.0) * phase.pue_by_calendar_month[month_of_year]
        for c in CLASSES:
            eflops[c][m] = capacity[c]
        facility_mw[m] = facility


def simulate_naive(scenario, replications: int, seed: int,
                   environment: type[simpy.Environment] = simpy.Environment) -> NaiveResults:
    """``replications`` runs of the naive model, with capsim's draws for ``seed``."""
    projects = read_projects(scenario)
    n_months = horizon_months(scenario.horizon.start, scenario.horizon.end)
    calendar = calendar_months(scenario.horizon.start, n_months).tolist()
    eflops = {c: np.zeros((replications, n_months)) for c in CLASSES}
    facility_mw = np.zeros((replications, n_months))
    drawn = draw_parameters_block(scenario, seed, 0, replications)
    gos, delays = draw_projects_block([scenario] * replications, seed, 0)
    events = 0
    for r in range(replications):
        changes = with_drawn_values(projects, drawn[r])
        go, delay = gos[r], delays[r]
        env = environment()
        phases = []
        for j, project in enumerate(projects):
            if not go[j]:
                continue
            values = changes.get(project.id, {})
            pflops = values.get("pflops", project.pflops)
            it_mw = values.get("it_mw", project.it_mw)
            utilization = values.get("utilization", project.utilization)
            for k, fraction in enumerate(project.phases):
                phase = Phase(project.cls, pflops * fraction * project.factor / 1000.0,
                              it_mw * fraction * utilization, project.pue_by_calendar_month)
                phases.append(phase)
                if project.status == "operating":
                    due = -math.inf  # online from the start
                else:
                    due = project.online_month + float(delay[j]) + k * project.phase_gap_months
                env.process(phase_process(env, phase, due, project.retire_month))
        done = env.process(recorder(env, phases, calendar, {c: eflops[c][r] for c in CLASSES}, facility_mw[r]))
        env.run(until=done)
        events += getattr(env, "processed", 0)
    return NaiveResults(eflops=eflops, facility_mw=facility_mw, events=events)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("scenario", nargs="?", default=str(ROOT / "scenarios" / "shanxi.yaml"))
    parser.add_argument("--replications", "-r", type=int, default=2000)
    parser.add_argument("--seed", type=int, default=1)
    args = parser.parse_args()
    scenario = sim.load_scenario(args.scenario)
    start = time.perf_counter()
    results = simulate_naive(scenario, args.replications, args.seed)
    seconds = time.perf_counter() - start
    print(f"naive model, {args.scenario}, {args.replications:,} replications: {seconds:.2f} s, "
          f"{seconds / args.replications * 1e6:.0f} us per replication; "
          f"mean total EFLOPS in the last month {results.total_eflops[:, -1].mean():.2f}")


if __name__ == "__main__":
    main()
