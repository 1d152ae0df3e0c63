"""The page's inline style sheet and the script that draws the charts (plotly.js itself is the
vendored partial bundle of :mod:`sim.report.bundle`)."""

from __future__ import annotations

CSS = """
:root { --ink: #1d1d1f; --muted: #5a5a60; --rule: #d8d8de; --accent: #b03a3e; --panel: #f5f5f7; }
* { box-sizing: border-box; }
body { margin: 0; color: var(--ink); background: #fff; line-height: 1.45;
       font: 15px/1.5 system-ui, -apple-system, "Segoe UI", Roboto, "Noto Sans", sans-serif; }
header, main, footer { max-width: 1000px; margin: 0 auto; padding: 0 20px; }
header { padding-top: 24px; }
h1 { font-size: 26px; margin: 0 0 4px; }
h2 { font-size: 21px; margin: 36px 0 10px; padding-top: 8px; border-top: 2px solid var(--ink); }
h3 { font-size: 17px; margin: 22px 0 8px; }
.meta { color: var(--muted); margin: 0 0 12px; }
nav ul { list-style: none; padding: 0; margin: 8px 0 0; display: flex; flex-wrap: wrap; gap: 6px 16px; }
nav a { color: var(--accent); }
.answer { font-size: 18px; background: var(--panel); border-left: 5px solid var(--accent); padding: 12px 16px;
          margin: 12px 0; }
.answer p { margin: 6px 0; }
.note { color: var(--muted); font-size: 13px; }
table { border-collapse: collapse; width: 100%; margin: 8px 0 16px; font-size: 13.5px; }
caption { text-align: left; font-weight: 600; padding: 4px 0; caption-side: top; }
th, td { border-bottom: 1px solid var(--rule); padding: 4px 6px; text-align: left; vertical-align: top; }
th { background: var(--panel); font-weight: 600; }
td.num, th.num { text-align: right; font-variant-numeric: tabular-nums; }
td.num { white-space: nowrap; }
td.text { overflow-wrap: break-word; min-width: 5em; }  /* words stay whole: break-word leaves the column's min width */
td.tight { white-space: nowrap; }
th { overflow-wrap: normal; hyphens: manual; }
@media screen {  /* long cells: three lines, the whole text on hover (and all of it in print) */
  .clamp { display: -webkit-box; -webkit-box-orient: vertical; -webkit-line-clamp: 3; line-clamp: 3;
           overflow: hidden; min-width: 8em; cursor: help; }
  .fit { overflow-x: auto; }
}
.scroll { max-height: 640px; overflow: auto; border: 1px solid var(--rule); }
.scroll table { margin: 0; }
.scroll thead th { position: sticky; top: 0; }
figure.chart { margin: 14px 0 26px; }
figure.chart figcaption { color: var(--muted); font-size: 13px; margin-top: 4px; }
.plot { width: 100%; min-height: 260px; }
code, .mono { font-family: ui-monospace, SFMono-Regular, Menlo, Consolas, monospace; font-size: 13px; }
dl.kv { display: grid; grid-template-columns: max-content 1fr; gap: 4px 16px; margin: 8px 0; }
dl.kv dt { font-weight: 600; } dl.kv dd { margin: 0; overflow-wrap: anywhere; }
footer { color: var(--muted); font-size: 13px; padding: 24px 20px 40px; }
a.fact { font-weight: 600; }
details > summary { cursor: pointer; color: var(--accent); font-weight: 600; margin: 6px 0 10px; }
.print-note { display: none; }
@page { size: A4 landscape; margin: 10mm; }
@media print {
  body { font-size: 11pt; zoom: 0.85; }
  header, main, footer { max-width: none; padding: 0; }
  nav, .modebar-container { display: none !important; }
  h2 { break-after: avoid; }
  figure.chart, .answer p { break-inside: avoid; }  /* a long answer (an explore's) may break between paragraphs */
  .scroll { max-height: none; overflow: visible; border: none; }
  .scroll thead th { position: static; }
  thead { display: table-header-group; }
  tr { break-inside: avoid; }
  a { color: inherit; text-decoration: none; }
  /* the brief (sim/report/brief.py): the answer, key figures, three charts; the rest on screen only */
  section.more, figure.chart:not([data-print="brief"]), #answer .scroll, .kind-compare #answer table:not(#ranking) { display: none; }
  section.more:has(details[open]) { display: block; break-before: page; }
  details > summary { display: none; }
  table { font-size: 9.5pt; }
  table.key { font-size: 8.5pt; }
  .screen-only { display: none; }  /* columns the brief leaves out (the ranking's shared limits) */
  h2 { margin-top: 14px; }
  figure.chart { margin: 8px 0 12px; }
  .print-note { display: block; font-size: 9pt; }
  footer { padding: 8px 0 0; }
}
"""

PRINT_WIDTH_PX = 1220
"""The width of a printed page in the page's CSS pixels: landscape A4 less the 10 mm margins (277 mm,
1,047 px) at the print style's zoom of 0.85."""
PRINT_HEIGHT_PX = 640
"""The tallest a printed chart is drawn (CSS pixels): landscape A4's 190 mm (718 px) at the zoom of
0.85 is 845 px, less room for the chart's heading and caption, so that every chart fits one page."""
DRAW = """
(function () {
  var figures = JSON.parse(document.getElementById("capsim-figures").textContent);
  var config = {responsive: true, displaylogo: false, scrollZoom: false,
                modeBarButtonsToRemove: ["select2d", "lasso2d"]};
  function draw() {
    Object.keys(figures).forEach(function (id) {
      var f = figures[id];
      Plotly.newPlot(id, f.data, f.layout, Object.assign({}, config,
        {toImageButtonOptions: {format: "png", filename: id.replace("chart-", "")}}));
    });
    var brief = Array.from(document.querySelectorAll('figure.chart[data-print="brief"] .plot')), heights = {};
    function forPrint() {  /* the brief's charts at the width of landscape A4 (273 mm), shorter */
      brief.forEach(function (gd) {
        var h = heights[gd.id] = heights[gd.id] || gd._fullLayout.height, full = gd._fullLayout;
        var rows = new Set(Object.keys(full).filter(function (k) { return /^yaxis\\d*$/.test(k); })
          .map(function (k) { return full[k].domain.join(); })).size;  /* panels stacked: keep more height */
        var tall = Math.min(h, Math.max(320, Math.round(h * (rows > 1 ? 0.85 : 0.6))));
        Plotly.relayout(gd, {width: PRINT_WIDTH_PX, height: Math.min(tall, PRINT_HEIGHT_PX)});  /* one page at most */
      });
    }
    function forScreen() {
      brief.forEach(function (gd) { if (heights[gd.id]) Plotly.relayout(gd, {width: null, height: heights[gd.id]}); });
      Object.keys(figures).forEach(function (id) { Plotly.Plots.resize(document.getElementById(id)); });
    }
    window.addEventListener("beforeprint", forPrint);
    window.addEventListener("afterprint", forScreen);
  }
  function fail(why) {
    document.querySelectorAll(".plot").forEach(function (p) {
      p.textContent = "This chart cannot be drawn here: " + why + ". The tables hold the same numbers.";
      p.className += " unpacked-not";
    });
  }
  if (window.Plotly) { draw(); return; }
  var packed = document.getElementById("capsim-plotly");
  if (!packed) { fail("the page holds no plotly.js"); return; }
  if (!window.DecompressionStream) {
    fail("this browser cannot unpack plotly.js (it needs Chrome or Edge 80, Firefox 113, Safari 16.4 or later)");
    return;
  }
  var text = atob(packed.textContent.trim()), bytes = new Uint8Array(text.length);
  for (var i = 0; i < text.length; i++) bytes[i] = text.charCodeAt(i);
  new Response(new Blob([bytes]).stream().pipeThrough(new DecompressionStream("gzip"))).text().then(function (code) {
    var script = document.createElement("script");
    script.textContent = code;
    document.head.appendChild(script);
    draw();
  }).catch(function (error) { fail("plotly.js could not be unpacked (" + error + ")"); throw error; });
})();
""".replace("PRINT_WIDTH_PX", str(PRINT_WIDTH_PX)).replace("PRINT_HEIGHT_PX", str(PRINT_HEIGHT_PX))
"""Unpacks plotly.js (:mod:`sim.report.bundle`: gzip and base64, with the browser's DecompressionStream),
runs it, then draws every figure of the ``capsim-figures`` JSON block into the div of the same id;
charts follow the page's width. Before printing, the brief's charts (:mod:`sim.report.brief`) are
laid out at the printed page's width and 0.6 of their height (0.85 with panels stacked; 320 px at
least, :data:`PRINT_HEIGHT_PX` at most), and back after. A browser that cannot unpack it gets a sentence
in each chart's place instead of a blank."""
