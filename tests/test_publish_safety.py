"""What is at --out when results are published is checked again at that moment (issue 22).

A folder that appears at ``--out`` while a run is going (another run's results, a user's notes) is
never replaced: the run ends with one line, exit 2, and its results kept beside under the name the
line gives. Staging folders of killed runs are cleaned by the next run. Every case runs capsim in
a real subprocess; the moment "while the run is going" is made deterministic by a hook that runs
inside the command just before it writes its tables (:func:`capsim_during`), never by timing.
"""

from __future__ import annotations

import json
import os
import re
import socket
import subprocess
import sys
from pathlib import Path

import pytest

from safety import EXAMPLE, capsim, capsim_after, one_line, snapshot, start

QUICK = ("-r", "3", "-q", "--no-plots", "--no-report")
KEPT = re.compile(r"; the new results were kept in (?P<kept>\S+)/$")


def capsim_during(hook: str, *args: str, cwd: Path | None = None) -> subprocess.CompletedProcess:
    """``capsim ARGS`` in a subprocess, running the Python ``hook`` (with ``out``, the --out given)
    once, inside the command, just before the tables are written into the staging folder."""
    prelude = (
        "import sys, subprocess, os\n"
        "from pathlib import Path\n"
        "import sim.output.tables as tables\n"
        "real = tables.write_tables\n"
        "out = Path(sys.argv[sys.argv.index('--out') + 1])\n"
        "def hooked(*a, **k):\n"
        f"    exec({hook!r}, globals())\n"
        "    return real(*a, **k)\n"
        "tables.write_tables = hooked\n")
    return capsim_after(prelude, *args, cwd=cwd)


ANOTHER_RUN = ("done = subprocess.run([sys.executable, '-m', 'sim', 'run', {scenario!r}, '-r', '3', '-q', "
               "'--no-plots', '--no-report', '--seed', '1', '--out', str(out)], capture_output=True, text=True)\n"
               "assert done.returncode == 0, done.stderr\n")


def kept_folder(line: str) -> Path:
    found = KEPT.search(line)
    assert found, line
    return Path(found["kept"])


def test_the_second_of_two_runs_on_one_out_keeps_its_results_aside_and_exits_2(tmp_path):
    out = tmp_path / "res"
    done = capsim_during(ANOTHER_RUN.format(scenario=str(EXAMPLE)), "run", EXAMPLE, *QUICK, "--seed", "2",
                         "--out", out)
    assert done.returncode == 2
    line = one_line(done)
    kept = kept_folder(line)
    assert line.startswith(f"capsim: error: {out}: folder is not empty; ")
    assert kept.parent == tmp_path and re.fullmatch(r"res\.capsim-\d{8}T\d{6}Z", kept.name)
    assert sorted(os.listdir(tmp_path)) == sorted(["res", kept.name])  # no staging folder left
    assert json.loads((out / "manifest.json").read_text())["seed"] == 1  # the first run's, untouched
    assert json.loads((kept / "manifest.json").read_text())["seed"] == 2  # the second's, complete
    assert sorted(os.listdir(kept)) == sorted(os.listdir(out))


def test_two_runs_started_together_on_one_out_one_publishes_the_other_exits_2(tmp_path):
    """Started at once (no hook): whichever finishes second is refused, before simulating or at the
    swap; either way the folder at --out is the other run's, whole, and nothing is lost."""
    out = tmp_path / "res"
    runs = [start("run", EXAMPLE, "-r", "200", "-q", "--no-plots", "--no-report", "-j", "1", "--seed", str(seed),
                  "--out", out, cwd=tmp_path) for seed in (1, 2)]
    results = [(run.wait(timeout=240), run.stderr.read()) for run in runs]
    codes = sorted(code for code, _ in results)
    assert codes == [0, 2], results
    winner = next(seed for seed, (code, _) in zip((1, 2), results) if code == 0)
    assert json.loads((out / "manifest.json").read_text())["seed"] == winner
    line = next(err for code, err in results if code == 2).strip()
    kept = KEPT.search(line)
    expected = {"res"} | ({Path(kept["kept"]).name} if kept else set())
    assert set(os.listdir(tmp_path)) == expected, line
    if kept:
        assert json.loads((Path(kept["kept"]) / "manifest.json").read_text())["seed"] == 3 - winner


COMMANDS = {
    "run": ("run", EXAMPLE, *QUICK),
    "compare": ("compare", EXAMPLE, *QUICK),
    "solve": ("solve", EXAMPLE, "--lever", "grid.headroom_mw", "--low", "0", "--high", "400", "--target", "plan 2030",
              "-r", "3", "--tolerance", "200", "-q", "--no-plots", "--no-report", "-j", "1"),
    "explore": ("explore", EXAMPLE, "--method", "lhs", "-n", "4", "-r", "2", "--vary", "grid.headroom_mw=100:400",
                "-q", "--no-plots", "--no-report", "-j", "1"),
}


@pytest.mark.parametrize("command", COMMANDS)
def test_a_folder_with_the_users_notes_made_at_out_mid_run_is_untouched(tmp_path, command):
    out = tmp_path / "res"
    hook = "out.mkdir(); (out / 'notes.txt').write_text('my notes\\n')\n"
    done = capsim_during(hook, *COMMANDS[command], "--out", out)
    assert done.returncode == 2
    line = one_line(done)
    assert line.startswith(f"capsim: error: {out}: folder is not empty; ")
    kept = kept_folder(line)
    assert snapshot(out) == {"notes.txt": "575f2cdff6dffb92f3ff1dd487a4fce747e7c38e1a7ea7f1bfc27c82cda2803f"}
    assert sorted(os.listdir(tmp_path)) == sorted(["res", kept.name])
    assert (kept / "manifest.json").is_file() and json.loads((kept / "manifest.json").read_text())["written_by"] == "capsim"


def test_with_force_a_users_folder_made_at_out_mid_run_is_untouched_too(tmp_path):
    out = tmp_path / "res"
    hook = "out.mkdir(); (out / 'notes.txt').write_text('my notes\\n')\n"
    done = capsim_during(hook, "compare", EXAMPLE, *QUICK, "--out", out, "--force")
    assert done.returncode == 2
    line = one_line(done)
    assert line.startswith(f"capsim: error: {out}: is not a capsim results folder (no manifest.json written by "
                           "capsim); --force replaces only capsim's own results; the new results were kept in ")
    assert snapshot(out) == {"notes.txt": "575f2cdff6dffb92f3ff1dd487a4fce747e7c38e1a7ea7f1bfc27c82cda2803f"}
    assert (kept_folder(line) / "compare.csv").is_file()


def test_with_force_a_note_added_to_capsims_folder_mid_run_keeps_the_folder(tmp_path):
    out = tmp_path / "res"
    assert capsim("run", EXAMPLE, *QUICK, "--seed", "1", "--out", out).returncode == 0
    (out / "plots").mkdir()
    hook = "(out / 'plots' / 'mine.png').write_bytes(b'mine')\n"
    before_note = snapshot(out)
    done = capsim_during(hook, "run", EXAMPLE, *QUICK, "--seed", "2", "--out", out, "--force")
    assert done.returncode == 2
    line = one_line(done)
    assert "holds files capsim did not write (plots/mine.png)" in line
    assert snapshot(out) == {**before_note, "plots/mine.png": snapshot(out)["plots/mine.png"]}
    assert json.loads((kept_folder(line) / "manifest.json").read_text())["seed"] == 2


def test_a_file_or_a_link_made_at_out_mid_run_is_untouched(tmp_path):
    for name, hook in (("file", "out.write_text('mine')\n"), ("link", "out.symlink_to(out.parent / 'elsewhere')\n")):
        out = tmp_path / name
        done = capsim_during(hook, "run", EXAMPLE, *QUICK, "--out", out)
        assert done.returncode == 2, done.stderr
        kept = kept_folder(one_line(done))
        assert (out.read_text() == "mine") if name == "file" else (os.readlink(out) == str(tmp_path / "elsewhere"))
        assert (kept / "monthly.csv").is_file()


def test_force_onto_capsims_own_folder_still_replaces_it_and_leaves_nothing_beside(tmp_path):
    out = tmp_path / "res"
    assert capsim("run", EXAMPLE, *QUICK, "--seed", "1", "--out", out).returncode == 0
    done = capsim("run", EXAMPLE, "-r", "3", "--seed", "2", "--out", out, "--force")
    assert done.returncode == 0, done.stderr
    assert os.listdir(tmp_path) == ["res"]
    assert json.loads((out / "manifest.json").read_text())["seed"] == 2
    assert (out / "report.html").is_file() and (out / "plots" / "growth.png").is_file()


def test_an_empty_folder_made_at_out_mid_run_is_used(tmp_path):
    out = tmp_path / "res"
    done = capsim_during("out.mkdir()\n", "run", EXAMPLE, *QUICK, "--out", out)
    assert done.returncode == 0, done.stderr
    assert os.listdir(tmp_path) == ["res"] and (out / "monthly.csv").is_file()


# --- staging folders left by killed runs ---------------------------------------------------------


def _dead_pid() -> int:
    """The pid of a process that has ended (and been reaped)."""
    child = subprocess.Popen([sys.executable, "-c", "pass"])
    child.wait()
    return child.pid


HOST = re.sub(r"[^A-Za-z0-9-]", "-", socket.gethostname())[:32]


def _marker(folder: Path, destination: Path, pid: int, host: str = HOST) -> None:
    """The marker capsim writes into each staging folder it makes (sim.output.staging.MARKER)."""
    (folder / ".capsim-staging").write_text(json.dumps({"written_by": "capsim", "destination": str(destination),
                                                       "host": host, "pid": pid}))


def _staging(parent: Path, name: str, pid: int, kind: str = "tmp", host: str | None = None, random: str = "abc123_x",
             marked: bool = True) -> Path:
    """A staging folder as a run killed while writing its tables leaves it (a plot command's: a plot)."""
    host = host if host is not None else HOST
    folder = parent / f".{name[:100]}.capsim-{host}-{pid}-{random}.{kind}"
    folder.mkdir()
    if name == "plots":
        (folder / "growth.png").write_bytes(b"\x89PNG half")
    else:
        (folder / "monthly.csv").write_text("variant,month,metric,mean,p5\nbase,2025-0")
    if kind == "old":
        (folder / "manifest.json").write_text(json.dumps({"written_by": "capsim"}))
    if marked:
        _marker(folder, Path(os.path.realpath(parent)) / name, pid, host)
    return folder


def test_stale_staging_folders_of_dead_runs_are_cleaned_and_live_ones_kept(tmp_path):
    dead, alive = _dead_pid(), os.getpid()
    assert capsim("run", EXAMPLE, *QUICK, "--out", tmp_path / "res").returncode == 0
    _staging(tmp_path, "res", dead)
    _staging(tmp_path, "res", dead, "old")  # the previous results, moved aside; res exists again: removed
    keep = [_staging(tmp_path, "res", alive).name,  # a run still going
            _staging(tmp_path, "res", dead, host="otherhost").name,  # another machine's, on a shared disk
            _staging(tmp_path, "other", dead).name]  # another destination's
    (tmp_path / ".res.abc123.tmp").mkdir()  # an older capsim's, whose owner cannot be told
    (tmp_path / ".res.capsim-notes.tmp").write_text("a user's file")
    keep += [".res.abc123.tmp", ".res.capsim-notes.tmp"]
    before = {k: v for k, v in snapshot(tmp_path).items() if k.split("/")[0] in keep}
    done = capsim("run", EXAMPLE, *QUICK, "--out", tmp_path / "res", "--force")
    assert done.returncode == 0, done.stderr
    assert sorted(os.listdir(tmp_path)) == sorted(keep + ["res"])
    assert {k: v for k, v in snapshot(tmp_path).items() if k.split("/")[0] in keep} == before


def test_previous_results_left_aside_by_a_killed_swap_are_put_back(tmp_path):
    out = tmp_path / "res"
    assert capsim("run", EXAMPLE, *QUICK, "--seed", "1", "--out", out).returncode == 0
    aside = tmp_path / f".res.capsim-{re.sub(r'[^A-Za-z0-9-]', '-', socket.gethostname())[:32]}-{_dead_pid()}-x_y0z9ab.old"
    os.rename(out, aside)  # as a run killed between moving the old folder aside and putting the new in
    before = snapshot(aside)
    _marker(aside, out, int(aside.name.split("-")[-2]))
    done = capsim("run", EXAMPLE, *QUICK, "--seed", "2", "--out", out)
    assert done.returncode == 2  # the previous results are back at --out, and not replaced without --force
    assert "kept" not in done.stderr  # refused before simulating
    assert one_line(done).startswith(f"capsim: error: {out}: folder is not empty")
    assert snapshot(out) == before and os.listdir(tmp_path) == ["res"]


def test_stale_plot_staging_folders_are_cleaned_by_the_next_plot(tmp_path):
    out = tmp_path / "res"
    assert capsim("run", EXAMPLE, *QUICK, "--out", out).returncode == 0
    (out / "plots").mkdir()
    _staging(out / "plots", "plots", _dead_pid())
    live = _staging(out / "plots", "plots", os.getpid()).name
    done = capsim("plot", out)
    assert done.returncode == 0, done.stderr
    assert [name for name in os.listdir(out / "plots") if name.startswith(".")] == [live]


def test_force_replaces_capsims_folder_whose_plots_hold_a_killed_plot_commands_staging(tmp_path):
    out = tmp_path / "res"
    assert capsim("run", EXAMPLE, *QUICK, "--seed", "1", "--out", out).returncode == 0
    (out / "plots").mkdir()
    _staging(out / "plots", "plots", _dead_pid())  # `capsim plot res` killed with SIGKILL
    done = capsim("run", EXAMPLE, *QUICK, "--seed", "2", "--out", out, "--force")
    assert done.returncode == 0, done.stderr
    assert os.listdir(tmp_path) == ["res"] and json.loads((out / "manifest.json").read_text())["seed"] == 2


def test_the_staging_folder_of_a_run_killed_with_sigkill_is_cleaned_by_the_next_run(tmp_path):
    out = tmp_path / "res"
    killed = capsim_during("import signal; os.kill(os.getpid(), signal.SIGKILL)\n", "run", EXAMPLE, *QUICK,
                           "--out", out)
    assert killed.returncode == -9
    left = os.listdir(tmp_path)
    assert len(left) == 1 and re.fullmatch(r"\.res\.capsim-[A-Za-z0-9-]*-[0-9]+-[a-z0-9_]+\.tmp", left[0]), left
    done = capsim("run", EXAMPLE, *QUICK, "--out", out)
    assert done.returncode == 0, done.stderr
    assert os.listdir(tmp_path) == ["res"]


# --- only capsim's own staging folders are ever removed or put back -----------------------------


def test_users_folders_named_like_staging_folders_are_never_touched(tmp_path):
    dead = _dead_pid()
    notes = tmp_path / f".d1.capsim-{HOST}-4000000-mynotes.tmp"  # not mkdtemp's random part
    notes.mkdir()
    (notes / "thesis.txt").write_text("chapter 1\n")
    backup = tmp_path / f".d1.capsim-{HOST}-4000001-backup_2024.old"
    backup.mkdir()
    (backup / "thesis.txt").write_text("chapter 1, the old draft\n")
    unmarked = _staging(tmp_path, "d1", dead, random="notes_ab", marked=False)  # looks right, no marker
    unmarked_old = _staging(tmp_path, "d1", dead, "old", random="backup_1", marked=False)
    mixed = _staging(tmp_path, "d1", dead, random="mixed_ab")  # capsim's marker, but the user's file too
    (mixed / "thesis.txt").write_text("chapter 2\n")
    elsewhere = _staging(tmp_path, "d1", dead, "old", random="elsewher")
    _marker(elsewhere, tmp_path / "d2", dead)  # the marker says it was another destination's
    before = snapshot(tmp_path)
    done = capsim("run", EXAMPLE, *QUICK, "--out", tmp_path / "d1")
    assert done.returncode == 0, done.stderr
    after = snapshot(tmp_path)
    assert {k: v for k, v in after.items() if not k.startswith("d1")} == before
    assert sorted(os.listdir(tmp_path / "d1")) == ["annual.csv", "manifest.json", "monthly.csv", "projects.csv",
                                                   "sites.csv", "targets.csv"]
    for folder in (notes, backup, unmarked, unmarked_old, mixed, elsewhere):
        assert folder.is_dir()


def test_an_aside_folder_holding_a_users_file_is_neither_put_back_nor_removed(tmp_path):
    out = tmp_path / "res"
    assert capsim("run", EXAMPLE, *QUICK, "--out", out).returncode == 0
    aside = _staging(tmp_path, "res", _dead_pid(), "old")
    (aside / "notes.txt").write_text("mine\n")
    before = snapshot(aside)
    done = capsim("run", EXAMPLE, *QUICK, "--out", out, "--force")
    assert done.returncode == 0, done.stderr
    assert snapshot(aside) == before
    shutil_rmtree = __import__("shutil").rmtree
    shutil_rmtree(out)
    done = capsim("run", EXAMPLE, *QUICK, "--out", out)  # --out is free: still not put there
    assert done.returncode == 0, done.stderr
    assert snapshot(aside) == before and not (out / "notes.txt").exists()


def test_a_stale_staging_folder_of_a_name_sharing_its_first_100_characters_is_left_alone(tmp_path):
    long = "X" * 100
    stale = _staging(tmp_path, long, _dead_pid())  # a run onto X...X (100) killed
    before = snapshot(stale)
    done = capsim("run", EXAMPLE, *QUICK, "--out", tmp_path / (long + "A"))
    assert done.returncode == 0, done.stderr
    assert snapshot(stale) == before
    assert sorted(os.listdir(tmp_path)) == sorted([stale.name, long + "A"])
    done = capsim("run", EXAMPLE, *QUICK, "--out", tmp_path / long)  # its own destination: cleaned
    assert done.returncode == 0, done.stderr
    assert sorted(os.listdir(tmp_path)) == sorted([long, long + "A"])


def test_staging_folders_carry_the_marker_and_the_results_never_do(tmp_path):
    from sim.output import staging
    folder = staging.make_staging(tmp_path, "res")
    assert re.fullmatch(rf"\.res\.capsim-{re.escape(HOST)}-{os.getpid()}-[a-z0-9_]{{8}}\.tmp", folder.name)
    assert json.loads((folder / ".capsim-staging").read_text()) == {
        "written_by": "capsim", "destination": str(Path(os.path.realpath(tmp_path)) / "res"), "host": HOST,
        "pid": os.getpid()}
    out = tmp_path / "res"
    assert capsim("run", EXAMPLE, *QUICK, "--out", out).returncode == 0
    assert capsim("run", EXAMPLE, *QUICK, "--out", out, "--force").returncode == 0
    assert ".capsim-staging" not in os.listdir(out)
