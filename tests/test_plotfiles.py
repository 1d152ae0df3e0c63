"""Plot files: the PNG path draws what ``savefig`` draws, and worker processes write the same files.

``sim.output.plotfiles`` saves PNG files with the layout computed once and the picture written as
RGB (docs/plots.md, "How fast"); these tests hold it to matplotlib's own ``savefig`` pixel for
pixel, and :func:`write_plots` with an executor to the files it writes alone, byte for byte.
"""

from __future__ import annotations

import io
import os
from concurrent.futures import Executor, Future
from pathlib import Path

import matplotlib.dates as mdates
import numpy as np
import pandas as pd
import PIL.Image
import pytest
from matplotlib.figure import Figure
from test_plots import SMALL, compare_inputs, with_limit_metrics

import sim
from sim import plots
from sim.output import plotfiles


@pytest.fixture(scope="module")
def results() -> sim.Results:
    return sim.simulate(sim.scenario_from_data(SMALL), replications=40, seed=3)


@pytest.fixture(scope="module")
def folder(results, tmp_path_factory) -> Path:
    out = tmp_path_factory.mktemp("run") / "run"
    sim.write_results(results, out)
    return out


def savefig_pixels(fig: Figure) -> np.ndarray:
    """What matplotlib's own savefig draws, as RGBA."""
    buffer = io.BytesIO()
    fig.savefig(buffer, format="png", dpi=plotfiles.DPI)
    rgba = np.asarray(PIL.Image.open(buffer))
    assert (rgba[..., 3] == 255).all()
    return rgba


@pytest.mark.parametrize("kind", ["growth", "power", "timeline", "sites"])
def test_png_has_the_pixels_savefig_draws(folder, tmp_path, kind):
    """One axes, two panels of different heights, many tick labels, eight panels sharing x."""
    tables = plotfiles.read_tables(folder)
    (fig,) = plotfiles.draw_kind(tables, kind).values()
    engine, canvas, dpi = fig.get_layout_engine(), fig.canvas, fig.dpi
    plotfiles.save_figure(fig, tmp_path / "fast.png", "png")
    assert (fig.get_layout_engine(), fig.canvas, fig.dpi) == (engine, canvas, dpi)  # given back
    (fresh,) = plotfiles.draw_kind(tables, kind).values()
    written = PIL.Image.open(tmp_path / "fast.png")
    assert written.mode == "RGBA"  # as savefig writes it
    assert np.array_equal(np.asarray(written), savefig_pixels(fresh))


def test_png_keeps_matplotlibs_metadata_and_resolution(folder, tmp_path):
    fig = plotfiles.draw_kind(plotfiles.read_tables(folder), "pue")["pue"]
    plotfiles.save_figure(fig, tmp_path / "pue.png", "png")
    written = PIL.Image.open(tmp_path / "pue.png")
    assert written.info["Software"].startswith("Matplotlib version")
    assert [round(v) for v in written.info["dpi"]] == [150, 150]
    assert written.size == (1500, 675)  # 10 x 4.5 inches


def test_a_figure_with_transparency_keeps_it(tmp_path):
    fig = Figure(figsize=(2, 1), layout="constrained")
    fig.patch.set_alpha(0.0)
    fig.add_subplot().plot([0, 1], [0, 1])
    plotfiles.save_figure(fig, tmp_path / "clear.png", "png")
    clear = np.asarray(PIL.Image.open(tmp_path / "clear.png"))
    assert clear.shape == (150, 300, 4) and clear[0, 0, 3] == 0  # 2 x 1 inches at 150 dpi; a corner: nothing drawn


@pytest.mark.parametrize("first, last", [("2025-01", "2030-12"), ("2025-01", "2026-12"), ("2025-03", "2025-06"),
                                         ("2025-01", "2025-01"), ("2000-01", "2049-12"), ("2025-07", "2031-06")])
def test_month_ticks_are_matplotlibs_automatic_ones(first, last):
    fig = Figure()
    ours, theirs = fig.add_subplot(), fig.add_subplot()
    for ax in (ours, theirs):
        ax.set_xlim(*plots.month_dates([first], "start"), *plots.month_dates([last], "end"))
    plots.style.date_axis(ours)
    auto = mdates.AutoDateLocator(minticks=4, maxticks=10)
    theirs.xaxis.set_major_locator(auto)
    theirs.xaxis.set_major_formatter(mdates.ConciseDateFormatter(auto, show_offset=False))
    fig.draw_without_rendering()
    assert list(ours.get_xticks()) == list(theirs.get_xticks())
    assert [t.get_text() for t in ours.get_xticklabels()] == [t.get_text() for t in theirs.get_xticklabels()]


def test_month_ticks_follow_a_new_range():
    fig = Figure()
    ax = fig.add_subplot()
    plots.style.date_axis(ax)
    ax.set_xlim(*plots.month_dates(["2025-01"], "start"), *plots.month_dates(["2030-12"], "end"))
    years = list(ax.get_xticks())
    ax.set_xlim(*plots.month_dates(["2025-01"], "start"), *plots.month_dates(["2025-12"], "end"))
    months = list(ax.get_xticks())
    assert [mdates.num2date(v).strftime("%Y-%m") for v in years] == [f"{y}-01" for y in range(2025, 2032)]
    assert [mdates.num2date(v).strftime("%Y-%m") for v in months] == [
        "2025-01", "2025-03", "2025-05", "2025-07", "2025-09", "2025-11", "2026-01"]


def test_month_dates_refuse_what_is_not_a_month():
    with pytest.raises(ValueError, match="'YYYY-MM'"):
        plots.month_dates(["2025-1"])
    with pytest.raises(ValueError, match="where must be"):
        plots.month_dates(["2025-01"], "late")


# --- write_plots with an executor -------------------------------------------------------------


class InThisProcess(Executor):
    """Runs each task when it is submitted, and remembers the order."""

    def __init__(self) -> None:
        self.submitted: list[tuple] = []

    def submit(self, fn, /, *args, **kwargs) -> Future:
        self.submitted.append(args)
        future: Future = Future()
        try:
            future.set_result(fn(*args, **kwargs))
        except BaseException as exc:  # noqa: BLE001 - handed to the caller, as a pool does
            future.set_exception(exc)
        return future


def test_write_plots_in_worker_processes_writes_the_same_files(results, tmp_path):
    from sim.run.parallel import process_pool

    sim.write_results(results, tmp_path / "run")
    monthly = pd.read_csv(tmp_path / "run" / "monthly.csv")
    with_limit_metrics(monthly).to_csv(tmp_path / "run" / "monthly.csv", index=False)
    compare_inputs(results)[1].to_csv(tmp_path / "run" / "compare.csv", index=False)
    alone = plotfiles.write_plots(tmp_path / "run", out=tmp_path / "alone")
    with process_pool(2) as pool:
        for future in [pool.submit(plotfiles.warm_up) for _ in range(2)]:
            assert future.result() is None
        shared = plotfiles.write_plots(tmp_path / "run", out=tmp_path / "shared", executor=pool)
    assert [p.name for p in shared] == [p.name for p in alone] == [
        "growth.png", "share.png", "power.png", "pue.png", "timeline.png", "limits.png", "sites.png",
        "compare-capacity.png", "compare-power.png", "compare-policy.png"]
    assert [p.read_bytes() for p in shared] == [p.read_bytes() for p in alone]
    assert sorted(os.listdir(tmp_path / "shared")) == sorted(p.name for p in shared)  # no temporary folder left


def test_workers_get_the_slowest_plots_first_and_the_files_keep_their_order(folder, tmp_path):
    executor = InThisProcess()
    written = plotfiles.write_plots(folder, "svg", out=tmp_path / "plots", executor=executor)
    assert [args[1] for args in executor.submitted] == ["timeline", "sites", "power", "growth", "share", "pue"]
    assert [p.name for p in written] == ["growth.svg", "share.svg", "power.svg", "pue.svg", "timeline.svg",
                                         "sites.svg"]


def test_a_plot_failing_in_a_worker_leaves_nothing_behind(folder, tmp_path, monkeypatch):
    real = plotfiles.draw_kind

    def draw_kind(tables, kind):
        if kind == "power":
            raise RuntimeError("power failed")
        return real(tables, kind)

    monkeypatch.setattr(plotfiles, "draw_kind", draw_kind)
    with pytest.raises(RuntimeError, match="power failed"):
        plotfiles.write_plots(folder, out=tmp_path / "new", executor=InThisProcess())
    assert not (tmp_path / "new").exists()
    (tmp_path / "old").mkdir()
    (tmp_path / "old" / "growth.png").write_bytes(b"before")
    with pytest.raises(RuntimeError, match="power failed"):
        plotfiles.write_plots(folder, out=tmp_path / "old", executor=InThisProcess())
    assert os.listdir(tmp_path / "old") == ["growth.png"]
    assert (tmp_path / "old" / "growth.png").read_bytes() == b"before"


# --- never through a link ------------------------------------------------------------------------


def test_capsim_plot_refuses_a_plots_folder_that_is_a_link_and_changes_nothing(folder, tmp_path):
    from safety import capsim, one_line, snapshot
    import shutil
    work = tmp_path / "work"
    shutil.copytree(folder, work / "pl2")
    shutil.rmtree(work / "pl2" / "plots", ignore_errors=True)
    (work / "userplots").mkdir()
    (work / "userplots" / "growth.png").write_text("precious\n")
    os.symlink(work / "userplots", work / "pl2" / "plots")
    before = snapshot(work)
    done = capsim("plot", work / "pl2")
    assert done.returncode == 2
    assert one_line(done) == (f"capsim: error: {work / 'pl2' / 'plots'}: is a symbolic link; the plots are written "
                              "only into a real folder of that name (remove the link or draw elsewhere)")
    assert snapshot(work) == before
    with pytest.raises(sim.ScenarioError, match="is a symbolic link"):
        plotfiles.write_plots(work / "pl2", out=work / "pl2" / "plots")
    assert snapshot(work) == before


def test_a_plot_file_that_is_a_link_is_replaced_never_written_through(folder, tmp_path):
    from safety import capsim, snapshot
    import shutil
    work = tmp_path / "work"
    shutil.copytree(folder, work / "pl3")
    (work / "pl3" / "plots").mkdir(exist_ok=True)
    (work / "userplots").mkdir()
    (work / "userplots" / "growth.png").write_text("precious\n")
    (work / "pl3" / "plots" / "growth.png").unlink(missing_ok=True)
    os.symlink(work / "userplots" / "growth.png", work / "pl3" / "plots" / "growth.png")
    before = snapshot(work / "userplots")
    done = capsim("plot", work / "pl3")
    assert done.returncode == 0, done.stderr
    assert snapshot(work / "userplots") == before
    growth = work / "pl3" / "plots" / "growth.png"
    assert not growth.is_symlink() and growth.read_bytes().startswith(b"\x89PNG")
