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

    # variants and policy comparison (common random numbers)
    no_subsidy = sim.apply_variant(scenario, "no-subsidy")
    comparison = sim.compare(scenario, variants="all", replications=500, seed=7)
    comparison.table          # compare.csv: paired differences to the base, with 95% CIs
    print(comparison.summary_text())
"""

from .compare import Comparison, compare
from .errors import Problem, ScenarioError
from .output import write_results
from .results import Results
from .scenario import load_scenario, scenario_from_data
from .schema import Scenario, json_schema
from .simulate import default_replications, simulate
from .summary import summary_text
from .variants import apply_variant

__version__ = "0.1.0"

__all__ = [
    "Comparison",
    "Problem",
    "Results",
    "Scenario",
    "apply_variant",
    "compare",
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
