"""Benchmark: ``capsim run`` end to end from the shell, with what each part of it takes.

    python benchmarks/cli.py [SCENARIO] [-r 10000] [--repeat 3]

Runs the command in a fresh process each time (as a user would: interpreter start, imports,
loading, replications, tables, files, plots, report) and prints the best wall time of
``--repeat`` runs for: every output (the default), no report, and tables only (``--no-plots
--no-report``), after one run that is not counted, in which Python compiles and caches the
modules the command imports (as on a user's second run; ``PYTHONDONTWRITEBYTECODE`` is dropped
for the measured runs). Then one more run, with timestamps, says where the time of the default run goes:
imports, loading the scenario, the replications, the summary, the five tables, writing the CSV
files, and plots with the report. The machine's load average is printed at the start and the
end: figures taken on a busy machine are not comparable. Speed is measured here, never in tests.
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
VARIANTS = {"every output": [], "no report": ["--no-report"], "tables only": ["--no-plots", "--no-report"]}
TIMED = """
import sys, time
start = time.perf_counter()
marks = []
def mark(name):
    marks.append((name, time.perf_counter() - start))
import sim.cli as cli
import sim.analysis.results as results
import sim.analysis.summary as summary
import sim.output.tables as tables
import sim.run.simulate as simulate
import sim.scenario.load as load
mark("imports")
def after(module, name, label):
    function = getattr(module, name)
    def timed(*args, **kwargs):
        out = function(*args, **kwargs)
        mark(label)
        return out
    setattr(module, name, timed)
def before(module, name, label):
    function = getattr(module, name)
    def timed(*args, **kwargs):
        mark(label)
        return function(*args, **kwargs)
    setattr(module, name, timed)
after(load, "load_scenario", "load the scenario")
before(simulate, "simulate", "output folder checked, workers set up")
after(simulate, "simulate", "replications")
after(summary, "summary_text", "summary")
after(results.Results, "tables", "five tables")
after(tables, "write_tables", "CSV files and manifest")
code = cli.main(sys.argv[1:])
mark("plots and report, folder published")
for name, at in marks:
    print(f"{at:.3f} {name}")
sys.stdout.flush()
import os
os._exit(code)  # as the capsim executable ends (sim.cli.command)
"""


def child_env() -> dict[str, str]:
    """The environment of the measured runs: this one, with capsim from this checkout and Python
    free to cache compiled modules (``PYTHONDONTWRITEBYTECODE`` dropped), as for a user's second run."""
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    env.pop("PYTHONDONTWRITEBYTECODE", None)
    return env


def run_seconds(argv: list[str]) -> float:
    start = time.perf_counter()
    subprocess.run([sys.executable, "-m", "sim", *argv], env=child_env(), check=True)
    return time.perf_counter() - start


def breakdown(argv: list[str]) -> list[tuple[str, float]]:
    """(part, seconds) of one run of ``argv``, measured inside the command's process."""
    start = time.perf_counter()
    done = subprocess.run([sys.executable, "-c", TIMED, *argv], env=child_env(), check=True, capture_output=True, text=True)
    total = time.perf_counter() - start
    parts, last = [], 0.0
    for line in done.stdout.splitlines():
        at, name = line.split(" ", 1)
        parts.append((name, float(at) - last))
        last = float(at)
    parts.insert(0, ("interpreter start and exit", total - last))
    return parts


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("scenario", nargs="?", default=str(ROOT / "scenarios" / "shanxi.yaml"))
    parser.add_argument("--replications", "-r", type=int, default=10_000)
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--jobs", "-j", default=None, help="--jobs for capsim (default: capsim's own default)")
    args = parser.parse_args()
    print(f"load average (1 min) at the start: {os.getloadavg()[0]:.2f}; {os.cpu_count()} cores; "
          f"capsim run {Path(args.scenario).name} -r {args.replications:,}"
          + (f" --jobs {args.jobs}" if args.jobs else " (default --jobs)"))
    with tempfile.TemporaryDirectory() as tmp:
        common = ["run", args.scenario, "-r", str(args.replications), "--out", str(Path(tmp) / "out"), "--force", "-q",
                  *(["--jobs", args.jobs] if args.jobs else [])]
        run_seconds(common)  # not counted: Python compiles and caches the modules the command imports
        for name, extra in VARIANTS.items():
            seconds = min(run_seconds(common + extra) for _ in range(args.repeat))
            print(f"{name:>14}: {seconds:.2f} s (best of {args.repeat})")
        runs = [breakdown(common) for _ in range(args.repeat)]
    parts = min(runs, key=lambda r: sum(seconds for _, seconds in r))
    total = sum(seconds for _, seconds in parts)
    print(f"where the time of one run with every output goes (the fastest of {args.repeat}, {total:.2f} s in all; "
          "the interpreter's start and exit: what the process took beyond the parts timed inside it):")
    for name, seconds in parts:
        print(f"  {seconds:6.2f} s  {name}")
    print(f"load average (1 min) at the end: {os.getloadavg()[0]:.2f}")


if __name__ == "__main__":
    main()
