"""``capsim serve``: a local web app to move a scenario's levers and see the answer at once.

Modules, by idea: :mod:`.levers` (which sliders, their labels, units, today's values, ranges and
sources), :mod:`.state` (the setting in the URL, and its checks), :mod:`.compute` (one run of a
setting with the base's seed: common random numbers; one at a time, stale requests dropped),
:mod:`.overlay` (the report's charts with the base in grey and the setting in colour),
:mod:`.headline` (the numbers that move), :mod:`.downloads` (the setting as a variant YAML, its
tables as a zip, made in memory), :mod:`.guard` (400 for a malformed callback request, before it
runs), :mod:`.hosts` (the address to open, the warning for a host others can reach) and
:mod:`.app` (the Dash layout and callbacks). Dash is imported
by :mod:`.app` only (``pip install 'capsim[serve]'``). See docs/serve.md.
"""

DEFAULT_REPLICATIONS = 300
"""Replications of every answer: under a second for the shipped scenarios on two cores
(benchmarks/serve.py; docs/serve.md gives the figures). Here, so that ``capsim --help`` reads it
without importing the app's modules."""
