"""Analysis stage: per-replication arrays -> tables.

``statistics`` computes the result tables (quantiles across replications, calendar years,
targets, projects), ``results`` holds a run's arrays with those tables
(:class:`~sim.analysis.results.Results`), ``summary`` is the text ``capsim run`` prints.
"""
