"""Benchmark: how long the report page of a results folder takes to write, in CPU and wall seconds.

    python benchmarks/report.py [FOLDER] [--runs N]

FOLDER is a capsim results folder; without one, a Shanxi run of 10,000 replications is written
first (``capsim run -r 10000 --no-plots --no-report``, into a temporary folder). Prints:

* the import of ``sim.report.page`` in a fresh process: CPU and wall seconds, and the cumulative
  seconds ``python -X importtime`` gives it; and its import once ``sim`` and ``sim.output.tables``
  are imported (as in the CLI, which has written the tables by then);
* ``write_report`` in a fresh process, import included (what ``capsim run`` pays for its report),
  CPU (the child's user + system time) and wall;
* in this process, the first call and the best of ``--runs`` later calls, CPU
  (``time.process_time``) and wall, and their parts: reading the folder, the charts, the rest of
  the page;
* the page's size, and whether two writes give the same bytes.

The machine may be shared: CPU seconds are the figures to compare, wall seconds are noisy. Speed is
measured here, never in the tests.
"""

from __future__ import annotations

import argparse
import re
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))


def clocks(work) -> tuple[float, float, object]:
    """(CPU seconds, wall seconds, result) of ``work()``."""
    cpu, wall = time.process_time(), time.perf_counter()
    result = work()
    return time.process_time() - cpu, time.perf_counter() - wall, result


def child(code: str, *args: str) -> tuple[float, float, str]:
    """(CPU seconds of the child, wall seconds, its stdout) of ``python -c code``."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    wall = time.perf_counter()
    done = subprocess.run([sys.executable, *args, "-c", code], capture_output=True, text=True, cwd=ROOT, check=True)
    wall = time.perf_counter() - wall
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    return cpu, wall, done.stdout + done.stderr


def shanxi_folder(tmp: Path) -> Path:
    out = tmp / "shanxi"
    subprocess.run([sys.executable, "-m", "sim", "run", "-r", "10000", "--out", str(out), "-q", "--no-plots",
                    "--no-report"], cwd=ROOT, check=True)
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("folder", nargs="?", type=Path)
    parser.add_argument("--runs", type=int, default=3)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        folder = args.folder or shanxi_folder(Path(tmp))
        page = Path(tmp) / "report.html"
        print(f"folder: {folder}")

        imports = [child("import sim.report.page", "-X", "importtime") for _ in range(args.runs)]
        micros = [int(m.group(1)) for *_, err in imports
                  for m in re.finditer(r"\|\s*(\d+) \|\s*sim\.report\.page$", err, re.M)]
        cpu, wall = min(c for c, _, _ in imports), min(w for _, w, _ in imports)
        print(f"import sim.report.page, fresh process (python startup included): CPU {cpu:.2f} s, wall {wall:.2f} s; "
              f"-X importtime cumulative {min(micros) / 1e6:.2f} s")
        code = ("import time, sim, sim.output.tables; cpu, wall = time.process_time(), time.perf_counter(); "
                "import sim.report.page; print(time.process_time() - cpu, time.perf_counter() - wall)")
        after = [tuple(map(float, child(code)[2].split())) for _ in range(args.runs)]
        print(f"import sim.report.page after sim and its tables (what the CLI has imported by then): "
              f"CPU {min(c for c, _ in after):.3f} s, wall {min(w for _, w in after):.3f} s")
        startup = min(child("pass")[0] for _ in range(args.runs))
        code = ("import sys; from sim.report.page import write_report; "
                f"write_report(sys.argv[1], out={str(page)!r})")
        runs = [child(code.replace("sys.argv[1]", repr(str(folder)))) for _ in range(args.runs)]
        cpu, wall = min(c for c, _, _ in runs), min(w for _, w, _ in runs)
        print(f"write_report in a fresh process, import included: CPU {cpu:.2f} s (python alone {startup:.2f} s), "
              f"wall {wall:.2f} s")

        from sim.report import page as report_page
        from sim.report.read import read_folder

        cpu, wall, _ = clocks(lambda: report_page.write_report(folder, out=page))
        print(f"write_report, first call in this process: CPU {cpu:.2f} s, wall {wall:.2f} s")
        first = page.read_bytes()
        best = {"write_report": (9e9, 9e9), "read_folder": (9e9, 9e9), "charts_for": (9e9, 9e9),
                "build_html": (9e9, 9e9)}
        for _ in range(args.runs):
            for name, work in (("write_report", lambda: report_page.write_report(folder, out=page)),
                               ("read_folder", lambda: read_folder(folder))):
                cpu, wall, result = clocks(work)
                best[name] = (min(best[name][0], cpu), min(best[name][1], wall))
            results = read_folder(folder)
            for name, work in (("charts_for", lambda: report_page.charts_for(results)),
                               ("build_html", lambda: report_page.build_html(results, page.parent))):
                cpu, wall, _ = clocks(work)
                best[name] = (min(best[name][0], cpu), min(best[name][1], wall))
        for name, (cpu, wall) in best.items():
            print(f"{name}, best of {args.runs} later calls: CPU {cpu:.3f} s, wall {wall:.3f} s")
        print(f"page: {len(first) / 1e6:.2f} MB; two writes give the same bytes: {first == page.read_bytes()}")


if __name__ == "__main__":
    main()
