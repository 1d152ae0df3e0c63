"""Run stage: many replications of a scenario (and of its variants) -> Results and Comparison.

``simulate`` runs replications in blocks through the engine, ``parallel`` places the blocks in this
process, worker processes or a Dask cluster, ``memory`` checks the run fits before it starts, and
``compare`` runs the base and its variants with common random numbers.
"""
