"""The capsim command, through a real subprocess (python -m sim)."""

from __future__ import annotations

import json
import shutil

import pandas as pd
import pytest

from conftest import REPO, run_cli

EXAMPLE = str(REPO / "scenarios" / "example.yaml")
CSV_FILES = ("monthly.csv", "annual.csv", "targets.csv", "projects.csv", "sites.csv")


def test_run_writes_tables_and_manifest_and_prints_summary(tmp_path):
    out = tmp_path / "res"
    done = run_cli("run", EXAMPLE, "--replications", "60", "--seed", "7", "--out", str(out))
    assert done.returncode == 0, done.stderr
    assert "target 'plan 2027' by 2027-12" in done.stdout
    assert "probability met" in done.stdout and "peak monthly facility power" in done.stdout
    assert "energy per year (TWh): 2025" in done.stdout
    assert sorted(p.name for p in out.iterdir()) == sorted([*CSV_FILES, "manifest.json", "plots", "report.html"])
    manifest = json.loads((out / "manifest.json").read_text())
    assert manifest["seed"] == 7 and manifest["replications"] == 60
    assert len(manifest["scenario"]["sha256"]) == 64
    assert set(manifest["versions"]) >= {"capsim", "simpy", "numpy", "python"}
    assert manifest["resolved_scenario"]["projects"][0]["class"] == "general"
    assert manifest["command"][:2] == ["capsim", "run"]
    monthly = pd.read_csv(out / "monthly.csv")
    # 13 core (racks too) + 4 shared limits (the example has grid and supply) + 6 policy metrics
    assert len(monthly) == 72 * 23 and set(monthly.variant) == {"base"}
    assert list(pd.read_csv(out / "annual.csv").year.unique()) == list(range(2025, 2031))


def test_same_seed_gives_identical_files(tmp_path):
    for name in ("a", "b"):
        assert run_cli("run", EXAMPLE, "-r", "40", "--seed", "3", "--out", str(tmp_path / name), "-q", "--no-plots").returncode == 0
    assert run_cli("run", EXAMPLE, "-r", "40", "--seed", "4", "--out", str(tmp_path / "c"), "-q", "--no-plots").returncode == 0
    for name in CSV_FILES:
        assert (tmp_path / "a" / name).read_bytes() == (tmp_path / "b" / name).read_bytes(), name
    assert (tmp_path / "a" / "monthly.csv").read_bytes() != (tmp_path / "c" / "monthly.csv").read_bytes()


def test_non_empty_output_folder_is_refused_and_kept(tmp_path):
    out = tmp_path / "res"
    out.mkdir()
    (out / "mine.txt").write_text("keep me")
    done = run_cli("run", EXAMPLE, "-r", "5", "--out", str(out))
    assert done.returncode == 2
    assert done.stderr.strip() == f"capsim: error: {out}: folder is not empty; choose another --out or add --force to replace it"
    assert (out / "mine.txt").read_text() == "keep me"
    forced = run_cli("run", EXAMPLE, "-r", "5", "--out", str(out), "--force", "-q", "--no-plots")
    assert forced.returncode == 2  # --force replaces only a capsim results folder (tests/test_destination.py)
    assert (out / "mine.txt").read_text() == "keep me" and not (out / "monthly.csv").exists()
    (out / "mine.txt").unlink()
    assert run_cli("run", EXAMPLE, "-r", "5", "--out", str(out), "-q", "--no-plots").returncode == 0
    forced = run_cli("run", EXAMPLE, "-r", "5", "--out", str(out), "--force", "-q", "--no-plots")
    assert forced.returncode == 0, forced.stderr
    assert [p.name for p in tmp_path.iterdir()] == ["res"]  # no temporary folders left


def test_default_output_folder_is_results_slash_stem(tmp_path):
    shutil.copy(EXAMPLE, tmp_path / "mine.yaml")
    done = run_cli("run", "mine.yaml", "-r", "3", "-q", "--no-plots", cwd=tmp_path)
    assert done.returncode == 0, done.stderr
    assert (tmp_path / "results" / "mine" / "targets.csv").exists()


def test_bad_scenario_exits_2_with_one_line_per_problem(tmp_path):
    bad = tmp_path / "bad.yaml"
    bad.write_text(open(EXAMPLE).read().replace("it_mw: 60", "it_mw: -60").replace("utilization: 0.5\n", "utilization: 7\n", 1))
    for command in (["validate", str(bad)], ["run", str(bad), "--out", str(tmp_path / "o")]):
        done = run_cli(*command)
        assert done.returncode == 2
        lines = done.stderr.strip().splitlines()
        assert len(lines) == 2 and all(line.startswith(f"{bad}:") for line in lines), lines
        assert "Traceback" not in done.stderr
        assert "projects[north-ai-1].it_mw: must be greater than 0 (got -60)" in done.stderr
    assert not (tmp_path / "o").exists()


def test_validate_good_file():
    done = run_cli("validate", EXAMPLE)
    assert done.returncode == 0
    assert done.stdout.startswith(f"{EXAMPLE}: ok (Example region (fictional): 5 projects")


@pytest.mark.parametrize(
    "args, message",
    [
        (["run", EXAMPLE, "--replications", "0"], "argument -r/--replications: must be at least 1 (got 0)"),
        (["run", EXAMPLE, "--seed", "x"], "argument --seed: must be a whole number written in digits 0-9 (got 'x')"),
        (["run", "missing.yaml"], "missing.yaml: cannot read file: No such file or directory"),
        (["frobnicate"], "invalid choice: 'frobnicate'"),
    ],
)
def test_usage_errors_exit_2(args, message):
    done = run_cli(*args)
    assert done.returncode == 2
    assert message in done.stderr
    assert "Traceback" not in done.stderr


def test_schema_prints_json_schema():
    done = run_cli("schema")
    assert done.returncode == 0
    schema = json.loads(done.stdout)
    assert schema["title"].startswith("capsim scenario")
    assert {"name", "horizon", "sites", "cooling", "projects"} <= set(schema["required"])
    assert schema["additionalProperties"] is False


def test_console_script_is_installed():
    exe = shutil.which("capsim")
    if exe is None:
        pytest.skip("capsim console script not on PATH (package not installed)")
    import subprocess

    done = subprocess.run([exe, "--version"], capture_output=True, text=True)
    assert done.returncode == 0 and done.stdout.startswith("capsim ")


def test_internal_error_exits_1_without_traceback_unless_debug(monkeypatch, capsys):
    import sim.cli

    def broken(args):
        raise RuntimeError("boom")

    monkeypatch.setitem(sim.cli.COMMANDS, "schema", broken)
    assert sim.cli.main(["schema"]) == 1
    err = capsys.readouterr().err
    assert err.strip() == "capsim: internal error: RuntimeError: boom (run with --debug for a traceback)"
    assert sim.cli.main(["schema", "--debug"]) == 1
    assert "Traceback" in capsys.readouterr().err


@pytest.mark.parametrize("rank_by, header", [
    ("plan 2027", "ranked by P(target 'plan 2027' met by 2027-12) (higher is better), then public cost"),
    ("energy", "ranked by energy (facility energy over the horizon, mean; lower is better), then public cost"),
])
def test_compare_rank_by_a_target_name_or_an_output(tmp_path, rank_by, header):
    out = tmp_path / "cmp"
    done = run_cli("compare", EXAMPLE, "-r", "4", "--seed", "1", "--rank-by", rank_by, "--out", str(out), "--no-plots")
    assert done.returncode == 0, done.stderr
    lines = done.stdout.splitlines()
    assert lines[0].startswith("verdict for the base (do nothing new): ")
    assert lines[2].startswith(header)
    assert "P(T1)" in done.stdout and "P(T2)" in done.stdout  # every target, not just the first
    assert (out / "compare.csv").is_file()


def test_compare_unknown_rank_by_is_one_line_exit_2_before_simulating(tmp_path):
    out = tmp_path / "cmp"
    done = run_cli("compare", EXAMPLE, "--rank-by", "energy_mwh", "--out", str(out))
    assert done.returncode == 2
    assert done.stderr.splitlines() == [
        "capsim: error: --rank-by: unknown 'energy_mwh'; choose one of the targets 'plan 2027', 'plan 2030' "
        "or the outputs public_cost, peak_mw, energy, carbon, eflops, ai_share"]
    assert done.stdout == "" and not out.exists()


def test_compare_help_lists_rank_by_and_its_outputs():
    done = run_cli("compare", "--help")
    assert done.returncode == 0
    text = " ".join(done.stdout.split())
    assert "--rank-by NAME" in text
    for name in ("public_cost", "peak_mw", "energy", "carbon", "eflops", "ai_share"):
        assert f"{name} (" in text
