"""The Dash app of ``capsim serve``: the layout and its callbacks (docs/serve.md).

One callback answers every change: the URL (a link opened, Back/Forward, a reload), a slider, the
variant switch or the pinned setting. A URL is decoded and checked (:func:`sim.serve.state.decode`)
and the sliders are set from it; a slider or the variant switch writes the URL (a new history
entry, so Back is undo). Either way the setting is then run (:class:`sim.serve.compute.Runner`:
one at a time, stale requests dropped) and the headline, the A/B table and the charts are drawn.
Anything refused is said in the status line and not simulated.

Served from this process only: Dash's and Plotly's scripts come from the installed packages
(``serve_locally``), MathJax is off, and the two downloads are made in memory
(:mod:`sim.serve.downloads`), behind the same checks (a refused query gets 400).
"""

from __future__ import annotations

import math

from dash import ALL, Dash, Input, Output, State as Given, ctx, dcc, html, no_update
from dash.exceptions import PreventUpdate
from flask import Response, request

from ..errors import ScenarioError
from ..scenario.schema import Scenario
from ..version import __version__
from .compute import Busy, Runner
from .downloads import tables_zip, variant_yaml
from .guard import callback_guard
from .headline import differences, headline
from .levers import Lever, levers_of
from .marks import slider_marks
from .overlay import charts, has_goals
from .state import Refused, State, decode, encode, from_values, scenario_hash

CHART_IDS = ("growth", "share", "power")
MAX_REQUEST_BYTES = 1 << 20
TABLE_CSS = ("#ab-table th, #ab-table td {padding: 2px 10px; border-bottom: 1px solid #e3e3e8; text-align: right}"
             " #ab-table th:nth-child(-n+2), #ab-table td:nth-child(-n+2) {text-align: left}")
STYLE = {"font-family": "system-ui, -apple-system, 'Segoe UI', sans-serif", "margin": "0 auto", "max-width": "1500px",
         "padding": "0 16px", "color": "#222"}


def number(value: float, unit: str = "") -> str:
    text = f"{value:,.4g}" if abs(value) < 1e4 else f"{value:,.0f}"
    return f"{text} {unit}".strip() if unit and unit != "share" else text


def lever_control(i: int, lever: Lever) -> html.Div:
    marks = slider_marks(lever)  # short end labels inside the slider's width, "today" never over an end
    return html.Div([
        html.Label(lever.label, title=f"{lever.path}\nsource: {lever.source}",
                   style={"font-weight": "600", "cursor": "help"}),
        html.Div(f"today {number(lever.today, lever.unit)}"
                 f"; plausible {number(lever.low)} to {number(lever.high, lever.unit)}",
                 style={"font-size": "12px", "color": "#555"}),
        dcc.Slider(id={"type": "lever", "index": i}, min=lever.low, max=lever.high, step=lever.step, value=lever.today,
                   marks=marks, updatemode="mouseup", tooltip={"placement": "bottom"}),
    ], style={"margin-bottom": "14px"}, className="lever", **{"data-path": lever.path})


def figure_dict(chart) -> dict:
    return chart.figure.to_dict() if chart is not None else {}


def build_app(scenario: Scenario, replications: int, seed: int = 0, runner: Runner | None = None) -> Dash:
    """The app on ``scenario``; ``runner`` is made when not given (tests pass theirs to count runs)."""
    runner = runner or Runner(scenario, replications, seed)
    levers = levers_of(scenario)
    variants = list(scenario.variants)
    scenario_id = scenario_hash(scenario)
    specs = [{**t.model_dump(mode="json", by_alias=True, exclude_none=True), "role": t.role or "plan"}
             for t in scenario.targets]
    basis = scenario.accounting.label or "as reported"
    chart_ids = CHART_IDS + (("goals",) if has_goals(specs) else ())  # the goals chart when a target sets one

    def parse(search: str | None) -> State:
        return decode(search, levers, variants, scenario_id, __version__, seed)

    def seed_of(search: str | None) -> int:
        """The link's seed; the app's when the link is refused (a slider moved after a foreign link
        opened starts a setting of this app)."""
        try:
            return parse(search).seed
        except Refused:
            return seed

    app = Dash(__name__, serve_locally=True, title=f"capsim serve: {scenario.name}", update_title=None,
               compress=False, include_assets_files=False)  # no assets/ folder is looked for
    app.scripts.config.serve_locally = True
    app.server.config["MAX_CONTENT_LENGTH"] = MAX_REQUEST_BYTES  # a larger request body gets 413
    app.server.before_request(callback_guard(levers, variants, parse))  # a malformed callback request gets 400
    app.index_string = app.index_string.replace("{%css%}", "{%css%}<style>" + TABLE_CSS + "</style>")
    app.css.config.serve_locally = True
    app.layout = html.Div([
        dcc.Location(id="url", refresh=False),
        dcc.Store(id="pinned", data=None),
        html.H1(f"{scenario.name}: move a lever", style={"font-size": "22px", "margin": "12px 0 4px"}),
        html.Div(f"scenario {scenario_id}, capsim {__version__}, {runner.replications:,} replications, "
                 f"the base in grey and this setting in colour (same seed: common random numbers)",
                 style={"font-size": "12px", "color": "#555"}),
        html.Div(id="status", role="status", style={"margin": "8px 0", "min-height": "20px", "font-weight": "600"}),
        html.Div([
            html.Div([
                html.Label("Switch on a variant", htmlFor="variant", style={"font-weight": "600"}),
                dcc.Dropdown(id="variant", options=[{"label": f"{n} ({v.kind or 'unclassified'}): {v.description or ''}",
                                                     "value": n} for n, v in scenario.variants.items()],
                             value=None, placeholder="none (the base)", clearable=True),
                html.Hr(),
                *[lever_control(i, lever) for i, lever in enumerate(levers)],
                html.Hr(),
                html.Button("Pin this setting as A", id="pin", n_clicks=0),
                html.Button("Unpin", id="unpin", n_clicks=0, style={"margin-left": "8px"}),
                html.Div([html.A("Download this setting (variant YAML)", id="get-yaml", href="", download="variant.yaml"),
                          html.Br(), html.A("Download its tables (zip of CSV)", id="get-zip", href="",
                                            download="capsim-setting.zip")], style={"margin-top": "10px"}),
            ], style={"flex": "0 0 380px", "padding": "0 20px 0 10px", "max-height": "calc(100vh - 110px)",
                      "overflow-y": "auto"}),
            dcc.Loading(html.Div([
                html.Div(id="headline"), html.Div(id="ab"),
                *[dcc.Graph(id=i, config={"displaylogo": False}, mathjax=False) for i in chart_ids],
            ]), id="loading", delay_show=150, overlay_style={"visibility": "visible", "opacity": 0.55},
                parent_style={"flex": "1 1 auto", "min-width": "0"}),
        ], style={"display": "flex", "align-items": "flex-start"}),
    ], style=STYLE)

    outputs = [Output("url", "search"), Output({"type": "lever", "index": ALL}, "value"), Output("variant", "value"),
               Output("status", "children"), Output("headline", "children"), Output("ab", "children"),
               *[Output(i, "figure") for i in chart_ids], Output("get-yaml", "href"), Output("get-zip", "href")]

    @app.callback(*outputs, Input("url", "search"), Input({"type": "lever", "index": ALL}, "value"),
                  Input("variant", "value"), Input("pinned", "data"))
    def answer(search, values, variant, pinned):
        keep = [no_update] * (len(outputs) - 3)
        keep_sliders = [no_update] * len(ctx.outputs_list[1])  # as many as the request names
        try:
            changed = set(ctx.triggered_prop_ids)
            from_url = "url.search" in changed or not any(c.startswith("{") or c == "variant.value" for c in changed)
            if not isinstance(values, list) or len(values) != len(levers) or len(keep_sliders) != len(levers):
                raise Refused("the request does not match this app's levers")
            if from_url:
                state = parse(search)
                sliders = [state.values.get(lever.path, lever.today) for lever in levers]
                url = no_update
            else:
                if variant is not None and variant not in variants:
                    raise Refused(f"unknown variant {variant!r}")
                moved = {}
                for lever, value in zip(levers, values):
                    problem = lever.check(value)
                    if problem:
                        raise Refused(problem)
                    moved[lever.path] = value
                state = from_values(levers, moved, variant, seed_of(search))
                sliders, url = keep_sliders, encode(state, scenario_id, __version__)
        except Refused as exc:
            return [no_update, keep_sliders, no_update, f"Refused, not simulated: {exc}", *([no_update] * (len(outputs) - 4))]
        link = encode(state, scenario_id, __version__)
        head = [url, sliders, state.variant if from_url else no_update]
        try:
            pin = parse(pinned) if pinned else None  # an invalid A is refused before anything runs
            ticket = runner.ticket()
            base = runner.run(State(seed=state.seed), ticket)  # a burst waiting for the base is superseded too
            setting = runner.run(state, ticket) if base is not None else None
            if setting is None:
                raise PreventUpdate  # a newer request came: this one is stale
            a = runner.run(pin) if pin is not None else None
        except ScenarioError as exc:
            return [*head, f"Refused, not simulated: {'; '.join(str(p) for p in exc.problems)}", *keep[1:]]
        except Refused as exc:
            return [*head, f"Refused, not simulated (pinned A): {exc}", *keep[1:]]
        except Busy as exc:
            return [*head, f"Busy: {exc}", *keep[1:]]
        drawn = charts(base, setting, specs, basis)
        by_id = {c.id: c for c in drawn}
        moved = ", ".join(f"{p} = {v:g}" for p, v in state.values.items()) or "every lever at today's value"
        status = f"Setting: {moved}" + (f"; variant {state.variant}" if state.variant else "")
        return [*head, status, headline_block(headline(setting)), ab_block(a, setting, pinned),
                *[figure_dict(by_id.get(i)) for i in chart_ids],
                f"/download/variant.yaml{link}", f"/download/tables.zip{link}"]

    @app.callback(Output("pinned", "data"), Input("pin", "n_clicks"), Input("unpin", "n_clicks"),
                  Given("url", "search"), prevent_initial_call=True)
    def pin(_, __, search):
        if ctx.triggered_id == "unpin":
            return None
        try:
            return encode(parse(search), scenario_id, __version__)
        except Refused:
            raise PreventUpdate from None

    def download(make, mimetype: str):
        try:
            state = parse(request.query_string.decode("utf-8", "replace"))
        except Refused as exc:
            return Response(f"refused: {exc}\n", status=409 if exc.mismatch else 400, mimetype="text/plain")
        try:
            body = make(runner, state, scenario_id)
        except ScenarioError as exc:
            return Response(f"refused: {'; '.join(str(p) for p in exc.problems)}\n", status=400, mimetype="text/plain")
        except Busy as exc:
            return Response(f"busy: {exc}\n", status=503, mimetype="text/plain")
        return Response(body, mimetype=mimetype)

    app.server.add_url_rule("/download/variant.yaml", "variant_yaml",
                            lambda: download(variant_yaml, "application/yaml"))
    app.server.add_url_rule("/download/tables.zip", "tables_zip", lambda: download(tables_zip, "application/zip"))
    app.runner = runner
    app.levers = levers
    app.scenario_id = scenario_id
    return app


def headline_block(figures) -> html.Div:
    return html.Div([html.Div([html.Span(f.label + ": ", style={"font-weight": "600"}),
                               html.Span(f.text, id=f"headline-{f.id}",
                                         **{"data-value": repr(f.value) if math.isfinite(f.value) else "nan"})],
                              style={"margin": "3px 0"}) for f in figures],
                    style={"background": "#f5f5f8", "padding": "10px 14px", "border-radius": "6px"})


def ab_block(a, b, pinned: str | None) -> html.Div | str:
    if a is None:
        return html.Div("Pin a setting as A to compare: then change levers and see B - A here.",
                        style={"font-size": "12px", "color": "#555", "margin": "6px 0"})
    rows = differences(a, b)
    head = html.Tr([html.Th(t) for t in ("output", "when", "A", "B (this setting)", "B - A (mean)", "95% interval (paired)")])
    body = [html.Tr([html.Td(r["output"]), html.Td(r["when"]), html.Td(f"{r['a']:,.4g}"), html.Td(f"{r['b']:,.4g}"),
                     html.Td(f"{r['diff']:+,.4g}", className="diff", **{"data-value": repr(r["diff"])}),
                     html.Td(f"{r['low']:+,.4g} to {r['high']:+,.4g}")]) for r in rows]
    return html.Div([html.Div(f"A = {pinned}", style={"font-size": "12px", "color": "#555", "word-break": "break-all"}),
                     html.Table([html.Thead(head), html.Tbody(body)], id="ab-table",
                                style={"border-collapse": "collapse", "font-size": "13px"})],
                    style={"margin": "8px 0"})
