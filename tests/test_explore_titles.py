"""Explore's charts name outputs in plain words (never energy_mwh / peak_facility_mw), and a Sobol
index is shown clipped to 0-1 in the per-year heat maps (the report's and the PNG), as the text says."""

from __future__ import annotations

import numpy as np
import pandas as pd

from sim.plots.explore import sensitivity_heatmap
from sim.report.study_charts import heatmap_charts, tornado_charts

OUTPUTS = ["energy_mwh", "carbon_t", "peak_facility_mw", "public_cost_cny"]


def whole_run_table() -> pd.DataFrame:
    rows = [{"output": o, "year": np.nan, "parameter": "a", "index": i, "value": 0.5, "ci_low": 0.4,
             "ci_high": 0.6, "stable": True} for o in OUTPUTS for i in ("ST", "S1")]
    return pd.DataFrame(rows)


def yearly_table() -> pd.DataFrame:
    # ST estimates of 1.06 and 1.42 (noise beyond 1) and -0.03 (below 0)
    values = {2025: 0.3, 2026: 1.06, 2027: 1.42, 2028: -0.03}
    return pd.DataFrame([{"output": "total_eflops", "year": y, "parameter": "a", "index": "ST", "value": v,
                          "ci_low": v, "ci_high": v, "stable": True} for y, v in values.items()])


def test_report_tornado_titles_name_the_outputs_in_words():
    titles = [c.figure.layout["title"]["text"] for c in tornado_charts(whole_run_table(), "sobol")]
    assert titles == ["What decides facility energy over the horizon", "What decides carbon over the horizon",
                      "What decides peak facility power",
                      "What decides public cost (subsidy paid + voucher spend)"]


def test_report_heatmap_clips_sobol_indices_and_names_the_output():
    chart = heatmap_charts(yearly_table(), "sobol")[0]
    assert chart.figure.data[0]["z"] == [[0.3, 1.0, 1.0, 0.0]]
    assert chart.figure.data[0]["text"] == [["0.30", "1.00", "1.00", "0.00"]]
    assert chart.title == "When each input matters: total compute at the year's end"
    assert "estimates beyond are shown clipped; sensitivity.csv has them" in chart.description


def test_png_heatmap_clips_sobol_indices_and_names_the_output():
    fig = sensitivity_heatmap(yearly_table(), "total_eflops", "ST", "EFLOPS")
    ax = fig.axes[0]
    assert [t.get_text() for t in ax.texts] == ["0.30", "1.00", "1.00", "0.00"]
    title = " ".join(ax.get_title(loc="left").split())
    assert title == "total-order index ST of total compute at the year's end (EFLOPS), per year (* unstable)"
    assert "clipped to 0-1; estimates in sensitivity.csv" in ax.get_xlabel()
