"""The package's imports point one way, down the pipeline, with no circle: checked over the
`ast` of every module in src/ (imports inside functions count too)."""

from __future__ import annotations

import ast
from pathlib import Path

SRC = Path(__file__).resolve().parents[1] / "src" / "gaitpredict"
# the pipeline, lowest first: a module may import only from its own stage or those before it
LAYERS = [
    "lazy",
    "errors",
    "atomic",
    "options",
    "extras",
    "data",
    "plots",
    "windowing",
    "models",
    "training",
    "pretrained",
    "evaluation",
    "adaptation",
    "realtime",
    "experiments",
    "report",
    "studies",
    "cli",
    "__main__",
]


def _modules() -> dict[str, set[str]]:
    """module name -> the gaitpredict modules it imports (a name imported from a package
    counts as its submodule when there is one)."""
    files = {}
    for path in SRC.rglob("*.py"):
        parts = list(path.relative_to(SRC.parent).with_suffix("").parts)
        is_package = parts[-1] == "__init__"
        if is_package:
            parts = parts[:-1]
        files[".".join(parts)] = (path, is_package)
    graph = {}
    for name, (path, is_package) in files.items():
        package = name if is_package else name.rpartition(".")[0]
        found = set()
        for node in ast.walk(ast.parse(path.read_text())):
            if isinstance(node, ast.ImportFrom):
                base = node.module or ""
                if node.level:
                    up = package.split(".")[: len(package.split(".")) - node.level + 1]
                    base = ".".join(up + ([node.module] if node.module else []))
                for alias in node.names:
                    sub = f"{base}.{alias.name}"
                    found.add(sub if sub in files else base)
            elif isinstance(node, ast.Import):
                found |= {a.name for a in node.names}
        graph[name] = {m for m in found if m in files and m != name}
    return graph


def _stage(module: str) -> str:
    parts = module.split(".")
    return parts[1] if len(parts) > 1 else ""


def test_every_stage_is_in_the_pipeline():
    stages = {_stage(m) for m in _modules()} - {""}
    assert stages <= set(LAYERS), f"add {sorted(stages - set(LAYERS))} to LAYERS"


def test_no_import_runs_up_the_pipeline():
    upward = []
    for module, deps in _modules().items():
        for dep in deps:
            if _stage(dep) == "":  # the package root: only its __version__ is imported
                continue
            if LAYERS.index(_stage(dep)) > LAYERS.index(_stage(module) or "errors"):
                upward.append(f"{module} -> {dep}")
    assert not upward, "imports up the pipeline:\n" + "\n".join(sorted(upward))


def test_no_import_circle():
    graph = _modules()
    cycles, state = [], {}

    def visit(node, path):
        state[node] = "open"
        for dep in sorted(graph[node]):
            if dep == "gaitpredict":  # the root's lazy exports import nothing at load
                continue
            if state.get(dep) == "open":
                cycles.append(" -> ".join(path[path.index(dep) :] + [dep]))
            elif dep not in state:
                visit(dep, path + [dep])
        state[node] = "done"

    for module in sorted(graph):
        if module not in state:
            visit(module, [module])
    assert not cycles, "import circles:\n" + "\n".join(cycles)


def test_the_package_root_is_imported_only_for_its_version():
    used = set()
    for path in SRC.rglob("*.py"):
        for node in ast.walk(ast.parse(path.read_text())):
            if isinstance(node, ast.ImportFrom) and node.module is None and node.level:
                if node.level == len(
                    path.relative_to(SRC).parts
                ):  # `from .. import X` reaching gaitpredict itself
                    used |= {a.name for a in node.names}
    assert used <= {"__version__"}, used
