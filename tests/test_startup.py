"""What the ``capsim`` process imports before any work: only what the command needs (pandas waits
for the first table)."""

from __future__ import annotations

import subprocess
import sys
import textwrap

import pytest

from conftest import REPO


def _python(code: str) -> str:
    done = subprocess.run([sys.executable, "-c", textwrap.dedent(code)], cwd=REPO, capture_output=True, text=True,
                          timeout=120)
    assert done.returncode == 0, done.stderr
    return done.stdout.strip()


def test_importing_sim_and_building_the_command_line_imports_neither_pandas_nor_matplotlib():
    out = _python("""
        import sys
        import sim
        from sim import cli
        cli.build_parser()
        from sim.scenario.load import load_scenario
        load_scenario("scenarios/shanxi.yaml")
        print(sorted(m for m in ("pandas", "matplotlib", "plotly") if m in sys.modules))
    """)
    assert out == "[]", f"imported at start-up: {out} (pandas alone takes about 0.2 s)"


def test_capsim_validate_runs_without_pandas():
    out = _python("""
        import sys
        from sim import cli
        code = cli.main(["validate", "scenarios/shanxi.yaml"])
        print(code, "pandas" in sys.modules)
    """)
    assert out.splitlines()[-1] == "0 False"

