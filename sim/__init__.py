"""capsim: capacity-planning simulator for regional compute build-outs.

The pipeline, one module per stage::

    YAML file --yamlio--> data --schema/consistency--> Scenario --plan--> Plan
      --draws + model (SimPy)--> event log --series--> monthly arrays
      --statistics--> Results tables --output--> files

Public API::

    import sim
    scenario = sim.load_scenario("scenarios/example.yaml")
    results = sim.simulate(scenario, replications=500, seed=7)
    results.monthly, results.annual, results.targets, results.projects
    sim.write_results(results, "results/example")
"""

from .errors import Problem, ScenarioError
from .output import write_results
from .results import Results
from .scenario import load_scenario, scenario_from_data
from .schema import Scenario, json_schema
from .simulate import default_replications, simulate
from .summary import summary_text

__version__ = "0.1.0"

__all__ = [
    "Problem",
    "Results",
    "Scenario",
    "ScenarioError",
    "default_replications",
    "json_schema",
    "load_scenario",
    "scenario_from_data",
    "simulate",
    "summary_text",
    "write_results",
    "__version__",
]
