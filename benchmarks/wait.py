"""Benchmark: what a user waits for, in two checkouts of capsim measured alternately.

    python benchmarks/wait.py --before ../capsim-at-main [--repeat 5] [--only run,explore,lever]

Three measures, on scenarios/shanxi.yaml (this checkout's file for both), each a fresh process
with the checkout's ``sim`` first on ``PYTHONPATH``:

- ``run``: ``capsim run`` with its defaults (1,000 replications, default ``--jobs``, every table,
  the seven plots and the report), wall time of ``python -m sim run ...``.
- ``explore``: ``capsim explore`` with its defaults (Sobol, 64 base samples x (levers + 2), 100
  replications each, tables, plots and report), wall time.
- ``lever``: a 500-replication run as a lever explorer makes it, in a process that has already
  loaded the scenario and run once (a server): the capex subsidy's rate moved
  (``with_fixed_values``, as ``capsim explore`` sets a lever), ``sim.simulate`` of 500
  replications (one job) and the five tables, timed inside the process, median of 3. If the
  checkout has ``sim.run.heap``, its allocator setting is applied first, as the ``capsim``
  executable did. ``load``: the ``load_scenario`` of that process (the server's start).

The checkouts alternate (before, after, before, ...) ``--repeat`` times per measure, and the
median of each is printed with every figure and the load average, as wall time and as CPU time
(of the command's process tree; of the lever run's process): this machine is shared and its speed
drifts, so only figures taken side by side compare, and CPU time is the steadier of the two. Speed is measured here, never in tests.
"""

from __future__ import annotations

import argparse
import math
import os
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
SHANXI = ROOT / "scenarios" / "shanxi.yaml"
LEVER = """
import statistics, sys, time
try:
    from sim.run.heap import keep_freed_memory
    keep_freed_memory()
except ImportError:
    pass
import sim
from sim.scenario.variants import with_fixed_values
start = time.perf_counter()
scenario = sim.load_scenario(sys.argv[1])
loaded = time.perf_counter() - start
def once(rate):
    start, cpu = time.perf_counter(), time.process_time()
    moved = with_fixed_values(scenario, {"policies.capex_subsidy.rate": rate}, "lever")
    results = sim.simulate(moved, replications=500, seed=1)
    for name in ("monthly", "annual", "targets", "projects", "sites"):
        getattr(results, name)
    return time.perf_counter() - start, time.process_time() - cpu
once(0.1)
runs = [once(rate) for rate in (0.11, 0.12, 0.13)]
print(loaded, statistics.median(w for w, _ in runs), statistics.median(c for _, c in runs))
"""


def command_time(checkout: Path, args: list[str]) -> tuple[float, float]:
    """(wall seconds, CPU seconds of the process tree) of ``capsim ARGS``."""
    env = {**os.environ, "PYTHONPATH": str(checkout), "MPLBACKEND": "Agg"}
    with tempfile.TemporaryDirectory() as work:
        before = resource.getrusage(resource.RUSAGE_CHILDREN)
        start = time.perf_counter()
        subprocess.run([sys.executable, "-m", "sim", *args, "--out", str(Path(work) / "out"), "-q"], cwd=work,
                       env=env, check=True, capture_output=True)
        wall = time.perf_counter() - start
        after = resource.getrusage(resource.RUSAGE_CHILDREN)
        return wall, (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)


def lever_times(checkout: Path) -> tuple[float, float]:
    """(load_scenario, median 500-replication lever run) in one server-like process."""
    env = {**os.environ, "PYTHONPATH": str(checkout), "MPLBACKEND": "Agg"}
    done = subprocess.run([sys.executable, "-c", LEVER, str(SHANXI)], env=env, check=True, capture_output=True,
                          text=True, cwd=tempfile.gettempdir())
    load, lever, cpu = done.stdout.split()[-3:]
    return float(load), (float(lever), float(cpu))


MEASURES = {
    "run": lambda checkout: command_time(checkout, ["run", str(SHANXI)]),
    "explore": lambda checkout: command_time(checkout, ["explore", str(SHANXI)]),
    "lever": lambda checkout: lever_times(checkout)[1],
    "load": lambda checkout: (lever_times(checkout)[0], math.nan),
}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--before", type=Path, required=True, help="the other checkout (e.g. main)")
    parser.add_argument("--repeat", type=int, default=5)
    parser.add_argument("--only", default=",".join(MEASURES), help="comma-separated measures")
    parser.add_argument("--no-warm-up", action="store_true", help="no uncounted first run (modules already compiled)")
    options = parser.parse_args()
    checkouts = {"before": options.before.resolve(), "after": ROOT}
    for measure in options.only.split(","):
        if not options.no_warm_up:
            MEASURES[measure](ROOT)  # one run not counted: Python compiles and caches the modules
            MEASURES[measure](checkouts["before"])
        times: dict[str, list[tuple[float, float]]] = {"before": [], "after": []}
        for _ in range(options.repeat):
            for label, checkout in checkouts.items():
                times[label].append(MEASURES[measure](checkout))
        load = os.getloadavg()[0]
        for i, kind in enumerate(("wall", "CPU")):
            b = statistics.median(t[i] for t in times["before"])
            a = statistics.median(t[i] for t in times["after"])
            if math.isnan(a):
                continue
            print(f"{measure} {kind}: before median {b:.3f} s ({', '.join(f'{t[i]:.2f}' for t in times['before'])}); "
                  f"after median {a:.3f} s ({', '.join(f'{t[i]:.2f}' for t in times['after'])}); "
                  f"after/before {a / b:.3f}; load {load:.2f}", flush=True)


if __name__ == "__main__":
    main()
