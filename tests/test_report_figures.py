"""The report's figures are plain dicts (sim/report/figure.py), built without plotly.py's
validation: plotly.py must accept every one as it is and write the same JSON for it, the subplot
grids must be plotly's to the last bit, and writing the report must import neither plotly.py (the
page carries its own plotly.js) nor matplotlib."""

from __future__ import annotations

import json
import math
import multiprocessing
import pickle
import subprocess
import sys
from concurrent.futures import ProcessPoolExecutor

import numpy as np
import pandas as pd
import plotly.graph_objects as go
import plotly.io as pio
import pytest
from plotly.subplots import make_subplots as plotly_subplots
from report_folders import MONTHS, compare_folder, plotly_json, run_folder

from conftest import REPO
from sim.report import figure, palette
from sim.report.page import charts_for, write_report
from sim.report.read import read_folder


def sites_folder(path):
    rows = [{"variant": "base", "month": month, "site": site, "metric": metric, "mean": value, "p10": value - 1,
             "p50": value, "p90": value + 1}
            for site, mw in (("north", 100.0), ("county", 3.0), ("east", 40.0))
            for i, month in enumerate(MONTHS) for metric, value in (("facility_mw", mw + i), ("it_load_mw", mw * 0.8))]
    folder = run_folder(path, grid_free_mw=(10.0, 20.0, 30.0), supply_stock_pflops=(0.0, 0.0, 50.0))
    pd.DataFrame(rows).to_csv(folder / "sites.csv", index=False)
    return folder


def test_plotly_accepts_every_chart_of_a_run_and_a_comparison_and_writes_the_same_json(tmp_path):
    charts = [*charts_for(read_folder(run_folder(tmp_path / "run"))),
              *charts_for(read_folder(sites_folder(tmp_path / "sites"))),
              *charts_for(read_folder(compare_folder(tmp_path / "cmp")))]
    assert {c.id for c in charts} == {"growth", "share", "power", "sites", "timeline", "limits", "differences",
                                      "variants-growth", "cost-effect"}
    for chart in charts:
        assert json.loads(chart.figure.to_json()) == plotly_json(chart.figure), chart.id


def plotly_layout(fig) -> dict:
    return json.loads(pio.to_json(fig.update_layout(template="none")))


@pytest.mark.parametrize("args", [
    {"rows": 2, "cols": 1, "vertical_spacing": 0.14, "row_heights": [0.62, 0.38],
     "subplot_titles": ("Monthly power (MW)", "Energy per year (TWh)")},
    {"rows": 1, "cols": 1, "vertical_spacing": 0.14},
    {"rows": 2, "cols": 1, "vertical_spacing": 0.16, "subplot_titles": ["grid (MW)", "supply (PFLOPS)"]},
    {"rows": 8, "cols": 2, "shared_xaxes": True, "vertical_spacing": 0.0625, "horizontal_spacing": 0.08,
     "subplot_titles": [f"site {i}" for i in range(15)]},
    {"rows": 3, "cols": 2, "shared_xaxes": True, "vertical_spacing": 0.12, "horizontal_spacing": 0.08,
     "subplot_titles": ["a", "", "c", "d", "e"]},
    {"rows": 1, "cols": 3, "shared_yaxes": True, "horizontal_spacing": 0.03, "subplot_titles": ["x", "y", "z"]},
    {"rows": 3, "cols": 3},
])
def test_make_subplots_lays_out_the_grid_as_plotly_does(args):
    ours, theirs = figure.make_subplots(**args), plotly_subplots(**args)
    for row in range(1, args["rows"] + 1):
        for col in range(1, args["cols"] + 1):
            points = {"x": [1, 2], "y": [row, col], "name": f"{row},{col}"}
            ours.add_trace(figure.trace("scatter", **points), row=row, col=col)
            theirs.add_trace(go.Scatter(**points), row=row, col=col)
            ours.add_vline(x=1.5, line={"dash": "dot"}, row=row, col=col)
            theirs.add_vline(x=1.5, line={"dash": "dot"}, row=row, col=col)
    ours.update_yaxes(title={"text": "MW"}, row=1, col=1).update_xaxes(rangemode="normal")
    theirs.update_yaxes(title_text="MW", row=1, col=1).update_xaxes(rangemode="normal")
    ours.update_annotations(font={"size": 12}).update_layout(template=figure.TEMPLATE_NONE)
    theirs.update_annotations(font={"size": 12})
    assert json.loads(ours.to_json()) == plotly_layout(theirs)


@pytest.mark.parametrize("kind", ["vline", "hline"])
@pytest.mark.parametrize("position", [None, "top left", "top right", "top", "bottom left", "bottom right", "bottom",
                                      "left", "right"])
def test_a_line_and_its_label_sit_where_plotly_puts_them(kind, position):
    ours, theirs = figure.Figure(figure.trace("scatter", x=[0, 10], y=[0, 100])), go.Figure(go.Scatter(
        x=[0, 10], y=[0, 100]))
    at = {"x": 4} if kind == "vline" else {"y": 90.0}
    line = {"color": "#222222", "dash": "dash", "width": 1.5}
    getattr(ours, f"add_{kind}")(**at, line=line, annotation_text="here", annotation_position=position)
    getattr(theirs, f"add_{kind}")(**at, line=line, annotation_text="here", annotation_position=position)
    assert json.loads(ours.update_layout(template=figure.TEMPLATE_NONE).to_json()) == plotly_layout(theirs)


def test_updates_merge_nested_properties_and_none_removes_one():
    ours = figure.Figure().update_layout(legend={"orientation": "h", "y": -0.12}, margin={"l": 70, "t": 60})
    ours.update_layout(legend={"y": 1.0, "xanchor": "right"}, margin={"t": 80}, height=300)
    ours.update_yaxes(title={"text": "MW"}, rangemode="tozero").update_yaxes(title={"text": None})
    ours.update_xaxes(title={"text": None})
    assert ours.layout == {"legend": {"orientation": "h", "y": 1.0, "xanchor": "right"},
                           "margin": {"l": 70, "t": 80}, "height": 300, "yaxis": {"title": {}, "rangemode": "tozero"}}
    theirs = go.Figure().update_layout(legend={"orientation": "h", "y": -0.12}, margin={"l": 70, "t": 60})
    theirs.update_layout(legend={"y": 1.0, "xanchor": "right"}, margin={"t": 80}, height=300)
    theirs.update_yaxes(title_text="MW", rangemode="tozero").update_yaxes(title_text=None)
    theirs.update_xaxes(title_text=None)
    assert json.loads(ours.update_layout(template=figure.TEMPLATE_NONE).to_json()) == plotly_layout(theirs)


def test_json_has_null_for_nan_plain_numbers_for_numpy_and_nothing_that_ends_the_script():
    fig = figure.Figure(figure.trace("scatter", x=np.array([1, 2]), y=[math.nan, np.float64(2.5), math.inf],
                                     name="</script><!--", marker=None))
    fig.update_layout(title={"text": "</script><!--"})  # a layout text is not made plain: escaped in the JSON
    assert fig.to_json() == ('{"data":[{"type":"scatter","x":[1,2],"y":[null,2.5,null],'
                             '"name":"&lt;\\u002fscript&gt;&lt;!--"}],'
                             '"layout":{"title":{"text":"\\u003c\\u002fscript\\u003e\\u003c!--"}}}')


def test_a_row_and_col_need_a_grid_that_has_them():
    with pytest.raises(ValueError, match="make_subplots"):
        figure.Figure().add_trace(figure.trace("bar"), row=1, col=1)
    with pytest.raises(ValueError, match="no subplot at row 3, col 1"):
        figure.make_subplots(rows=2).add_trace(figure.trace("bar"), row=3, col=1)


def test_the_report_colours_are_the_plots_colours():
    from plotly.colors import sequential

    from sim.plots import context

    for name in ("CLASS_COLOURS", "MEDIAN_COLOUR", "TARGET_COLOUR", "SERIES_COLOURS", "VARIANT_PALETTE"):
        assert getattr(palette, name) == getattr(context, name), name
    assert list(palette.VIRIDIS) == sequential.Viridis


def test_writing_the_report_imports_neither_plotly_py_nor_matplotlib(tmp_path):
    folder = run_folder(tmp_path / "run")
    code = ("import sys; from sim.report.page import write_report; write_report(sys.argv[1]); "
            "print(sorted(m for m in sys.modules if m.startswith(('matplotlib', 'plotly'))))")
    done = subprocess.run([sys.executable, "-c", code, str(folder)], capture_output=True, text=True, cwd=REPO)
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == "[]"
    assert 'id="capsim-plotly"' in (folder / "report.html").read_text(encoding="utf-8")  # plotly.js, packed, is in it


def test_write_report_runs_in_a_fresh_worker_process_and_gives_the_same_page(tmp_path):
    folder = run_folder(tmp_path / "run")
    assert pickle.loads(pickle.dumps(write_report)) is write_report
    with ProcessPoolExecutor(1, mp_context=multiprocessing.get_context("spawn")) as pool:
        written = pool.submit(write_report, folder, tmp_path / "worker.html").result(timeout=120)
    assert written == [tmp_path / "worker.html"]
    here = write_report(folder, out=tmp_path / "here.html")[0]
    assert written[0].read_bytes() == here.read_bytes()
    assert here.read_bytes() == write_report(folder, out=tmp_path / "again.html")[0].read_bytes()
