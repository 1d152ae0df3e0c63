"""capsim explore and capsim solve through a real subprocess: files, printed results, determinism
across --jobs, and every bad argument as one line with exit code 2 and nothing written."""

from __future__ import annotations

import json
import re
import os
import subprocess
import sys

import pandas as pd
import pytest
from explore_scenarios import TARGET, grid_pair

from conftest import REPO, run_cli


@pytest.fixture
def grid_file(tmp_path):
    path = tmp_path / "grid.yaml"
    data = grid_pair(uncertain=True)
    data["explore"] = {"levers": {"grid.headroom_mw": {"low": 0, "high": 100, "source": "assumption: test"}}}
    path.write_text(json.dumps(data), encoding="utf-8")  # JSON is YAML
    return path


def one_line_refusal(done, out, text):
    assert done.returncode == 2, done.stderr
    lines = done.stderr.strip().splitlines()
    assert len(lines) == 1 and text in lines[0], lines
    assert "Traceback" not in done.stderr
    assert not out.exists()


def test_solve_prints_the_answer_with_its_unit_and_writes_files(grid_file, tmp_path):
    out = tmp_path / "solved"
    done = run_cli("solve", str(grid_file), "--lever", "grid.headroom_mw", "--target", TARGET, "--probability", "0.9",
                   "--tolerance", "0.5", "-r", "30", "--out", str(out))
    assert done.returncode == 0, done.stderr
    assert "answer: 30.08 MW (bracket 29.69 MW to 30.08 MW, tolerance 0.5 MW)" in done.stdout
    lines = done.stdout.splitlines()
    assert lines[0].startswith("smallest grid headroom (grid.headroom_mw) in [0 MW, 100 MW]")
    # the file's 5 MW, evaluated with the same replications; 30 replications support whole percents;
    # the answer is known to within the values whose interval contains 90% (30.08 to 100 MW)
    assert "              5 MW  P     0%  [0.0%, 11.4%]  missed  (today)" in lines
    assert lines[-2] == "grid headroom: today 5 MW (P 0%); needed at least about 30 MW for P >= 90%"
    assert sorted(p.name for p in out.iterdir()) == ["manifest.json", "plots", "report.html", "solve.csv"]
    assert (out / "plots" / "solve.png").stat().st_size > 10_000
    table = pd.read_csv(out / "solve.csv")
    assert list(table.columns) == ["step", "value", "unit", "probability", "ci_low", "ci_high", "met", "replications"]
    assert table.value.tolist()[:2] == [0, 100] and table.value.tolist()[-1] == 5 and set(table.unit) == {"MW"}
    manifest = json.loads((out / "manifest.json").read_text())
    assert manifest["solve"]["status"] == "solved" and manifest["solve"]["answer"] == 30.078125
    assert manifest["command"][:2] == ["capsim", "solve"]


def test_solve_csv_is_bit_identical_whatever_the_jobs(grid_file, tmp_path):
    files = []
    for jobs in ("1", "2"):
        out = tmp_path / f"j{jobs}"
        done = run_cli("solve", str(grid_file), "--lever", "grid.headroom_mw", "--target", TARGET, "-r", "600",
                       "--tolerance", "5", "--seed", "5", "--jobs", jobs, "--out", str(out), "-q", "--no-plots")
        assert done.returncode == 0, done.stderr
        files.append((out / "solve.csv").read_bytes())
    assert files[0] == files[1]


@pytest.mark.parametrize("args, text", [
    (["--probability", "1.5"], "capsim: error: --probability: must be between 0 and 1, exclusive (got 1.5)"),
    (["--probability", "0"], "--probability: must be between 0 and 1, exclusive (got 0)"),
    (["--target", "nope"], "--target: unknown target 'nope'; this scenario's targets: 'all three online'"),
    (["--low", "50", "--high", "10"], "--lever grid.headroom_mw: low must be below high (got low 50, high 10)"),
    (["--lever", "grid.head"], "--lever grid.head: path 'grid.head' does not exist"),
    (["--direction", "up"], "--direction: must be one of smallest, largest (got 'up')"),
])
def test_solve_bad_arguments(grid_file, tmp_path, args, text):
    out = tmp_path / "never"
    base = {"--lever": "grid.headroom_mw", "--target": TARGET}
    for flag, value in zip(args[::2], args[1::2]):
        base[flag] = value
    flat = [part for pair in base.items() for part in pair]
    one_line_refusal(run_cli("solve", str(grid_file), *flat, "-r", "2", "--out", str(out)), out, text)


@pytest.fixture
def explore_file(tmp_path):
    path = tmp_path / "explore.yaml"
    data = grid_pair(uncertain=True)
    data["uncertainty"]["parameters"] = {"projects.b.utilization": {"dist": "uniform", "low": 0.3, "high": 0.7}}
    data["explore"] = {"levers": {"grid.headroom_mw": {"low": 0, "high": 60}}}
    path.write_text(json.dumps(data), encoding="utf-8")
    return path


EXPLORE_FILES = ("samples.csv", "sensitivity.csv", "discovery.csv")


def test_explore_writes_tables_plots_and_prints_the_ranking(explore_file, tmp_path):
    out = tmp_path / "ex"
    done = run_cli("explore", str(explore_file), "--samples", "16", "-r", "8", "--seed", "2", "--out", str(out))
    assert done.returncode == 0, done.stderr
    lines = done.stdout.splitlines()
    assert lines[0] == ("Test region: sobol, N = 16, 2 inputs -> 64 samples x 8 replications "
                        "(common random numbers), seed 2")
    # the plan target's own ranking, inputs by their plain labels (never averaged across outputs)
    at = lines.index(f"target '{TARGET}': what decides P(met)")
    assert lines[at + 1].split()[:2] == ["rank", "input"] and " ".join(lines[at + 2].split()[1:3]).rstrip("*") == "grid headroom"
    assert lines[1] == "varied: 1 assumption (ranged), 1 uncertainty (drawn)"  # grid headroom is not a policy
    assert lines[2].startswith("warning: no policy was varied: the levers declared are assumptions and risks")
    assert any(line.startswith(f"target '{TARGET}' missed in") for line in lines)
    assert sorted(p.name for p in out.iterdir()) == sorted([*EXPLORE_FILES, "manifest.json", "plots", "report.html"])
    samples = pd.read_csv(out / "samples.csv")
    assert len(samples) == 64 and list(samples.columns[:3]) == ["sample", "projects.b.utilization", "grid.headroom_mw"]
    sensitivity = pd.read_csv(out / "sensitivity.csv")
    assert list(sensitivity.columns) == ["output", "year", "parameter", "method", "index", "value", "ci_low",
                                         "ci_high", "stable"]
    plots = sorted(p.name for p in (out / "plots").iterdir())
    assert "pmet-all-three-online.png" in plots and "years-energy-mwh.png" in plots
    assert "sensitivity-p-met-all-three-online.png" in plots
    manifest = json.loads((out / "manifest.json").read_text())
    assert manifest["explore"]["method"] == "sobol" and manifest["explore"]["evaluations"] == 64
    assert [i["path"] for i in manifest["explore"]["inputs"]] == ["projects.b.utilization", "grid.headroom_mw"]


def test_explore_csvs_are_bit_identical_whatever_the_jobs(explore_file, tmp_path):
    outs = []
    for jobs in ("1", "2"):
        out = tmp_path / f"j{jobs}"
        done = run_cli("explore", str(explore_file), "--method", "lhs", "-n", "24", "-r", "300", "--seed", "9",
                       "--jobs", jobs, "--out", str(out), "-q", "--no-plots")
        assert done.returncode == 0, done.stderr
        outs.append(out)
    for name in EXPLORE_FILES:
        assert (outs[0] / name).read_bytes() == (outs[1] / name).read_bytes(), name


@pytest.mark.parametrize("args, text", [
    (["--method", "fast"], "capsim: error: --method: unknown method 'fast'; choose one of sobol, morris, lhs"),
    (["--samples", "12"], "--samples: Sobol needs N a power of two (got 12; use 8 or 16)"),
    (["--vary", "grid.nope=1:2"], "--vary grid.nope=1:2: path 'grid.nope' does not exist"),
    (["--vary", "grid.headroom_mw=9:3"], "--vary grid.headroom_mw=9:3: low must be below high (got low 9, high 3)"),
    (["--probability", "1"], "--probability: must be between 0 and 1, exclusive (got 1)"),
])
def test_explore_bad_arguments(explore_file, tmp_path, args, text):
    out = tmp_path / "never"
    one_line_refusal(run_cli("explore", str(explore_file), *args, "-r", "2", "--out", str(out)), out, text)


def test_explore_without_its_extra_names_it(explore_file, tmp_path):
    out = tmp_path / "never"
    code = ("import sys; sys.modules['SALib'] = None; from sim.cli import main; "
            f"sys.exit(main(['explore', {str(explore_file)!r}, '--out', {str(out)!r}]))")
    done = subprocess.run([sys.executable, "-c", code], cwd=REPO, capture_output=True, text=True, timeout=120,
                          env={**os.environ, "PYTHONPATH": str(REPO)})
    one_line_refusal(done, out, "capsim: error: capsim explore needs SALib: pip install 'capsim[explore]'")


def test_explore_block_with_a_bad_lever_points_at_its_line(tmp_path):
    path = tmp_path / "bad.yaml"
    data = grid_pair()
    text = json.dumps(data, indent=1)[:-2] + ',\n "explore": {"levers": {"grid.headroom_mw": {"low": 9, "high": 3}}}\n}\n'
    path.write_text(text, encoding="utf-8")
    out = tmp_path / "never"
    n = text.count("\n") - 1
    one_line_refusal(run_cli("explore", str(path), "--out", str(out)), out,
                     f"{path}:{n}:53: explore.levers.grid.headroom_mw.low: low must be below high (got low 9, high 3)")


# --- issue 22, misleading results -------------------------------------------------------------


def test_explore_plots_and_report_charts_are_distinct_for_names_with_the_same_letters(tmp_path):
    """'Plan A' and 'plan-a', and two Chinese names (no letter a-z at all), once wrote the same
    pmet-/sensitivity- file (one overwrote the other; the report showed one chart twice) and the
    Chinese ones a name --force then took for a foreign file."""
    from safety import snapshot

    import sim.explore.sensitivity as sensitivity

    names = ["Plan A", "plan-a", "规划甲", "规划乙"]
    data = grid_pair(uncertain=True)
    data["targets"] = [{"name": n, "by": "2025-12", "total_eflops": 3} for n in names]
    data["explore"] = {"levers": {"grid.headroom_mw": {"low": 0, "high": 60}}}
    path = tmp_path / "names.yaml"
    path.write_text(json.dumps(data, ensure_ascii=False), encoding="utf-8")
    out = tmp_path / "ex"
    args = ("explore", str(path), "--method", "lhs", "-n", "16", "-r", "4", "--vary", "projects.a.it_mw=5:15", "-j", "1",
            "-q", "--out", str(out))
    done = run_cli(*args)
    assert done.returncode == 0, done.stderr
    slugs = sensitivity.slugs(names)
    # each name's part: its letters and 8 hex digits of its SHA-256 (the plain slug is shared or empty)
    assert slugs["Plan A"].startswith("plan-a-") and slugs["plan-a"].startswith("plan-a-")
    assert all(len(slugs[n]) == 8 and int(slugs[n], 16) >= 0 for n in names[2:])
    assert len(set(slugs.values())) == 4
    plots = sorted(p.name for p in (out / "plots").iterdir())
    assert [p for p in plots if p.startswith("pmet-")] == sorted(f"pmet-{slugs[n]}.png" for n in names)
    outputs = sensitivity.slugs(f"p_met[{n}]" for n in names).values()
    assert len(set(outputs)) == 4
    assert {f"sensitivity-{s}.png" for s in outputs} <= set(plots)
    html = (out / "report.html").read_text(encoding="utf-8")
    figures = re.findall(r'<figure class="chart" id="fig-([^"]+)"', html)
    assert len(figures) == len(set(figures))
    assert sorted(f for f in figures if f.startswith("tornado-p-met-")) == sorted(f"tornado-{s}" for s in outputs)
    before = snapshot(out)
    again = run_cli(*args, "--force")  # every file is capsim's own: replaced without complaint
    assert again.returncode == 0, again.stderr
    assert sorted(snapshot(out)) == sorted(before)


def test_the_one_naming_keeps_plain_names_and_cuts_long_ones():
    from sim.explore.sensitivity import LONGEST_SLUG, slugs

    assert slugs(["energy_mwh", "p_met[all three online]"]) == {"energy_mwh": "energy-mwh",
                                                               "p_met[all three online]": "p-met-all-three-online"}
    long = slugs(["x" * 300])["x" * 300]
    assert long.startswith("x" * LONGEST_SLUG + "-") and len(long) == LONGEST_SLUG + 9



def test_every_explore_plot_name_is_one_force_recognises():
    from sim.explore.sensitivity import slugs
    from sim.output.destination import PLOT_FILE

    names = ["Plan A", "plan-a", "规划甲", "<b>x</b>", "=1+2", "-", "x" * 300, "p_met[a.b]", "ÉTÉ 2030"]
    for slug in slugs(names).values():
        for kind in ("sensitivity", "years", "pmet"):
            assert PLOT_FILE.fullmatch(f"{kind}-{slug}.png"), slug
    assert PLOT_FILE.fullmatch("pmet-.png")  # what capsim before this naming wrote for a Chinese name


@pytest.fixture
def bump_file(tmp_path):
    """P(met) is 1 for general PFLOPS from 1,020 to 1,500, else 0 (tests/test_solve.py's bump_scenario)."""
    from conftest import project, scenario_data

    path = tmp_path / "bump.yaml"
    path.write_text(json.dumps(scenario_data(
        [project("i", **{"class": "intelligent"}), project("g")],
        targets=[{"name": "balanced", "by": "2025-12", "total_eflops": 2.02, "intelligent_share": 0.4}])))
    return path


def test_solve_over_a_bump_says_it_is_not_monotone_not_no_value(bump_file, tmp_path):
    out = tmp_path / "bump"
    done = run_cli("solve", str(bump_file), "--lever", "projects.g.compute.pflops", "--target", "balanced",
                   "--low", "100", "--high", "3300", "-r", "2", "--no-plots", "--no-report", "--out", str(out))
    assert done.returncode == 0, done.stderr
    assert "no value" not in done.stdout
    assert "answer: 1,025 PFLOPS (bracket 1,000 PFLOPS to 1,025 PFLOPS, tolerance 32 PFLOPS)" in done.stdout
    assert ("warning: P is not monotone in this lever: missed at both ends (100 PFLOPS and 3,300 PFLOPS) but met "
            "at 1,300 PFLOPS") in done.stdout
    manifest = json.loads((out / "manifest.json").read_text())
    assert manifest["solve"]["status"] == "solved" and manifest["solve"]["monotone"] is False


def test_solve_prints_a_probability_of_0_99999_as_99_999_percent(grid_file, tmp_path):
    done = run_cli("solve", str(grid_file), "--lever", "grid.headroom_mw", "--target", TARGET, "--probability",
                   "0.99999", "--tolerance", "5", "-r", "2", "--no-plots", "--no-report", "--out", str(tmp_path / "p"))
    assert done.returncode == 0, done.stderr
    assert f"with P(target '{TARGET}' met) >= 99.999%;" in done.stdout and "100%" not in done.stdout.splitlines()[0]


@pytest.mark.parametrize("args, text", [
    (["--low", "-1e3", "--high", "40"],
     "capsim: error: --lever grid.headroom_mw: low -1000 makes the scenario invalid: must be at least 0 (got -1000)"),
    (["--low=-1e3", "--high", "40"],
     "capsim: error: --lever grid.headroom_mw: low -1000 makes the scenario invalid: must be at least 0 (got -1000)"),
    (["--high", "-1.5E+2"], "capsim: error: --lever grid.headroom_mw: low must be below high (got low 0, high -150)"),
    (["--low", "-inf"], "capsim: error: --lever grid.headroom_mw: low and high must be finite numbers (got -inf, 100)"),
    (["--tolerance", "-1e-3"], "capsim: error: --tolerance: must be greater than 0 (got -0.001)"),
    (["--probability", "-1e-3"], "capsim: error: --probability: must be between 0 and 1, exclusive (got -0.001)"),
    (["--low", "1", "--low", "2"], "capsim solve: error: argument --low: given more than once"),
    # a second --lever makes a package (docs/explore.md), whose levers need a range
    (["--lever", "projects.a.it_mw"], "capsim: error: --lever projects.a.it_mw: give its range as "
                                      "projects.a.it_mw:LOW:HIGH, or declare projects.a.it_mw in the scenario's "
                                      "explore.levers"),
])
def test_solve_negative_numbers_in_any_notation_and_options_given_twice(grid_file, tmp_path, args, text):
    out = tmp_path / "never"
    done = run_cli("solve", str(grid_file), "--lever", "grid.headroom_mw", "--target", TARGET, *args, "-r", "2",
                   "--out", str(out))
    one_line_refusal(done, out, text)


@pytest.mark.parametrize("args, text", [
    (["--vary", "grid.headroom_mw=1:5", "--vary", "grid.headroom_mw=2:6"],
     "capsim: error: --vary: given twice for grid.headroom_mw (grid.headroom_mw=1:5 and grid.headroom_mw=2:6); "
     "give each path once"),
    (["--vary", "projects.1.it_mw=1:5", "--vary", "projects.a.it_mw=2:6"],  # project a is item 1 of the list
     "capsim: error: --vary: given twice for projects.a.it_mw"),
    (["--vary", "grid.headroom_mw=-1e3:5"],
     "capsim: error: --vary grid.headroom_mw=-1e3:5: low -1000 makes the scenario invalid: must be at least 0"),
    (["--vary", "targets=1:2"], "capsim: error: --vary targets=1:2: path 'targets' names a list, not a number"),
    (["--probability", "-1e-3"], "capsim: error: --probability: must be between 0 and 1, exclusive (got -0.001)"),
    (["--method", "lhs", "--method", "sobol"], "capsim explore: error: argument --method: given more than once"),
])
def test_explore_vary_errors_are_one_capsim_error_line(explore_file, tmp_path, args, text):
    out = tmp_path / "never"
    one_line_refusal(run_cli("explore", str(explore_file), *args, "-r", "2", "--out", str(out)), out, text)


def test_morris_table_says_what_its_numbers_are(explore_file, tmp_path):
    done = run_cli("explore", str(explore_file), "--method", "morris", "-n", "4", "-r", "4", "--no-plots",
                   "--no-report", "--out", str(tmp_path / "m"))
    assert done.returncode == 0, done.stderr
    lines = done.stdout.splitlines()
    assert any(line.startswith("inputs ranked per outcome by the Morris mu* (the mean change of the outcome over "
                               "the input's range)") for line in lines)
    headers = [line for line in lines if line.split()[:2] == ["rank", "input"]]
    assert "mu* (share 0-1) [95% interval]" in headers[0]  # the plan target's P(met) first
    assert "mu* (MWh) [95% interval]" in headers[1]  # then energy, in its own unit


def test_explore_without_levers_warns_and_a_target_missed_everywhere_says_what_to_try(tmp_path):
    """Only a drawn utilisation varies (no explore.levers, no --vary) and 5 MW of headroom never
    connects the planned projects: the printout warns that no policy was varied and, as no sample
    meets the target, says so instead of a PRIM box."""
    data = grid_pair(uncertain=True)
    data["uncertainty"]["parameters"] = {"projects.b.utilization": {"dist": "uniform", "low": 0.3, "high": 0.7}}
    path = tmp_path / "no-levers.yaml"
    path.write_text(json.dumps(data), encoding="utf-8")
    done = run_cli("explore", str(path), "--method", "lhs", "-n", "4", "-r", "2", "-j", "1", "--no-plots",
                   "--no-report", "--out", str(tmp_path / "o"))
    assert done.returncode == 0, done.stderr
    lines = done.stdout.splitlines()
    assert lines[1] == "varied: 1 uncertainty (drawn)"
    assert lines[2] == ("warning: the scenario declares no levers (explore.levers) and none was given with --vary; "
                        "only uncertainties and assumptions were varied (utilisation of b), so the ranking says which "
                        "of them matter, not what to do; add policy levers (policies.*) to explore.levers or "
                        "--vary policies.PATH=LOW:HIGH")
    assert (f"target '{TARGET}': missed in every sample; it is met in no replication of any sample; widen the "
            "ranges or add levers") in lines
    assert not any("projects.b.utilization" in line for line in lines)


def test_calibration_targets_are_left_out_unless_included(tmp_path):
    data = grid_pair(uncertain=True, explore={"levers": {"grid.headroom_mw": {"low": 0, "high": 60}}})
    data["targets"].append({"name": "reported", "by": "2025-06", "total_eflops": 1, "role": "calibration"})
    path = tmp_path / "cal.yaml"
    path.write_text(json.dumps(data), encoding="utf-8")
    args = ("explore", str(path), "--method", "lhs", "-n", "8", "-r", "2", "-j", "1", "--no-plots", "--no-report")
    left = run_cli(*args, "--out", str(tmp_path / "a"))
    assert left.returncode == 0, left.stderr
    assert "left out of the answer and of PRIM: calibration target 'reported'" in left.stdout
    assert "target 'reported'" not in left.stdout.split("reported' (a reported past figure")[1]
    kept = run_cli(*args, "--include-calibration", "--out", str(tmp_path / "b"))
    assert kept.returncode == 0, kept.stderr
    assert "left out" not in kept.stdout and "target 'reported': met in every sample" in kept.stdout
    assert json.loads((tmp_path / "b" / "manifest.json").read_text())["explore"]["include_calibration"] is True
