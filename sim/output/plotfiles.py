"""Plots as files: read a results folder's tables back, draw every plot, save them in ``plots/``.

``capsim run`` calls :func:`write_plots` on its temporary output folder before renaming it into
place, and ``capsim plot RESULTS_DIR`` calls it on a finished folder: both draw from the saved
CSV tables, so a redraw gives the same pictures as the run. Files are first saved into a
temporary folder; only when every plot is drawn do they replace the files in ``plots/``. Given an
executor, :func:`write_plots` has its workers draw one kind of plot each (:func:`draw_saved`),
from the same tables, into the same temporary folder.

PNG files are saved by :func:`save_figure` with the layout computed once (see :func:`_save_png`)
and written by matplotlib's PNG writer (Pillow): the same pixels as matplotlib's ``savefig``, in
less time.
"""

from __future__ import annotations

import contextlib
import io
import json
import os
import pickle
import shutil
import warnings
from concurrent.futures import Executor, as_completed
from dataclasses import dataclass
from pathlib import Path

import matplotlib
import matplotlib.image
import pandas as pd
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure

from .. import plots
from ..errors import ScenarioError
from ..run.parallel import settle
from ..run.signals import SIGNALLED, signals_held
from .destination import is_plot_staging
from .staging import clean_stale, make_staging, unmark

FORMATS = ("png", "svg", "pdf")
DPI = 150
TEXT_COLUMNS = ("variant", "month", "metric", "target", "by", "reached_p10", "reached_p50", "reached_p90",
                "project", "class", "site", "status", "planned_online", "online_p10", "online_p50",
                "online_p90", "output", "when", "unit", "stat", "bound")
"""Columns read as text (months stay 'YYYY-MM', 'never' and empty stay as written)."""


@dataclass(frozen=True)
class ResultTables:
    """The tables of a results folder, as the plot functions take them."""

    monthly: pd.DataFrame
    annual: pd.DataFrame
    targets: pd.DataFrame
    projects: pd.DataFrame
    context: plots.PlotContext
    compare: pd.DataFrame | None = None
    sites: pd.DataFrame | None = None


QUANTILES = ("mean", "p5", "p10", "p50", "p90", "p95")
REQUIRED_COLUMNS = {
    "monthly": {"text": ("variant", "month", "metric"), "numbers": QUANTILES},
    "annual": {"text": ("variant", "metric"), "numbers": ("year", *QUANTILES)},
    "targets": {"text": ("variant", "target", "by", "reached_p10", "reached_p50", "reached_p90"),
                "numbers": ("probability",)},
    "projects": {"text": ("variant", "project", "class", "site", "status", "planned_online", "online_p10",
                          "online_p50", "online_p90"), "numbers": ("go_share",)},
    "sites": {"text": ("variant", "month", "site", "metric"), "numbers": ("mean", "p10", "p50", "p90")},
    "compare": {"text": ("variant", "output", "when", "unit"),
                "numbers": ("base", "value", "diff_mean", "diff_ci_low", "diff_ci_high")},
}
"""The columns the plots read from each table, and which of them must be numbers."""


def _read_csv(path: Path) -> pd.DataFrame:
    """A table of a results folder; a :class:`ScenarioError` naming the file if it is not one capsim wrote."""
    try:
        header = pd.read_csv(path, nrows=0).columns
        text = {c: str for c in header if c in TEXT_COLUMNS}
        table = pd.read_csv(path, dtype=text, keep_default_na=False,
                            na_values={c: [""] for c in header if c not in text})
    except (OSError, ValueError) as exc:  # unreadable, not UTF-8, empty, malformed CSV
        raise ScenarioError(f"{path}: cannot read the table: {str(exc).splitlines()[0] if str(exc) else type(exc).__name__}") from None
    required = REQUIRED_COLUMNS[path.stem]
    missing = [c for c in (*required["text"], *required["numbers"]) if c not in table.columns]
    if missing:
        raise ScenarioError(f"{path}: not a table written by capsim (no column {', '.join(missing)})")
    not_numbers = [c for c in required["numbers"] if len(table) and not pd.api.types.is_numeric_dtype(table[c])]
    if not_numbers:
        raise ScenarioError(f"{path}: not a table written by capsim (column {', '.join(not_numbers)} is not all numbers)")
    return table


def _read_manifest(path: Path) -> dict:
    try:
        with open(path, encoding="utf-8") as handle:
            manifest = json.load(handle)
    except (OSError, ValueError) as exc:
        raise ScenarioError(f"{path}: cannot read the manifest: {exc}") from None
    if not isinstance(manifest, dict) or not isinstance(manifest.get("resolved_scenario", {}), dict):
        raise ScenarioError(f"{path}: not a manifest written by capsim")
    return manifest


def _context(path: Path, manifest: dict) -> plots.PlotContext:
    replications = manifest.get("replications")
    try:
        return plots.PlotContext.from_scenario(manifest.get("resolved_scenario") or {},
                                               replications=replications if isinstance(replications, int) else None)
    except (AttributeError, KeyError, TypeError, ValueError) as exc:
        raise ScenarioError(f"{path}: resolved_scenario cannot be read ({type(exc).__name__}: {exc})") from None


def read_tables(folder: str | Path) -> ResultTables:
    """Read monthly.csv, annual.csv, targets.csv, projects.csv, manifest.json and, when present,
    compare.csv and sites.csv from a results folder; a damaged folder is a :class:`ScenarioError` naming the file."""
    folder = Path(folder)
    if not folder.exists():
        raise ScenarioError(f"{folder}: no such folder")
    if not folder.is_dir():
        raise ScenarioError(f"{folder}: not a folder (a capsim results folder was expected)")
    missing = [n for n in ("monthly.csv", "annual.csv", "targets.csv", "projects.csv", "manifest.json")
               if not (folder / n).is_file()]
    if missing:
        raise ScenarioError(f"{folder}: not a capsim results folder (no {', '.join(missing)})")
    manifest = _read_manifest(folder / "manifest.json")
    compare = _read_csv(folder / "compare.csv") if (folder / "compare.csv").is_file() else None
    sites = _read_csv(folder / "sites.csv") if (folder / "sites.csv").is_file() else None
    return ResultTables(
        monthly=_read_csv(folder / "monthly.csv"),
        annual=_read_csv(folder / "annual.csv"),
        targets=_read_csv(folder / "targets.csv"),
        projects=_read_csv(folder / "projects.csv"),
        context=_context(folder / "manifest.json", manifest),
        compare=compare,
        sites=sites,
    )


PLOT_KINDS = ("growth", "share", "power", "pue", "goals", "timeline", "limits", "sites", "compare")
"""What :func:`draw_kind` draws, in the order of the files; "compare" is several files."""
HEAVIEST_FIRST = ("timeline", "sites", "compare", "limits", "power", "goals", "growth", "share", "pue")
"""The order in which :func:`write_plots` hands the kinds to an executor (the slowest first, so
that two workers end at about the same time)."""


def kinds(tables: ResultTables) -> list[str]:
    """The kinds of plot the tables allow: growth, share, power, pue, then goals (when a target sets a
    measure without a chart of its own, :func:`plots.goal_measures`), timeline, then limits (when
    monthly.csv has the grid or supply metrics), sites (with a sites.csv), compare (with a compare.csv)."""
    out = ["growth", "share", "power", "pue"]
    if plots.goal_measures(tables.context, tables.monthly, tables.annual):
        out.append("goals")
    out.append("timeline")
    if plots.has_limits(tables.monthly):  # only a scenario with a grid or supply block has them
        out.append("limits")
    if tables.sites is not None and not tables.sites.empty:
        out.append("sites")
    if tables.compare is not None and not tables.compare.empty:
        out.append("compare")
    return out


def draw_kind(tables: ResultTables, kind: str) -> dict[str, Figure]:
    """The figures of one kind of plot, by file stem (one, or for "compare" compare-capacity,
    compare-power, compare-policy and their continuations, see :func:`plots.compare_figures`; for
    "sites" sites and its continuations sites-2, ..., see :func:`plots.sites_figures`)."""
    t, ctx = tables, tables.context
    if kind == "growth":
        return {kind: plots.growth(t.monthly, t.targets, ctx)}
    if kind == "share":
        return {kind: plots.share(t.monthly, t.targets, ctx)}
    if kind == "power":
        return {kind: plots.power(t.monthly, t.annual, ctx, targets=t.targets)}
    if kind == "pue":
        return {kind: plots.pue(t.monthly, t.annual, ctx, targets=t.targets)}
    if kind == "goals":
        return {kind: plots.goals(t.monthly, t.annual, t.targets, ctx)}
    if kind == "timeline":
        return {kind: plots.timeline(t.projects, ctx)}
    if kind == "limits":
        return {kind: plots.limits(t.monthly, ctx)}
    if kind == "sites":
        return plots.sites_figures(t.sites, ctx)
    if kind == "compare":
        return plots.compare_figures(t.monthly, t.compare, ctx)
    raise ValueError(f"no plot kind {kind!r} (have {', '.join(PLOT_KINDS)})")


def draw_all(tables: ResultTables) -> dict[str, Figure]:
    """Every plot the tables allow, by file stem: growth, share, power, pue, goals (when a target sets a
    measure without a chart of its own), timeline, limits (when
    monthly.csv has the grid or supply metrics), sites (with a sites.csv), and with a compare.csv
    compare-capacity, compare-power, compare-policy (see :func:`plots.compare_figures`)."""
    return {name: fig for kind in kinds(tables) for name, fig in draw_kind(tables, kind).items()}


def names(tables: ResultTables) -> list[str]:
    """Every name the plots may write: the scenario's, its accounting label, targets, and the
    variants, projects, sites and targets in the tables."""
    ctx = tables.context
    out = [ctx.name, ctx.accounting, *(t.name for t in ctx.targets)]
    for table in (tables.monthly, tables.targets, tables.projects, tables.compare):
        if table is not None:
            for column in ("variant", "project", "site", "target", "when"):
                if column in table:
                    out += [str(v) for v in table[column].dropna().unique()]
    return out


def save_figure(fig: Figure, path: Path, fmt: str) -> None:
    """Save without time stamps (and with fixed SVG ids) so the same tables give the same file."""
    metadata = {"svg": {"Date": None}, "pdf": {"CreationDate": None, "ModDate": None}}.get(fmt)
    with matplotlib.rc_context({"svg.hashsalt": "capsim"}):
        if fmt == "png":
            _save_png(fig, path)
        else:
            fig.savefig(path, format=fmt, dpi=DPI, metadata=metadata)


def _save_png(fig: Figure, path: Path | io.BytesIO) -> None:
    """What ``fig.savefig(path, dpi=DPI)`` draws, in about half the time.

    ``savefig`` lays a constrained figure out in a draw without output, then lays it out again in
    the real draw, each time with a new renderer (so every text is measured twice), and writes
    RGBA. Here the layout is computed once, at the saved resolution, with the renderer that then
    draws the file (an Agg canvas, which keeps its renderer and the text sizes it measured), the
    figure is drawn without its layout engine, and the picture is written by matplotlib's
    ``imsave`` (Pillow, RGBA), as ``savefig`` writes it, with matplotlib's metadata and
    resolution. The figure's canvas, resolution and engine are given back."""
    canvas, engine, dpi = fig.canvas, fig.get_layout_engine(), fig.dpi
    agg = FigureCanvasAgg(fig)  # fig.canvas until the end
    try:
        fig.dpi = DPI
        if engine is not None:
            engine.execute(fig)
            with matplotlib.rc_context({"figure.autolayout": False, "figure.constrained_layout.use": False}):
                fig.set_layout_engine(None)  # None, not "none": with any engine savefig draws twice
        agg.draw()
        pixels = agg.buffer_rgba()
    finally:
        if engine is not None:
            fig.set_layout_engine(engine)
        fig.dpi = dpi
        fig.set_canvas(canvas)
    matplotlib.image.imsave(path, pixels, format="png", dpi=DPI)  # what savefig's print_png does


def write_plots(folder: str | Path, fmt: str = "png", out: str | Path | None = None,
                executor: Executor | None = None) -> list[Path]:
    """Draw every plot of the results in ``folder`` into ``out`` (default ``folder/plots``).

    Returns the files written. A file of the same name is replaced; other files are left alone.
    The plots are drawn into a temporary folder inside ``out`` and moved into place with SIGINT
    and SIGTERM held back; on any failure nothing is left behind (not even ``out``, if this call
    created it). A damaged results folder, or an ``out`` that cannot be a folder, is a
    :class:`ScenarioError`.

    With an ``executor`` (a :class:`concurrent.futures.Executor` whose workers see this file
    system, e.g. :func:`sim.run.parallel.process_pool`), each kind of plot is drawn by a worker
    (:func:`draw_saved`, from the tables read here) into the temporary folder; the files
    are the same, byte for byte.
    """
    if fmt not in FORMATS:
        raise ScenarioError(f"format must be one of {', '.join(FORMATS)} (got {fmt!r})")
    folder = Path(folder)
    out = Path(out) if out is not None else folder / "plots"
    tables = read_tables(folder)
    if out.is_symlink():
        raise ScenarioError(f"{out}: is a symbolic link; the plots are written only into a real folder of that name "
                            "(remove the link or draw elsewhere)")
    if os.path.lexists(out) and not out.is_dir():
        raise ScenarioError(f"{out}: exists and is not a folder; the plots go into a folder of that name")
    created = not os.path.lexists(out)
    tmp = None
    try:
        out.mkdir(parents=True, exist_ok=True)
        clean_stale(out, "plots", is_plot_staging, ("tmp",))  # what killed runs left
        tmp = make_staging(out, "plots")
        with plots.font_context(names(tables)):  # a font for names DejaVu Sans cannot draw (or one warning)
            if executor is None:
                stems = [stem for kind in kinds(tables) for stem in _draw_and_save(tables, kind, fmt, tmp)]
            else:
                stems = _in_workers(executor, tables, kinds(tables), fmt, tmp)
        written = []
        with signals_held():
            SIGNALLED.check()  # a signal whose exception was swallowed: replace nothing
            for name in stems:  # a rename: a link of that name is replaced, never written through
                os.replace(tmp / f"{name}.{fmt}", out / f"{name}.{fmt}")
                written.append(out / f"{name}.{fmt}")
            unmark(tmp)
            os.rmdir(tmp)
    except OSError as exc:
        _clean(tmp, out if created else None)
        raise ScenarioError(f"{out}: cannot write the plots: {exc.strerror or exc}") from None
    except BaseException:
        _clean(tmp, out if created else None)
        raise
    return written


def _draw_and_save(tables: ResultTables, kind: str, fmt: str, into: Path) -> list[str]:
    figures = draw_kind(tables, kind)
    for name, fig in figures.items():
        save_figure(fig, into / f"{name}.{fmt}", fmt)
    return list(figures)


def draw_and_save(folder: str, kind: str, fmt: str, into: str) -> list[str]:
    """A worker's task: read the tables of ``folder``, draw the plots of one ``kind`` and save them
    into the folder ``into``; the file stems written."""
    return _draw_quietly(read_tables(folder), kind, fmt, into)


TABLES_FILE = ".tables.pickle"
"""The tables :func:`write_plots` read, pickled into its temporary folder for its workers."""


def draw_saved(tables_file: str, kind: str, fmt: str, into: str) -> list[str]:
    """A worker's task in :func:`write_plots`: :func:`draw_and_save` from the tables pickled in
    ``tables_file`` (unpickling them takes a tenth of the time reading the CSV files again does;
    a file, not the task's arguments: a task larger than a pipe's buffer can leave the pool's
    feeder thread blocked for ever if a worker dies reading it)."""
    with open(tables_file, "rb") as handle:
        tables = pickle.load(handle)
    return _draw_quietly(tables, kind, fmt, into)


def _draw_quietly(tables: ResultTables, kind: str, fmt: str, into: str) -> list[str]:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", plots.MissingFontWarning)  # the caller has warned once
        with plots.font_context(names(tables)):
            return _draw_and_save(tables, kind, fmt, Path(into))


def warm_up() -> None:
    """A task to give each worker of an executor before :func:`write_plots` uses it (e.g. while the
    tables are being written): importing this module imports matplotlib, and one small figure
    saved to memory loads the fonts, so that the plots start at once."""
    fig = Figure(figsize=(1, 1), layout="constrained")
    fig.add_subplot().set_title("0")
    _save_png(fig, io.BytesIO())


def _in_workers(executor: Executor, tables: ResultTables, todo: list[str], fmt: str, tmp: Path) -> list[str]:
    """Every kind in ``todo`` drawn by ``executor``'s workers (the slowest first) from ``tables``
    (pickled into ``tmp`` for them, see :func:`draw_saved`); the stems in ``todo``'s order. On a
    failure the other tasks are cancelled or waited for (so that none writes after the caller
    cleans up) and the failure is raised."""
    order = sorted(todo, key=lambda k: HEAVIEST_FIRST.index(k) if k in HEAVIEST_FIRST else -1)
    saved = tmp / TABLES_FILE
    with open(saved, "wb") as handle:
        pickle.dump(tables, handle, protocol=pickle.HIGHEST_PROTOCOL)
    futures = {kind: executor.submit(draw_saved, str(saved), kind, fmt, str(tmp)) for kind in order}
    try:
        for future in as_completed(futures.values()):
            future.result()  # the first failure, as soon as it happens
    except BaseException:
        settle(executor, futures.values())
        raise
    saved.unlink()
    return [stem for kind in todo for stem in futures[kind].result()]


def _clean(tmp: Path | None, made: Path | None) -> None:
    with signals_held():
        if tmp is not None:
            shutil.rmtree(tmp, ignore_errors=True)
        if made is not None:
            with contextlib.suppress(OSError):
                made.rmdir()
