"""Benchmark: how long the plots of a large region take to draw, and how tall they are.

    python benchmarks/plots.py [--projects N] [--replications R]

Simulates a synthetic region (benchmarks/synthetic.py, default 3,000 projects, 10 replications),
writes its results, then prints the seconds each plot takes to draw and save as PNG (150 dpi) and
its size in pixels: the timeline must stay under about 3,000 px and take seconds, not minutes
(docs/plots.md). Speed is measured here, never in the tests; each figure is the best of 3 runs.
"""

from __future__ import annotations

import argparse
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
sys.path.insert(0, str(Path(__file__).resolve().parent))

import sim  # noqa: E402
from sim import plots  # noqa: E402
from sim.output import plotfiles  # noqa: E402
from synthetic import synthetic_data  # noqa: E402


def best_of(runs: int, work) -> tuple[float, object]:
    best, result = float("inf"), None
    for _ in range(runs):
        start = time.perf_counter()
        result = work()
        best = min(best, time.perf_counter() - start)
    return best, result


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--projects", type=int, default=3000)
    parser.add_argument("--replications", type=int, default=10)
    args = parser.parse_args()
    scenario = sim.scenario_from_data(synthetic_data(args.projects))
    start = time.perf_counter()
    results = sim.simulate(scenario, replications=args.replications, seed=1, jobs=1)
    print(f"simulated {args.projects:,} projects x {args.replications} replications in "
          f"{time.perf_counter() - start:.1f} s")
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp) / "run"
        sim.write_results(results, folder)
        tables = plotfiles.read_tables(folder)
        seconds, figure = best_of(3, lambda: plots.timeline(tables.projects, tables.context))
        width, height = (figure.get_size_inches() * plotfiles.DPI).round().astype(int)
        print(f"timeline: drawn in {seconds:.2f} s, {width} x {height} px; {figure.axes[0].get_title(loc='left')}")
        seconds, _ = best_of(3, lambda: plotfiles.save_figure(
            plots.timeline(tables.projects, tables.context), Path(tmp) / "timeline.png", "png"))
        print(f"timeline: drawn and saved as PNG in {seconds:.2f} s")
        seconds, written = best_of(1, lambda: plotfiles.write_plots(folder))
        print(f"every plot ({', '.join(p.stem for p in written)}): {seconds:.2f} s")


if __name__ == "__main__":
    main()
