"""Plotly figures as plain dicts: the JSON that plotly.js draws, built without plotly.py.

A :class:`Figure` holds ``data`` (a list of trace dicts, each with its ``type``) and ``layout`` (a
dict), in Plotly's figure schema (https://plotly.com/javascript/reference/). Its methods are the
few of ``plotly.graph_objects.Figure`` the report's charts use, with the same effect on the JSON:
``update_layout`` and ``update_xaxes``/``update_yaxes`` merge nested dicts (a ``None`` removes a
property), ``add_vline``/``add_hline`` add the same shapes and annotations, and
:func:`make_subplots` lays out a grid with the same axis domains, shared axes and title
annotations as ``plotly.subplots.make_subplots``. Building the page this way costs a small part
of what plotly.py's per-property validation costs; the tests check that plotly.py accepts every
figure as it is and would write the same JSON (tests/test_report_figures.py).
"""

from __future__ import annotations

import json
import math
import re

TEMPLATE_NONE = {"data": {"scatter": [{"type": "scatter"}]}}
"""Plotly's ``template="none"`` as plotly.py writes it into a figure's JSON (no styling)."""
_LINE_LABELS = {  # (vline or hline, position) -> (xanchor, yanchor, where along the line: 0, 0.5 or 1)
    **{("vline", p): a for p, a in (("top left", ("right", "top", 1)), ("top right", ("left", "top", 1)),
                                    ("top", ("center", "bottom", 1)), ("bottom left", ("right", "bottom", 0)),
                                    ("bottom right", ("left", "bottom", 0)), ("bottom", ("center", "top", 0)),
                                    ("left", ("right", "middle", 0.5)), ("right", ("left", "middle", 0.5)))},
    **{("hline", p): a for p, a in (("top left", ("left", "bottom", 0)), ("top right", ("right", "bottom", 1)),
                                    ("top", ("center", "bottom", 0.5)), ("bottom left", ("left", "top", 0)),
                                    ("bottom right", ("right", "top", 1)), ("bottom", ("center", "top", 0.5)),
                                    ("left", ("right", "middle", 0)), ("right", ("left", "middle", 1)))},
}
"""Where plotly.py puts a line's annotation for each ``annotation_position``."""


TEXT_PROPS = ("name", "text", "customdata", "hovertext", "x", "y")
"""Trace properties whose texts plotly.js draws as its HTML subset (legend entries, labels, hover
texts, category ticks): :func:`trace` writes the texts in them with :func:`plain`."""


def plain(text: str) -> str:
    """``text`` shown as it is, not as Plotly markup: ``&``, ``<`` and ``>`` as entities, which
    plotly.js draws as the characters (a project named ``<b>x</b>`` is not drawn bold)."""
    return str(text).replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def _plain_texts(value: object) -> object:
    if isinstance(value, str):
        return plain(value)
    if isinstance(value, (list, tuple)):
        return [_plain_texts(v) for v in value]
    return value


def trace(kind: str, **props) -> dict:
    """A trace of type ``kind`` ('scatter', 'bar', 'heatmap'); properties given as None are left
    out, and every text in :data:`TEXT_PROPS` is plain text (names come from the user's files).
    Texts given elsewhere (titles, annotations) go through :func:`plain` where they are made."""
    return {"type": kind, **{k: _plain_texts(v) if k in TEXT_PROPS else v for k, v in props.items()
                             if v is not None}}


def scatter(**props) -> dict:
    return trace("scatter", **props)


def bar(**props) -> dict:
    return trace("bar", **props)


def heatmap(**props) -> dict:
    return trace("heatmap", **props)


def merge(target: dict, props: dict) -> dict:
    """Merge ``props`` into ``target`` as plotly.py's ``update`` does: nested dicts merge, any other
    value replaces, None removes (a dict left empty stays, one that would be made empty is not
    made). Returns ``target``."""
    for key, value in props.items():
        if value is None:
            target.pop(key, None)
        elif isinstance(value, dict):
            inner = target.get(key)
            if isinstance(inner, dict):
                merge(inner, value)
            elif inner := merge({}, value):
                target[key] = inner
        else:
            target[key] = value
    return target


class Figure:
    """A figure's ``data`` and ``layout`` as dicts; ``row``/``col`` (from 1) name a cell of the
    grid of :func:`make_subplots`."""

    def __init__(self, data: dict | list[dict] | None = None) -> None:
        self.data: list[dict] = [data] if isinstance(data, dict) else list(data or [])
        self.layout: dict = {}
        self.grid: list[list[tuple[str, str]]] | None = None  # [row][col] -> ("x2", "y2")

    def _cell(self, row: int, col: int) -> tuple[str, str]:
        if self.grid is None:
            raise ValueError("row and col need a figure made by make_subplots")
        if not (1 <= row <= len(self.grid) and 1 <= col <= len(self.grid[0])):
            raise ValueError(f"no subplot at row {row}, col {col}")
        return self.grid[row - 1][col - 1]

    def add_trace(self, item: dict, row: int | None = None, col: int | None = None) -> Figure:
        if row is not None or col is not None:
            x, y = self._cell(row or 1, col or 1)
            item = {**item, "xaxis": x, "yaxis": y}
        self.data.append(item)
        return self

    def update_layout(self, **props) -> Figure:
        merge(self.layout, props)
        return self

    def _axes(self, letter: str, row: int | None, col: int | None) -> list[str]:
        if row is None and col is None:
            pattern = re.compile(letter + r"axis(\d*)")
            found = {k for k in self.layout if pattern.fullmatch(k)} | {f"{letter}axis"}
            return sorted(found, key=lambda k: int(k[5:] or 1))
        if self.grid is None:
            raise ValueError("row and col need a figure made by make_subplots")
        index = 0 if letter == "x" else 1
        return [f"{letter}axis{cell[index][1:]}" for r, cells in enumerate(self.grid, 1) for c, cell in
                enumerate(cells, 1) if (row is None or r == row) and (col is None or c == col)]

    def update_xaxes(self, row: int | None = None, col: int | None = None, **props) -> Figure:
        for name in self._axes("x", row, col):
            merge(self.layout, {name: props})
        return self

    def update_yaxes(self, row: int | None = None, col: int | None = None, **props) -> Figure:
        for name in self._axes("y", row, col):
            merge(self.layout, {name: props})
        return self

    def update_annotations(self, **props) -> Figure:
        for annotation in self.layout.get("annotations", ()):
            merge(annotation, props)
        return self

    def _spanning_line(self, kind: str, value: float, line: dict, row: int | None, col: int | None,
                       annotation_text: str | None, annotation_position: str | None) -> Figure:
        x, y = self._cell(row or 1, col or 1) if (row is not None or col is not None) else ("x", "y")
        if kind == "vline":
            shape = {"type": "line", "x0": value, "x1": value, "xref": x, "y0": 0, "y1": 1, "yref": f"{y} domain"}
        else:
            shape = {"type": "line", "x0": 0, "x1": 1, "xref": f"{x} domain", "y0": value, "y1": value, "yref": y}
        self.layout.setdefault("shapes", []).append({**shape, "line": line})
        if annotation_text is not None:
            xanchor, yanchor, at = _LINE_LABELS[(kind, annotation_position or "top right")]
            across = float(value) if at == 0.5 else value  # plotly.py takes the mean of the line's two ends
            x_at, y_at = (across, at) if kind == "vline" else (at, across)
            self.layout.setdefault("annotations", []).append(
                {"xanchor": xanchor, "yanchor": yanchor, "x": x_at, "y": y_at, "showarrow": False,
                 "text": annotation_text, "xref": shape["xref"], "yref": shape["yref"]})
        return self

    def add_vline(self, x: float, line: dict, row: int | None = None, col: int | None = None,
                  annotation_text: str | None = None, annotation_position: str | None = None) -> Figure:
        """A vertical line at ``x`` across the plot's height (a shape), with an optional label."""
        return self._spanning_line("vline", x, line, row, col, annotation_text, annotation_position)

    def add_hline(self, y: float, line: dict, row: int | None = None, col: int | None = None,
                  annotation_text: str | None = None, annotation_position: str | None = None) -> Figure:
        """A horizontal line at ``y`` across the plot's width (a shape), with an optional label."""
        return self._spanning_line("hline", y, line, row, col, annotation_text, annotation_position)

    def to_dict(self) -> dict:
        """``{"data": [...], "layout": {...}}``, the object ``Plotly.newPlot`` takes."""
        return {"data": self.data, "layout": self.layout}

    def to_json(self) -> str:
        """The figure as compact JSON, as plotly.py writes it: NaN and infinities as null, numpy
        numbers as plain numbers, and ``<``, ``>`` and ``/`` escaped so that no text in it can
        end or comment out the page's ``<script>``."""
        try:
            text = json.dumps(self.to_dict(), separators=(",", ":"), allow_nan=False, default=_plain)
        except ValueError:  # a NaN or an infinity: null, as plotly.py writes them
            text = json.dumps(_finite(self.to_dict()), separators=(",", ":"), default=_plain)
        return text.replace("<", "\\u003c").replace(">", "\\u003e").replace("/", "\\u002f")


def _plain(value: object) -> object:
    """numpy and pandas values as JSON's (json.dumps calls this for what it cannot write)."""
    if hasattr(value, "tolist"):  # numpy arrays and scalars, pandas Series and Index
        return value.tolist()
    raise TypeError(f"cannot write {type(value).__name__} into a figure's JSON")


def _finite(value: object) -> object:
    if isinstance(value, float):
        return value if math.isfinite(value) else None
    if isinstance(value, dict):
        return {k: _finite(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [_finite(v) for v in value]
    if hasattr(value, "tolist"):
        return _finite(value.tolist())
    return value


def make_subplots(rows: int = 1, cols: int = 1, shared_xaxes: bool = False, shared_yaxes: bool = False,
                  vertical_spacing: float | None = None, horizontal_spacing: float | None = None,
                  subplot_titles: list[str] | tuple[str, ...] | None = None,
                  row_heights: list[float] | None = None) -> Figure:
    """A figure with a ``rows`` x ``cols`` grid of x-y subplots, the first row at the top, laid
    out as ``plotly.subplots.make_subplots`` does (same domains to the last bit, same axis
    numbering row by row, ``matches`` for shared axes, a title annotation above each subplot)."""
    h = 0.2 / cols if horizontal_spacing is None else horizontal_spacing
    v = 0.3 / rows if vertical_spacing is None else vertical_spacing
    widths = [(1.0 - h * (cols - 1)) / cols] * cols
    if row_heights is None:
        heights = [(1.0 - v * (rows - 1)) / rows] * rows
    else:
        total = float(sum(row_heights))
        heights = [(1.0 - v * (rows - 1)) * (r / total) for r in row_heights][::-1]
    starts = [[(sum(widths[:c]) + c * h, sum(heights[:r]) + r * v) for c in range(cols)]
              for r in range(rows)[::-1]]
    fig = Figure()
    fig.grid = []
    domains = []
    for r in range(rows):
        cells = []
        for c in range(cols):
            x0, y0 = starts[r][c]
            x_domain = [x0 + 0.0, x0 + widths[c] - 0.0]
            y_domain = [_clamp(y0 + 0.0), _clamp(y0 + heights[-1 - r] - 0.0)]
            n = len(domains) // 2 + 1
            x, y = ("x", "y") if n == 1 else (f"x{n}", f"y{n}")
            fig.layout[f"xaxis{'' if n == 1 else n}"] = {"domain": x_domain, "anchor": y}
            fig.layout[f"yaxis{'' if n == 1 else n}"] = {"domain": y_domain, "anchor": x}
            domains += [x_domain, y_domain]
            cells.append((x, y))
        fig.grid.append(cells)
    if shared_xaxes:  # each column matches its bottom subplot's x axis
        for c in range(cols):
            _share(fig.layout, [fig.grid[r][c][0] for r in range(rows)[::-1]], "x")
    if shared_yaxes:  # each row matches its first subplot's y axis
        for r in range(rows)[::-1]:
            _share(fig.layout, [fig.grid[r][c][1] for c in range(cols)], "y")
    titles = []
    for i, text in enumerate(subplot_titles or ()):
        if text and i < len(domains) // 2:
            x_domain, y_domain = domains[2 * i], domains[2 * i + 1]
            titles.append({"y": y_domain[1], "xref": "paper", "x": sum(x_domain) / 2.0, "yref": "paper",
                           "text": text, "showarrow": False, "font": {"size": 16}, "xanchor": "center",
                           "yanchor": "bottom"})
    if titles:
        fig.layout["annotations"] = titles
    return fig


def _share(layout: dict, axes: list[str], letter: str) -> None:
    for axis in axes[1:]:
        layout[f"{letter}axis{axis[1:]}"].update(matches=axes[0], showticklabels=False)


def _clamp(value: float) -> float:
    """plotly.py's rounding of a domain end a hair outside [0, 1] back onto it."""
    return 0.0 if -0.01 < value < 0.0 else 1.0 if 1.0 < value < 1.01 else value
