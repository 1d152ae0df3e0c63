"""Bad flags, damaged results folders, closed pipes, unreachable schedulers, comparisons that do not
fit: one line, the right exit code, early, and nothing changed on disk. Also what the manifest
records about how results were made."""

from __future__ import annotations

import importlib.util
import json
import os
import shutil
import socket
import subprocess
import sys
from pathlib import Path

import pytest

import sim
from conftest import REPO
from sim import cli
from sim.engine.build import build_plan
from sim.output import provenance
from sim.run.memory import MemoryLimitError, run_bytes, runs_bytes
from sim.run.simulate import BLOCK_SIZE
from safety import BIG_MEMORY, EXAMPLE, LONG_RUN, capsim, one_line, snapshot

has_dask = pytest.mark.skipif(importlib.util.find_spec("distributed") is None, reason="needs capsim[dask]")


# --- numbers on the command line -------------------------------------------------------------


BAD_SEEDS = ["١٢", "+5", " 5", "5 ", "5_000", "-1", "1e3", "", "0x10", "٣"]


def test_seed_accepts_plain_ascii_digits_only_through_the_command(tmp_path):
    done = capsim("run", EXAMPLE, "--seed=١٢", "--out", tmp_path / "o", cwd=tmp_path)
    assert done.returncode == 2
    assert one_line(done) == ("capsim run: error: argument --seed: must be a whole number written in digits 0-9 "
                              "(got '١٢') (see capsim run --help)")
    assert os.listdir(tmp_path) == []


@pytest.mark.parametrize("seed", BAD_SEEDS)
def test_seed_accepts_plain_ascii_digits_only(tmp_path, seed, capsys, monkeypatch):
    monkeypatch.chdir(tmp_path)
    with pytest.raises(SystemExit) as stop:
        cli.main(["run", str(EXAMPLE), f"--seed={seed}", "--out", "o"])
    assert stop.value.code == 2
    assert capsys.readouterr().err == (f"capsim run: error: argument --seed: must be a whole number written in "
                                       f"digits 0-9 (got {seed!r}) (see capsim run --help)\n")
    assert os.listdir(tmp_path) == []


@pytest.mark.parametrize("args, message", [
    (["-r", "0"], "argument -r/--replications: must be at least 1 (got 0)"),
    (["-r", "1_000"], "argument -r/--replications: must be a whole number written in digits 0-9 (got '1_000')"),
    (["--jobs", "0"], "argument -j/--jobs: must be at least 1 (got 0)"),
    (["--jobs", "-2"], "argument -j/--jobs: must be a whole number written in digits 0-9 (got '-2')"),
    (["--seed", "1", "--seed", "2"], "argument --seed: given more than once"),
    (["--out", "a", "--out", "b"], "argument --out: given more than once"),
    (["-r", "5", "--replications", "6"], "argument -r/--replications: given more than once"),
    (["--seed", str(2**63)], f"argument --seed: must be at most {2**63 - 1} (got {2**63})"),
    (["--scheduler", "local", "--scheduler-timeout", "0"],
     "argument --scheduler-timeout: must be a number of seconds above 0 (got '0')"),
    (["--scheduler", "local", "--scheduler-timeout", "nan"],
     "argument --scheduler-timeout: must be a number of seconds above 0 (got 'nan')"),
])
def test_bad_or_repeated_options_are_one_line_exit_2(tmp_path, args, message, capsys, monkeypatch):
    monkeypatch.chdir(tmp_path)
    with pytest.raises(SystemExit) as stop:
        cli.main(["run", str(EXAMPLE), *args])
    assert stop.value.code == 2
    assert capsys.readouterr().err == f"capsim run: error: {message} (see capsim run --help)\n"
    assert os.listdir(tmp_path) == []


def test_a_repeated_option_through_the_command(tmp_path):
    done = capsim("compare", EXAMPLE, "--variants", "a", "--variants", "b", cwd=tmp_path)
    assert done.returncode == 2
    assert one_line(done) == ("capsim compare: error: argument --variants: given more than once "
                              "(see capsim compare --help)")
    assert os.listdir(tmp_path) == []


def test_plot_format_is_checked_and_given_once(tmp_path):
    done = capsim("plot", tmp_path, "--format", "PNG")
    assert done.returncode == 2 and "argument --format: invalid choice: 'PNG'" in one_line(done)
    done = capsim("plot", tmp_path, "--format", "png", "--format", "svg")
    assert done.returncode == 2 and "argument --format: given more than once" in one_line(done)


def test_a_huge_replication_count_is_refused_for_memory_not_killed(tmp_path):
    done = capsim("run", EXAMPLE, "-r", "99999999999999999999", "--out", tmp_path / "o")
    assert done.returncode == 2
    assert one_line(done).startswith("capsim: error: this run needs about ")
    assert os.listdir(tmp_path) == []


# --- capsim plot on a damaged folder ---------------------------------------------------------


@pytest.fixture(scope="module")
def results_folder(tmp_path_factory) -> Path:
    folder = tmp_path_factory.mktemp("plot") / "res"
    sim.write_results(sim.simulate(sim.load_scenario(EXAMPLE), replications=3), folder)
    return folder


def _damage(folder: Path, how: str) -> str:
    """Damage a copy of a results folder; the error line expected (after 'capsim: error: ')."""
    if how == "corrupt-manifest":
        (folder / "manifest.json").write_text("{not json")
        return f"{folder / 'manifest.json'}: cannot read the manifest: Expecting property name enclosed in double quotes: line 1 column 2 (char 1)"
    if how == "manifest-a-list":
        (folder / "manifest.json").write_text("[1, 2]")
        return f"{folder / 'manifest.json'}: not a manifest written by capsim"
    if how == "missing-table":
        (folder / "annual.csv").unlink()
        return f"{folder}: not a capsim results folder (no annual.csv)"
    if how == "empty-table":
        (folder / "targets.csv").write_text("")
        return f"{folder / 'targets.csv'}: cannot read the table: No columns to parse from file"
    if how == "missing-column":
        text = (folder / "monthly.csv").read_text().replace("variant,month,metric,mean,", "variant,month,metric,average,", 1)
        (folder / "monthly.csv").write_text(text)
        return f"{folder / 'monthly.csv'}: not a table written by capsim (no column mean)"
    if how == "words-for-numbers":
        lines = (folder / "annual.csv").read_text().splitlines()
        fields = lines[1].split(",")
        fields[3] = "lots"
        (folder / "annual.csv").write_text("\n".join([lines[0], ",".join(fields), *lines[2:]]) + "\n")
        return f"{folder / 'annual.csv'}: not a table written by capsim (column mean is not all numbers)"
    if how == "binary-table":
        (folder / "projects.csv").write_bytes(b"\xff\xfe\x00garbage\x00\x81")
        return f"{folder / 'projects.csv'}: cannot read the table: "
    if how == "plots-is-a-file":
        (folder / "plots").write_text("not a folder")
        return f"{folder / 'plots'}: exists and is not a folder; the plots go into a folder of that name"
    raise AssertionError(how)


@pytest.mark.parametrize("how", ["corrupt-manifest", "manifest-a-list", "missing-table", "empty-table",
                                 "missing-column", "words-for-numbers", "binary-table", "plots-is-a-file"])
def test_plot_of_a_damaged_results_folder_is_one_line_and_changes_nothing(results_folder, tmp_path, how, capsys):
    folder = tmp_path / "res"
    shutil.copytree(results_folder, folder)
    expected = _damage(folder, how)
    before = snapshot(tmp_path)
    if how in ("corrupt-manifest", "plots-is-a-file"):  # through the command; the others in this process
        done = capsim("plot", folder, cwd=tmp_path)
        code, line = done.returncode, one_line(done)
    else:
        code = cli.main(["plot", str(folder)])
        err = capsys.readouterr().err
        assert err.count("\n") == 1
        line = err.strip()
    assert code == 2
    assert line.startswith(f"capsim: error: {expected}")
    assert snapshot(tmp_path) == before


@pytest.mark.parametrize("how", ["a-file", "missing"])
def test_plot_of_something_that_is_not_a_folder(tmp_path, how):
    target = tmp_path / "res"
    if how == "a-file":
        target.write_text("hello")
    before = snapshot(tmp_path)
    done = capsim("plot", target, cwd=tmp_path)
    assert done.returncode == 2
    assert one_line(done) == (f"capsim: error: {target}: not a folder (a capsim results folder was expected)"
                              if how == "a-file" else f"capsim: error: {target}: no such folder")
    assert snapshot(tmp_path) == before


# --- a closed pipe ---------------------------------------------------------------------------


@pytest.mark.parametrize("args", [["schema"], ["validate", str(EXAMPLE)]])
def test_output_into_a_closed_pipe_is_silent_and_exits_141(args):
    read_end, write_end = os.pipe()
    os.close(read_end)  # the reader has gone before capsim writes anything (as after `head -n 1`)
    try:
        env = {**os.environ, "PYTHONPATH": str(REPO)}
        done = subprocess.run([sys.executable, "-m", "sim", *args], stdout=write_end, stderr=subprocess.PIPE,
                              text=True, env=env, timeout=60)
    finally:
        os.close(write_end)
    assert done.stderr == ""
    assert done.returncode == 141


def test_schema_into_head_prints_the_first_line_and_no_error():
    env = {**os.environ, "PYTHONPATH": str(REPO)}
    done = subprocess.run(["bash", "-c", f"'{sys.executable}' -m sim schema | head -n 1"], capture_output=True,
                          text=True, env=env, timeout=60)
    assert done.stdout == "{\n" and done.stderr == ""


# --- compare ---------------------------------------------------------------------------------


@pytest.mark.parametrize("variants", ["", "base", ",", " , base"])
def test_compare_with_no_variant_selected_is_one_line_before_simulating(tmp_path, variants):
    done = capsim("compare", EXAMPLE, "--variants", variants, *LONG_RUN, "--out", tmp_path / "o", env=BIG_MEMORY)
    assert done.returncode == 2
    assert one_line(done).startswith(f"capsim: error: --variants: no variants selected (got {variants!r}; "
                                     "this scenario's variants: no-subsidy, fast-approvals, strict-pue)")
    assert os.listdir(tmp_path) == []
    with pytest.raises(sim.ScenarioError, match="no variants selected"):
        sim.compare(sim.load_scenario(EXAMPLE), variants=variants, replications=10**9)


def test_a_compare_that_fails_after_simulating_leaves_no_folder(tmp_path, monkeypatch, capsys):
    def broken(self):
        raise RuntimeError("summary failed")

    monkeypatch.setattr(sim.Comparison, "summary_text", broken)
    out = tmp_path / "o"
    assert cli.main(["compare", str(EXAMPLE), "-r", "2", "--jobs", "1", "--no-plots", "--out", str(out)]) == 1
    assert "summary failed" in capsys.readouterr().err
    assert os.listdir(tmp_path) == []


def test_a_compare_is_refused_when_all_its_runs_together_do_not_fit(tmp_path):
    scenario = sim.load_scenario(EXAMPLE)
    plans = [build_plan(sim.apply_variant(scenario, name)) for name in [None, *scenario.variants]]
    replications = 20_000
    one_run = max(run_bytes(plan, replications, BLOCK_SIZE, 1) for plan in plans)
    all_runs = runs_bytes(plans, replications, BLOCK_SIZE, 1)
    limit = (one_run + all_runs) // 2
    assert one_run < limit < all_runs
    done = capsim("compare", EXAMPLE, "-r", str(replications), "--jobs", "1", "--out", tmp_path / "o",
                  env={"CAPSIM_MEMORY_LIMIT": str(limit)})
    assert done.returncode == 2
    assert one_line(done).startswith("capsim: error: this comparison needs about ")
    assert "(4 runs x 20,000 replications x " in done.stderr
    assert os.listdir(tmp_path) == []
    started = []
    with pytest.raises(MemoryLimitError):
        sim.compare(scenario, replications=replications, memory_limit_bytes=limit,
                    progress=lambda name, done: started.append(name))
    assert started == []


# --- the Dask scheduler ----------------------------------------------------------------------


def _unused_local_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@has_dask
@pytest.mark.parametrize("address", ["unused-port", "garbage address!", "tcp://[::1:99999"])
def test_an_unreachable_or_unparsable_scheduler_is_one_line_exit_2(tmp_path, address):
    if address == "unused-port":
        address = f"tcp://127.0.0.1:{_unused_local_port()}"
    done = capsim("run", EXAMPLE, "-r", "3", "--scheduler", address, "--scheduler-timeout", "1",
                  "--out", tmp_path / "o", cwd=tmp_path)
    assert done.returncode == 2
    assert one_line(done).startswith(f"capsim: error: cannot reach the Dask scheduler at {address}: ")
    assert os.listdir(tmp_path) == []


# --- the manifest ----------------------------------------------------------------------------


def test_manifest_records_where_and_with_what_the_results_were_made(tmp_path):
    shutil.copy(EXAMPLE, tmp_path / "s.yaml")
    done = capsim("run", "s.yaml", "-r", "2", "-q", "--no-plots", "--out", "res", cwd=tmp_path)
    assert done.returncode == 0, done.stderr
    manifest = json.loads((tmp_path / "res" / "manifest.json").read_text())
    assert manifest["written_by"] == "capsim"
    assert manifest["working_directory"] == str(tmp_path)
    assert manifest["scenario"]["path"] == "s.yaml"
    assert manifest["scenario"]["resolved_path"] == str((tmp_path / "s.yaml").resolve())
    assert set(manifest["versions"]) == {"capsim", "python", "simpy", "numpy", "pandas", "pydantic",
                                         "matplotlib", "pillow", "ruamel.yaml"}
    assert all(manifest["versions"].values())
    if shutil.which("git") and (REPO / ".git").exists():
        head = subprocess.run(["git", "-C", str(REPO), "rev-parse", "HEAD"], capture_output=True, text=True)
        assert manifest["git_commit"] == head.stdout.strip()


SHA_A, SHA_B = "a" * 40, "b" * 40


def test_git_commit_is_read_from_a_checkout_a_worktree_and_packed_refs(tmp_path):
    repo = tmp_path / "repo"
    (repo / ".git" / "refs" / "heads").mkdir(parents=True)
    (repo / ".git" / "HEAD").write_text("ref: refs/heads/main\n")
    (repo / ".git" / "refs" / "heads" / "main").write_text(SHA_A + "\n")
    assert provenance.git_commit(repo) == SHA_A
    (repo / ".git" / "refs" / "heads" / "main").unlink()
    (repo / ".git" / "packed-refs").write_text(f"# pack-refs with: peeled\n{SHA_B} refs/heads/main\n")
    assert provenance.git_commit(repo) == SHA_B
    tree = tmp_path / "tree"
    (repo / ".git" / "worktrees" / "tree").mkdir(parents=True)
    (repo / ".git" / "worktrees" / "tree" / "HEAD").write_text("ref: refs/heads/main\n")
    (repo / ".git" / "worktrees" / "tree" / "commondir").write_text("../..\n")
    tree.mkdir()
    (tree / ".git").write_text(f"gitdir: {repo / '.git' / 'worktrees' / 'tree'}\n")
    assert provenance.git_commit(tree) == SHA_B
    (repo / ".git" / "HEAD").write_text(SHA_A + "\n")  # detached
    assert provenance.git_commit(repo) == SHA_A


@pytest.mark.parametrize("layout", ["none", "empty-dir", "bad-file", "unknown-ref"])
def test_git_commit_is_none_without_a_readable_checkout(tmp_path, layout):
    if layout == "empty-dir":
        (tmp_path / ".git").mkdir()
    elif layout == "bad-file":
        (tmp_path / ".git").write_text("nonsense")
    elif layout == "unknown-ref":
        (tmp_path / ".git").mkdir()
        (tmp_path / ".git" / "HEAD").write_text("ref: refs/heads/nowhere\n")
    assert provenance.git_commit(tmp_path) is None


@pytest.mark.skipif(not hasattr(os, "fork"), reason="closes descriptors before exec")
def test_the_executable_ends_cleanly_with_stdout_or_stderr_closed_and_leaves_no_temporary_folder(tmp_path):
    """The capsim executable ends with os._exit after its clean-ups: a closed stdout (sys.stdout is
    None) or stderr is no traceback, and multiprocessing's temporary folder is removed as before."""
    import tempfile

    temp = Path(tempfile.mkdtemp(prefix="cs", dir="/tmp"))  # short: the forkserver's socket lives in it
    env = {**os.environ, "PYTHONPATH": str(REPO), "TMPDIR": str(temp)}
    for closed in (1, 2):
        out = tmp_path / f"out{closed}"
        done = subprocess.run([sys.executable, "-m", "sim", "compare", str(EXAMPLE), "-r", "300", "--jobs", "2",
                               "-q", "--no-plots", "--out", str(out)], env=env, capture_output=True, text=True,
                              timeout=120, preexec_fn=lambda fd=closed: os.close(fd))
        assert done.returncode == 0, done.stderr
        assert done.stderr == "" and (out / "compare.csv").is_file()
    left = os.listdir(temp)
    shutil.rmtree(temp, ignore_errors=True)
    assert left == []  # no pymp-* folder left behind
