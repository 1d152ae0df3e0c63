"""capsim as it was at an earlier commit, end to end on a scenario, for benchmarks/engine.py.

    python benchmarks/baseline.py [--commit C] [SCENARIO] [-r N] [--seed S]

Extracts commit C (default :data:`ISSUE_FILED`, the engine when issue 12 was filed) of this
repository with ``git archive`` into a temporary folder, and runs, in a fresh Python process, its
``sim.simulate`` with one job and its four tables (monthly, annual, targets, projects) on SCENARIO
(default scenarios/shanxi.yaml), the best of three. The top-level keys that only other commands
read (``variants``, ``explore``, ``solve``) are left out of the copy it is given, since that
version does not know them all and a plain run does not read them. Prints microseconds per
replication, and the same for this working tree, timed the same way. Needs git and the repository's history (a clone, not an archive).
"""

from __future__ import annotations

import argparse
import io
import subprocess
import sys
import tarfile
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
ISSUE_FILED = "6ad5d3b"
"""The last commit before issue 12's work (the engine the issue measured)."""
OTHER_COMMANDS = ("variants", "explore", "solve")

RUN = """
import sys, time
sys.path.insert(0, sys.argv[1])
import sim
assert sim.__file__.startswith(sys.argv[1]), sim.__file__  # the extracted commit, not the installed capsim
scenario = sim.load_scenario(sys.argv[2])
n, seed = int(sys.argv[3]), int(sys.argv[4])
times = []
for _ in range(3):
    start = time.perf_counter()
    results = sim.simulate(scenario, replications=n, seed=seed, jobs=1)
    for table in ("monthly", "annual", "targets", "projects"):
        getattr(results, table)
    times.append(time.perf_counter() - start)
print(min(times) / n * 1e6)
"""


def baseline_us(commit: str | None, scenario: Path, n: int, seed: int) -> float:
    """Microseconds per replication of ``commit``'s capsim (None: this working tree's) end to end on
    ``scenario``, in a fresh process, the best of three."""
    from ruamel.yaml import YAML

    with tempfile.TemporaryDirectory() as tmp:
        source = ROOT
        if commit is not None:
            archive = subprocess.run(["git", "-C", str(ROOT), "archive", commit, "sim"], check=True,
                                     capture_output=True).stdout
            with tarfile.open(fileobj=io.BytesIO(archive)) as tar:
                tar.extractall(tmp, filter="data")
            source = Path(tmp)
        yaml = YAML()
        data = yaml.load(Path(scenario).read_text(encoding="utf-8"))
        for key in OTHER_COMMANDS:
            data.pop(key, None)
        copy = Path(tmp) / Path(scenario).name
        with copy.open("w", encoding="utf-8") as handle:
            yaml.dump(data, handle)
        out = subprocess.run([sys.executable, "-c", RUN, str(source), str(copy), str(n), str(seed)], check=True,
                             capture_output=True, text=True, cwd=tmp).stdout
    return float(out.split()[-1])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("scenario", nargs="?", default=str(ROOT / "scenarios" / "shanxi.yaml"))
    parser.add_argument("--commit", default=ISSUE_FILED)
    parser.add_argument("--replications", "-r", type=int, default=1000)
    parser.add_argument("--seed", type=int, default=1)
    args = parser.parse_args()
    then = baseline_us(args.commit, Path(args.scenario), args.replications, args.seed)
    now = baseline_us(None, Path(args.scenario), args.replications, args.seed)
    print(f"capsim at {args.commit}: {then:.0f} us per replication end to end (sim.simulate, 1 job, + 4 tables); "
          f"this working tree, the same way: {now:.0f} us ({then / now:.1f} x faster)")


if __name__ == "__main__":
    main()
