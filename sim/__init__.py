"""capsim: capacity-planning simulator for regional compute build-outs.

The pipeline, one sub-package per stage (see docs/architecture.md)::

    YAML file --scenario--> Scenario --engine (plan, draws, SimPy model, series)--> monthly arrays
      --analysis--> Results tables --run (blocks, workers, variants)--> Results / Comparison
      --plots--> figures --output--> files --report--> report.html

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

    sim.report.write("results/example")   # one self-contained HTML page (results/example/report.html)
"""

from . import report
from .analysis.results import Results
from .analysis.summary import summary_text
from .errors import Problem, ScenarioError
from .output.tables import write_results
from .run.compare import Comparison, compare
from .run.simulate import default_replications, simulate
from .scenario.load import load_scenario, scenario_from_data
from .scenario.schema import Scenario, json_schema
from .scenario.variants import apply_variant
from .version import __version__

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
    "report",
    "scenario_from_data",
    "simulate",
    "summary_text",
    "write_results",
    "__version__",
]
