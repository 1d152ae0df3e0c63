"""Benchmark: how long the plots take to draw and save, and how tall the timeline of a large region is.

    python benchmarks/plots.py [--projects N] [--replications R]
    python benchmarks/plots.py --shanxi [--replications R] [--folder RESULTS]

The first form simulates a synthetic region (benchmarks/synthetic.py, default 3,000 projects, 10
replications), writes its results, then prints the seconds the timeline takes to draw and save as
PNG (150 dpi) and its size in pixels: it must stay under about 1,300 px and take seconds, not
minutes (docs/plots.md).

``--shanxi`` writes the results of ``scenarios/shanxi.yaml`` (default 10,000 replications, as
``capsim run -r 10000``; or reads the results folder ``--folder``) and prints, for each plot, the
CPU seconds (``time.process_time``, this process only) to build the figure, to save it with
capsim's ``save_figure`` and, for comparison, with matplotlib's own ``fig.savefig`` (what capsim
did before); then the wall time of ``write_plots`` alone and with an executor of 2 worker
processes (a pool started for it; a pool whose workers ran ``plotfiles.warm_up`` beforehand; the
same pool again: workers that have drawn before), with the load average, since wall times on a
shared machine vary. CPU figures are the best of 3 runs.
Speed is measured here, never in the tests.
"""

from __future__ import annotations

import argparse
import os
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

ROOT = Path(__file__).resolve().parents[1]


def best_of(runs: int, work, clock=time.perf_counter) -> tuple[float, object]:
    best, result = float("inf"), None
    for _ in range(runs):
        start = clock()
        result = work()
        best = min(best, clock() - start)
    return best, result


def synthetic(args: argparse.Namespace) -> None:
    scenario = sim.scenario_from_data(synthetic_data(args.projects))
    start = time.perf_counter()
    results = sim.simulate(scenario, replications=args.replications or 10, seed=1, jobs=1)
    print(f"simulated {args.projects:,} projects x {args.replications or 10} replications in "
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


def save_cpu(tables: plotfiles.ResultTables, kind: str, save) -> float:
    """CPU seconds to save the figures of ``kind`` with ``save(name, fig)``, best of 3 (each run
    on newly built figures, the building not timed)."""
    best = float("inf")
    for _ in range(3):
        figures = plotfiles.draw_kind(tables, kind)
        start = time.process_time()
        for name, fig in figures.items():
            save(name, fig)
        best = min(best, time.process_time() - start)
    return best


def per_plot(folder: Path, scratch: Path) -> None:
    tables = plotfiles.read_tables(folder)
    plotfiles.save_figure(plotfiles.draw_kind(tables, "growth")["growth"], scratch / "warm-up.png", "png")
    print(f"{'plot':<10} {'build':>7} {'save':>7} {'total':>7} {'savefig':>8}   CPU s, best of 3 "
          "(savefig: matplotlib's own save, as capsim did before)")
    totals = [0.0, 0.0, 0.0]
    for kind in plotfiles.kinds(tables):
        build, _ = best_of(3, lambda: plotfiles.draw_kind(tables, kind), time.process_time)
        save = save_cpu(tables, kind, lambda name, fig: plotfiles.save_figure(fig, scratch / f"{name}.png", "png"))
        savefig = save_cpu(tables, kind, lambda name, fig: fig.savefig(scratch / f"{name}-mpl.png", dpi=plotfiles.DPI))
        totals = [totals[0] + build, totals[1] + save, totals[2] + savefig]
        print(f"{kind:<10} {build:7.3f} {save:7.3f} {build + save:7.3f} {savefig:8.3f}")
    print(f"{'all':<10} {totals[0]:7.3f} {totals[1]:7.3f} {totals[0] + totals[1]:7.3f} {totals[2]:8.3f}")


def critical_path(folder: Path, scratch: Path) -> None:
    """The CPU seconds of each worker task (:func:`plotfiles.draw_and_save`, in this process), and
    how 2 workers taking them in write_plots' order (the slowest first, each next task to the
    worker free first) would share them: the wall time on 2 idle cores, start-up aside."""
    tables = plotfiles.read_tables(folder)
    todo = sorted(plotfiles.kinds(tables), key=plotfiles.HEAVIEST_FIRST.index)
    (scratch / "tasks").mkdir(exist_ok=True)
    cpu = {kind: best_of(3, lambda: plotfiles.draw_and_save(str(folder), kind, "png", str(scratch / "tasks")),
                         time.process_time)[0] for kind in todo}
    workers = [0.0, 0.0]
    for kind in todo:
        workers[workers.index(min(workers))] += cpu[kind]
    print(f"worker tasks, CPU s: {', '.join(f'{k} {v:.2f}' for k, v in cpu.items())}; {sum(cpu.values()):.2f} in all; "
          f"2 workers: {workers[0]:.2f} + {workers[1]:.2f}, done after {max(workers):.2f} s on 2 idle cores")


def write_plots_wall(folder: Path, scratch: Path) -> None:
    from sim.run.parallel import process_pool

    load = ", ".join(f"{v:.2f}" for v in os.getloadavg())
    cpu = time.process_time()
    alone, written = best_of(3, lambda: plotfiles.write_plots(folder, out=scratch / "alone"))
    cpu = (time.process_time() - cpu) / 3
    print(f"write_plots, {len(written)} files, load average {load}:")
    print(f"  in this process:                {alone:.2f} s wall (best of 3), {cpu:.2f} s CPU")
    start = time.perf_counter()
    with process_pool(2) as pool:
        plotfiles.write_plots(folder, out=scratch / "pool", executor=pool)
        cold = time.perf_counter() - start
        warm, _ = best_of(3, lambda: plotfiles.write_plots(folder, out=scratch / "pool", executor=pool))
    with process_pool(2) as pool:
        start = time.perf_counter()
        for future in [pool.submit(plotfiles.warm_up) for _ in range(2)]:
            future.result()
        ready = time.perf_counter() - start
        start = time.perf_counter()
        plotfiles.write_plots(folder, out=scratch / "pool", executor=pool)
        warmed = time.perf_counter() - start
    print(f"  2 workers, pool started for it: {cold:.2f} s wall (starting the pool and its imports included)")
    print(f"  2 workers after warm_up:        {warmed:.2f} s wall (the pool started and warmed up beforehand "
          f"in {ready:.2f} s, as it could be while the tables are written)")
    print(f"  2 workers that have drawn:      {warm:.2f} s wall (best of 3)")
    same = all((scratch / "alone" / p.name).read_bytes() == (scratch / "pool" / p.name).read_bytes() for p in written)
    print(f"  same files either way: {same}; load average now {', '.join(f'{v:.2f}' for v in os.getloadavg())}")


def shanxi(args: argparse.Namespace) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(args.folder) if args.folder else Path(tmp) / "run"
        if not args.folder:
            replications = args.replications or 10_000
            start = time.perf_counter()
            results = sim.simulate(sim.load_scenario(ROOT / "scenarios" / "shanxi.yaml"), replications=replications,
                                   seed=1)
            sim.write_results(results, folder)
            print(f"Shanxi, {replications:,} replications simulated and written in {time.perf_counter() - start:.1f} s")
        per_plot(folder, Path(tmp))
        critical_path(folder, Path(tmp))
        write_plots_wall(folder, Path(tmp))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--projects", type=int, default=3000)
    parser.add_argument("--replications", type=int, default=None)
    parser.add_argument("--shanxi", action="store_true", help="time every plot of the Shanxi scenario")
    parser.add_argument("--folder", help="with --shanxi: a results folder to draw instead of simulating")
    args = parser.parse_args()
    shanxi(args) if args.shanxi else synthetic(args)


if __name__ == "__main__":
    main()
