"""Hostile input: every number finite, odd files, API misuse. One clear error each, nothing written."""

from __future__ import annotations

import hashlib
import os
import subprocess
import sys
import textwrap
from pathlib import Path
from unittest import mock

import pytest

import sim
import sim.scenario.yamlio
from conftest import REPO, project, run_cli, scenario_data
from sim import ScenarioError

EXAMPLE = REPO / "scenarios" / "example.yaml"


def listing(folder: Path) -> dict[str, str]:
    """Every file under ``folder`` with its sha256: compared before and after a refused command."""
    return {str(p.relative_to(folder)): hashlib.sha256(p.read_bytes()).hexdigest() if p.is_file() else "dir"
            for p in sorted(folder.rglob("*"))}


def refused(tmp_path: Path, *args: str, timeout: float = 60) -> str:
    """Run capsim ARGS in tmp_path; assert exit 2, one line on stderr, nothing on disk changed."""
    before = listing(tmp_path)
    done = run_cli(*args, cwd=tmp_path, timeout=timeout)
    lines = done.stderr.strip().splitlines()
    assert done.returncode == 2, done.stderr
    assert len(lines) == 1 and "Traceback" not in done.stderr, done.stderr
    assert listing(tmp_path) == before
    return lines[0]


def load_error(data: dict) -> list[str]:
    with pytest.raises(ScenarioError) as info:
        sim.scenario_from_data(data)
    return [str(p) for p in info.value.problems]


# --- every number finite ---------------------------------------------------------------------


@pytest.mark.parametrize("text, value", [(".nan", "nan"), (".inf", "inf"), ("-.inf", "-inf"), ("1e400", "inf")])
def test_non_finite_numbers_in_the_file_are_refused(tmp_path, text, value):
    bad = tmp_path / "bad.yaml"
    bad.write_text(EXAMPLE.read_text().replace("pflops: 2000", f"pflops: {text}", 1))
    line = refused(tmp_path, "run", str(bad), "-r", "2", "--out", str(tmp_path / "o"))
    assert line.endswith(f"projects[north-ai-1].compute.pflops: must be a finite number (got {value})")
    assert line.startswith(f"{bad}:")


@pytest.mark.parametrize("where, path", [
    (lambda d: d["sites"]["s"]["monthly_temp_c"].__setitem__(3, float("nan")), "sites.s.monthly_temp_c[3]"),
    (lambda d: d["cooling"]["seasonal"].__setitem__("pue_curve", [[0, 1.1], [20, float("nan")]]),
     "cooling.seasonal.pue_curve[1][1]"),
    (lambda d: d.__setitem__("uncertainty", {"delay_months": {"construction": {"dist": "fixed", "value": float("nan")}}}),
     "uncertainty.delay_months.construction.value"),
    (lambda d: d.__setitem__("uncertainty", {"parameters": {"projects.a.it_mw": {
        "dist": "uniform", "low": 1, "high": float("inf")}}}), "uncertainty.parameters.projects.a.it_mw.high"),
    (lambda d: d.__setitem__("grid", {"headroom_mw": float("-inf")}), "grid.headroom_mw"),
])
def test_non_finite_numbers_are_refused_everywhere(where, path):
    data = scenario_data([project("a")])
    where(data)
    problems = load_error(data)
    assert len(problems) == 1 and problems[0].startswith(f"<data>: {path}: must be a finite number (got "), problems


def test_booleans_are_not_numbers():
    assert load_error(scenario_data([project("a", it_mw=True)])) == [
        "<data>: projects[a].it_mw: must be a number (got true)"]


@pytest.mark.parametrize("override", ["projects.north-ai-1.it_mw=.nan", "grid.headroom_mw=1e400"])
def test_non_finite_override_is_refused(tmp_path, override):
    line = refused(tmp_path, "run", str(EXAMPLE), "-r", "2", "--set", override, "--out", str(tmp_path / "o"))
    assert line.startswith(f"--set {override}: ") and "must be a finite number" in line


def test_non_finite_variant_value_is_refused():
    data = scenario_data([project("a")], variants={"x": {"set": {"projects.a.utilization": float("nan")}}})
    (problem,) = load_error(data)
    assert problem == "<data>: projects[a].utilization: variant 'x': must be a finite number (got nan)"


# --- odd files ---------------------------------------------------------------------------------


def test_device_is_read_only_up_to_the_limit(tmp_path):
    line = refused(tmp_path, "validate", "/dev/zero", timeout=20)
    assert line == "/dev/zero:1:1: file is larger than the limit of 5,000,000 bytes"


def test_endless_pipe_is_read_only_up_to_the_limit(tmp_path):
    yes = subprocess.Popen(["yes"], stdout=subprocess.PIPE)
    try:
        path = f"/dev/fd/{yes.stdout.fileno()}"
        env = dict(os.environ, PYTHONPATH=str(REPO))
        done = subprocess.run([sys.executable, "-m", "sim", "validate", path], pass_fds=[yes.stdout.fileno()],
                              capture_output=True, text=True, timeout=20, env=env)
    finally:
        yes.kill()
        yes.wait()
    assert done.returncode == 2
    assert done.stderr.strip() == f"{path}:1:1: file is larger than the limit of 5,000,000 bytes"


def test_fifo_without_writer_is_not_waited_on(tmp_path):
    fifo = tmp_path / "fifo.yaml"
    os.mkfifo(fifo)
    assert refused(tmp_path, "validate", str(fifo), timeout=20) == (
        f"{fifo}: is not a regular file (a named pipe, FIFO) and gave nothing to read; give a scenario YAML file")
    assert refused(tmp_path, "validate", "/dev/null", timeout=20) == (
        "/dev/null: is not a regular file (a device) and gave nothing to read; give a scenario YAML file")


@pytest.mark.parametrize("text, where", [
    ("a: " + "[" * 3000 + "]" * 3000 + "\n", ":1:68:"),
    ("a: " + "{b: " * 3000 + "1" + "}" * 3000 + "\n", ":1:260:"),
    ("a:" + "\n" + "".join("  " * i + "-\n" for i in range(1, 2000)), ":65:"),
])
def test_deep_nesting_is_refused_before_parsing(tmp_path, text, where):
    deep = tmp_path / "deep.yaml"
    deep.write_text(text)
    line = refused(tmp_path, "validate", str(deep), timeout=20)
    assert line.startswith(f"{deep}{where}") and line.endswith("nested deeper than 64 levels of mappings and lists")


def test_nesting_depth_counts_brackets_in_quotes_and_comments_as_text(write_yaml):
    text = "name: '" + "[" * 100 + "'\n# " + "{" * 100 + "\nnote: \"" + "[" * 100 + "\"\n"
    data, _ = sim.scenario.yamlio.read_yaml(write_yaml(text))
    assert data["name"] == "[" * 100 and data["note"] == "[" * 100


def test_folder_and_non_utf8_files_are_one_line(tmp_path):
    assert refused(tmp_path, "validate", str(tmp_path)) == f"{tmp_path}: is a folder, not a scenario file"
    latin = tmp_path / "latin.yaml"
    latin.write_bytes("name: Région\n".encode("latin-1"))
    assert refused(tmp_path, "validate", str(latin)) == f"{latin}:1:8: not UTF-8 text (invalid continuation byte)"


def test_load_scenario_raises_scenario_error_for_odd_paths(tmp_path):
    latin = tmp_path / "latin.yaml"
    latin.write_bytes(b"name: R\xe9gion\n")
    for path, message in [(tmp_path, "is a folder, not a scenario file"),
                          (latin, "1:8: not UTF-8 text (invalid continuation byte)")]:
        with pytest.raises(ScenarioError) as info:
            sim.load_scenario(path)
        assert str(info.value).endswith(message)


def test_unreadable_file_is_a_scenario_error(tmp_path):
    # tests may run as root, who can read any file: simulate the refusal of os.open
    path = tmp_path / "secret.yaml"
    path.write_text(EXAMPLE.read_text())
    with mock.patch("sim.scenario.yamlio.os.open", side_effect=PermissionError(13, "Permission denied")):
        with pytest.raises(ScenarioError) as info:
            sim.load_scenario(path)
    assert str(info.value) == f"{path}: cannot read file: Permission denied"


@pytest.mark.skipif(hasattr(os, "geteuid") and os.geteuid() == 0, reason="root can read a file without permissions")
def test_unreadable_file_through_the_cli(tmp_path):
    path = tmp_path / "secret.yaml"
    path.write_text(EXAMPLE.read_text())
    path.chmod(0)
    assert refused(tmp_path, "validate", str(path)) == f"{path}: cannot read file: Permission denied"


def test_manifest_digest_is_of_the_bytes_read(tmp_path):
    scenario = sim.load_scenario(EXAMPLE)
    origin = sim.scenario.validate.origin_of(scenario)
    assert origin.sha256 == hashlib.sha256(EXAMPLE.read_bytes()).hexdigest()


# --- the Python API ----------------------------------------------------------------------------


@pytest.fixture(scope="module")
def example():
    return sim.load_scenario(EXAMPLE)


@pytest.mark.parametrize("call, error, message", [
    (lambda s: sim.simulate(str(EXAMPLE)), TypeError,
     "simulate expects a Scenario, got str; load the file first: sim.load_scenario(path)"),
    (lambda s: sim.simulate({"name": "x"}), TypeError,
     "simulate expects a Scenario, got dict; validate the data first: sim.scenario_from_data(data)"),
    (lambda s: sim.simulate(s, replications=True), TypeError,
     "replications must be a whole number of at least 1 (got bool True)"),
    (lambda s: sim.simulate(s, replications=10.0), TypeError,
     "replications must be a whole number of at least 1 (got float 10.0)"),
    (lambda s: sim.simulate(s, replications=-3), ValueError, "replications must be a whole number of at least 1 (got -3)"),
    (lambda s: sim.simulate(s, seed="7"), TypeError, "seed must be a whole number of at least 0 (got str '7')"),
    (lambda s: sim.simulate(s, seed=1.5), TypeError, "seed must be a whole number of at least 0 (got float 1.5)"),
    (lambda s: sim.compare(sim.simulate(s, replications=1)), TypeError,
     "compare expects a Scenario, got Results; to rerun a run's scenario pass results.scenario: "
     "sim.compare(results.scenario, ...)"),
    (lambda s: sim.compare(s, replications=False), TypeError,
     "replications must be a whole number of at least 1 (got bool False)"),
    (lambda s: sim.load_scenario(EXAMPLE.read_text()), ScenarioError,
     "expected a path to a scenario file; got YAML text: use sim.scenario_from_data(data) or write it to a file"),
    (lambda s: sim.load_scenario({"name": "x"}), TypeError,
     "load_scenario expects a path to a scenario file; got dict (for data, use sim.scenario_from_data)"),
    (lambda s: sim.scenario_from_data(EXAMPLE.read_text()), ScenarioError,
     "<data>: expected the scenario as a mapping (dict) of keys; got text: for a file use sim.load_scenario(path)"),
    (lambda s: sim.apply_variant(str(EXAMPLE), "x"), TypeError,
     "apply_variant expects a Scenario (from sim.load_scenario or sim.scenario_from_data), got str"),
])
def test_api_misuse_says_what_was_expected(example, call, error, message):
    with pytest.raises(error) as info:
        call(example)
    assert str(info.value) == message


def test_apply_variant_takes_override_texts_and_mappings(example):
    assert sim.apply_variant(example, None, ["grid.headroom_mw=12"]).grid.headroom_mw == 12
    assert sim.apply_variant(example, None, {"grid.headroom_mw": 13}).grid.headroom_mw == 13


SCRIPT = """\
import sim
{indent}scenario = sim.load_scenario({path!r})
{indent}results = sim.simulate(scenario, replications=300, seed=1, jobs=2)
{indent}print("done", results.replications)
"""


def test_jobs_from_a_script_without_main_guard_is_a_clear_error(tmp_path):
    script = tmp_path / "unguarded.py"
    script.write_text(SCRIPT.format(indent="", path=str(EXAMPLE)))
    env = dict(os.environ, PYTHONPATH=str(REPO))
    done = subprocess.run([sys.executable, str(script)], capture_output=True, text=True, timeout=120, env=env)
    assert done.returncode == 1 and "done" not in done.stdout
    last = done.stderr.strip().splitlines()[-1]
    assert last == (f"RuntimeError: {script}:3: runs capsim with worker processes at the top level of the script: "
                    'put the code that calls capsim under `if __name__ == "__main__":` (worker processes import '
                    "the main script again, and would run it again), or use jobs=1")
    assert done.stderr.count("Traceback") == 1  # no worker ran the script


def test_jobs_from_a_script_with_main_guard_runs(tmp_path):
    script = tmp_path / "guarded.py"
    text = SCRIPT.format(indent="    ", path=str(EXAMPLE)).replace("import sim\n", 'import sim\nif __name__ == "__main__":\n')
    script.write_text(text)
    env = dict(os.environ, PYTHONPATH=str(REPO))
    done = subprocess.run([sys.executable, str(script)], capture_output=True, text=True, timeout=300, env=env)
    assert done.returncode == 0, done.stderr
    assert done.stdout.splitlines() == ["done 300"]


def test_an_integer_too_large_for_a_float_is_named_briefly():
    assert load_error(scenario_data([project("a", it_mw=10**400)])) == [
        "<data>: projects[a].it_mw: must be a finite number (got an integer of 401 digits, too large for a float)"]


def test_a_long_bad_value_is_shortened_in_the_message():
    (problem,) = load_error(scenario_data([project("a", it_mw="x" * 200)]))
    assert problem == f"<data>: projects[a].it_mw: must be a number (got '{'x' * 56}...)"


def test_an_empty_target_name_is_refused():
    data = scenario_data([project("a")], targets=[{"name": " ", "by": "2025-06", "total_eflops": 1}])
    assert load_error(data) == [
        "<data>: targets[ ].name: must not be empty (it names the target in tables and comparisons)"]


@pytest.mark.parametrize("month", ["2025-13", "2025-00", "25-01", "2025-1"])
def test_impossible_months_are_refused(month):
    assert load_error(scenario_data([project("a")], start=month)) == [
        f"<data>: horizon.start: must be a month written YYYY-MM, e.g. 2026-06 (got {month!r})",
        "<data>: (cross-field checks run once these are fixed)"]


# --- every problem in one pass ------------------------------------------------------------------


def test_schema_and_cross_field_problems_come_in_one_pass():
    data = scenario_data([project("a", it_mw=-1), project("b", site="nowhere")],
                         targets=[{"name": "late", "by": "2031-01", "total_eflops": 1}])
    assert load_error(data) == [
        "<data>: projects[a].it_mw: must be greater than 0 (got -1)",
        "<data>: projects[b].site: unknown site 'nowhere'",
        "<data>: targets[late].by: must be inside the horizon 2025-01..2025-12 (got 2031-01)",
    ]


def test_parts_with_schema_errors_raise_no_follow_on_cross_field_problems():
    # the site 'hot' fails the schema; project 'b' naming it is not reported as 'unknown site'
    data = scenario_data([project("a"), project("b", site="hot")])
    data["sites"]["hot"] = {"monthly_temp_c": [float("nan")] * 12}
    problems = load_error(data)
    assert len(problems) == 12 and all(p.startswith("<data>: sites.hot.monthly_temp_c[") for p in problems)


def test_cross_field_problems_after_a_set_aside_item_keep_their_place():
    data = scenario_data([project("a", utilization=2), project("b", phases=[0.5, 0.4])])
    assert load_error(data) == [
        "<data>: projects[a].utilization: must be at most 1 (got 2)",
        "<data>: projects[b].phases: must sum to 1 (got 0.9)",
    ]


def test_when_cross_field_checks_cannot_run_the_last_line_says_so():
    data = scenario_data([project("a", phases=[0.5, 0.4])])
    data["horizon"] = {"start": "2025-01"}
    assert load_error(data) == [
        "<data>: horizon.end: required key is missing",
        "<data>: (cross-field checks run once these are fixed)",
    ]


@pytest.mark.parametrize("jobs", ["1", "2"])
def test_a_variant_that_does_not_validate_stops_a_run_with_workers_too(tmp_path, jobs):
    """``capsim run`` checks the other variants while its first replications run when it has
    workers (--jobs 2), before them when it has none: the same one line, exit 2, nothing written."""
    text = EXAMPLE.read_text(encoding="utf-8").replace(
        "variants:\n", "variants:\n  broken:\n    set: {projects.north-ai-1.utilization: 7}\n", 1)
    (tmp_path / "broken.yaml").write_text(text, encoding="utf-8")
    line = refused(tmp_path, "run", "broken.yaml", "-r", "3000", "--jobs", jobs, "--out", "out")
    assert line == refused(tmp_path, "validate", "broken.yaml")
    assert "broken.yaml:" in line and "projects[north-ai-1].utilization: variant 'broken':" in line
