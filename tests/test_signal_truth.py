"""Ctrl-C and SIGTERM in the first and last moments of a command (issue 22): nothing is published
once a signal has arrived, even if some library swallowed its exception, and the last line always
tells what is on disk. The signal is sent by the command to itself at a chosen point (a patched
function, see :func:`safety.capsim_after`), so every case is deterministic."""

from __future__ import annotations

import json
import os

import pytest

from safety import EXAMPLE, capsim_after, one_line

QUICK = ("-r", "3", "-q", "--no-plots", "--no-report")
SIGNALS = {"SIGINT": ("interrupted", 130), "SIGTERM": ("terminated", 143)}

SWALLOWED_WHILE_WRITING = """
import os, signal
import sim.output.tables as tables
real = tables.write_tables
def swallowing(*a, **k):
    try:  # as Cython's import machinery or pydantic's model_dump do with an exception raised inside them
        os.kill(os.getpid(), signal.{name})
        sum(range(1000))
    except BaseException:
        pass
    return real(*a, **k)
tables.write_tables = swallowing
"""


@pytest.mark.parametrize("name", SIGNALS)
def test_a_signal_whose_exception_is_swallowed_still_stops_the_publishing(tmp_path, name):
    how, code = SIGNALS[name]
    done = capsim_after(SWALLOWED_WHILE_WRITING.format(name=name), "run", EXAMPLE, *QUICK, "--out", tmp_path / "res")
    assert done.returncode == code
    assert one_line(done) == f"capsim: {how}; no results written"
    assert os.listdir(tmp_path) == []


SIGNAL_AFTER_PUBLISHING = """
import os, signal
import sim.output.{module} as module
real = module.{function}
def then_signal(*a, **k):
    written = real(*a, **k)
    os.kill(os.getpid(), signal.{name})
    sum(range(1000))
    return written
module.{function} = then_signal
"""


@pytest.mark.parametrize("name", SIGNALS)
@pytest.mark.parametrize("command, module, function", [
    (("run", EXAMPLE), "tables", "write_results"),
    (("compare", EXAMPLE), "comparison", "write_comparison"),
], ids=["run", "compare"])
def test_a_signal_after_publishing_says_the_results_are_complete_and_where(tmp_path, name, command, module, function):
    how, code = SIGNALS[name]
    out = tmp_path / "res"
    done = capsim_after(SIGNAL_AFTER_PUBLISHING.format(module=module, function=function, name=name),
                        *command, *QUICK, "--out", out)
    assert done.returncode == code
    assert one_line(done) == f"capsim: {how}; the results were already complete in {out}/"
    assert os.listdir(tmp_path) == ["res"]
    assert json.loads((out / "manifest.json").read_text())["written_by"] == "capsim"


SIGNAL_IN_AN_IMPORT = """
import os, signal, sys
class Finder:
    def find_spec(self, name, path=None, target=None):
        if name == "numpy":
            sys.meta_path.remove(self)
            {body}
        return None
sys.meta_path.insert(0, Finder())
"""
RAISED = "os.kill(os.getpid(), signal.SIGINT); sum(range(1000))"
SWALLOWED = ("try:\n                os.kill(os.getpid(), signal.SIGINT); sum(range(1000))\n"
             "            except KeyboardInterrupt:\n                pass")


@pytest.mark.parametrize("body", [RAISED, SWALLOWED], ids=["raised", "swallowed"])
def test_ctrl_c_while_capsim_starts_is_one_line_exit_130(tmp_path, body):
    """Ctrl-C during the first heavy import (numpy): the handlers are already set (``import sim``
    imports nothing heavy), so it is one line, exit 130, no traceback; and if the import swallowed
    it, the run still publishes nothing."""
    done = capsim_after(SIGNAL_IN_AN_IMPORT.format(body=body), "run", EXAMPLE, *QUICK, "--out", tmp_path / "res")
    assert done.returncode == 130
    assert one_line(done) == "capsim: interrupted; no results written"
    assert os.listdir(tmp_path) == []


def test_importing_sim_imports_nothing_heavy():
    import subprocess
    import sys

    code = "import sys, sim, sim.cli; print(sorted({'numpy', 'pandas', 'pydantic', 'simpy'} & set(sys.modules)))"
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True,
                          env={**os.environ, "PYTHONPATH": str(EXAMPLE.parents[1])})
    assert done.stdout == "[]\n"
