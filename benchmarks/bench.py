"""Benchmark: how fast capsim runs on this machine, against SimPy's own floor.

    python benchmarks/bench.py [SCENARIO] [--replications N]

Prints (see docs/performance.md for the targets and the figures of a 2-core machine):
- SimPy's cost per timeout event, measured in this process (the floor);
- events and seconds per replication of SCENARIO (default scenarios/shanxi.yaml) in one
  process, and their ratio to events x the floor;
- replications per second with 1 job and with every core;
- the default run of each shipped region (scenarios/shanxi.yaml, scenarios/guizhou.yaml: 1,000
  replications, seed 20250823, tables built) with 1 job and with every core, and the load average
  around it (``--regions`` prints only these);
- the end-to-end CLI time of 10,000 replications, writing the outputs;
- one replication of synthetic regions of 100, 1,000 and 10,000 projects (time, peak memory);
- one replication of 1,000 projects over a 6-year and a 60-year horizon (the SimPy part and the
  monthly post-processing timed apart).

Speed is measured here, never in the tests. Figures vary with the load of the machine: each is
the best of a few runs.
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import tempfile
import time
import tracemalloc
from pathlib import Path

import simpy

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(Path(__file__).resolve().parent))

import sim  # noqa: E402
from sim.engine.draws import draw_projects  # noqa: E402
from sim.engine.model import simulate_replication  # noqa: E402
from sim.run.parallel import cores  # noqa: E402
from sim.engine.build import build_plan  # noqa: E402
from sim.engine.series import monthly_series  # noqa: E402
from synthetic import synthetic_data  # noqa: E402


def best(function, repeat: int = 3) -> float:
    """Fastest of ``repeat`` runs of ``function()``, in seconds."""
    times = []
    for _ in range(repeat):
        start = time.perf_counter()
        function()
        times.append(time.perf_counter() - start)
    return min(times)


def simpy_floor_s(events: int = 200_000) -> float:
    """Seconds per event of one SimPy process that does nothing but wait on timeouts."""
    def run() -> None:
        env = simpy.Environment()

        def ticker():
            for _ in range(events):
                yield env.timeout(1)

        env.process(ticker())
        env.run()

    return best(run) / events


def one_replication(scenario) -> tuple[float, float, float, int]:
    """(total s, SimPy s, post-processing s, events) of replication 0 of ``scenario``."""
    def total():
        return sim.simulate(scenario, replications=1, seed=1)

    seconds = best(total)
    plan = build_plan(scenario)
    go, delay = draw_projects(scenario, 1, 0)
    logs = []
    model_s = best(lambda: logs.append(simulate_replication(plan, go, delay)))
    log = logs[-1]
    post_s = best(lambda: monthly_series([plan], log.on[None], log.off[None]))
    return seconds, model_s, post_s, log.events


def peak_memory_mb(scenario) -> float:
    tracemalloc.start()
    sim.simulate(scenario, replications=1, seed=1)
    _, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    return peak / 1e6


REGIONS = ("shanxi.yaml", "guizhou.yaml")
REGION_SEED = 20250823


def load_average() -> str:
    one, five, fifteen = os.getloadavg()
    return f"load average {one:.2f}, {five:.2f}, {fifteen:.2f}"


def default_runs(all_cores: int) -> None:
    """The default run of each shipped region (as `capsim run` does it: default replications, the
    README's seed, every table built), 1 job and every core, best of 2, with the load average."""
    for name in REGIONS:
        scenario = sim.load_scenario(ROOT / "scenarios" / name)
        for jobs in sorted({1, all_cores}):
            def run() -> None:
                results = sim.simulate(scenario, seed=REGION_SEED, jobs=jobs)
                for table in ("monthly", "annual", "targets", "projects", "sites"):
                    getattr(results, table)

            before = load_average()
            seconds = best(run, repeat=2)
            print(f"default run {name} ({sim.default_replications(scenario):,} replications, {jobs} "
                  f"job{'s' if jobs > 1 else ''}, tables built): {seconds:.2f} s; {before} before, {load_average()} after")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("scenario", nargs="?", default=str(ROOT / "scenarios" / "shanxi.yaml"))
    parser.add_argument("--replications", type=int, default=10_000, help="for the rate and CLI figures")
    parser.add_argument("--regions", action="store_true", help="only the default runs of the shipped regions")
    args = parser.parse_args()
    n = args.replications
    all_cores = cores()
    print(f"machine: {all_cores} cores, Python {sys.version.split()[0]}, SimPy {simpy.__version__}")
    default_runs(all_cores)
    if args.regions:
        return

    floor = simpy_floor_s()
    print(f"SimPy floor: {floor * 1e6:.2f} us per timeout event")

    scenario = sim.load_scenario(args.scenario)
    for jobs in sorted({1, all_cores}):
        results = []
        seconds = best(lambda: results.append(sim.simulate(scenario, replications=n, seed=1, jobs=jobs)), repeat=2)
        if jobs == 1:
            events = results[-1].events / n
            print(f"{args.scenario}: {events:.1f} events per replication, {seconds / n * 1e6:.0f} us per "
                  f"replication = {seconds / n / (events * floor):.1f} x events x floor")
        print(f"{n:,} replications, {jobs} job{'s' if jobs > 1 else ''}: {seconds:.2f} s, {n / seconds:,.0f} replications/s")

    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    with tempfile.TemporaryDirectory() as tmp:
        def cli():
            subprocess.run([sys.executable, "-m", "sim", "run", args.scenario, "-r", str(n), "--jobs", str(all_cores),
                            "--out", str(Path(tmp) / "out"), "--force", "-q"], env=env, check=True)
        print(f"CLI end to end, {n:,} replications, {all_cores} jobs, outputs written: {best(cli, repeat=2):.2f} s")

    for projects in (100, 1_000, 10_000):
        region = sim.scenario_from_data(synthetic_data(projects))
        seconds, model_s, post_s, events = one_replication(region)
        print(f"one replication, {projects:,} projects: {seconds:.3f} s ({events:,} events; SimPy part {model_s:.3f} s "
              f"= {model_s / (events * floor):.1f} x events x floor), peak memory {peak_memory_mb(region):.0f} MB")

    for years in (6, 60):
        region = sim.scenario_from_data(synthetic_data(1_000, years=6, horizon_years=years))
        seconds, model_s, post_s, events = one_replication(region)
        print(f"one replication, 1,000 projects, {years}-year horizon: {seconds:.3f} s; SimPy part {model_s:.3f} s "
              f"({events:,} events), monthly series {post_s:.3f} s")


if __name__ == "__main__":
    main()
