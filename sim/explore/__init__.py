"""Explore stage: which inputs decide the outcome (sensitivity, scenario discovery) and what it
takes to meet a target (solve). Runs on :mod:`sim.run`; plots and files come after it."""
