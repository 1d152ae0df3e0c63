"""The downloads of ``capsim serve``, made in memory (nothing is written to disk): the setting as
a variant (YAML to put under the scenario's ``variants:``; its first lines say how to run it with
``capsim run --variant ... --set ...`` as it is) and the setting's tables as a zip of CSV files."""

from __future__ import annotations

import io
import zipfile

from ruamel.yaml import YAML

from ..scenario.paths import resolve_path
from ..scenario.variants import apply_variant, variant_changes
from ..version import __version__
from .compute import Runner
from .state import State, encode, number_text

NAME = "serve-setting"


def changes_of(runner: Runner, state: State) -> dict:
    """path -> value: the variant's own changes (if one is on), then the levers' values."""
    changes = {c.path: c.value for c in variant_changes(runner.scenario, state.variant)} if state.variant else {}
    return {**changes, **state.values}


def description(runner: Runner, state: State) -> str:
    """'a setting made in capsim serve', naming the variant and each lever that overrides a value the
    variant sets (its label would otherwise contradict the numbers): 'variant fp32-equivalent, with
    accounting.factors.FP16 set to 0.5 (the variant sets 0.25)'."""
    if not state.variant:
        return "a setting made in capsim serve"
    paths = [c.path for c in variant_changes(runner.scenario, state.variant)]
    varied = apply_variant(runner.scenario, state.variant)
    overrides = [f"{p} set to {number_text(v)} (the variant sets {number_text(float(resolve_path(varied, p)))})"
                 for p, v in state.values.items()
                 if any(p == q or p.startswith(q + ".") for q in paths) and float(resolve_path(varied, p)) != v]
    return f"a setting made in capsim serve: variant {state.variant}" + (f", with {', '.join(overrides)}" if overrides else "")


def variant_yaml(runner: Runner, state: State, scenario_id: str) -> bytes:
    runner.scenario_of(state)  # a setting that makes the scenario invalid is refused here (ScenarioError)
    sets = " ".join(f"--set {p}={v!r}" for p, v in state.values.items())
    head = (f"# capsim serve setting: scenario {scenario_id}, capsim {__version__}, seed {state.seed}\n"
            f"# link: {encode(state, scenario_id, __version__)}\n"
            f"# run it as it is: capsim run FILE -r {runner.replications} --seed {state.seed}"
            + (f" --variant {state.variant}" if state.variant else "") + (f" {sets}" if sets else "") + "\n"
            f"# or put the entry below under the scenario's `variants:` and run: "
            f"capsim run FILE -r {runner.replications} --seed {state.seed} --variant {NAME}\n")
    entry = {NAME: {"description": description(runner, state),
                    "source": f"capsim serve (scenario {scenario_id}, capsim {__version__})",
                    "set": changes_of(runner, state)}}
    out = io.StringIO()
    writer = YAML(typ="rt", pure=True)  # ruamel, capsim's YAML library (PyYAML is only a test extra)
    writer.default_flow_style = False
    writer.allow_unicode = True
    writer.dump(entry, out)
    return (head + out.getvalue()).encode("utf-8")


def tables_zip(runner: Runner, state: State, scenario_id: str) -> bytes:
    results = runner.run(state)
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as z:
        for name in ("monthly", "annual", "targets", "projects"):
            z.writestr(f"{name}.csv", getattr(results, name).to_csv(index=False))
        z.writestr("variant.yaml", variant_yaml(runner, state, scenario_id))
    return buffer.getvalue()
