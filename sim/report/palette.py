"""The report's colours: the plots' own (:mod:`sim.colours`, without matplotlib) and the heat
maps' scale."""

from __future__ import annotations

from ..colours import CLASS_COLOURS, MEDIAN_COLOUR, SERIES_COLOURS, TARGET_COLOUR, VARIANT_PALETTE  # noqa: F401
VIRIDIS = ("#440154", "#482878", "#3e4989", "#31688e", "#26828e", "#1f9e89", "#35b779", "#6ece58", "#b5de2b",
           "#fde725")
"""plotly.py's Viridis (``plotly.colors.sequential.Viridis``), the heat maps' colour scale."""
