"""--out and --force never delete or damage what capsim did not write; no litter on any path.

Every refusal is one line naming the path, exit 2, before any simulation (the runs asked for
would take many minutes), with the folder's listing and checksums unchanged.
"""

from __future__ import annotations

import json
import os
import shutil
import signal
import time
from pathlib import Path

import pytest

import sim
from sim.output import destination
from sim.output.destination import check_destination
from conftest import worker_processes
from safety import BIG_MEMORY, EXAMPLE, LONG_RUN, capsim, one_line, snapshot, start

linux_only = pytest.mark.skipif(not Path("/proc/self").exists(), reason="needs /proc")


@pytest.fixture
def user_folder(tmp_path) -> Path:
    """A user's folder: their scenario and their notes."""
    folder = tmp_path / "work"
    folder.mkdir()
    shutil.copy(EXAMPLE, folder / "scenario.yaml")
    (folder / "notes.txt").write_text("my notes\n")
    return folder


def capsim_results(folder: Path, *extra: str) -> None:
    done = capsim("run", EXAMPLE, "-r", "3", "-q", "--no-plots", "--out", folder, *extra)
    assert done.returncode == 0, done.stderr


def refused(watched: Path, *args, cwd: Path | None = None, env: dict | None = None) -> str:
    """Run a capsim command that would take many minutes and must be refused before it starts:
    exit 2, nothing under ``watched`` changed. Returns its one line."""
    before = snapshot(watched)
    done = capsim(*args, *LONG_RUN, cwd=cwd, env={**BIG_MEMORY, **(env or {})})
    assert done.returncode == 2
    line = one_line(done)
    assert snapshot(watched) == before
    return line


def test_force_refuses_a_folder_holding_the_scenario_and_notes_and_both_files_are_intact(user_folder):
    line = refused(user_folder, "run", user_folder / "scenario.yaml", "--out", user_folder, "--force")
    assert line == (f"capsim: error: {user_folder}: holds the scenario file {user_folder / 'scenario.yaml'}; "
                    "choose a folder of its own for --out")
    assert (user_folder / "notes.txt").read_text() == "my notes\n"
    assert (user_folder / "scenario.yaml").read_bytes() == EXAMPLE.read_bytes()
    assert sorted(os.listdir(user_folder.parent)) == ["work"]


def test_force_refuses_a_folder_that_is_not_a_capsim_results_folder(user_folder):
    line = refused(user_folder, "compare", EXAMPLE, "--out", user_folder, "--force")
    assert line == (f"capsim: error: {user_folder}: is not a capsim results folder (no manifest.json "
                    "written by capsim); --force replaces only capsim's own results")


def test_force_refuses_a_results_folder_with_files_capsim_did_not_write(tmp_path):
    out = tmp_path / "res"
    capsim_results(out)
    (out / "notes.txt").write_text("added by hand")
    (out / "plots").mkdir()
    (out / "plots" / "mine.png").write_bytes(b"\x89PNG")
    line = refused(tmp_path, "run", EXAMPLE, "--out", out, "--force")
    assert line == (f"capsim: error: {out}: holds files capsim did not write (notes.txt, plots/mine.png); "
                    "--force replaces only capsim's own results")


def test_force_replaces_a_capsim_results_folder_and_leaves_nothing_beside_it(tmp_path):
    out = tmp_path / "res"
    capsim_results(out, "--seed", "1")
    capsim_results(out, "--seed", "2", "--force")
    assert sorted(os.listdir(tmp_path)) == ["res"]
    manifest = json.loads((out / "manifest.json").read_text())
    assert manifest["seed"] == 2 and manifest["written_by"] == "capsim"


def test_force_accepts_an_older_manifest_without_the_written_by_mark(tmp_path):
    out = tmp_path / "res"
    capsim_results(out)
    manifest = json.loads((out / "manifest.json").read_text())
    del manifest["written_by"]
    (out / "manifest.json").write_text(json.dumps(manifest))
    assert destination.is_capsim_manifest(out / "manifest.json")
    capsim_results(out, "--force")
    (out / "manifest.json").write_text(json.dumps({"seed": 1, "scenario": {}, "versions": {"other": "1"}}))
    assert not destination.is_capsim_manifest(out / "manifest.json")


def test_an_empty_folder_is_used_with_or_without_force(tmp_path):
    (tmp_path / "empty").mkdir()
    capsim_results(tmp_path / "empty")
    assert (tmp_path / "empty" / "monthly.csv").is_file()


@pytest.mark.parametrize("where, message", [
    ("cwd", "is the current folder or one of its ancestors; choose a new folder for --out"),
    ("parent", "is the current folder or one of its ancestors; choose a new folder for --out"),
    ("home", "is your home folder; results are never written there"),
])
def test_current_folder_its_ancestors_and_home_are_never_replaced(tmp_path, user_folder, where, message):
    home = tmp_path / "home"
    home.mkdir()
    (home / ".profile").write_text("keep")
    inner = user_folder / "inner"
    inner.mkdir()
    out = {"cwd": ".", "parent": "..", "home": str(home)}[where]
    line = refused(tmp_path, "run", EXAMPLE, "--out", out, "--force", cwd=inner, env={"HOME": str(home)})
    assert line == f"capsim: error: {out}: {message}"


def test_the_root_folder_is_never_replaced(tmp_path):
    done = capsim("run", EXAMPLE, "--out", "/", "--force", *LONG_RUN, cwd=tmp_path, env=BIG_MEMORY)
    assert done.returncode == 2
    assert one_line(done) == "capsim: error: /: is the root folder; results are never written there"
    assert os.listdir(tmp_path) == []


@pytest.mark.parametrize("case", ["file", "under-a-file", "dangling-link", "empty", "blank"])
def test_an_unusable_destination_is_one_line_before_simulating(tmp_path, case):
    (tmp_path / "data.txt").write_text("mine")
    os.symlink(tmp_path / "gone", tmp_path / "link")
    out, message = {
        "file": (tmp_path / "data.txt", "exists and is not a folder"),
        "under-a-file": (tmp_path / "data.txt" / "res", f"cannot be created: {tmp_path / 'data.txt'} is not a folder"),
        "dangling-link": (tmp_path / "link", "is a link to nothing (a dangling symbolic link); remove it or "
                                             "choose another --out"),
        "empty": ("", None),
        "blank": ("  ", None),
    }[case]
    expected = f"capsim: error: --out: must name a folder (got {str(out)!r})" if message is None else \
        f"capsim: error: {out}: {message}"
    for command in ("run", "compare") if case == "under-a-file" else ("run",):
        assert refused(tmp_path, command, EXAMPLE, "--out", out, "--force", cwd=tmp_path) == expected


@linux_only
@pytest.mark.parametrize("out, kind", [("/proc/capsim-results", "proc"), ("/sys/capsim", "sysfs")])
def test_pseudo_file_systems_are_refused(tmp_path, out, kind):
    done = capsim("run", EXAMPLE, "--out", out, *LONG_RUN, cwd=tmp_path, env=BIG_MEMORY)
    assert done.returncode == 2
    assert one_line(done) == f"capsim: error: {out}: is on the {kind} pseudo file system; choose a folder on a disk"
    assert not Path(out).exists()


def test_a_read_only_file_system_is_refused(tmp_path, monkeypatch):
    class ReadOnly:
        f_flag = os.ST_RDONLY

    monkeypatch.setattr(destination.os, "statvfs", lambda path: ReadOnly())
    with pytest.raises(sim.ScenarioError, match=f"cannot be written: {tmp_path} is on a read-only file system"):
        check_destination(tmp_path / "res" / "deeper", force=False)


@pytest.mark.skipif(os.geteuid() == 0 if hasattr(os, "geteuid") else True, reason="root may write anywhere")
def test_a_folder_without_write_permission_is_refused(tmp_path):
    locked = tmp_path / "locked"
    locked.mkdir(mode=0o555)
    done = capsim("run", EXAMPLE, "--out", locked / "res", *LONG_RUN, env=BIG_MEMORY)
    assert done.returncode == 2
    assert one_line(done) == f"capsim: error: {locked / 'res'}: cannot be written: no permission to write in {locked}"


def test_write_results_refuses_the_scenarios_folder_from_python_too(tmp_path):
    shutil.copy(EXAMPLE, tmp_path / "s.yaml")
    results = sim.simulate(sim.load_scenario(tmp_path / "s.yaml"), replications=1)
    with pytest.raises(sim.ScenarioError, match="holds the scenario file"):
        sim.write_results(results, tmp_path, force=True)
    assert sorted(os.listdir(tmp_path)) == ["s.yaml"]


def test_a_failure_mid_write_leaves_no_folder_and_no_parent_it_made(tmp_path):
    results = sim.simulate(sim.load_scenario(EXAMPLE), replications=1)

    def boom(folder):
        assert (folder / "monthly.csv").is_file()
        raise OSError(28, "No space left on device")

    with pytest.raises(sim.ScenarioError, match=r"a/b/res: cannot write the results: No space left on device"):
        sim.write_results(results, tmp_path / "a" / "b" / "res", then=boom)
    assert os.listdir(tmp_path) == []


def test_a_failure_while_replacing_keeps_the_old_folder_and_leaves_no_litter(tmp_path):
    out = tmp_path / "res"
    capsim_results(out)
    before = snapshot(tmp_path)
    results = sim.simulate(sim.load_scenario(EXAMPLE), replications=1)

    def interrupted(folder):
        raise KeyboardInterrupt

    with pytest.raises(KeyboardInterrupt):
        sim.write_results(results, out, force=True, then=interrupted)
    assert snapshot(tmp_path) == before


def _catches_sigterm(pid: int) -> bool:
    """Whether process ``pid`` has a SIGTERM handler installed (SigCgt in /proc/PID/status)."""
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("SigCgt:"):
            return bool(int(line.split()[1], 16) & (1 << (signal.SIGTERM - 1)))
    return False


def _wait_until(condition, what: str, timeout_s: float = 60.0) -> None:
    deadline = time.monotonic() + timeout_s
    while not condition():
        assert time.monotonic() < deadline, f"never saw: {what}"
        time.sleep(0.05)


@linux_only
@pytest.mark.parametrize("jobs, to", [("1", "process"), ("2", "process"), ("2", "group")])
def test_sigterm_stops_the_run_writes_nothing_and_exits_143(tmp_path, jobs, to):
    out = tmp_path / "out"
    run = start("run", EXAMPLE, "-r", "40000", "--jobs", jobs, "--out", out, cwd=tmp_path, start_new_session=True)
    # before capsim has started it dies of the signal as any program does; once it runs, it handles it
    _wait_until(lambda: _catches_sigterm(run.pid), "the SIGTERM handler")
    if jobs == "2":  # every worker started (a pool still starting workers is a race inside multiprocessing)
        _wait_until(lambda: len(worker_processes(run.pid)) == 2, "two workers")
    time.sleep(0.5)
    _terminated_cleanly(run, to, tmp_path)


def _terminated_cleanly(run, to: str, folder: Path) -> None:
    """SIGTERM to ``run`` (``group``: as `kill -TERM -PGID`, or a service manager stopping the job:
    workers get it too): exit 143, one line, nothing left in ``folder``."""
    if to == "group":
        os.killpg(run.pid, signal.SIGTERM)
    else:
        run.send_signal(signal.SIGTERM)
    stdout, stderr = run.communicate(timeout=60)
    assert run.returncode == 143, stderr
    assert stderr == "capsim: terminated; no results written\n"
    assert os.listdir(folder) == []


def _running(pid: int) -> bool:
    try:
        return Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0] != "Z"
    except OSError:
        return False


@linux_only
@pytest.mark.parametrize("to", ["group", "process"])
def test_sigterm_while_the_workers_draw_the_plots_stops_cleanly(tmp_path, to):
    """SIGTERM while the command's workers draw the plots: exit 143, one line, nothing written, no
    worker left, and within the grace period (the pool broken by the signal must not be waited on
    for ever; a worker that inherited the command's handler must not outlive it)."""
    out = tmp_path / "out"
    run = start("run", EXAMPLE, "-r", "3000", "--jobs", "2", "--out", out, cwd=tmp_path, start_new_session=True)
    _wait_until(lambda: any(tmp_path.glob(".out.*.tmp/plots/.plots.*.tmp/*.png")), "a plot drawn")
    workers = worker_processes(run.pid)
    _terminated_cleanly(run, to, tmp_path)
    _wait_until(lambda: not any(_running(w) for w in workers), "the workers gone", timeout_s=10)


def test_plot_names_capsim_draws_are_the_ones_force_recognises(tmp_path):
    from sim.output import plotfiles

    scenario = sim.load_scenario(EXAMPLE)  # with a target on a measure of the goals plot (utilisation)
    scenario = scenario.model_copy(update={"targets": [*scenario.targets, type(scenario.targets[0])(
        name="use 2027", by="2027-12", utilization=0.5)]})
    results = sim.simulate(scenario, replications=2)
    sim.write_results(results, tmp_path / "res")
    comparison = sim.compare(sim.load_scenario(EXAMPLE), replications=2)
    comparison.table.to_csv(tmp_path / "res" / "compare.csv", index=False)
    for fmt in plotfiles.FORMATS:
        plotfiles.write_plots(tmp_path / "res", fmt)
    drawn = os.listdir(tmp_path / "res" / "plots")
    assert {"growth.png", "timeline.svg", "compare-capacity.pdf", "goals.png"} <= set(drawn) and len(drawn) >= 9 * 3
    # every kind of run plot capsim draws is among them
    assert {kind for kind in plotfiles.PLOT_KINDS} <= {name.split(".")[0].split("-")[0] for name in drawn}
    assert destination.foreign_entries(tmp_path / "res") == []
    # the plots of solve (solve.png), a package solve (frontier.png) and explore are capsim's too
    for name in ("solve.png", "frontier.svg", "sensitivity-p-met-plan-2030.pdf", "years-total-eflops.png",
                 "pmet-plan-2030.png", "goals.pdf"):
        assert destination.PLOT_FILE.fullmatch(name), name


@pytest.mark.parametrize("command", [
    ("compare", EXAMPLE, "-r", "5", "--seed", "1"),
    ("solve", EXAMPLE, "--lever", "grid.headroom_mw", "--low", "0", "--high", "400", "--target", "plan 2030",
     "-r", "5", "--tolerance", "100"),
    ("explore", EXAMPLE, "--method", "lhs", "-n", "4", "-r", "3", "--vary", "grid.headroom_mw=100:400"),
], ids=["compare", "solve", "explore"])
def test_force_replaces_every_commands_own_results_folder(tmp_path, command):
    """What compare, solve and explore write (ranking.csv, solve.csv, their plots and report) is
    capsim's own: running the same command again with --force replaces it."""
    out = tmp_path / "res"
    first = capsim(*command, "--out", out, "-q", "-j", "1")
    assert first.returncode == 0, first.stderr
    assert destination.foreign_entries(out) == []
    again = capsim(*command, "--out", out, "--force", "-q", "-j", "1")
    assert again.returncode == 0, again.stderr
    assert sorted(os.listdir(tmp_path)) == ["res"]


# --- a file of capsim's name is capsim's only if its content is (--force) ------------------------


def _users_workbook(path: Path) -> None:
    from openpyxl import Workbook
    book = Workbook()
    book.active.append(["my", "budget"])
    book.save(path)


def test_force_refuses_a_folder_holding_a_users_report_workbook_and_robustness_csv(tmp_path):
    out = tmp_path / "res"
    capsim_results(out)
    (out / "report.html").write_text("<html>my analysis</html>\n")
    (out / "robustness.csv").write_text("a,b\n")
    _users_workbook(out / "report.xlsx")
    line = refused(tmp_path, "run", EXAMPLE, "--out", out, "--force")
    assert line == (f"capsim: error: {out}: holds files capsim did not write (report.html, report.xlsx, "
                    "robustness.csv); --force replaces only capsim's own results")


@pytest.mark.parametrize("name, text", [
    ("monthly.csv", "my,own,table\n1,2,3\n"),  # a table of capsim's name with another header
    ("ranking.csv", "variant,rank\nb,1\n"),  # capsim's columns, not in capsim's order
    ("solve.csv", ""),  # empty: not what capsim writes either
])
def test_force_refuses_a_table_of_capsims_name_that_capsim_did_not_write(tmp_path, name, text):
    out = tmp_path / "res"
    capsim_results(out)
    (out / name).write_text(text)
    line = refused(tmp_path, "run", EXAMPLE, "--out", out, "--force")
    assert line == (f"capsim: error: {out}: holds files capsim did not write ({name}); "
                    "--force replaces only capsim's own results")


def test_force_replaces_capsims_own_report_workbook_and_a_report_from_before_the_generator_mark(tmp_path):
    out = tmp_path / "res"
    capsim_results(out, "--seed", "1")
    done = capsim("report", out, "--xlsx")
    assert done.returncode == 0, done.stderr
    page = (out / "report.html").read_text()
    (out / "report.html").write_text(page.replace(page[page.index('<meta name="generator"'):
                                                       page.index(">", page.index('<meta name="generator"')) + 1], ""))
    assert "generator" not in (out / "report.html").read_text()[:1000]
    assert destination.foreign_entries(out) == []
    capsim_results(out, "--seed", "2", "--force")
    assert sorted(os.listdir(tmp_path)) == ["res"] and not (out / "report.xlsx").exists()
    assert json.loads((out / "manifest.json").read_text())["seed"] == 2


def test_capsims_tables_of_every_kind_start_with_the_headers_the_check_knows(tmp_path):
    """The first columns :data:`destination.TABLE_HEADERS` expects, written out by hand, and every
    table name capsim writes has one."""
    assert destination.TABLE_HEADERS["robustness.csv"] == "policy,scenario,"
    assert destination.TABLE_HEADERS["monthly.csv"] == "variant,month,metric,"
    assert set(destination.TABLE_HEADERS) == {n for n in destination.OUTPUT_FILES if n.endswith(".csv")}
    (tmp_path / "robustness.csv").write_text("policy,scenario,measure,value\nx,y,eflops,1\n")
    (tmp_path / "annual.csv").write_text("\ufeffvariant,year,metric,mean\n")  # a BOM: not capsim's
    assert destination.is_capsim_table(tmp_path / "robustness.csv")
    assert not destination.is_capsim_table(tmp_path / "annual.csv")


def test_force_refuses_a_users_picture_under_a_plot_files_name(tmp_path):
    out = tmp_path / "res"
    capsim_results(out)
    (out / "plots").mkdir()
    (out / "plots" / "growth.png").write_bytes(b"\x89PNG\r\n\x1a\n my holiday picture")
    (out / "plots" / "share.pdf").write_bytes(b"%PDF-1.4 my paper")
    line = refused(tmp_path, "run", EXAMPLE, "--out", out, "--force")
    assert line == (f"capsim: error: {out}: holds files capsim did not write (plots/growth.png, plots/share.pdf); "
                    "--force replaces only capsim's own results")
