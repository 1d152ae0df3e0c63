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

from importlib import import_module

_EXPORTS = {
    "report": ".report", "Results": ".analysis.results", "summary_text": ".analysis.summary",
    "Problem": ".errors", "ScenarioError": ".errors", "write_results": ".output.tables",
    "Comparison": ".run.compare", "compare": ".run.compare", "default_replications": ".run.simulate",
    "simulate": ".run.simulate", "load_scenario": ".scenario.load", "scenario_from_data": ".scenario.load",
    "Scenario": ".scenario.schema", "json_schema": ".scenario.schema", "apply_variant": ".scenario.variants",
    "__version__": ".version",
}
"""Where each name of the public API lives: imported on first use, so that ``capsim`` can set its
signal handlers before the heavy imports (numpy, pandas, pydantic) start."""


def __getattr__(name: str):
    if name not in _EXPORTS:
        raise AttributeError(f"module 'sim' has no attribute {name!r}")
    module = import_module(_EXPORTS[name], __name__)
    value = module if name == "report" else getattr(module, name)
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return sorted(set(globals()) | set(_EXPORTS))


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
