"""Golden outputs of the shipped scenarios: the checksum of every table and of every plot's pixels.

Each case below runs the ``capsim`` command (a subprocess, one job, fixed seed, few replications
or samples) on a shipped scenario (scenarios/shanxi.yaml, scenarios/guizhou.yaml,
scenarios/example.yaml): ``capsim run`` and ``capsim explore --method lhs`` (whose discovery.csv
holds the PRIM boxes). Two small JSON files record the result:

- ``tests/golden/tables.json``: case -> CSV file -> sha256 of its bytes. Every table must stay
  byte-identical through any change that is not meant to change numbers (a refactor, a library
  swapped for our own code); ``tests/test_golden_outputs.py::test_tables`` checks it.
- ``tests/golden/pixels.json``: case -> PNG file -> "WIDTHxHEIGHT sha256" of its decoded RGBA
  pixels (Pillow), so that a PNG written by another encoder (matplotlib's savefig instead of our
  own) compares equal when it draws the same picture. Plots change on purpose (a new colour, a
  label); ``test_pixels`` (marked ``pixels``) checks it, and one command regenerates it.

Regenerate (only in a commit that means to change what it records, saying so):

    python tests/golden/make.py --pixels     # the plots' pixels only (after an intended plot change)
    python tests/golden/make.py --tables     # the tables only (after an intended change of numbers)
    python tests/golden/make.py              # both
"""

from __future__ import annotations

import argparse
import hashlib
import json
import os
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
HERE = Path(__file__).resolve().parent
TABLES = HERE / "tables.json"
PIXELS = HERE / "pixels.json"

SEED = "20261207"
CASES = {
    "shanxi-run": ("run", "scenarios/shanxi.yaml", "-r", "60"),
    "guizhou-run": ("run", "scenarios/guizhou.yaml", "-r", "60"),
    "example-run": ("run", "scenarios/example.yaml", "-r", "60"),
    "shanxi-explore": ("explore", "scenarios/shanxi.yaml", "--method", "lhs", "-n", "16", "-r", "8"),
    "guizhou-explore": ("explore", "scenarios/guizhou.yaml", "--method", "lhs", "-n", "16", "-r", "8"),
}
"""case -> capsim arguments (the command adds --seed, --out, -j 1, --no-report, -q)."""


def produce(work: Path, cases=tuple(CASES)) -> subprocess.CompletedProcess:
    """Run ``cases`` into ``work/CASE`` (folders that must not exist yet), one after the other in
    one ``python`` subprocess (the command's own ``sim.cli.main``, imports made once)."""
    env = {**os.environ, "PYTHONPATH": str(ROOT), "MPLBACKEND": "Agg"}
    runs = [[*CASES[case], "--seed", SEED, "--out", str(work / case), "-j", "1", "--no-report", "-q"]
            for case in cases]
    script = ("import json, sys\nfrom sim.cli import main\n"
              "for args in json.loads(sys.argv[1]):\n"
              "    code = main(args)\n"
              "    if code:\n"
              "        sys.exit(f'{args}: exit code {code}')\n")
    return subprocess.run([sys.executable, "-c", script, json.dumps(runs)], cwd=ROOT, env=env,
                          capture_output=True, text=True, timeout=600)


def table_sums(folder: Path) -> dict[str, str]:
    """Every CSV file under ``folder``: relative path -> sha256 of its bytes."""
    return {str(p.relative_to(folder)): hashlib.sha256(p.read_bytes()).hexdigest()
            for p in sorted(folder.rglob("*.csv"))}


def pixel_sums(folder: Path) -> dict[str, str]:
    """Every PNG file under ``folder``: relative path -> 'WIDTHxHEIGHT sha256' of its pixels as RGBA."""
    from PIL import Image

    sums = {}
    for path in sorted(folder.rglob("*.png")):
        with Image.open(path) as image:
            rgba = image.convert("RGBA")
            sums[str(path.relative_to(folder))] = (f"{rgba.width}x{rgba.height} "
                                                   f"{hashlib.sha256(rgba.tobytes()).hexdigest()}")
    return sums


def run_all(work: Path) -> dict[str, Path]:
    """Run every case into ``work``; case -> its output folder. Fails on a case that fails."""
    done = produce(work)
    if done.returncode != 0:
        raise RuntimeError(f"capsim failed: {done.stderr}")
    return {case: work / case for case in CASES}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--tables", action="store_true", help="rewrite tests/golden/tables.json only")
    parser.add_argument("--pixels", action="store_true", help="rewrite tests/golden/pixels.json only")
    options = parser.parse_args()
    both = not (options.tables or options.pixels)
    with tempfile.TemporaryDirectory() as work:
        folders = run_all(Path(work))
        for wanted, target, sums in ((options.tables, TABLES, table_sums), (options.pixels, PIXELS, pixel_sums)):
            if wanted or both:
                found = {case: sums(folder) for case, folder in folders.items()}
                target.write_text(json.dumps(found, indent=1, sort_keys=True) + "\n", encoding="utf-8")
                print(f"wrote {target.relative_to(ROOT)} ({sum(map(len, found.values()))} files)")


if __name__ == "__main__":
    main()
