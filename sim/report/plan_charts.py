"""The report's charts of the plan's parts: the projects' timeline and the power of each site.

Both name projects and sites by their ``name:`` in the scenario (the id when it has none). The
timeline shows what the PNG timeline shows (:mod:`sim.plots.timeline`): the planned month (open
diamond), the simulated online months P10 to P90 (bar) and median (marker), an arrow from the
planned to the median month where they differ (the slip), and the share of runs in which the
project is built (right margin); rows by class, by planned month within a class. The sites chart
is a stacked area of every site's median facility power and small multiples on one MW scale, each
panel titled with its site's name and peak.
"""

from __future__ import annotations

import pandas as pd

from ..colours import (
    CLASS_COLOURS,
    LABEL_CHARS,
    MEDIAN_COLOUR,
    SERIES_COLOURS,
    VARIANT_PALETTE,
    row_names,
    short,
)
from .charts import (
    CLASS_NAMES,
    CLASS_STYLE,
    GRID_COLOUR,
    MONTH_TEXT,
    Chart,
    _layout,
    fit_timeline,
    median_band,
    rounded,
)
from .figure import Figure, make_subplots, plain, scatter
from .text import pick_variant, rows_of
from .timeaxis import month_axis, month_end, month_start

CLASS_ORDER = ("general", "intelligent", "supercomputing")
SLIP_COLOUR = "#C0392B"
"""The arrow from the planned month to the median simulated month."""
ROW_PX = 24
STACK_MOST = 12
"""Layers of the sites' stack at most: beyond, the largest sites by peak and one for the others."""


def project_names(scenario: dict | None) -> dict[str, str]:
    """Project id -> its ``name:`` (the id when it has none), from the resolved scenario."""
    projects = (scenario or {}).get("projects") or ()
    return {str(p.get("id")): str(p.get("name") or p.get("id")) for p in projects if isinstance(p, dict)}


def site_names(scenario: dict | None) -> dict[str, str]:
    """Site id -> its ``name:`` (the id when it has none), from the resolved scenario."""
    sites = (scenario or {}).get("sites") or {}
    return {str(k): str((v or {}).get("name") or k) for k, v in sites.items()} if isinstance(sites, dict) else {}


def _mid(month: str) -> str:
    return f"{month}-15"


def _labels(rows: pd.DataFrame, names: dict[str, str]) -> list[str]:
    """One distinct row label per project: its short name (with its id where two names clash)."""
    return row_names(rows["project"], names)


def timeline_order(rows: pd.DataFrame) -> pd.DataFrame:
    """Rows by class (general, AI, supercomputing, then others), by planned month within a class
    (projects without one after those with one), then median month and id; aggregates last."""
    order = {c: i for i, c in enumerate(CLASS_ORDER)}
    key = rows.assign(
        _class=[order.get(c, len(order)) for c in rows.get("class", pd.Series([""] * len(rows), index=rows.index))],
        _aggregate=rows["_members"].fillna(0).astype(int) > 0 if "_members" in rows else False,
        _planned=[p if MONTH_TEXT.match(str(p)) else "9999-99" for p in rows.get("planned_online", [""] * len(rows))],
        _p50=rows["online_p50"].astype(str))
    key = key.sort_values(["_class", "_aggregate", "_planned", "_p50", "project"], kind="stable")
    return key.drop(columns=["_class", "_aggregate", "_planned", "_p50"])


def timeline_chart(projects: pd.DataFrame, names: dict[str, str] | None = None) -> Chart | None:
    rows = pick_variant(projects)
    if not {"online_p10", "online_p50", "online_p90"} <= set(rows.columns):
        return None
    if "status" in rows.columns and (rows["status"] != "operating").any():
        rows = rows[rows["status"] != "operating"]
    rows = rows[rows["online_p50"].astype(str).str.match(r"^\d{4}-\d{2}$")]
    if rows.empty:
        return None
    total = len(rows)
    rows, note = fit_timeline(rows)
    rows = timeline_order(rows.fillna({"planned_online": ""}) if "planned_online" in rows else rows)
    names = names or {}
    labels = _labels(rows, names)
    rows = rows.assign(_label=labels)
    months = [m for c in ("online_p10", "online_p50", "online_p90", "planned_online") if c in rows
              for m in rows[c].astype(str) if MONTH_TEXT.match(m)]
    right = month_end(max(months))
    fig = Figure()
    for cls in dict.fromkeys(rows.get("class", pd.Series(["project"] * len(rows)))):
        part = rows[rows["class"] == cls] if "class" in rows.columns else rows
        colour = CLASS_COLOURS.get(cls, MEDIAN_COLOUR)
        symbol = CLASS_STYLE.get(cls, ("solid", "circle"))[1]
        xs, ys = [], []
        for _, r in part.iterrows():
            low = r["online_p10"] if MONTH_TEXT.match(str(r["online_p10"])) else r["online_p50"]
            high = month_end(r["online_p90"]) if MONTH_TEXT.match(str(r["online_p90"])) else right
            xs += [month_start(low), high, None]
            ys += [r["_label"], r["_label"], None]
        fig.add_trace(scatter(x=xs, y=ys, mode="lines", line={"color": colour, "width": 7},
                              opacity=0.55, name=f"{CLASS_NAMES.get(cls, cls)}: P10 to P90 (runs where built)",
                              legendgroup=str(cls), hoverinfo="skip"))
        if "_members" in part.columns:  # the aggregated rows have their bar, but no median
            part = part[part["_members"].fillna(0) == 0]
        hover = [_hover(r, names, cls) for _, r in part.iterrows()]
        fig.add_trace(scatter(x=[_mid(m) for m in part["online_p50"]], y=list(part["_label"]), mode="markers",
                              marker={"symbol": symbol, "size": 11, "color": colour,
                                      "line": {"width": 1, "color": MEDIAN_COLOUR}},
                              name=f"{CLASS_NAMES.get(cls, cls)}: median month online", legendgroup=str(cls),
                              customdata=hover, hovertemplate="%{customdata}<extra></extra>"))
    _planned_and_slips(fig, rows)
    _built_column(fig, rows)
    height = max(300, 130 + ROW_PX * len(rows))
    _layout(fig, "When the projects come online" + (f"<br><sub>{total:,} projects: {note}</sub>" if note else ""),
            "", height=height)
    fig.update_yaxes(autorange="reversed", rangemode="normal", title={"text": None}, automargin=True,
                     type="category", categoryorder="array", categoryarray=[plain(label) for label in rows["_label"]],
                     tickfont={"size": 11})
    month_axis(fig)
    fig.update_xaxes(hoverformat="%b %Y")
    fig.update_layout(hovermode="closest", margin={"r": 80, "t": 80 if note else 60},
                      legend={"y": -80 / height})
    return Chart("timeline", "Project timeline",
                 "Timeline of each project not operating at the start, by class and by planned month: the planned "
                 "month (open diamond), a bar from the P10 to the P90 month it comes online in the runs where it is "
                 "built, a marker at the median month (its shape tells the class), an arrow from the planned to "
                 "the median month where they differ, and at the right the share of runs in which it is built."
                 + (f" {total:,} projects: {note}; an aggregated row is a bar from the earliest P10 to the latest "
                    "P90 month of its projects, with no median." if note else ""), fig)


def _hover(r, names: dict[str, str], cls: str) -> str:
    name = names.get(str(r["project"]), str(r["project"]))
    planned = str(r.get("planned_online", "") or "")
    text = (f"{name} ({CLASS_NAMES.get(cls, cls)}, site {r.get('site', '')}): "
            + (f"planned {planned}; " if MONTH_TEXT.match(planned) else "")
            + f"online median {r['online_p50']}, P10–P90 {r['online_p10']} to {r['online_p90']}")
    if "go_share" in r and pd.notna(r["go_share"]):
        text += f"; built in {float(r['go_share']):.0%} of runs"
    return text


def _planned_and_slips(fig: Figure, rows: pd.DataFrame) -> None:
    """The planned month of each project as an open diamond, and an arrow from it to the median
    month where the two differ (one legend entry for the arrows, drawn as annotations)."""
    if "planned_online" not in rows:
        return
    planned = rows[rows["planned_online"].astype(str).str.match(r"^\d{4}-\d{2}$")]
    if planned.empty:
        return
    fig.add_trace(scatter(x=[_mid(m) for m in planned["planned_online"]], y=list(planned["_label"]), mode="markers",
                          marker={"symbol": "diamond-open", "size": 11, "color": MEDIAN_COLOUR, "line": {"width": 2}},
                          name="planned online", customdata=[f"planned online {m}" for m in planned["planned_online"]],
                          hovertemplate="%{y}: %{customdata}<extra></extra>"))
    slips = planned[planned["online_p50"].astype(str).str.match(r"^\d{4}-\d{2}$")
                    & (planned["online_p50"].astype(str) != planned["planned_online"].astype(str))]
    for _, r in slips.iterrows():
        fig.layout.setdefault("annotations", []).append(
            {"x": _mid(r["online_p50"]), "y": plain(r["_label"]), "ax": _mid(r["planned_online"]),
             "ay": plain(r["_label"]), "xref": "x", "yref": "y", "axref": "x", "ayref": "y", "text": "",
             "showarrow": True, "arrowhead": 2, "arrowsize": 1, "arrowwidth": 1.5, "arrowcolor": SLIP_COLOUR,
             "standoff": 6, "startstandoff": 6})
    if not slips.empty:
        fig.add_trace(scatter(x=[None], y=[None], mode="lines+markers", name="slip: planned → median month",
                              line={"color": SLIP_COLOUR, "width": 1.5},
                              marker={"symbol": "triangle-right", "color": SLIP_COLOUR, "size": 8},
                              hoverinfo="skip"))


def _built_column(fig: Figure, rows: pd.DataFrame) -> None:
    """The share of runs in which each project is built, right of the plot, under a header."""
    if "go_share" not in rows:
        return
    notes = fig.layout.setdefault("annotations", [])
    notes.append({"x": 1.01, "y": 1.0, "xref": "paper", "yref": "paper", "text": "built in<br>% of runs",
                  "showarrow": False, "xanchor": "left", "yanchor": "bottom", "font": {"size": 11}})
    for _, r in rows.iterrows():
        share = pd.to_numeric(r["go_share"], errors="coerce")
        if pd.notna(share):
            members = int(r.get("_members", 0) or 0)
            notes.append({"x": 1.01, "y": plain(r["_label"]), "xref": "paper", "yref": "y", "showarrow": False,
                          "text": f"{'mean ' if members else ''}{float(share):.0%}", "xanchor": "left",
                          "font": {"size": 11}})


def sites_chart(sites: pd.DataFrame, names: dict[str, str] | None = None) -> Chart | None:
    """Facility power of each site, monthly average MW: a stacked area of every site's median on
    top, then one panel per site (two columns, sites.csv's order), all on the same MW scale, each
    titled with its site's name and its peak median facility MW; medians with their P10–P90 band,
    and the median IT load dashed."""
    rows = pick_variant(sites)
    ids = list(rows["site"].unique()) if "site" in rows.columns else []
    if not ids or rows_of(rows, "facility_mw").empty:
        return None
    names = names or {}
    peaks = {s: float(rows_of(rows[rows["site"] == s], "facility_mw")["p50"].max()) for s in ids}
    cols = 1 if len(ids) == 1 else 2
    count = -(-len(ids) // cols)
    stack = len(ids) > 1  # one site: its own panel is the total, no stack of one layer above it
    titles = (["all sites, stacked (median)"] + ([""] if cols == 2 else [])) * stack + [
        plain(f"{short(names.get(s, s), LABEL_CHARS)}: peak {peaks[s]:,.0f} MW") for s in ids]
    fig = make_subplots(rows=count + stack, cols=cols, subplot_titles=titles, vertical_spacing=min(0.1, 0.45 / count),
                        horizontal_spacing=0.08, row_heights=[1.6] * stack + [1.0] * count)
    layers = [(short(names.get(s, s), LABEL_CHARS), rows_of(rows[rows["site"] == s], "facility_mw")
               .set_index("month")["p50"]) for s in ids] if stack else []
    if len(layers) > STACK_MOST:  # the largest by peak, the others as one grey layer
        keep = sorted(sorted(range(len(ids)), key=lambda i: -peaks[ids[i]])[:STACK_MOST - 1])
        rest = [layers[i][1] for i in range(len(ids)) if i not in keep]
        layers = [layers[i] for i in keep] + [(f"{len(rest):,} other sites", pd.concat(rest, axis=1).sum(axis=1))]
    for i, (name, median) in enumerate(layers):  # the stack: every site's median, in sites.csv's order
        colour = "#BBBBBB" if name.endswith("other sites") and i == STACK_MOST - 1 else VARIANT_PALETTE[i % len(VARIANT_PALETTE)]
        fig.add_trace(scatter(x=[month_end(m) for m in median.index], y=rounded(median), mode="lines",
                              stackgroup="sites", name=name, line={"width": 0.5, "color": colour}, fillcolor=colour,
                              customdata=[f"{name}: {v:,.0f} MW" for v in median],
                              hovertemplate="%{customdata}<extra></extra>"), row=1, col=1)
    if cols == 2:
        fig.layout["xaxis2"]["visible"] = False
        fig.layout["yaxis2"]["visible"] = False
        fig.layout["xaxis"]["domain"] = [0.0, 1.0]
    top = float(rows_of(rows, "facility_mw")["p90"].max()) * 1.08
    top = top if top > 0 else 1.0  # every site at 0 MW: an axis of 0 to 1 MW
    for i, s in enumerate(ids):
        site = rows[rows["site"] == s]
        where = {"row": i // cols + 1 + stack, "col": i % cols + 1}
        median_band(fig, rows_of(site, "facility_mw"), f"{s} facility power", SERIES_COLOURS["facility_mw"], "MW",
                    shape="linear", **where)
        it_load = rows_of(site, "it_load_mw")
        if not it_load.empty:
            median_band(fig, it_load.assign(p10=it_load["p50"], p90=it_load["p50"]), f"{s} IT load",
                        SERIES_COLOURS["it_load_mw"], "MW", dash="dash", width=1.5, shape="linear", **where)
        fig.update_yaxes(range=[0, top], autorange=False, **where)
    for trace in fig.data:
        if trace.get("stackgroup") is None:
            trace["showlegend"] = False
    _layout(fig, "Power by site, monthly average MW (the panels share one scale)", "", height=260 + 170 * (count + stack))
    month_axis(fig)
    fig.update_layout(legend={"y": -0.04, "font": {"size": 11}})
    fig.update_xaxes(gridcolor=GRID_COLOUR)
    fig.update_annotations(font={"size": 12})
    fig.update_yaxes(title={"text": "MW"}, row=1, col=1)
    return Chart("sites", "Power by site",
                 (f"A stacked area of the median facility power of every site ({len(ids)}), then one panel per site "
                  if stack else "One panel for the one site ")
                 + "on one MW scale, titled with the site's name and its peak: monthly facility power, median (solid) "
                 "with its P10 to P90 band, and the median IT load (dashed).", fig)
