"""Engine stage: one scenario -> the plan, the random draws, the SimPy model of one replication,
and the monthly series of a block of replications.

``build`` compiles a Scenario into the :class:`~sim.engine.plan.Plan` arrays (``policies`` adds the
policy levers' arrays), ``distributions`` and ``draws`` make the keyed random draws, ``model`` runs
one replication in SimPy and returns its event log, and ``series`` turns the event logs of a block
into monthly arrays.
"""
