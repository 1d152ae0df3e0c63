"""Scenario stage: a YAML file -> a validated, frozen :class:`~sim.scenario.schema.Scenario`.

``yamlio`` reads the text (with the line and column of every node), ``schema`` holds the format and
every default, ``validate`` turns data into a Scenario (the schema, then ``consistency``'s
cross-field checks), ``paths`` resolves dotted paths, ``variants`` applies named variants and
``--set`` overrides, and ``load`` ties them together (:func:`~sim.scenario.load.load_scenario`).
"""
