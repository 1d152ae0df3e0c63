"""Parallel and distributed runs: same files whatever runs the blocks; failures leave nothing behind.

The CLI tests run ``python -m sim`` in a subprocess (PYTHONPATH = this worktree). Killing and
interrupting go through real signals; worker processes are found in /proc (Linux).
"""

from __future__ import annotations

import io
import json
import mmap
import os
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path

import numpy as np
import pytest

import sim
from sim.cli.progress import Progress
from sim.run.memory import MemoryLimitError, check_memory, parse_bytes, replication_bytes, run_bytes
from sim.run.parallel import WorkerError, process_pool
from sim.engine.build import build_plan
from sim.engine.series import METRICS, STORED, MonthlySeries, limit_metrics
from sim.run.simulate import BLOCK_SIZE, BlockResult, run_block

from conftest import worker_processes

ROOT = Path(__file__).resolve().parents[1]
EXAMPLE = ROOT / "scenarios" / "example.yaml"
TABLES = ("monthly.csv", "annual.csv", "targets.csv", "projects.csv", "sites.csv")
linux_only = pytest.mark.skipif(not Path("/proc/self/stat").exists(), reason="finds worker processes in /proc")


def capsim(*args: str, env: dict | None = None, **kwargs) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "sim", *args], env=_env(env), capture_output=True,
                          text=True, timeout=120, **kwargs)


def _env(extra: dict | None = None) -> dict:
    return {**os.environ, "PYTHONPATH": str(ROOT), **(extra or {})}


def _start(*args: str) -> subprocess.Popen:
    return subprocess.Popen([sys.executable, "-m", "sim", *args], env=_env(), stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE, text=True, start_new_session=True)


def _workers(pid: int, timeout_s: float = 30.0) -> list[int]:
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        workers = worker_processes(pid)
        if workers:
            return workers
        time.sleep(0.05)
    raise AssertionError("no worker processes appeared")


def _alive(pid: int) -> bool:
    try:
        state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except OSError:
        return False
    return state != "Z"


def _leftovers(folder: Path) -> list[str]:
    return sorted(p.name for p in folder.iterdir())


@pytest.fixture(scope="module")
def scenario():
    return sim.load_scenario(EXAMPLE)


@pytest.fixture(scope="module")
def serial(scenario):
    return sim.simulate(scenario, replications=2000, seed=11)


def assert_same_results(a: sim.Results, b: sim.Results) -> None:
    assert set(a.series.stored) == set(b.series.stored)
    for name in a.series.stored:
        assert np.array_equal(a.series[name], b.series[name]), name
    for name in ("project_go", "project_first_on", "project_policy_shift", "grid_wait", "supply_wait"):
        assert np.array_equal(getattr(a, name), getattr(b, name), equal_nan=True), name
    assert a.events == b.events
    for table in ("monthly", "annual", "targets", "projects"):
        assert getattr(a, table).to_csv() == getattr(b, table).to_csv(), table


# --- the same results whatever runs the blocks ------------------------------------------------


def test_how_replications_are_cut_into_blocks_does_not_matter(scenario):
    whole = run_block(scenario, 3, 0, 23)
    parts = [run_block(scenario, 3, first, count) for first, count in ((0, 1), (1, 7), (8, 15))]
    for name in whole.series:  # the limits' series too (the example has a grid and a supply block)
        assert np.array_equal(whole.series[name], np.concatenate([p.series[name] for p in parts])), name
    assert np.array_equal(whole.grid_wait, np.concatenate([p.grid_wait for p in parts]), equal_nan=True)
    assert whole.events == sum(p.events for p in parts)


def test_two_worker_processes_give_the_same_results(scenario, serial):
    assert_same_results(serial, sim.simulate(scenario, replications=2000, seed=11, jobs=2))


@linux_only
def test_forked_workers_writing_into_shared_memory_give_the_same_results(scenario, serial):
    """fork=True: workers forked once the run's arrays exist in shared memory write their blocks
    there (odd block counts and a last short block included); the results are the serial run's."""
    forked = sim.simulate(scenario, replications=2000, seed=11, jobs=2, fork=True)
    assert_same_results(serial, forked)
    owner = forked.series.stored["energy_mwh"]
    while isinstance(owner, np.ndarray):
        owner = owner.base
    assert isinstance(owner.obj, mmap.mmap)  # the workers wrote into shared memory, nothing was sent back
    done = []
    small = sim.simulate(scenario, replications=BLOCK_SIZE + 7, seed=11, jobs=3, fork=True, progress=done.append)
    assert_same_results(sim.simulate(scenario, replications=BLOCK_SIZE + 7, seed=11), small)
    assert done[-1] == BLOCK_SIZE + 7 and sorted(done) == done


def test_output_files_are_identical_with_1_job_2_jobs_and_a_dask_cluster(tmp_path):
    pytest.importorskip("distributed")
    runs = {
        "one": ["--jobs", "1"],
        "default": [],  # plots and report in the command's workers, replications here (too few to share)
        "two": ["--jobs", "2"],
        "dask": ["--jobs", "2", "--scheduler", "local"],
    }
    for name, extra in runs.items():
        done = capsim("run", str(EXAMPLE), "-r", "700", "--seed", "5", "--out", str(tmp_path / name), "-q", *extra)
        assert done.returncode == 0, done.stderr
    for table in TABLES:
        reference = (tmp_path / "one" / table).read_bytes()
        for name in ("default", "two", "dask"):
            assert (tmp_path / name / table).read_bytes() == reference, (name, table)
    for name in ("default", "two", "dask"):  # the plots too (the report carries the time it was written)
        assert (tmp_path / name / "report.html").is_file()
        for drawn in (tmp_path / "one" / "plots").iterdir():
            assert (tmp_path / name / "plots" / drawn.name).read_bytes() == drawn.read_bytes(), (name, drawn.name)
    manifests = [json.loads((tmp_path / name / "manifest.json").read_text()) for name in runs]
    for m in manifests:
        for key in ("started", "finished", "command"):
            m.pop(key)
    assert all(m == manifests[0] for m in manifests)


def test_tables_made_in_forked_workers_that_inherit_the_results_are_the_same_tables(scenario, serial):
    """Results.tables with ``remote`` has the per-site and monthly tables made in worker processes
    forked once the results exist (they read the parent's arrays, sent nothing): the same five
    tables, bit for bit, each computed once (kept on the results), and the others made here."""
    from sim.run.parallel import attribute_of, inherited

    results = sim.simulate(scenario, replications=2000, seed=11)
    names = ("monthly", "annual", "targets", "projects", "sites")
    asked = []
    with inherited(results) as key:
        pool = process_pool(2, fork=True)
        try:
            tables = results.tables(names, lambda name: asked.append(name) or pool.submit(attribute_of, key, name))
        finally:
            pool.shutdown()
    assert sorted(asked) == ["monthly", "sites"]
    assert list(tables) == list(names)
    for name in names:
        assert tables[name].equals(getattr(serial, name)), name
        assert getattr(results, name) is tables[name]


def _slow(seconds: float, value: str, log: str) -> str:
    Path(log + ".started").touch()
    time.sleep(seconds)
    Path(log).write_text(value)
    return value


def _fail(message: str, after: str | None = None) -> None:
    while after is not None and not Path(after).exists():  # until the other task has started
        time.sleep(0.01)
    raise ValueError(message)


def test_tasks_run_concurrently_give_their_results_in_order(tmp_path):
    from sim.run.parallel import run_concurrently

    log = str(tmp_path / "log")
    tasks = [(_slow, 0.2, "first", log + "1"), (_slow, 0.0, "second", log + "2")]
    assert run_concurrently(None, tasks) == ["first", "second"]  # no executor: one after another here
    pool = process_pool(2, fork=True)
    try:
        assert run_concurrently(pool, tasks) == ["first", "second"]
        # the last task fails here while the first runs in a worker: that one is waited for, then
        # the failure propagates (nothing writes after the caller has cleaned up)
        with pytest.raises(ValueError, match="here"):
            run_concurrently(pool, [(_slow, 0.3, "late", log + "3"), (_fail, "here", log + "3.started")])
        assert Path(log + "3").read_text() == "late"
        with pytest.raises(ValueError, match="there"):  # a worker's failure reaches the caller
            run_concurrently(pool, [(_fail, "there"), (_slow, 0.0, "x", log + "4")])
    finally:
        pool.shutdown()


@linux_only
def test_forked_workers_leave_ctrl_c_to_the_parent_and_die_of_sigterm():
    """The command's pool forks its workers from a process that turns SIGTERM into an exception:
    they must not inherit that (the pool stops workers with SIGTERM), and must ignore Ctrl-C."""
    previous = signal.signal(signal.SIGTERM, lambda *_: None)
    pool = process_pool(1, fork=True)
    try:
        handlers = pool.submit(_handlers).result()
    finally:
        pool.shutdown()
        signal.signal(signal.SIGTERM, previous)
    assert handlers == (signal.SIG_IGN, signal.SIG_DFL, False)  # and neither left blocked after the fork


def _handlers():
    blocked = signal.pthread_sigmask(signal.SIG_BLOCK, [])
    return (signal.getsignal(signal.SIGINT), signal.getsignal(signal.SIGTERM),
            bool({signal.SIGINT, signal.SIGTERM} & set(blocked)))


# --- failures --------------------------------------------------------------------------------


def test_a_killed_dask_worker_has_its_blocks_rerun_and_the_results_do_not_change(scenario, serial):
    distributed = pytest.importorskip("distributed")
    with distributed.LocalCluster(n_workers=2, threads_per_worker=1, processes=True, host="127.0.0.1",
                                  dashboard_address=None) as cluster, distributed.Client(cluster) as client:
        pids = sorted(client.run(os.getpid).values())
        killed = []

        def kill_one_worker(done: int) -> None:
            if not killed:
                os.kill(pids[0], signal.SIGKILL)
                killed.append(done)

        results = sim.simulate(scenario, replications=2000, seed=11, executor=client.get_executor(pure=False),
                               progress=kill_one_worker)
    assert killed and killed[0] < 2000  # the worker died mid-run
    assert_same_results(serial, results)


def test_a_killed_worker_process_fails_the_run_with_a_clear_error(scenario):
    pool = process_pool(2)
    try:
        pid = pool.submit(os.getpid).result()

        def kill_worker(done: int) -> None:
            if _alive(pid):
                os.kill(pid, signal.SIGKILL)

        with pytest.raises(WorkerError, match="worker process died"):
            sim.simulate(scenario, replications=3000, seed=1, executor=pool, progress=kill_worker)
    finally:
        pool.shutdown(cancel_futures=True)


@linux_only
def test_cli_exits_1_with_one_line_and_writes_nothing_when_a_worker_is_killed(tmp_path):
    out = tmp_path / "out"
    run = _start("run", str(EXAMPLE), "-r", "40000", "--jobs", "2", "--out", str(out))
    os.kill(_workers(run.pid)[0], signal.SIGKILL)
    stdout, stderr = run.communicate(timeout=120)
    assert run.returncode == 1, stderr
    assert stderr.count("\n") == 1 and "worker process died" in stderr and "Traceback" not in stderr
    assert _leftovers(tmp_path) == []


@linux_only
def test_ctrl_c_stops_the_workers_writes_nothing_and_exits_130(tmp_path):
    out = tmp_path / "out"
    run = _start("run", str(EXAMPLE), "-r", "40000", "--jobs", "2", "--out", str(out))
    workers = _workers(run.pid)
    time.sleep(0.5)
    os.killpg(run.pid, signal.SIGINT)  # as Ctrl-C in a terminal: the whole process group
    stdout, stderr = run.communicate(timeout=60)
    assert run.returncode == 130, stderr
    assert "interrupted" in stderr and "Traceback" not in stderr
    assert _leftovers(tmp_path) == []
    deadline = time.monotonic() + 10
    while any(_alive(w) for w in workers) and time.monotonic() < deadline:
        time.sleep(0.05)
    assert not any(_alive(w) for w in workers)


# --- memory ----------------------------------------------------------------------------------


def test_memory_estimate_covers_what_a_run_keeps(scenario):
    results = sim.simulate(scenario, replications=300, seed=2)
    kept = results.series.nbytes + sum(getattr(results, name).nbytes for name in
                                       ("project_go", "project_first_on", "project_policy_shift", "grid_wait",
                                        "supply_wait"))
    kept += sum(a.nbytes for a in results.site_series.values())  # (R, S, M) per site array
    assert replication_bytes(results.plan) * 300 == kept
    assert run_bytes(results.plan, 300, BLOCK_SIZE, 1) > kept


def test_a_run_that_would_not_fit_is_refused_before_it_starts(scenario):
    plan = build_plan(scenario)
    need = run_bytes(plan, 10**6, BLOCK_SIZE, 1)
    assert check_memory(plan, 10**6, BLOCK_SIZE, 1, limit_bytes=need) == need
    with pytest.raises(MemoryLimitError, match=r"needs about [\d.,]+ [MG]B of memory .* more than the 1\.0 MB available"):
        sim.simulate(scenario, replications=10**6, seed=0, memory_limit_bytes=10**6)


def test_cli_refuses_a_run_that_would_not_fit_with_exit_2_and_the_figure(tmp_path):
    done = capsim("run", str(EXAMPLE), "-r", "5000000", "--out", str(tmp_path / "out"),
                  env={"CAPSIM_MEMORY_LIMIT": "100M"})
    assert done.returncode == 2
    assert done.stderr.startswith("capsim: error: this run needs about ") and done.stderr.count("\n") == 1
    assert "more than the 104.9 MB available" in done.stderr
    assert _leftovers(tmp_path) == []


@pytest.mark.parametrize("text, expected", [("123", 123), ("500M", 500 * 2**20), ("8G", 8 * 2**30),
                                            ("1.5GiB", int(1.5 * 2**30)), ("64k", 64 * 2**10)])
def test_memory_limits_are_read_with_units(text, expected):
    assert parse_bytes(text) == expected


def test_derived_series_are_worked_out_from_the_stored_ones(serial):
    s = serial.series
    assert set(s) == set(METRICS) | {"it_energy_mwh"}
    assert isinstance(s, MonthlySeries) and set(s.stored) == set(STORED) | set(limit_metrics(serial.plan))
    assert set(limit_metrics(serial.plan)) == {"grid_free_mw", "grid_queue_mw", "supply_backlog_pflops",
                                               "supply_stock_pflops"}
    total = s["general_eflops"] + s["intelligent_eflops"] + s["supercomputing_eflops"]
    assert np.array_equal(s["total_eflops"], total)
    assert np.allclose(s["facility_mw"] * serial.plan.hours, s["energy_mwh"])
    assert np.array_equal(s["pue"], s["energy_mwh"] / s["it_energy_mwh"])
    n_months = len(serial.plan.hours)
    for name in s:  # one month of a metric, from that month's stored values: the same bits
        for m in (0, n_months // 2, n_months - 1):
            assert s.month(name, m).view(np.int64).tolist() == s[name][:, m].view(np.int64).tolist(), (name, m)


def test_blocks_carry_only_what_the_results_keep(scenario):
    block = run_block(scenario, 0, 5, 3)
    assert isinstance(block, BlockResult) and block.count == 3
    assert set(block.series) == set(STORED) | set(limit_metrics(build_plan(scenario)))


# --- progress --------------------------------------------------------------------------------


class Terminal(io.StringIO):
    def isatty(self) -> bool:
        return True


def test_progress_bar_shows_count_rate_and_eta_after_a_second():
    stream = Terminal()
    progress = Progress(1000, enabled=True, stream=stream)
    progress(100)
    assert stream.getvalue() == ""  # nothing in the first second
    progress.start -= 2.0
    progress(500)
    line = stream.getvalue()
    assert "500/1,000 replications" in line and "/s" in line and "ETA" in line
    progress.close()
    assert stream.getvalue().endswith("\r\x1b[K")


@pytest.mark.parametrize("stream, enabled", [(io.StringIO(), True), (Terminal(), False)])
def test_no_progress_bar_off_a_terminal_or_when_quiet(stream, enabled):
    progress = Progress(1000, enabled=enabled, stream=stream)
    progress.start -= 5.0
    progress(500)
    progress.close()
    assert stream.getvalue() == ""


def test_workers_are_started_only_for_runs_that_pay_for_them(scenario):
    from sim.run.parallel import cores
    from sim.run.simulate import PHASE_REPLICATION_S, WORKER_START_S, auto_jobs

    plan = build_plan(scenario)
    worth = int(2 * WORKER_START_S / (plan.n_phases * PHASE_REPLICATION_S)) + 2  # replications, just above
    assert auto_jobs(plan, 1) == 1
    assert auto_jobs(plan, worth - 3) == 1
    assert auto_jobs(plan, worth) == cores()
    assert_same_results(sim.simulate(scenario, replications=300, seed=4, jobs=None),
                        sim.simulate(scenario, replications=300, seed=4, jobs=1))


@linux_only
def test_the_preloading_thread_leaves_ctrl_c_and_sigterm_to_the_main_thread(monkeypatch):
    """The preloading thread blocks both, so that the kernel hands them to the main thread, where
    Python runs their handlers; the main thread's mask is left as it was."""
    import argparse

    from sim.cli.workers import Preloader

    preloader = Preloader(argparse.Namespace(no_plots=True, no_report=True), enabled=True)
    seen: dict = {}
    release = threading.Event()

    def load() -> None:
        seen["blocked"] = signal.pthread_sigmask(signal.SIG_BLOCK, [])
        release.wait(10)

    monkeypatch.setattr(preloader, "_load", load)
    preloader.start()
    release.set()
    preloader.join()
    assert {signal.SIGINT, signal.SIGTERM} <= seen["blocked"]
    assert not {signal.SIGINT, signal.SIGTERM} & signal.pthread_sigmask(signal.SIG_BLOCK, [])  # the main thread's


@pytest.mark.parametrize("failure", [sim.ScenarioError("broken.yaml:3:1: variants.x: no"), RuntimeError("a bug"),
                                     SystemExit(5)], ids=["scenario-error", "bug", "system-exit"])
def test_what_the_preloading_threads_first_task_raises_is_raised_in_the_main_thread(monkeypatch, failure):
    """capsim run checks the other variants in the preloading thread: what the check raises is
    raised again by the main thread (at a progress report or when it joins the thread), even what a
    thread would swallow (SystemExit), and nothing is imported after it."""
    import argparse

    from sim.cli.workers import Preloader

    def check() -> None:
        raise failure

    preloader = Preloader(argparse.Namespace(no_plots=True, no_report=True), enabled=True, first=check)
    monkeypatch.setattr(preloader, "_load", lambda: pytest.fail("imported after a failed check"))
    preloader.start()
    preloader.thread.join()
    with pytest.raises(type(failure)) as raised:
        preloader.raise_failure()
    assert raised.value is failure
    preloader.join()  # raised once only
    disabled = Preloader(argparse.Namespace(no_plots=True, no_report=True), enabled=False, first=check)
    assert not disabled.enabled and disabled.first is None  # the command checks before the run instead
