"""plotly.js for the page: the minified *cartesian* partial bundle of plotly.js, vendored in
``sim/report/vendor/`` (``plotly.js-cartesian-dist-min`` 4.1.1 from npm, MIT licence, its
``LICENSE`` beside it), which registers only the cartesian trace types (:data:`TRACE_TYPES`; the
report's charts use scatter, bar and heatmap), 1.5 MB instead of the full bundle's 4.8 MB.

The page carries it gzip-compressed and base64-encoded (0.66 MB) in a ``<script
type="application/octet-stream">`` block; the page's script unpacks it with the browser's
``DecompressionStream`` (every current browser: Chromium 80, Firefox 113, Safari 16.4) and runs it
before drawing. So the report stays one file that works offline, and plotly.js's licence header
is kept in the page as a comment. The same bundle gives the same bytes (gzip without a time stamp).
"""

from __future__ import annotations

import base64
import functools
import gzip
import re
from pathlib import Path

VENDOR = Path(__file__).resolve().parent / "vendor"
BUNDLE = VENDOR / "plotly-cartesian.min.js"
LICENSE = VENDOR / "LICENSE-plotly.js"
VERSION = "4.1.1"
TRACE_TYPES = ("bar", "box", "contour", "heatmap", "histogram", "histogram2d", "histogram2dcontour", "image", "pie",
               "scatter", "scatterternary", "violin")
"""The trace types the bundle registers (its README; tests/test_report_bundle.py reads them from the
bundle itself). A chart of any other type would not draw: the test collects the types the chart
builders use and checks each is here."""
PACKED_ID = "capsim-plotly"


def registered_types(source: str) -> set[str]:
    """The trace modules a plotly.js bundle's source registers (``moduleType:"trace",name:"bar"``)."""
    return set(re.findall(r'moduleType:\s*"trace",\s*name:\s*"(\w+)"', source))


@functools.cache
def bundle_text() -> str:
    return BUNDLE.read_text(encoding="utf-8")


def licence_header(source: str) -> str:
    """The bundle's opening ``/** ... */`` comment: its name, version, copyright and licence."""
    end = source.find("*/")
    return source[:end + 2] if source.startswith("/*") and end > 0 else ""


@functools.cache
def plotly_scripts() -> str:
    """The page's plotly.js: the licence header as a comment, then the packed bundle for
    :data:`sim.report.assets.DRAW` to unpack. Read and compressed once per process."""
    source = bundle_text()
    packed = base64.b64encode(gzip.compress(source.encode("utf-8"), compresslevel=9, mtime=0)).decode("ascii")
    header = licence_header(source).replace("</", "<\\/")
    note = (f"/* plotly.js-cartesian-dist-min {VERSION}, MIT licence (sim/report/vendor/LICENSE-plotly.js): the "
            "block below is that file, gzip-compressed and base64-encoded; the next script unpacks and runs it. */")
    return (f"<script>{header}\n{note}</script>"
            f'<script type="application/octet-stream" id="{PACKED_ID}" data-encoding="gzip+base64">{packed}</script>')
