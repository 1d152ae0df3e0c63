"""Benchmark for issue 12 (engine speed): capsim against the naive SimPy model, in one run.

    python benchmarks/engine.py [SCENARIO] [--replications N] [--seed S] [--no-cli]

Prints, for SCENARIO (default scenarios/shanxi.yaml), N replications (default 2,000), one job:
- SimPy's floor: seconds per event of one process waiting on timeouts (measured here);
- capsim end to end per replication: ``sim.simulate`` and then the four tables (monthly, annual,
  targets, projects), i.e. what a user waits for;
- the same work cut into stages (draws, plan patching, model, monthly and per-site series,
  statistics), each timed on its own;
- the model part alone (``simulate_block``: numpy where no request can wait, SimPy for the rest)
  and with every replication in SimPy, against the model's events (SimPy's, every replication in
  SimPy) x floor;
- the naive monthly-tick SimPy model (benchmarks/naive.py) on the same scenario and draws, and its
  events per replication;
- capsim as it was when issue 12 was filed (benchmarks/baseline.py: commit 6ad5d3b extracted with
  git archive, run in a fresh process on the same scenario), unless ``--no-baseline``;
- memory per replication: what a run keeps (the per-replication arrays of ``Results``) and the
  peak traced by tracemalloc during ``sim.simulate``, divided by N;
- the CLI end to end (10,000 replications, the default --jobs, outputs and plots written), unless
  ``--no-cli``;
- the load average at the start and at the end.

Each timing is the best of a few runs; figures vary by 10-20 % with the machine's load, far more
on a machine shared with other work (compare the load average with the cores).
"""

from __future__ import annotations

import argparse
import gc
import os
import subprocess
import sys
import tempfile
import time
import tracemalloc
from pathlib import Path

import numpy as np
import simpy

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(Path(__file__).resolve().parent))

# Every capsim import of this benchmark is here (the modules may move into sub-packages).
import sim  # noqa: E402
from sim.engine.draws import draw_parameters_block, draw_projects_block  # noqa: E402
from sim.engine.block import simulate_block  # noqa: E402
from sim.engine.model import CountingEnvironment, simulate_replication  # noqa: E402
from sim.run.parallel import cores  # noqa: E402
from sim.engine.build import PlanPatcher, build_plan  # noqa: E402
from sim.engine.policies import adjust_draws, block_policy, policy_rows  # noqa: E402
from sim.engine.series import project_first_on  # noqa: E402
from sim.engine.sites import block_series  # noqa: E402
from sim.run.simulate import blocks  # noqa: E402

from bench import best, simpy_floor_s  # noqa: E402
from naive import simulate_naive  # noqa: E402
from baseline import ISSUE_FILED, baseline_us  # noqa: E402

TABLES = ("monthly", "annual", "targets", "projects")


def end_to_end(scenario, n: int, seed: int):
    """``sim.simulate`` with one job, then every table: the Results."""
    results = sim.simulate(scenario, replications=n, seed=seed, jobs=1)
    for table in TABLES:
        getattr(results, table)
    return results


def _block_inputs(scenario, base, seed: int, first: int, count: int, clock=None, spent=None):
    """(plans, go, delay, shift) of one block, the same calls as ``run_block``; with ``clock``, the
    time of the draws and of the plan patching is added to ``spent``."""
    clock = clock or time.perf_counter
    spent = spent if spent is not None else dict.fromkeys(("draws", "patch"), 0.0)
    patcher = PlanPatcher(scenario, base, scenario.uncertainty.parameters if scenario.uncertainty else ())
    t0 = clock()
    drawn = draw_parameters_block(scenario, seed, first, count)
    t1 = clock()
    patched = patcher.apply_block(drawn)
    plans = [plan for _, plan in patched]
    t2 = clock()
    go, delay = draw_projects_block([local for local, _ in patched], seed, first, policy_rows(plans, "go_bonus"))
    go, delay = adjust_draws(block_policy(plans), go, delay)
    spent["draws"] += (t1 - t0) + (clock() - t2)
    spent["patch"] += t2 - t1
    return plans, go, delay


def stages(scenario, n: int, seed: int) -> dict[str, float]:
    """Seconds spent in each stage of ``run_block`` for ``n`` replications, and in the tables.

    The same calls as :func:`sim.run.simulate.run_block`, block by block, with a clock around each.
    """
    clock = time.perf_counter
    spent = dict.fromkeys(("plan", "draws", "patch", "model", "series", "statistics"), 0.0)
    t = clock()
    base = build_plan(scenario)
    spent["plan"] += clock() - t
    for first, count in blocks(n):
        plans, go, delay = _block_inputs(scenario, base, seed, first, count, clock, spent)
        t = clock()
        log = simulate_block(plans, go, delay)
        spent["model"] += clock() - t
        t = clock()
        block_series(plans, log.on, log.off, log.limits)  # monthly and per-site series
        project_first_on(base, log.on)
        spent["series"] += clock() - t
    results = sim.simulate(scenario, replications=n, seed=seed, jobs=1)
    t = clock()
    for table in TABLES:
        getattr(results, table)
    spent["statistics"] += clock() - t
    return spent


def model_only(scenario, n: int, seed: int) -> tuple[float, float, int, int, int]:
    """The model part alone over ``n`` replications, draws made beforehand: (seconds of
    ``simulate_block`` as a run uses it, seconds with every replication in SimPy, the model's events
    (SimPy's, every replication in SimPy), replications that ran in SimPy, replications whose
    accelerator queue was replayed without SimPy)."""
    base = build_plan(scenario)
    inputs = [_block_inputs(scenario, base, seed, first, count) for first, count in blocks(n)]
    simulated, replayed = [], []

    def run() -> None:
        simulated.clear(), replayed.clear()
        for plans, go, delay in inputs:
            log = simulate_block(plans, go, delay)
            simulated.append(int(log.simulated.sum()))
            replayed.append(int(log.replayed.sum()))

    events = []

    def everywhere() -> None:
        events.clear()
        gc.disable()
        try:
            for plans, go, delay in inputs:
                for r, plan in enumerate(plans):
                    events.append(simulate_replication(plan, go[r], delay[r]).events)
        finally:
            gc.enable()

    return best(run), best(everywhere), sum(events), sum(simulated), sum(replayed)


def naive_events(scenario, n: int, seed: int) -> int:
    return simulate_naive(scenario, n, seed, environment=CountingEnvironment).events


def memory_per_replication(scenario, n: int, seed: int) -> tuple[float, float]:
    """(bytes kept per replication by Results, peak traced bytes of sim.simulate / n)."""
    gc.collect()
    tracemalloc.start()
    results = sim.simulate(scenario, replications=n, seed=seed, jobs=1)
    _, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    kept = (results.series.nbytes + sum(a.nbytes for a in results.site_series.values())
            + results.project_go.nbytes + results.project_first_on.nbytes + results.project_policy_shift.nbytes
            + results.grid_wait.nbytes + results.supply_wait.nbytes)
    return kept / n, peak / n


def naive_memory_per_replication(scenario, n: int, seed: int) -> float:
    gc.collect()
    tracemalloc.start()
    simulate_naive(scenario, n, seed)
    _, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    return peak / n


def cli_seconds(path: str, n: int, jobs: int | None) -> float:
    """Wall seconds of ``capsim run`` (outputs and plots written); ``jobs`` None: the CLI's default."""
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    with tempfile.TemporaryDirectory() as tmp:
        def cli() -> None:
            subprocess.run([sys.executable, "-m", "sim", "run", path, "-r", str(n),
                            *(["--jobs", str(jobs)] if jobs else []),
                            "--out", str(Path(tmp) / "out"), "--force", "-q"], env=env, check=True)
        return best(cli, repeat=2)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("scenario", nargs="?", default=str(ROOT / "scenarios" / "shanxi.yaml"))
    parser.add_argument("--replications", "-r", type=int, default=2000)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--no-cli", action="store_true", help="skip the 10,000-replication CLI run")
    parser.add_argument("--baseline", default=ISSUE_FILED, metavar="COMMIT",
                        help=f"earlier capsim to time on the same scenario (default {ISSUE_FILED}, issue 12 filed)")
    parser.add_argument("--no-baseline", action="store_true", help="skip timing the earlier capsim")
    args = parser.parse_args()
    n, seed = args.replications, args.seed
    uptime = os.getloadavg()[0]
    us = 1e6 / n
    print(f"machine: {cores()} cores, Python {sys.version.split()[0]}, SimPy {simpy.__version__}, "
          f"numpy {np.__version__}; {args.scenario}, {n:,} replications, seed {seed}, 1 job")

    floor = simpy_floor_s()
    print(f"SimPy floor: {floor * 1e6:.3f} us per timeout event")

    scenario = sim.load_scenario(args.scenario)
    results = []
    capsim_s = best(lambda: results.append(end_to_end(scenario, n, seed)), repeat=3)
    events = results[-1].events / n
    simulate_s = best(lambda: sim.simulate(scenario, replications=n, seed=seed, jobs=1), repeat=3)
    model_s, everywhere_s, model_events, simulated, replayed = model_only(scenario, n, seed)
    per_event = model_events / n
    print(f"capsim end to end (simulate + 4 tables): {capsim_s:.2f} s = {capsim_s * us:.0f} us per replication "
          f"({simulate_s * us:.0f} us in sim.simulate); the model has {per_event:.1f} events per replication "
          f"(SimPy ran {events:.1f} of them: {simulated:,} of {n:,} replications in SimPy, {replayed:,} with the "
          f"accelerator queue replayed, {n - simulated - replayed:,} with no wait possible) = "
          f"{capsim_s / n / (per_event * floor):.1f} x events x floor")
    if not args.no_baseline:
        then_us = baseline_us(args.baseline, Path(args.scenario), min(n, 1000), seed)
        now_us = baseline_us(None, Path(args.scenario), min(n, 1000), seed)
        print(f"capsim at {args.baseline} (issue 12 filed) against now, same scenario, each in a fresh process "
              f"(simulate + 4 tables, {min(n, 1000):,} replications, best of 3): {then_us:.0f} against {now_us:.0f} us "
              f"per replication: {then_us / now_us:.1f} x faster")
    naive_s = best(lambda: simulate_naive(scenario, n, seed), repeat=3)
    n_events = naive_events(scenario, n, seed) / n
    print(f"naive model: {naive_s:.2f} s = {naive_s * us:.0f} us per replication; {n_events:.1f} events per "
          f"replication = {naive_s / n / (n_events * floor):.1f} x events x floor")
    print(f"capsim / naive time per replication: {capsim_s / naive_s:.2f} "
          f"(capsim {naive_s / capsim_s:.2f} x faster)")

    print(f"capsim model part alone (simulate_block, draws made beforehand): {model_s * us:.0f} us per replication "
          f"= {model_s / (model_events * floor):.2f} x events x floor; every replication in SimPy: "
          f"{everywhere_s * us:.0f} us = {everywhere_s / (model_events * floor):.1f} x")

    spent = min((stages(scenario, n, seed) for _ in range(3)), key=lambda s: sum(s.values()))
    total = sum(spent.values())
    print("capsim stages (us per replication, share): " + "; ".join(
        f"{name} {seconds * us:.0f} ({seconds / total:.0%})" for name, seconds in spent.items()))

    kept, peak = memory_per_replication(scenario, n, seed)
    print(f"memory per replication: capsim keeps {kept / 1e3:.1f} kB, peak traced {peak / 1e3:.1f} kB "
          f"(sim.simulate, {n:,} replications); naive peak traced "
          f"{naive_memory_per_replication(scenario, n, seed) / 1e3:.1f} kB")

    if not args.no_cli:
        print(f"CLI end to end, 10,000 replications, default --jobs ({cores()} cores), outputs and plots written: "
              f"{cli_seconds(args.scenario, 10_000, None):.2f} s")
    print(f"load average (1 min) at the start: {uptime:.2f}, at the end: {os.getloadavg()[0]:.2f}")


if __name__ == "__main__":
    main()
