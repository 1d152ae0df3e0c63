"""The result tables as an Excel workbook: one sheet per table, the units in the headers.

A long table (one row per metric and month or year) gets a ``unit`` column beside ``metric``; a
column whose name carries its unit (``go_share``, ``grid_wait_months_mean``) has it in its header,
``go_share (0-1)``. The manifest goes on a last sheet as key/value rows. Needs openpyxl
(``pip install 'capsim[report]'``).

Every text is written as a text cell (type ``s``), never as a formula: a target, project or
variant named ``=HYPERLINK(...)`` or ``+1+1`` shows as that text in Excel and LibreOffice, and
runs nothing. Characters a workbook cannot hold (control characters) become U+FFFD, and a text
longer than a cell holds (32,767 characters) is cut with "…".
"""

from __future__ import annotations

import io
import json
import math
import re
from pathlib import Path

import pandas as pd

from ..errors import ScenarioError
from ..output.destination import WORKBOOK_CREATOR, is_capsim_workbook  # noqa: F401 - re-exported
from .read import ResultsFolder

UNIT_SUFFIXES = (("_pflops_hours", "PFLOPS-hours"), ("_eflops", "EFLOPS"), ("_pflops", "PFLOPS"), ("_mwh", "MWh"),
                 ("_mw", "MW"), ("_cny_cumulative", "CNY, cumulative"), ("_cny", "CNY"), ("_t", "t CO2"),
                 ("_share", "share 0-1"), ("share", "share 0-1"), ("probability", "share 0-1"),
                 ("_months_mean", "months, mean"), ("_months", "months"), ("pue", "ratio"), ("_online", "count"),
                 ("racks", "racks"))
"""Unit of a metric or column by the end of its name (units in names: docs/architecture.md)."""
COLUMN_UNITS = {"month": "YYYY-MM", "by": "YYYY-MM", "planned_online": "YYYY-MM", "online_p10": "YYYY-MM",
                "online_p50": "YYYY-MM", "online_p90": "YYYY-MM", "reached_p10": "YYYY-MM", "reached_p50": "YYYY-MM",
                "reached_p90": "YYYY-MM", "year": "calendar year"}
STAT_COLUMNS = ("mean", "p5", "p10", "p50", "p90", "p95")
SHEET_NAME = re.compile(r"[\[\]:*?/\\]")
CREATOR = WORKBOOK_CREATOR
"""The workbook's creator (document properties), which marks it as capsim's (:func:`is_capsim_workbook`)."""
CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f]")
"""Characters a workbook's XML cannot hold (openpyxl refuses them)."""
CELL_MAX = 32_767
"""Longest text a spreadsheet cell holds."""


def unit_of(name: str) -> str:
    """The unit a metric or column name carries, or '' when it carries none."""
    for suffix, unit in UNIT_SUFFIXES:
        if name.endswith(suffix):
            return unit
    return ""


def with_units(table: pd.DataFrame) -> pd.DataFrame:
    """The table as the workbook shows it: a unit column for long tables, units in the headers."""
    table = table.copy()
    if "metric" in table.columns and "unit" not in table.columns:
        table.insert(table.columns.get_loc("metric") + 1, "unit", table["metric"].map(unit_of))
    long = "metric" in table.columns or "unit" in table.columns
    names = {}
    for column in table.columns:
        if long and column in STAT_COLUMNS + ("base", "value", "diff_mean", "diff_ci_low", "diff_ci_high"):
            names[column] = f"{column} (in unit)"
        elif column in COLUMN_UNITS:
            names[column] = f"{column} ({COLUMN_UNITS[column]})"
        elif unit_of(str(column)) and column != "metric":
            names[column] = f"{column} ({unit_of(str(column))})"
    return table.rename(columns=names)


def workbook_bytes(folder: ResultsFolder) -> bytes:
    """The workbook as bytes (written by the caller, atomically)."""
    try:
        from openpyxl import Workbook
    except ImportError:
        raise ScenarioError("--xlsx needs openpyxl: pip install 'capsim[report]'") from None
    book = Workbook(write_only=True)
    book.properties.creator = CREATOR  # how capsim knows a workbook it may write over (is_capsim_workbook)
    for name, table in folder.tables.items():
        sheet = book.create_sheet(SHEET_NAME.sub("_", name)[:31])
        shown = with_units(table)
        sheet.append([text_cell(sheet, str(c)) for c in shown.columns])
        for row in shown.itertuples(index=False):
            sheet.append([cell(sheet, v) for v in row])
    sheet = book.create_sheet("manifest")
    sheet.append([text_cell(sheet, "key"), text_cell(sheet, "value")])
    for key, value in folder.manifest.items():
        if key == "resolved_scenario":
            continue
        shown = value if isinstance(value, (str, int, float)) else json.dumps(value, ensure_ascii=False)
        sheet.append([text_cell(sheet, str(key)), cell(sheet, shown)])
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


def text_cell(sheet, text: str):
    """A cell that holds ``text`` as text, whatever it starts with (``=``, ``+``, ``-``, ``@``)."""
    from openpyxl.cell import WriteOnlyCell

    text = CONTROL.sub("\ufffd", text)
    if len(text) > CELL_MAX:
        text = text[:CELL_MAX - 1] + "…"
    out = WriteOnlyCell(sheet, value=text)
    out.data_type = "s"  # set after the value: openpyxl makes a text starting with "=" a formula
    return out


def cell(sheet, value: object):
    """A table or manifest value as a cell: numbers as numbers (an empty or non-finite one as an
    empty cell), everything else as text."""
    if hasattr(value, "item"):
        value = value.item()
    if value is None or (isinstance(value, float) and not math.isfinite(value)):
        return None
    if isinstance(value, (bool, int, float)):
        return value
    return text_cell(sheet, str(value))
