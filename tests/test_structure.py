"""The package's shape: no import cycles, sub-packages import only downward, every module documented.

Static checks on the source (``ast``), so they see imports inside functions too, and run in milliseconds.
"""

from __future__ import annotations

import ast
from collections.abc import Iterator
from dataclasses import dataclass
from functools import cache
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
PKG = "bayes_perflaw"
PKG_DIR = ROOT / PKG

# lowest first: a sub-package may import itself and any sub-package to its left
LAYERS = ("core", "benchmarks", "flp", "perflaw", "multibench", "screening", "report", "cli")
EXEMPT = {PKG, f"{PKG}.__main__"}  # the top-level __init__.py and __main__.py


@dataclass(frozen=True)
class Import:
    source: str  # importing module, dotted
    target: str  # imported module of the package, dotted
    line: int
    text: str  # the import statement as written

    def __str__(self) -> str:
        return f"{self.source} -> {self.target} ({path_of(self.source)}:{self.line}: {self.text})"


@cache
def modules() -> dict[str, Path]:
    """Every module of the package by dotted name (a package by its ``__init__.py``)."""
    found = {}
    for path in sorted(PKG_DIR.rglob("*.py")):
        rel = path.relative_to(ROOT).with_suffix("")
        parts = rel.parts[:-1] if rel.name == "__init__" else rel.parts
        found[".".join(parts)] = path
    return found


def path_of(module: str) -> str:
    return modules()[module].relative_to(PKG_DIR).as_posix()


@cache
def tree(module: str) -> ast.Module:
    path = modules()[module]
    return ast.parse(path.read_text(encoding="utf-8"), filename=str(path))


def is_package(module: str) -> bool:
    return modules()[module].name == "__init__.py"


def reexport_only(module: str) -> bool:
    """An ``__init__.py`` holding only a docstring, imports and ``__all__``."""
    if not is_package(module):
        return False
    for stmt in tree(module).body:
        docstring = isinstance(stmt, ast.Expr) and isinstance(stmt.value, ast.Constant)
        dunder_all = isinstance(stmt, ast.Assign | ast.AnnAssign) and "__all__" in ast.unparse(stmt)
        if not (docstring or dunder_all or isinstance(stmt, ast.Import | ast.ImportFrom)):
            return False
    return True


def _known(name: str) -> str:
    """The longest prefix of a dotted name that is a module of the package."""
    while name not in modules():
        name = name.rpartition(".")[0]
    return name


def _absolute(module: str, node: ast.ImportFrom) -> str:
    if not node.level:
        return node.module or ""
    base = module if is_package(module) else module.rpartition(".")[0]
    for _ in range(node.level - 1):
        base = base.rpartition(".")[0]
    return f"{base}.{node.module}" if node.module else base


@cache
def imports(module: str) -> tuple[Import, ...]:
    """The package modules ``module`` imports, anywhere in the file (in functions too)."""
    found = []
    for node in ast.walk(tree(module)):
        if isinstance(node, ast.Import):
            names = [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom):
            base = _absolute(module, node)
            names = [f"{base}.{alias.name}" for alias in node.names]
        else:
            continue
        targets = dict.fromkeys(_known(n) for n in names if n == PKG or n.startswith(PKG + "."))
        found += [Import(module, target, node.lineno, ast.unparse(node)) for target in targets]
    return tuple(found)


def import_graph() -> dict[str, list[Import]]:
    """module -> its imports of other package modules; re-export-only ``__init__.py`` files are left out."""
    return {m: [] if reexport_only(m) else [i for i in imports(m) if i.target != m] for m in modules()}


def find_cycle(graph: dict[str, list[Import]]) -> list[Import]:
    """The edges of one import cycle, or [] if there is none (iterative depth-first search)."""
    done: set[str] = set()
    for root in graph:
        if root in done:
            continue
        # the current path: (module, its remaining imports, the import that led to it)
        stack: list[tuple[str, Iterator[Import], Import | None]] = [(root, iter(graph[root]), None)]
        while stack:
            node, edges, _ = stack[-1]
            edge = next(edges, None)
            if edge is None:
                done.add(node)
                stack.pop()
                continue
            on_path = [frame[0] for frame in stack]
            if edge.target in on_path:
                entered = [frame[2] for frame in stack[on_path.index(edge.target) + 1 :]]
                return [*entered, edge]
            if edge.target not in done:
                stack.append((edge.target, iter(graph[edge.target]), edge))
    return []


def test_no_import_cycles():
    cycle = find_cycle(import_graph())
    assert not cycle, "import cycle:\n  " + "\n  ".join(map(str, cycle))


def test_find_cycle_reports_the_cycle():
    def edge(a, b):
        return Import(a, b, 1, f"import {b}")

    graph = {"a": [edge("a", "b")], "b": [edge("b", "c")], "c": [edge("c", "b")], "d": []}
    assert [(e.source, e.target) for e in find_cycle(graph)] == [("b", "c"), ("c", "b")]
    assert find_cycle({"a": [edge("a", "b")], "b": [], "c": [edge("c", "a")]}) == []


def layer(module: str) -> str | None:
    """The sub-package of a module (None for the top-level modules)."""
    parts = module.split(".")
    return parts[1] if len(parts) > 1 and is_package(f"{PKG}.{parts[1]}") else None


def upward_imports(subpackage: str) -> list[Import]:
    """Imports from ``subpackage`` of a sub-package to its right in LAYERS (or of an unlisted one)."""
    allowed = set(LAYERS[: LAYERS.index(subpackage) + 1])
    bad = []
    for m in modules():
        if m in EXEMPT or layer(m) != subpackage:
            continue
        for imp in imports(m):
            # the root package holds only __version__ and may be imported from anywhere
            if imp.target != PKG and layer(imp.target) not in allowed:
                bad.append(imp)
    return bad


def test_every_subpackage_has_a_layer():
    subpackages = {layer(m) for m in modules()} - {None}
    assert subpackages <= set(LAYERS), f"sub-packages missing from LAYERS: {sorted(subpackages - set(LAYERS))}"


# The layering as the code stands; the lead engineer is removing these imports (then drop the mark).
UPWARD_TODAY: dict[str, str] = {}  # every upward import is gone (issue 13)


@pytest.mark.parametrize(
    "subpackage",
    [
        pytest.param(p, marks=pytest.mark.xfail(strict=True, reason=UPWARD_TODAY[p])) if p in UPWARD_TODAY else p
        for p in LAYERS
    ],
)
def test_subpackages_import_only_downward(subpackage):
    bad = upward_imports(subpackage)
    order = " < ".join(LAYERS)
    assert not bad, f"{subpackage} imports upward (order {order}):\n  " + "\n  ".join(map(str, bad))


def test_every_module_is_in_architecture_md():
    text = (ROOT / "ARCHITECTURE.md").read_text(encoding="utf-8")
    files = [path_of(m) for m in modules() if modules()[m].name not in ("__init__.py", "__main__.py")]
    missing = [f for f in files if f not in text]
    assert not missing, f"modules not named in ARCHITECTURE.md: {missing}"


def test_cli_modules_import_only_common():
    """A command module is parse -> library -> emit: of the CLI it may import only ``cli.common``
    (and ``cli.argtypes``, the typed flag parsers; ``cli.main`` and ``cli/__init__.py`` put the parser together)."""
    entry = {f"{PKG}.cli", f"{PKG}.cli.main"}
    bad = [
        imp
        for m in modules()
        if layer(m) == "cli" and m not in entry
        for imp in imports(m)
        if layer(imp.target) == "cli" and imp.target not in (f"{PKG}.cli.common", f"{PKG}.cli.argtypes", m)
    ]
    assert not bad, "CLI modules importing each other:\n  " + "\n  ".join(map(str, bad))
