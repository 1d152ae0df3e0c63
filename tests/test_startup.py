"""What the ``capsim`` process sets up before any work: its allocator keeps freed memory for reuse
(sim.run.heap), and it imports only what the command needs (pandas waits for the first table)."""

from __future__ import annotations

import ctypes
import subprocess
import sys
import textwrap

import pytest

from conftest import REPO


def _glibc() -> bool:
    try:
        ctypes.CDLL(None).gnu_get_libc_version  # noqa: B018
    except (OSError, AttributeError):
        return False
    return sys.platform.startswith("linux")


def _python(code: str) -> str:
    done = subprocess.run([sys.executable, "-c", textwrap.dedent(code)], cwd=REPO, capture_output=True, text=True,
                          timeout=120)
    assert done.returncode == 0, done.stderr
    return done.stdout.strip()


CHURN = """
    import resource, sys
    import numpy as np
    if sys.argv[1:] == ["keep"]:
        from sim.run.heap import keep_freed_memory
        assert keep_freed_memory()
    rng = np.random.default_rng(1)
    sizes = (2 ** rng.uniform(17, 22, 400)).astype(int)  # 128 kB to 4 MB, as a block's temporaries
    for size in sizes[:50]:
        np.ones(size // 8)
    before = resource.getrusage(resource.RUSAGE_SELF).ru_minflt
    kept = []
    for i, size in enumerate(sizes):
        a = np.ones(size // 8)
        if i % 7 == 0:
            kept.append(a)  # a few live on, as a block's results do
        if len(kept) > 3:
            kept.pop(0)
    print(resource.getrusage(resource.RUSAGE_SELF).ru_minflt - before)
"""


@pytest.mark.skipif(not _glibc(), reason="the allocator setting is glibc's")
def test_freed_memory_is_reused_instead_of_faulted_in_again():
    default = int(_python(CHURN.replace('sys.argv[1:] == ["keep"]', "False")))
    kept = int(_python(CHURN.replace('sys.argv[1:] == ["keep"]', "True")))
    assert default > 5000, f"the churn should make glibc's default give memory back ({default} page faults)"
    assert kept * 3 < default, f"{kept} page faults with the setting, {default} without"


def test_the_capsim_executable_sets_the_allocator_before_the_command_runs():
    out = _python("""
        import os, sys
        import sim.cli as cli
        import sim.run.heap as heap
        calls = []
        heap.keep_freed_memory = lambda: calls.append("heap") or True
        def main():
            calls.append("main")
            sys.stdout.write(" ".join(calls))
            return 0
        cli.main = main
        cli.command()
    """)
    assert out == "heap main"


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

