"""Issue 25, items 4, 6 and 7: one time axis, the report's timeline, the sites on one scale.

Asserted from the report's figure dicts and from the matplotlib artists, with hand-written tables:
every monthly value is drawn at its month's end where the targets are, the hover header reads
"Dec 2026 (end of month)", the charts of one page share their x range, annual bars have a
categorical year axis, the timeline is ordered by planned month and names its projects, and the
sites share one scale with each panel titled by the site's name and peak.
"""

from __future__ import annotations

import datetime

import matplotlib.colors
import numpy as np
import pandas as pd
import pytest

from report_folders import SCENARIO, manifest, run_folder, write_folder
from report_folders import monthly as monthly_table
from sim import plots
from sim.colours import LIMIT_SERIES, short
from sim.report.charts import growth_chart, limits_chart, power_chart
from sim.report.goal_charts import power_aims
from sim.report.page import charts_for
from sim.report.plan_charts import sites_chart, timeline_chart
from sim.report.read import read_folder
from sim.report.timeaxis import END_OF_MONTH, month_end

# --- item 4: one time axis ----------------------------------------------------------------------


def around_new_year() -> pd.DataFrame:
    """total_eflops medians 180, 186, 188 in 2026-11, 2026-12, 2027-01 (the issue's numbers)."""
    return pd.DataFrame([{"variant": "base", "month": m, "metric": "total_eflops", "mean": v, "p10": v - 4,
                          "p50": v, "p90": v + 4} for m, v in (("2026-11", 180.0), ("2026-12", 186.0),
                                                               ("2027-01", 188.0))])


PLAN = [{"name": "plan 2026", "by": "2026-12", "role": "plan", "total_eflops": 190.0}]


def test_month_end_is_the_last_day_of_the_month():
    assert [month_end(m) for m in ("2026-12", "2024-02", "2025-02", "2025-04")] == [
        "2026-12-31", "2024-02-29", "2025-02-28", "2025-04-30"]


def test_the_value_under_the_target_is_the_target_months_value():
    """Hovering the 2026-12 target showed the 2027-01 value (188) while the text said 186: the
    target and December's value now share one x, the last day of December."""
    fig = growth_chart(around_new_year(), PLAN, "as reported").figure
    (star,) = [t for t in fig.data if t["name"].startswith("target")]
    median = next(t for t in fig.data if t["name"] == "total, median")
    assert star["x"] == ["2026-12-31"]
    assert median["x"] == ["2026-11-30", "2026-12-31", "2027-01-31"]
    assert median["y"][median["x"].index(star["x"][0])] == 186.0
    assert median["line"]["shape"] == "vh"  # each value spans its month, up to its end
    # the unified hover's header, in d3's time format (the same directives as strftime's)
    assert fig.layout["hovermode"] == "x unified" and fig.layout["xaxis"]["hoverformat"] == END_OF_MONTH
    assert datetime.date(2026, 12, 31).strftime(END_OF_MONTH) == "Dec 2026 (end of month)"


def test_the_report_marks_a_target_the_median_misses_with_an_x_as_the_pngs():
    """December's median is 186 EFLOPS: an aim of 180 is met there (a star), one of 190 missed (an X),
    as on the goals and power charts and every PNG (sim.plots.aims); a calibration target is neither."""
    specs = [{"name": "within", "by": "2026-12", "role": "plan", "total_eflops": 180.0},
             {"name": "beyond", "by": "2026-12", "role": "plan", "total_eflops": 190.0},
             {"name": "past", "by": "2026-11", "role": "calibration", "total_eflops": 181.0}]
    fig = growth_chart(around_new_year(), specs, "as reported").figure
    marks = {t["name"]: (t["marker"]["symbol"], t["y"]) for t in fig.data if "target" in t["name"]}
    assert marks == {"target, met at the median": ("star", [180.0]), "target, missed at the median": ("x", [190.0]),
                     "calibration target": ("diamond-open", [181.0])}


def test_every_chart_of_a_page_has_one_month_range(tmp_path):
    charts = charts_for(read_folder(run_folder(tmp_path / "run", grid_free_mw=(10.0, 20.0, 30.0))))
    ranges = {(c.id, name): c.figure.layout[name].get("range") for c in charts for name in c.figure.layout
              if name.startswith("xaxis") and c.figure.layout[name].get("type") == "date"}
    assert {c for c, _ in ranges} == {"growth", "share", "power", "timeline", "limits"}
    # months 2025-01 to 2025-04: from 1 January to 30 April and 10 days' room (3% of 119 days is less)
    assert set(map(tuple, ranges.values())) == {("2025-01-01", "2025-05-10")}
    for chart in charts:
        for trace in chart.figure.data:
            if chart.id in ("growth", "share", "limits") and trace.get("x"):
                assert {x for x in trace["x"] if x} <= {month_end(m) for m in ("2025-01", "2025-02", "2025-03",
                                                                                  "2025-04")}


def test_annual_bars_have_a_categorical_year_axis():
    monthly = monthly_table()
    annual = pd.DataFrame([{"variant": "base", "year": y, "metric": "energy_mwh", "mean": 1e6, "p10": 1e6,
                            "p50": 1e6, "p90": 1e6} for y in (2024, 2025, 2026)])
    # the aims come from goal_charts.power_aims since issue 24 (no longer an argument of power_chart)
    fig = power_aims(power_chart(monthly, annual), monthly, annual, [{"name": "quota", "by": "2025-12",
                                                                      "role": "plan", "energy_mwh": 2e6}]).figure
    assert fig.layout["xaxis2"]["type"] == "category" and fig.layout["xaxis"]["type"] == "date"
    bars = next(t for t in fig.data if t["type"] == "bar")
    assert bars["x"] == ["2024", "2025", "2026"]
    quota = next(t for t in fig.data if t["name"] == "target")
    assert quota["x"] == ["2025"] and quota["xaxis"] == "x2"


def test_limits_have_the_same_names_and_colours_in_the_png_and_the_report(tmp_path):
    limits = {"grid_free_mw": (10.0, 20.0, 30.0), "grid_queue_mw": (0.0, 5.0, 9.0),
              "supply_backlog_pflops": (0.0, 100.0, 300.0), "supply_stock_pflops": (0.0, 10.0, 50.0)}
    monthly = monthly_table(extra_metrics=limits)
    html = {t["name"]: t["line"]["color"] for t in limits_chart(monthly, None).figure.data
            if t["name"].endswith(", median")}
    assert html == {f"{name}, median": colour for _, name, colour in LIMIT_SERIES.values()}
    fig = plots.limits(monthly)
    png = {line.get_label(): matplotlib.colors.to_hex(line.get_color()).upper() for ax in fig.axes
           for line in ax.get_lines() if line.get_label().endswith(", median")}
    assert png == html


def test_the_png_draws_monthly_values_at_the_end_of_their_month():
    monthly = monthly_table()
    context = plots.PlotContext(name="T", start="2025-01", end="2025-04",
                                targets=(plots.TargetMark("plan A", "2025-03", {"total_eflops": 2.0}),))
    fig = plots.growth(monthly, None, context)
    (star,) = [a for a in fig.axes[0].get_lines() if a.get_gid() == "target:plan A"]
    assert star.get_xdata()[0] == np.datetime64("2025-04-01")  # the instant March ends
    fig = plots.power_monthly(monthly, context)
    (line,) = [a for a in fig.axes[0].get_lines() if a.get_gid() == "median:facility power"]
    assert list(line.get_xdata()) == [np.datetime64(d) for d in ("2025-02-01", "2025-03-01", "2025-04-01",
                                                                 "2025-05-01")]
    share = plots.share(monthly, None, context)
    assert share.axes[0].get_ylim()[0] == 0  # as the report's share chart (rangemode tozero)


# --- item 6: the report's timeline ---------------------------------------------------------------


def timeline_table() -> pd.DataFrame:
    rows = [("late", "general", "2026-06", 0.5, "2026-05", "2026-09", "2027-02"),
            ("early", "general", "2025-03", 1.0, "2025-03", "2025-03", "2025-04"),
            ("ai", "intelligent", "2025-06", 0.75, "2025-06", "2025-08", "never"),
            ("unplanned", "general", "", 0.9, "2025-02", "2025-05", "2025-07")]
    return pd.DataFrame([{"variant": "base", "project": p, "class": c, "site": "s", "status": "registered",
                          "planned_online": planned, "go_share": go, "online_p10": p10, "online_p50": p50,
                          "online_p90": p90} for p, c, planned, go, p10, p50, p90 in rows])


NAMES = {"late": "Late data centre (phase 2)", "early": "Early park", "ai": "AI centre", "unplanned": "No plan"}


def test_timeline_rows_by_class_then_planned_month_named_not_by_id():
    fig = timeline_chart(timeline_table(), NAMES).figure
    # general first (planned 2025-03, 2026-06, then the one with no planned month), then AI
    assert fig.layout["yaxis"]["categoryarray"] == ["Early park", "Late data centre (phase 2)", "No plan",
                                                    "AI centre"]
    assert fig.layout["yaxis"]["autorange"] == "reversed"
    planned = next(t for t in fig.data if t["name"] == "planned online")
    assert list(zip(planned["y"], planned["x"])) == [("Early park", "2025-03-15"),
                                                     ("Late data centre (phase 2)", "2026-06-15"),
                                                     ("AI centre", "2025-06-15")]
    built = {a["y"]: a["text"] for a in fig.layout["annotations"] if a.get("xref") == "paper" and a["y"] != 1.0}
    assert built == {"Early park": "100%", "Late data centre (phase 2)": "50%", "No plan": "90%", "AI centre": "75%"}
    assert any(a["text"] == "built in<br>% of runs" for a in fig.layout["annotations"])
    # slips: planned -> median where they differ (early is on time, no plan has none)
    slips = [(a["y"], a["ax"], a["x"]) for a in fig.layout["annotations"] if a.get("showarrow")]
    assert slips == [("Late data centre (phase 2)", "2026-06-15", "2026-09-15"), ("AI centre", "2025-06-15",
                                                                                  "2025-08-15")]
    assert any(t["name"] == "slip: planned → median month" for t in fig.data)
    # bars from the first day of P10's month to the last of P90's; 'never' runs to the latest month drawn
    bars = next(t for t in fig.data if t["name"].startswith("intelligent (AI): P10"))
    assert bars["x"][:2] == ["2025-06-01", "2027-02-28"]


def test_timeline_clashing_and_long_names_stay_distinct():
    table = timeline_table()
    names = {p: "Construction pipeline, tranche a (started before Aug 2023): Datong city and ETDZ (aggregate)"
             for p in table["project"]}
    rows = timeline_chart(table, names).figure.layout["yaxis"]["categoryarray"]
    assert rows[0] == "Construction pipeline, tranche a: Datong city and ETDZ (early)"
    assert len(set(rows)) == 4
    assert short("Guiyang city", 48) == "Guiyang city"


# --- item 7: sites on one scale --------------------------------------------------------------------


def sites_table() -> pd.DataFrame:
    """lvliang peaks at 3 MW, big at 650 MW."""
    rows = []
    for site, values in (("big", (600.0, 650.0, 640.0)), ("lvliang", (1.0, 3.0, 2.0))):
        for month, v in zip(("2025-01", "2025-02", "2025-03"), values):
            for metric, value in (("facility_mw", v), ("it_load_mw", v * 0.8)):
                rows.append({"variant": "base", "month": month, "site": site, "metric": metric, "mean": value,
                             "p10": value * 0.9, "p50": value, "p90": value * 1.1})
    return pd.DataFrame(rows)


SITE_NAMES = {"big": "Big City", "lvliang": "Lüliang (\"data valley\")"}


def test_report_sites_stack_and_share_one_scale_with_names_and_peaks():
    fig = sites_chart(sites_table(), SITE_NAMES).figure
    titles = [a["text"] for a in fig.layout["annotations"]]
    assert titles == ["all sites, stacked (median)", "Big City: peak 650 MW", "Lüliang (\"data valley\"): peak 3 MW"]
    stack = [t for t in fig.data if t.get("stackgroup") == "sites"]
    assert [t["name"] for t in stack] == ["Big City", "Lüliang (\"data valley\")"]
    assert stack[0]["y"] == [600.0, 650.0, 640.0] and stack[0]["x"][0] == "2025-01-31"
    panels = [fig.layout[k]["range"] for k in ("yaxis3", "yaxis4")]
    assert panels == [[0, pytest.approx(650 * 1.1 * 1.08)]] * 2  # one scale: the largest P90 and 8%


def test_png_sites_share_one_scale_with_names_and_peaks():
    context = plots.PlotContext(name="T", site_names=SITE_NAMES)
    fig = plots.sites(sites_table(), context)
    stack, big, small = fig.axes[:3]
    assert stack.get_title(loc="left").startswith("all sites, stacked")
    assert [t.get_text() for t in stack.get_legend().get_texts()] == ["Big City", "Lüliang (\"data valley\")"]
    assert big.get_title(loc="left") == "Big City: peak 650 MW"
    assert small.get_title(loc="left") == "Lüliang (\"data valley\"): peak 3 MW"
    assert big.get_ylim() == small.get_ylim() == pytest.approx((0, 650 * 1.1 * 1.08))


def test_one_site_is_its_own_panel_without_a_stack_of_one_layer_above_it():
    """A one-site scenario drew 'all sites, stacked' and then the same site again: one panel now."""
    one = sites_table().query("site == 'big'")
    fig = sites_chart(one, SITE_NAMES).figure
    assert [a["text"] for a in fig.layout["annotations"]] == ["Big City: peak 650 MW"]
    assert not [t for t in fig.data if t.get("stackgroup")]
    png = plots.sites(one, plots.PlotContext(name="T", site_names=SITE_NAMES))
    assert [ax.get_title(loc="left") for ax in png.axes if ax.get_visible()] == ["Big City: peak 650 MW"]


def test_the_page_names_sites_and_projects_from_the_scenario(tmp_path):
    scenario = {**SCENARIO, "sites": {"s": {**SCENARIO["sites"]["s"], "name": "Site Town"}},
                "projects": [{**SCENARIO["projects"][0], "name": "Project One"}]}
    folder = run_folder(tmp_path / "named")
    write_folder(folder, {"sites": sites_table().replace({"big": "s"})}, manifest(resolved_scenario=scenario))
    charts = {c.id: c for c in charts_for(read_folder(folder))}
    assert charts["timeline"].figure.layout["yaxis"]["categoryarray"] == ["Project One"]
    assert "Site Town: peak 650 MW" in [a["text"] for a in charts["sites"].figure.layout["annotations"]]


def test_the_stack_of_many_sites_keeps_the_largest_and_sums_the_others():
    """30 sites with medians 1 to 30 MW: the 11 largest stacked by name, the other 19 (1 + ... + 19 =
    190 MW) one grey layer, in the report and the PNG alike."""
    rows = pd.DataFrame([{"variant": "base", "month": m, "site": f"s{i}", "metric": k, "p10": i, "p50": i + 1.0,
                          "p90": i + 2.0} for i in range(30) for m in ("2025-01", "2025-02")
                         for k in ("facility_mw", "it_load_mw")])
    stack = [t for t in sites_chart(rows).figure.data if t.get("stackgroup")]
    assert [t["name"] for t in stack] == [f"s{i}" for i in range(19, 30)] + ["19 other sites"]
    assert stack[-1]["y"] == [190.0, 190.0] and stack[-1]["fillcolor"] == "#BBBBBB"
    legend = plots.sites(rows).axes[0].get_legend().get_texts()
    assert [t.get_text() for t in legend] == [f"s{i}" for i in range(19, 30)] + ["19 other sites"]
