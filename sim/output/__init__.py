"""Output stage: results -> files (tables, manifest, plots), written atomically.

``tables`` writes a run's CSV tables and manifest, ``comparison`` a comparison's, and ``plotfiles``
draws every plot from a results folder's tables into ``plots/``.
"""
