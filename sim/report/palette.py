"""The plots' colours (:mod:`sim.plots.style`), repeated here so that writing the report does not
import matplotlib (a third of a second); tests/test_report_figures.py checks that they agree."""

from __future__ import annotations

CLASS_COLOURS = {"general": "#4C72B0", "intelligent": "#DD8452", "supercomputing": "#55A868"}
MEDIAN_COLOUR = "#222222"
TARGET_COLOUR = "#C44E52"
SERIES_COLOURS = {"it_load_mw": "#8172B3", "facility_mw": "#937860"}
VARIANT_PALETTE = ("#1F77B4", "#D62728", "#2CA02C", "#9467BD", "#FF7F0E", "#17BECF", "#8C564B",
                   "#E377C2", "#BCBD22", "#7F7F7F", "#393B79", "#FF9896", "#98DF8A", "#C5B0D5",
                   "#FFBB78", "#9EDAE5", "#C49C94", "#F7B6D2", "#DBDB8D", "#AEC7E8")
VIRIDIS = ("#440154", "#482878", "#3e4989", "#31688e", "#26828e", "#1f9e89", "#35b779", "#6ece58", "#b5de2b",
           "#fde725")
"""plotly.py's Viridis (``plotly.colors.sequential.Viridis``), the heat maps' colour scale."""
