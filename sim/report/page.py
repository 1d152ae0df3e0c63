"""The report page: one HTML file with everything inline (style, plotly.js packed, the figures' data), so
it opens from disk in any current browser with no network.

The page answers first and shows its evidence after: the answer and key figures, the charts,
calibration, the scenario's assumptions and sources, and how to reproduce the run. A section
appears only when the folder has the tables it draws on.

Links: a fact id in a ``source:`` text links to its entry embedded in the page (read from
``docs/sources.md``); each entry links on to ``docs/sources.md#s10`` under ``docs_url``. By
default ``docs_url`` is the relative path from the report to the ``docs/`` folder of the capsim
checkout that wrote it (``../../docs`` for ``results/shanxi/report.html``) when the report is
inside that checkout, else none; pass a repository address (``--docs-url``) for a report that
travels. The CSV tables are embedded for download when each is at most :data:`EMBED_MAX_BYTES`,
and linked always (:mod:`sim.report.reproduce`). What prints is :mod:`sim.report.brief`'s.
"""

from __future__ import annotations

import html
import os
import tempfile
from pathlib import Path

import pandas as pd

from ..analysis.words import counted
from ..errors import ScenarioError
from ..output.destination import HEAD_BYTES, OUTPUT_FILES, REPORT_MARK as MARK, is_capsim_report  # noqa: F401
from ..output.staging import rename_noreplace
from ..run.signals import SIGNALLED, signals_held
from ..version import __version__
from .answer import Answer, answer
from .assets import CSS, DRAW
from .brief import brief_ids, collapsed, print_note, section_class
from .bundle import plotly_scripts
from .charts import Chart, growth_chart, limits_chart, power_chart, share_chart
from .goal_charts import goals_chart, power_aims
from .plan_charts import project_names, site_names, sites_chart, timeline_chart
from .timeaxis import share_x_range
from .read import ResultsFolder, read_folder
from .ranking import LIMIT_COLUMNS, rank_by
from .reproduce import EMBED_MAX_BYTES, reproduce_section  # noqa: F401
from .sources import (SOURCES_MD, anchor, docs_url_problem, cited_ids, linked, own_entries, read_entries,
                      scenario_sources)
from .explore_answer import box_range, input_labels_of
from .studies import input_units, method_of, package_settings, solve_settings
from .findings import band_reading, state_findings
from .compare_charts import cost_effect_chart, differences_chart, variant_info, variants_chart
from .study_charts import frontier_chart, heatmap_charts, solve_chart, tornado_charts
from .text import pick_variant

REPORT_NAME = "report.html"
GENERATOR = "capsim"
"""The page's ``<meta name="generator">`` starts with it: the mark of a report capsim may write over."""
TITLES = {"run": "a simulation run", "compare": "a comparison of variants", "explore": "an exploration of the inputs",
          "solve": "a solve"}
SECTIONS = (("answer", "The answer"), ("charts", "Charts"), ("compare", "Variants compared"),
            ("limits", "Shared limits"), ("sensitivity", "Sensitivity"), ("solve", "Solve"),
            ("calibration", "Calibration"), ("sources", "Assumptions and sources"), ("reproduce", "Reproduce"))
TIGHT_CHARS = 18
"""A cell of a ``tight`` column longer than this wraps (at spaces) rather than widening the table."""
CLAMP_CHARS = 60
"""A text cell longer than this shows three lines, the whole text on hover (title) and in print."""
NUMERIC_HINTS = ("[", "%", "EFLOPS", "MW", "TWh", "CNY", "rank", "probability", "rows")


def esc(value: object) -> str:
    return html.escape("" if value is None else str(value))


def html_table(table: pd.DataFrame, caption: str, cls: str = "", scroll: bool = False, raw: tuple[str, ...] = (),
               table_id: str | None = None, tight: tuple[str, ...] = (), screen: tuple[str, ...] = ()) -> str:
    """A table with a caption and header cells (``scope="col"``); columns in ``raw`` hold HTML,
    columns in ``tight`` do not wrap, columns in ``screen`` are not printed; numbers align right."""
    numeric = {c for c in table.columns if pd.api.types.is_numeric_dtype(table[c]) or any(
        h in str(c) for h in NUMERIC_HINTS) and c not in raw and "basis" not in str(c)}
    only = {c: " screen-only" if c in screen else "" for c in table.columns}
    marks = {c: " ".join(n for n in ("num" if c in numeric else "", only[c].strip()) if n) for c in table.columns}
    head = "".join(f'<th scope="col"{mark}>{esc(c)}</th>' for c in table.columns
                   for mark in [f' class="{marks[c]}"' if marks[c] else ""])
    body = []
    for _, row in table.iterrows():
        cells = []
        for c in table.columns:
            value = row[c]
            plain_text = "" if c in raw or pd.isna(value) else str(value)
            text = value if c in raw else esc(plain_text)
            kind = "num" if c in numeric else "tight" if c in tight and len(plain_text) <= TIGHT_CHARS else "text"
            if len(plain_text) > CLAMP_CHARS:  # three lines on screen, the whole text on hover (and in print)
                text = f'<div class="clamp" title="{esc(plain_text)}">{text}</div>'
            cells.append(f'<td class="{kind}{only[c]}">{text}</td>')
        body.append("<tr>" + "".join(cells) + "</tr>")
    ident = f' id="{table_id}"' if table_id else ""
    out = (f'<table class="{cls}"{ident}><caption>{esc(caption)}</caption><thead><tr>{head}</tr></thead>'
           f'<tbody>{"".join(body)}</tbody></table>')
    return f'<div class="scroll">{out}</div>' if scroll else f'<div class="fit">{out}</div>'


def charts_for(folder: ResultsFolder) -> list[Chart]:
    """Every chart the folder's tables allow, in page order."""
    monthly, annual, projects = folder.table("monthly"), folder.table("annual"), folder.table("projects")
    specs = folder.target_specs
    charts: list[Chart | None] = []
    if monthly is not None:
        base = pick_variant(monthly)
        basis = folder.accounting_label(str(base["variant"].iloc[0]) if "variant" in base.columns else None)
        charts += [growth_chart(monthly, specs, basis), share_chart(monthly, specs),
                   power_aims(power_chart(monthly, annual), monthly, annual, specs, folder.table("targets")),
                   goals_chart(monthly, annual, specs, folder.table("targets"))]
    if folder.table("sites") is not None:
        charts.append(sites_chart(folder.table("sites"), site_names(folder.scenario)))
    if projects is not None:
        charts.append(timeline_chart(projects, project_names(folder.scenario)))
    compare = folder.table("compare")
    if compare is not None:
        by = rank_by(folder, compare)
        from .ranking import measure_text, ranking_table

        ranking, ranked_by, _ = ranking_table(folder)
        info = variant_info(folder.scenario)
        charts.append(differences_chart(compare, list(ranking["variant"]),
                                        None if by in ("public_cost", "energy", "carbon") else by, info))
        label, unit, scale, _ = measure_text(ranked_by)
        charts.append(cost_effect_chart(ranking, info, label, "percentage points" if unit == "%" else unit, scale))
        if monthly is not None:
            charts.append(variants_chart(monthly, info, folder.accounting_label()))
    if monthly is not None:
        charts.append(limits_chart(monthly, projects))
    sensitivity = folder.table("sensitivity")
    if sensitivity is not None:
        method = method_of(folder)
        from .explore_charts import effect_charts, pmet_charts

        labels = input_labels_of(folder)
        charts += (effect_charts(folder) + pmet_charts(folder) + tornado_charts(sensitivity, method, labels)
                   + heatmap_charts(sensitivity, method, labels))
    if folder.table("solve") is not None:
        charts.append(solve_chart(folder.table("solve"), solve_settings(folder)))
    if folder.table("frontier") is not None:
        charts.append(frontier_chart(folder.table("frontier"), package_settings(folder), folder.table("packages")))
    charts = [c for c in charts if c is not None]
    share_x_range(charts)  # one time axis for the page
    return charts


def discovery_boxes(folder: ResultsFolder) -> pd.DataFrame | None:
    """The chosen PRIM box of each target: its coverage, density, share of samples and ranges."""
    table = folder.table("discovery")
    if table is None or "chosen" not in table.columns:
        return None
    units = input_units(folder)
    labels = input_labels_of(folder)
    rows = []
    for target, box in table[table["chosen"].astype(bool)].groupby("target", sort=False):
        head = box.iloc[0]
        ranges = [box_range(labels.get(r.parameter, r.parameter), r.low, r.high, units.get(r.parameter, ""))
                  for r in box.itertuples() if isinstance(r.parameter, str) and r.parameter]
        rows.append({"target": target, "coverage (share of misses in the box)": f"{head['coverage']:.0%}",
                     "density (share of the box that misses)": f"{head['density']:.0%}",
                     "samples in the box": f"{head['mass']:.0%}",
                     "where": "; ".join(ranges) or "spread over the whole space explored (no box)"})
    return pd.DataFrame(rows) if rows else None


def _figure(chart: Chart, brief: bool = False) -> str:
    printed = ' data-print="brief"' if brief else ""  # the brief's charts print (sim.report.brief)
    return (f'<figure class="chart" id="fig-{chart.id}"{printed}><div class="plot" id="chart-{chart.id}" role="img" '
            f'aria-label="{esc(chart.title + ". " + chart.description)}" title="{esc(chart.title)}"></div>'
            f'<figcaption><strong>{esc(chart.title)}.</strong> {esc(chart.description)}</figcaption></figure>')


def answer_section(folder: ResultsFolder, result: Answer) -> str:
    n = folder.manifest.get("replications")
    sentences = "".join(f"<p>{esc(s)}</p>" for s in result.sentences)
    parts = [f'<div class="answer" id="answer-text" role="status">{sentences}</div>']
    if result.ranking is not None:  # the policies' ranking first, then the matrix, risks, views (result.tables)
        caption = f"Ranking of the runs, best first, by {result.ranked_by}" if result.ranked_by else "Ranking of the runs"
        if ": all tie" in result.ranked_by:  # no run is best (sim.report.ranking.compare_answer)
            caption = f"Ranking of the runs by {result.ranked_by}"
        parts.append(html_table(result.ranking, caption, cls="key", table_id="ranking",  # the brief: no limits
                                tight=("variant", "first met (P50)", "kind"), screen=tuple(t for _, t in LIMIT_COLUMNS)))
    for caption, table in result.tables:
        parts.append(html_table(table, caption, cls="key", scroll=True, tight=("input", "kind")))
    if result.figures:
        rows = pd.DataFrame([{"figure": f.label, "value": f.value, "unit": f.unit, "basis and notes": f.note}
                             for f in result.figures])
        spread = (f"P50 [P10–P90] across {counted(n, 'replication')} (the median, and the range that holds 8 in 10 "
                  "simulated futures)" if isinstance(n, int) and n > 1 else "one replication")
        label = " (the base)" if folder.kind == "compare" else ""
        parts.append(html_table(rows, f"Key figures{label}: {spread} unless marked mean", cls="key",
                                table_id="key-figures", tight=("value", "unit")))
    if result.years is not None and len(result.years.columns) > 1:
        parts.append(html_table(result.years, "Per calendar year: P50 [P10–P90] (the median [8 in 10 futures])"
                                if n != 1
                                else "Per calendar year (one replication)", cls="key"))
    return "".join(parts)


def sources_section(folder: ResultsFolder, docs_url: str | None) -> str:
    rows = scenario_sources(folder.scenario)
    if not rows:
        return "<p>The manifest holds no resolved scenario, so no sources can be listed.</p>"
    own = own_entries(folder.scenario)  # the scenario's own facts first (sim.scenario.facts)
    entries = {**read_entries(SOURCES_MD), **own}
    ids = cited_ids(rows, list(own))

    def fact_href(fact_id: str) -> str | None:
        if fact_id in entries:
            return f"#fact-{anchor(fact_id)}"
        return f"{docs_url}/sources.md#{anchor(fact_id)}" if docs_url else None

    kinds = pd.Series([r.kind for r in rows]).value_counts()
    counts = ", ".join(f"{k}: {v}" for k, v in kinds.items())
    table = pd.DataFrame([{"where in the scenario": r.path, "numbers": "; ".join(r.numbers),
                           "kind": r.kind, "source": linked(r.source, fact_href, list(own)) if r.source else "(none given)"}
                          for r in rows])
    parts = [f"<p>Every <code>source:</code> of the scenario ({len(rows)}; {esc(counts)}). A fact cites a "
             "published figure by its id; an assumption is the modeller's, with its reasoning and range. "
             + (f'Fact ids are listed in <a href="{esc(docs_url)}/sources.md">docs/sources.md</a>.</p>'
                if docs_url else "</p>"),
             html_table(table, "Scenario values and their sources", scroll=True, raw=("source",),
                        table_id="sources-table", tight=("kind",))]
    if ids and not any(fid in entries for fid in ids):
        parts.append(f"<p>Fact ids cited: {esc(', '.join(ids))}"
                     + (f' (see <a href="{esc(docs_url)}/sources.md">docs/sources.md</a>).</p>' if docs_url else
                        " (listed in capsim's docs/sources.md).</p>"))
    elif ids:
        cited = []
        for fid in ids:
            link = (f'<a href="{esc(docs_url)}/sources.md#{anchor(fid)}">{esc(fid)}</a>' if docs_url and fid not in own
                    else esc(fid) + (" (the scenario's own)" if fid in own else ""))
            entry = linked(entries[fid], lambda _: None) if fid in entries else "(entry not found here)"
            cited.append({"id": f'<span id="fact-{anchor(fid)}">{link}</span>', "entry": entry})
        parts.append(html_table(pd.DataFrame(cited), "Facts cited", scroll=True, raw=("id", "entry"),
                                table_id="facts-table"))
    return "".join(parts)


def default_docs_url(report_dir: Path) -> str | None:
    """The relative path from ``report_dir`` to the checkout's docs/ folder (``../../docs``), when the
    report is inside the checkout; None elsewhere: a path out of it would spell this machine's folders
    (``../../../home/me/capsim/docs``), and the page holds the fact entries anyway."""
    if not SOURCES_MD.is_file():
        return None
    relative = Path(os.path.relpath(SOURCES_MD.parent, report_dir.resolve())).parts
    return "/".join(relative) if relative[-1:] == ("docs",) and set(relative[:-1]) <= {".."} else None


def build_html(folder: ResultsFolder, report_dir: Path, docs_url: str | None = None) -> str:
    """The whole page as one string."""
    docs_url = (docs_url.rstrip("/") if docs_url else None) or default_docs_url(report_dir)
    result = answer(folder)
    charts = state_findings(folder, charts_for(folder))
    m = folder.manifest
    bodies: dict[str, str] = {"answer": answer_section(folder, result)}
    brief = brief_ids(charts, folder.kind)
    for section in ("charts", "compare", "limits", "sensitivity", "solve"):
        mine = [c for c in charts if c.section == section]
        if mine:
            bodies[section] = "".join(_figure(c, c.id in brief) for c in mine)
    first = next((s for s in ("charts", "compare") if s in bodies), None)
    if first is not None and folder.table("monthly") is not None:  # once per page, above the first chart
        bodies[first] = f'<p class="reading" id="band-reading">{esc(band_reading(folder))}</p>' + bodies[first]
    boxes = discovery_boxes(folder)
    if boxes is not None:
        bodies["sensitivity"] = bodies.get("sensitivity", "") + html_table(
            boxes, "Scenario discovery: the PRIM box of each target missed in some samples (discovery.csv has "
                   "every peeling step)", scroll=True)
    if result.calibration is not None:
        bodies["calibration"] = ("<p>Each <code>role: calibration</code> target is a reported past figure the model "
                                 "should reproduce: the figure should lie inside the model's P10–P90 band.</p>"
                                 + html_table(result.calibration, "Calibration checks", table_id="calibration"))
    bodies["sources"] = collapsed("sources-details", "Show every value of the scenario and its source",
                                  sources_section(folder, docs_url))
    bodies["reproduce"] = reproduce_section(folder, report_dir, esc, html_table)
    shown = [(key, title) for key, title in SECTIONS if key in bodies]
    nav = "".join(f'<li><a href="#{key}">{esc(title)}</a></li>' for key, title in shown)
    sections = "".join(f'<section id="{key}" class="{section_class(key, bodies[key])}" aria-labelledby="h-{key}"><h2 id="h-{key}">{esc(title)}</h2>'
                       f"{bodies[key]}</section>" for key, title in shown)
    n = m.get("replications")
    meta = [f"capsim report of {TITLES[folder.kind]}",
            counted(n, "replication") if isinstance(n, int) else "",
            f"seed {m['seed']}" if "seed" in m else "",
            f"finished {m['finished']}" if m.get("finished") else ""]
    figures = "{" + ",".join(f'"chart-{c.id}":{c.figure.to_json()}' for c in charts) + "}"
    version = (m.get("versions") or {}).get("capsim", "")
    docs = f' · <a href="{esc(docs_url)}/">documentation</a>' if docs_url else ""
    return (
        '<!DOCTYPE html><html lang="en"><head><meta charset="utf-8">'
        '<meta name="viewport" content="width=device-width, initial-scale=1">'
        f'<meta name="generator" content="{GENERATOR} {esc(__version__)}">'
        f"<title>{esc(folder.name)}: capsim report</title><style>{CSS}</style></head>"
        f'<body class="kind-{folder.kind}">'
        f'<header><h1>{esc(folder.name)}</h1><p class="meta">{esc(" · ".join(p for p in meta if p))}</p>'
        f'<nav aria-label="sections"><ul>{nav}</ul></nav></header>'
        f"<main>{sections}</main>"
        f"<footer>Written by capsim {esc(version)} from the result tables listed under Reproduce{docs}."
        f"{print_note(charts, brief)}</footer>"
        f'<script type="application/json" id="capsim-figures">{figures.replace("</", "<" + chr(92) + "/")}</script>'
        f"{plotly_scripts()}<script>{DRAW}</script></body></html>"
    )


def write_report(folder: str | Path, out: str | Path | None = None, xlsx: bool = False,
                 docs_url: str | None = None) -> list[Path]:
    """Read the results in ``folder`` and write the report (``folder/report.html`` unless ``out``),
    atomically; with ``xlsx`` also the workbook (same name, ``.xlsx``). Returns the files written.

    A report is written only as a new file or over a report capsim wrote (:func:`check_report_file`),
    checked before the page is made and again at the rename. A ``docs_url`` that is neither an
    http(s):// address nor a relative path is refused first."""
    problem = None if docs_url is None else docs_url_problem(docs_url)
    if problem:
        raise ScenarioError(f"--docs-url {docs_url!r}: {problem}")
    results = read_folder(folder)
    target = Path(out) if out is not None else results.path / REPORT_NAME
    if target.is_dir():
        raise ScenarioError(f"{target}: is a folder; --out names the report file")
    if not target.parent.is_dir():
        raise ScenarioError(f"{target.parent}: no such folder for the report")
    book = target.with_suffix(".xlsx") if xlsx else None
    if book is not None and os.path.abspath(book) == os.path.abspath(target):
        raise ScenarioError(f"{target}: the workbook would be written over the report; give --out a name "
                            "ending in .html")
    kinds = [(target, is_capsim_report)] + ([(book, _is_workbook)] if book is not None else [])
    for path, mark in kinds:
        check_report_file(path, results, mark)
    written = [_atomic_write(target, build_html(results, target.parent, docs_url).encode("utf-8"), results,
                             is_capsim_report)]
    if book is not None:
        from .xlsx import workbook_bytes

        written.append(_atomic_write(book, workbook_bytes(results), results, _is_workbook))
    return written


def _is_workbook(path: Path) -> bool:
    from .xlsx import is_capsim_workbook

    return is_capsim_workbook(path)


def check_report_file(path: Path, results: ResultsFolder, mark) -> None:
    """Refuse to write ``path`` unless it is new or a report capsim wrote (``mark(path)``); never a
    table or the manifest of a results folder, never the scenario of the results, never through a link,
    never into another capsim results folder (a folder with a manifest.json: its report is its own)."""
    folder = path.parent
    if (folder / "manifest.json").is_file() and not (results.path.is_dir() and os.path.samefile(folder, results.path)):
        raise ScenarioError(f"{path}: is inside another capsim results folder ({folder}); write this report in "
                            f"{results.path} or outside any results folder")
    if not os.path.lexists(path):
        return
    name = path.name
    if path.is_symlink():
        raise ScenarioError(f"{path}: is a symbolic link; the report is written only as a new file or over a "
                            "capsim report")
    if not path.is_file():
        raise ScenarioError(f"{path}: exists and is not a file; choose a new file for --out")
    scenario = ((results.manifest.get("scenario") or {}).get("resolved_path")
                if isinstance(results.manifest.get("scenario"), dict) else None)
    if name in OUTPUT_FILES - {REPORT_NAME, "report.xlsx"} and (path.parent / "manifest.json").is_file():
        raise ScenarioError(f"{path}: is a file of a results folder (its tables or manifest); --out names a new file "
                            "or a capsim report")
    if isinstance(scenario, str) and os.path.exists(scenario) and os.path.samefile(scenario, path):
        raise ScenarioError(f"{path}: is the scenario file of these results; --out names a new file or a capsim report")
    if not mark(path):
        raise ScenarioError(f"{path}: exists and is not a report capsim wrote; choose a new file for --out "
                            "(capsim replaces only its own reports)")


def _atomic_write(path: Path, data: bytes, results: ResultsFolder, mark) -> Path:
    """Write ``data`` beside ``path`` and rename it there: onto nothing (never replacing what
    appeared meanwhile), or over a capsim report checked again right before."""
    try:
        handle, tmp = tempfile.mkstemp(prefix=f".{path.name[:100]}.", suffix=".tmp", dir=path.parent)
    except OSError as exc:  # a read-only or full disk, no permission: one line, nothing written
        raise ScenarioError(f"{path}: cannot write the report: {exc.strerror or exc}") from None
    try:
        with os.fdopen(handle, "wb") as stream:
            stream.write(data)
        os.chmod(tmp, 0o644)
        with signals_held():
            SIGNALLED.check()  # a signal whose exception was swallowed: write nothing
            check_report_file(path, results, mark)
            try:
                if os.path.lexists(path):
                    os.replace(tmp, path)
                else:
                    rename_noreplace(Path(tmp), path)
            except FileExistsError:
                raise ScenarioError(f"{path}: appeared while the report was made; nothing was replaced") from None
            SIGNALLED.published(path)
    except BaseException as exc:
        Path(tmp).unlink(missing_ok=True)
        if isinstance(exc, OSError):
            raise ScenarioError(f"{path}: cannot write the report: {exc.strerror or exc}") from None
        raise
    return path
