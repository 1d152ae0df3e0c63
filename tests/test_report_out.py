"""``capsim report --out`` writes only a new file or a report capsim wrote (issue 22): never a
table or the manifest of a results folder, never the scenario, never a user's document, never the
HTML page under the workbook's name. Each refusal is one line, exit 2, nothing on disk changed."""

from __future__ import annotations

import os
import shutil
import zipfile
from pathlib import Path

import pytest

from safety import EXAMPLE, capsim, one_line, snapshot


@pytest.fixture
def work(tmp_path) -> Path:
    """tmp_path with the user's scenario s.yaml, a document, and res/, capsim's results of s.yaml."""
    shutil.copy(EXAMPLE, tmp_path / "s.yaml")
    (tmp_path / "notes.html").write_text("<html><body>my notes</body></html>\n")
    done = capsim("run", tmp_path / "s.yaml", "-r", "3", "-q", "--no-plots", "--no-report", "--out", tmp_path / "res")
    assert done.returncode == 0, done.stderr
    return tmp_path


def refused(work: Path, *args: str) -> str:
    before = snapshot(work)
    done = capsim("report", work / "res", *args)
    assert done.returncode == 2
    line = one_line(done)
    assert snapshot(work) == before
    return line


@pytest.mark.parametrize("name, message", [
    ("res/monthly.csv", "is a file of a results folder (its tables or manifest); --out names a new file or a "
                        "capsim report"),
    ("res/manifest.json", "is a file of a results folder (its tables or manifest); --out names a new file or a "
                          "capsim report"),
    ("s.yaml", "is the scenario file of these results; --out names a new file or a capsim report"),
    ("notes.html", "exists and is not a report capsim wrote; choose a new file for --out (capsim replaces only "
                   "its own reports)"),
])
def test_report_out_onto_a_file_capsim_did_not_write_as_a_report_is_refused(work, name, message):
    assert refused(work, "--out", work / name) == f"capsim: error: {work / name}: {message}"


def test_a_report_into_another_results_folder_is_refused(work):
    done = capsim("run", work / "s.yaml", "-r", "3", "-q", "--no-plots", "--no-report", "--out", work / "other")
    assert done.returncode == 0, done.stderr
    target = work / "other" / "report.html"
    assert refused(work, "--out", target) == (
        f"capsim: error: {target}: is inside another capsim results folder ({work / 'other'}); write this report "
        f"in {work / 'res'} or outside any results folder")
    assert capsim("report", work / "res", "--out", work / "res" / "mine.html").returncode == 0  # its own folder


def test_report_out_through_a_link_is_refused(work):
    assert capsim("report", work / "res", "--out", work / "old.html").returncode == 0
    os.symlink(work / "old.html", work / "link.html")
    assert refused(work, "--out", work / "link.html") == (
        f"capsim: error: {work / 'link.html'}: is a symbolic link; the report is written only as a new file or "
        "over a capsim report")


def test_the_workbook_is_never_written_over_the_html_page(work):
    assert refused(work, "--out", work / "r.xlsx", "--xlsx") == (
        f"capsim: error: {work / 'r.xlsx'}: the workbook would be written over the report; give --out a name "
        "ending in .html")


def test_a_users_workbook_beside_the_report_is_refused_before_anything_is_written(work):
    (work / "r.xlsx").write_bytes(b"PK\x03\x04 my spreadsheet")
    assert refused(work, "--out", work / "r.html", "--xlsx") == (
        f"capsim: error: {work / 'r.xlsx'}: exists and is not a report capsim wrote; choose a new file for --out "
        "(capsim replaces only its own reports)")
    assert not (work / "r.html").exists()


def test_a_users_file_named_report_html_in_the_folder_is_refused(work):
    (work / "res" / "report.html").write_text("mine")
    assert refused(work) == (f"capsim: error: {work / 'res' / 'report.html'}: exists and is not a report capsim "
                             "wrote; choose a new file for --out (capsim replaces only its own reports)")


def test_report_out_onto_a_previous_capsim_report_and_workbook_replaces_them(work):
    first = capsim("report", work / "res", "--out", work / "r.html", "--xlsx")
    assert first.returncode == 0, first.stderr
    assert first.stdout.splitlines() == [str(work / "r.html"), str(work / "r.xlsx")]
    assert '<meta name="generator" content="capsim ' in (work / "r.html").read_text()[:1000]
    with zipfile.ZipFile(work / "r.xlsx") as book:
        assert "<dc:creator>capsim</dc:creator>" in book.read("docProps/core.xml").decode()
    files = {name: (work / name).stat().st_ino for name in ("r.html", "r.xlsx")}
    again = capsim("report", work / "res", "--out", work / "r.html", "--xlsx")
    assert again.returncode == 0, again.stderr
    assert all((work / name).stat().st_ino != inode for name, inode in files.items())  # written anew
    names = sorted(os.listdir(work))
    assert names == ["notes.html", "r.html", "r.xlsx", "res", "s.yaml"]


def test_a_report_and_workbook_written_before_the_generator_mark_are_still_capsims(work):
    assert capsim("report", work / "res", "--out", work / "r.html", "--xlsx").returncode == 0
    page = (work / "r.html").read_text()
    (work / "r.html").write_text(page.replace('<meta name="generator" content="capsim 0.1.0">', ""))
    from openpyxl import Workbook

    book = Workbook(write_only=True)  # as capsim wrote it before it set the creator
    sheet = book.create_sheet("manifest")
    sheet.append(["key", "value"])
    sheet.append(["written_by", "capsim"])
    book.save(work / "r.xlsx")
    done = capsim("report", work / "res", "--out", work / "r.html", "--xlsx")
    assert done.returncode == 0, done.stderr
    assert '<meta name="generator" content="capsim ' in (work / "r.html").read_text()[:1000]


def test_a_document_saved_at_out_while_the_report_is_made_is_kept(work):
    from safety import capsim_after

    prelude = ("import sys\nfrom pathlib import Path\nimport sim.report.page as page\nreal = page.build_html\n"
               "def hooked(*a, **k):\n    html = real(*a, **k)\n"
               "    Path(sys.argv[sys.argv.index('--out') + 1]).write_text('saved meanwhile')\n    return html\n"
               "page.build_html = hooked\n")
    done = capsim_after(prelude, "report", work / "res", "--out", work / "r.html")
    assert done.returncode == 2
    assert one_line(done) == (f"capsim: error: {work / 'r.html'}: exists and is not a report capsim wrote; choose "
                              "a new file for --out (capsim replaces only its own reports)")
    assert (work / "r.html").read_text() == "saved meanwhile"
    assert sorted(os.listdir(work)) == ["notes.html", "r.html", "res", "s.yaml"]


@pytest.mark.parametrize("system_call", [True, False], ids=["renameat2", "link"])
def test_rename_noreplace_never_replaces_a_file(tmp_path, monkeypatch, system_call):
    from sim.output import staging

    if not system_call:
        monkeypatch.setattr(staging, "_renameat2", lambda src, dst: False)
    (tmp_path / "new").write_text("new")
    (tmp_path / "theirs").write_text("theirs")
    with pytest.raises(FileExistsError):
        staging.rename_noreplace(tmp_path / "new", tmp_path / "theirs")
    assert (tmp_path / "theirs").read_text() == "theirs" and (tmp_path / "new").read_text() == "new"
    staging.rename_noreplace(tmp_path / "new", tmp_path / "free")
    assert sorted(os.listdir(tmp_path)) == ["free", "theirs"] and (tmp_path / "free").read_text() == "new"


def test_report_help_names_the_workbook_for_out_file():
    done = capsim("report", "--help")
    assert done.returncode == 0
    assert "report.xlsx, or with --out FILE: FILE with .xlsx" in " ".join(done.stdout.split())
