"""The package layout stays walkable: no import cycle inside ``sim``, imports only go from a stage to
itself or to the stages before it, and no module grows past 400 lines (docs/architecture.md)."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

PACKAGE = Path(__file__).resolve().parents[1] / "sim"
CLI_STAGES = ("exits", "options", "progress", "workers",
              "run", "compare", "plot", "report", "validate", "schema", "explore", "serve", "parser")
"""The modules of ``sim/cli/``, each a stage of its own: the shared pieces first, then one module per
sub-command (``explore`` has ``solve`` too) in the order of ``capsim --help``, then the parser that
adds them all; ``sim/cli/__init__.py`` (``main``, ``command``) is the stage ``cli`` above them."""
STAGES = ("errors", "months", "version", "colours", "scenario", "engine", "analysis", "run", "explore", "plots", "output", "report", "serve",
          *(f"cli.{name}" for name in CLI_STAGES), "cli")
"""The order of the stages: a module may import from its own stage and from those before it.
``sim/__init__.py`` (the public API) and ``__main__`` sit above all of them."""
MAX_LINES = 400


def module_name(path: Path) -> str:
    parts = list(path.relative_to(PACKAGE.parent).with_suffix("").parts)
    if parts[-1] == "__init__":
        parts = parts[:-1]
    return ".".join(parts)


def modules() -> dict[str, Path]:
    return {module_name(p): p for p in sorted(PACKAGE.rglob("*.py"))}


def _type_checking(node: ast.If) -> bool:
    test = node.test
    return (isinstance(test, ast.Name) and test.id == "TYPE_CHECKING") or (
        isinstance(test, ast.Attribute) and test.attr == "TYPE_CHECKING")


def imports_of(name: str, path: Path, known: set[str], typing: bool = False) -> set[str]:
    """Modules of ``sim`` that ``name`` imports at run time (also inside functions; not in an
    ``if TYPE_CHECKING:`` block, which never runs), and with ``typing`` those of such blocks too."""
    tree = ast.parse(path.read_text(encoding="utf-8"))
    package = name if path.name == "__init__.py" else name.rpartition(".")[0]
    found: set[str] = set()

    def visit(node: ast.AST) -> None:
        if isinstance(node, ast.If) and _type_checking(node) and not typing:
            for child in node.orelse:
                visit(child)
            return
        if isinstance(node, ast.ImportFrom):
            if node.level:
                base = package.split(".")
                base = base[: len(base) - (node.level - 1)]
                target = ".".join(base + ([node.module] if node.module else []))
            else:
                target = node.module or ""
            for alias in node.names:
                candidate = f"{target}.{alias.name}"
                found.add(candidate if candidate in known else target)
        elif isinstance(node, ast.Import):
            found.update(alias.name for alias in node.names)
        for child in ast.iter_child_nodes(node):
            visit(child)

    visit(tree)
    return {m for m in found if m in known and m != name}


def graph(typing: bool = False) -> dict[str, set[str]]:
    mods = modules()
    known = set(mods)
    return {name: imports_of(name, path, known, typing) for name, path in mods.items()}


def stage(name: str) -> str | None:
    parts = name.split(".")
    if len(parts) > 2 and parts[1] == "cli":
        return f"cli.{parts[2]}"  # each module of the CLI package is a stage (CLI_STAGES)
    return parts[1] if len(parts) > 1 else None


def test_every_module_belongs_to_a_stage():
    strays = [m for m in modules() if stage(m) not in (*STAGES, None, "__main__")]
    assert not strays, f"modules outside the stages of docs/architecture.md: {strays}"


@pytest.mark.parametrize("typing", [False, True], ids=["run time", "with TYPE_CHECKING imports"])
def test_no_import_cycle_inside_sim(typing):
    """No cycle at run time, nor in the types (a type named under ``if TYPE_CHECKING:`` from a
    module that imports this one is a cycle a reader must follow, e.g. Plan <-> PolicyPlan)."""
    edges = graph(typing)
    state: dict[str, int] = {}
    stack: list[str] = []

    def walk(node: str) -> None:
        state[node] = 1
        stack.append(node)
        for nxt in sorted(edges[node]):
            if state.get(nxt) == 1:
                cycle = stack[stack.index(nxt):] + [nxt]
                pytest.fail("import cycle: " + " -> ".join(cycle))
            if nxt not in state:
                walk(nxt)
        stack.pop()
        state[node] = 2

    for node in sorted(edges):
        if node not in state:
            walk(node)


def test_the_checker_sees_a_cycle_through_type_checking_imports(tmp_path, monkeypatch):
    """A plan that names, under TYPE_CHECKING only, a type of a module that imports the plan: no
    cycle at run time, a cycle in the types."""
    pkg = tmp_path / "sim"
    (pkg / "engine").mkdir(parents=True)
    for f in ("__init__.py", "engine/__init__.py"):
        (pkg / f).write_text("")
    (pkg / "engine" / "plan.py").write_text("from typing import TYPE_CHECKING\nif TYPE_CHECKING:\n"
                                            "    from .policies import PolicyPlan\n")
    (pkg / "engine" / "policies.py").write_text("from .plan import Plan\n")
    monkeypatch.setattr(__import__(__name__), "PACKAGE", pkg)
    test_no_import_cycle_inside_sim(False)
    with pytest.raises(pytest.fail.Exception, match="import cycle: sim.engine.plan -> sim.engine.policies -> sim.engine.plan"):
        test_no_import_cycle_inside_sim(True)


def test_imports_go_only_to_the_same_or_an_earlier_stage():
    order = {s: i for i, s in enumerate(STAGES)}
    wrong = []
    for name, targets in graph().items():
        own = stage(name)
        if own is None or own == "__main__":
            continue  # the public API and ``python -m sim`` may import any stage
        for target in targets:
            other = stage(target)
            if other is None or order[other] > order[own]:
                wrong.append(f"{name} -> {target}")
    assert not wrong, "imports against the pipeline order: " + ", ".join(sorted(wrong))


def test_no_module_over_400_lines():
    long = {name: n for name, path in modules().items()
            if (n := len(path.read_text(encoding="utf-8").splitlines())) > MAX_LINES}
    assert not long, f"modules over {MAX_LINES} lines (split them by idea): {long}"


def test_the_checker_sees_a_cycle_and_a_backward_import(tmp_path, monkeypatch):
    """The checks above can fail: a made-up package with a cycle and a backward import."""
    pkg = tmp_path / "sim"
    (pkg / "engine").mkdir(parents=True)
    (pkg / "scenario").mkdir()
    for f in ("__init__.py", "engine/__init__.py", "scenario/__init__.py"):
        (pkg / f).write_text("")
    (pkg / "engine" / "a.py").write_text("from .b import x\n")
    (pkg / "engine" / "b.py").write_text("def f():\n    from .a import y\n")
    (pkg / "scenario" / "c.py").write_text("from ..engine.a import z\n")
    monkeypatch.setattr(__import__(__name__), "PACKAGE", pkg)
    edges = graph()
    assert edges["sim.engine.a"] == {"sim.engine.b"}
    assert edges["sim.engine.b"] == {"sim.engine.a"}
    with pytest.raises(pytest.fail.Exception, match="import cycle: sim.engine.a -> sim.engine.b -> sim.engine.a"):
        test_no_import_cycle_inside_sim(False)
    with pytest.raises(AssertionError, match="sim.scenario.c -> sim.engine.a"):
        test_imports_go_only_to_the_same_or_an_earlier_stage()


def test_the_checker_sees_a_backward_import_inside_the_cli(tmp_path, monkeypatch):
    """Each module of sim/cli/ is a stage: a shared piece importing a command is against the order."""
    pkg = tmp_path / "sim"
    (pkg / "cli").mkdir(parents=True)
    for f in ("__init__.py", "cli/__init__.py", "cli/run.py"):
        (pkg / f).write_text("")
    (pkg / "cli" / "options.py").write_text("from .run import cmd_run\n")
    monkeypatch.setattr(__import__(__name__), "PACKAGE", pkg)
    assert stage("sim.cli.options") == "cli.options" and stage("sim.cli") == "cli"
    with pytest.raises(AssertionError, match="sim.cli.options -> sim.cli.run"):
        test_imports_go_only_to_the_same_or_an_earlier_stage()


def test_every_sub_package_is_installed():
    """pyproject.toml lists packages by name: a new stage folder missing there is left out of a wheel."""
    import tomllib

    listed = set(tomllib.loads((PACKAGE.parent / "pyproject.toml").read_text())["tool"]["setuptools"]["packages"])
    found = {module_name(p.parent / "__init__.py") for p in PACKAGE.rglob("__init__.py")}
    assert found <= listed, f"add to [tool.setuptools] packages: {sorted(found - listed)}"
