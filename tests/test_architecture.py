"""The package's shape, read from its import statements (``ast``, nothing is imported).

- No import cycles among arsearch modules at module level (what runs on ``import``); a
  function-level import that closes a cycle needs a documented entry in DEFERRED_CYCLES.
- Data flows one way. LAYERS lists the layers, lowest first; a module imports only from
  its own layer and those below it (cli -> web -> the engine/indexing -> backends ->
  search (the query language, ranking policy and results every backend implements) ->
  analysis/ingest -> errors/progress), at module level, in functions or for typing. A
  module belongs to the layer of its longest listed prefix (``arsearch.search.engine``
  is above the backends, the rest of ``arsearch.search`` below them).
- Only ``arsearch.backends.whoosh`` imports ``whoosh``.
- The front ends (cli/, web/) use the library, not a backend behind it.

Today's violations are listed below as explicit allow-lists, each entry with its reason.
They may only shrink: a NEW violation fails, and so does an entry that no longer
happens (remove it, so the list keeps saying the truth).
"""

from __future__ import annotations

import ast
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from functools import cache
from pathlib import Path

import pytest

from tests.conftest import ROOT

PACKAGE = ROOT / "src" / "arsearch"

#: The layers, lowest first: (modules and packages by dotted name, exact names only).
#: A new top-level module or subpackage must be placed here (the test says so).
LAYERS: list[tuple[tuple[str, ...], tuple[str, ...]]] = [
    (("arsearch.errors", "arsearch.progress"), ()),
    (("arsearch.analysis", "arsearch.ingest"), ()),
    # what every backend implements: the parsed query, the ranking policy, results
    (("arsearch.search",), ()),
    (("arsearch.backends",), ()),
    # the engine over a backend (issue 13, phase 2: the boundary moved up one level)
    (("arsearch.search.engine", "arsearch.indexing"), ()),
    (("arsearch.web",), ()),
    (("arsearch.cli",), ()),
    # the public facade (``import arsearch``) and ``python -m arsearch``: nothing inside
    # the package may import them
    ((), ("arsearch", "arsearch.__main__")),
]

#: Upward imports allowed for now: (importer, imported) -> why. Only shrinks. (Empty
#: since "House, step 2/3": synonym expansion moved to search/expand, and the backend
#: reads postings with its own decoders.)
LAYER_EXCEPTIONS: dict[tuple[str, str], str] = {}

#: Modules outside arsearch.backends.whoosh that import whoosh today. Only shrinks.
WHOOSH_EXCEPTIONS: dict[str, str] = {
    "arsearch.analysis.chain": "the analyzer is built from Whoosh's Tokenizer and Filter "
                               "(and pickled into the index by module path)",
}

#: Front-end imports of a backend (``arsearch.backends.whoosh``; the backend-neutral
#: ``arsearch.backends`` is fine) allowed for now: (importer, imported) -> why. Only shrinks.
FRONT_END_EXCEPTIONS: dict[tuple[str, str], str] = {
    ("arsearch.cli.indexing", "arsearch.backends.whoosh.check"):
        "`arsearch check` runs check_index (also arsearch.check_index)",
    ("arsearch.cli.indexing", "arsearch.backends.whoosh.integrity"):
        "the REBUILD hint printed for a damaged index",
    ("arsearch.web.engine", "arsearch.backends.whoosh.integrity"):
        "folder_key: retry a damaged index only once its files changed",
}

#: Function-level imports that close an import cycle: (importer, imported) -> why.
DEFERRED_CYCLES: dict[tuple[str, str], str] = {}


@dataclass(frozen=True)
class Import:
    importer: str
    imported: str  # a module of arsearch, or any other absolute dotted name
    line: int
    kind: str  # "module": runs on import; "deferred": in a function; "typing": TYPE_CHECKING

    def __str__(self) -> str:
        return f"{self.importer} -> {self.imported} (line {self.line}, {self.kind})"


def module_name(path: Path, root: Path) -> str:
    parts = list(path.relative_to(root.parent).with_suffix("").parts)
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def read_imports(source: str, importer: str, is_package: bool,
                 known: Iterable[str]) -> Iterator[Import]:
    """Every import statement of ``source``, resolved to the module it names."""
    known = set(known)

    def resolve(node: ast.ImportFrom) -> str:
        if not node.level:
            return node.module or ""
        base = importer.split(".") if is_package else importer.split(".")[:-1]
        base = base[:len(base) - node.level + 1]
        return ".".join([*base, node.module] if node.module else base)

    def visit(node: ast.AST, kind: str) -> Iterator[Import]:
        for child in ast.iter_child_nodes(node):
            if isinstance(child, ast.Import):
                for alias in child.names:
                    yield Import(importer, alias.name, child.lineno, kind)
            elif isinstance(child, ast.ImportFrom):
                base = resolve(child)
                if base == "__future__":
                    continue
                for name in {f"{base}.{a.name}" if f"{base}.{a.name}" in known else base
                             for a in child.names}:
                    yield Import(importer, name, child.lineno, kind)
            elif isinstance(child, (ast.FunctionDef, ast.AsyncFunctionDef, ast.Lambda)):
                yield from visit(child, "deferred")
            elif isinstance(child, ast.If) and "TYPE_CHECKING" in ast.unparse(child.test):
                for stmt in child.body:
                    yield from visit(ast.Module(body=[stmt], type_ignores=[]),
                                     "typing" if kind == "module" else kind)
                for stmt in child.orelse:
                    yield from visit(ast.Module(body=[stmt], type_ignores=[]), kind)
            else:
                yield from visit(child, kind)

    yield from visit(ast.parse(source), "module")


@cache
def modules() -> dict[str, Path]:
    return {module_name(p, PACKAGE): p for p in sorted(PACKAGE.rglob("*.py"))}


@cache
def imports() -> tuple[Import, ...]:
    known = modules()
    return tuple(imp for name, path in known.items()
                 for imp in read_imports(path.read_text("utf-8"), name,
                                         path.name == "__init__.py", known))


def internal(kinds: set[str]) -> list[Import]:
    return [i for i in imports() if i.kind in kinds and i.imported in modules()]


def cycles(edges: Iterable[tuple[str, str]]) -> list[list[str]]:
    """The strongly connected components with more than one module, or a self-import
    (Tarjan's algorithm): each is at least one import cycle."""
    graph: dict[str, set[str]] = {}
    for a, b in edges:
        graph.setdefault(a, set()).add(b)
        graph.setdefault(b, set())
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    found: list[list[str]] = []

    def connect(v: str) -> None:
        index[v] = low[v] = len(index)
        stack.append(v)
        for w in sorted(graph[v]):
            if w not in index:
                connect(w)
                low[v] = min(low[v], low[w])
            elif w in stack:
                low[v] = min(low[v], index[w])
        if low[v] == index[v]:
            component = []
            while True:
                w = stack.pop()
                component.append(w)
                if w == v:
                    break
            if len(component) > 1 or v in graph[v]:
                found.append(sorted(component))

    for v in sorted(graph):
        if v not in index:
            connect(v)
    return found


def layer(module: str) -> int:
    """The rank of ``module``'s layer: an exact name, else its longest listed prefix."""
    best: tuple[int, int] | None = None  # (prefix length, rank)
    for rank, (prefixes, exact) in enumerate(LAYERS):
        if module in exact:
            return rank
        for p in prefixes:
            if (module == p or module.startswith(p + ".")) and (
                    best is None or len(p) > best[0]):
                best = (len(p), rank)
    if best is None:
        raise AssertionError(f"{module} is in no layer: add it to LAYERS in {__file__}")
    return best[1]


def check_allow_list(found: dict, allowed: dict, what: str) -> None:
    """Fail on anything found but not allowed, and on allowed entries no longer found."""
    new = sorted(set(found) - set(allowed))
    assert not new, f"new {what}:\n" + "\n".join(f"  {k}: {found[k]}" for k in new)
    stale = sorted(set(allowed) - set(found))
    assert not stale, f"fixed {what} (remove from the allow-list): {stale}"


# ---------------------------------------------------------------------------- the tests


def test_every_module_is_read_and_placed_in_a_layer() -> None:
    names = set(modules())
    assert {"arsearch", "arsearch.cli", "arsearch.web.app", "arsearch.search.engine",
            "arsearch.backends.whoosh.integrity", "arsearch.analysis.chain"} <= names
    for name in names:
        layer(name)
    assert len(internal({"module"})) > 50  # the parser sees the imports


def test_no_import_cycles_at_module_level() -> None:
    found = cycles((i.importer, i.imported) for i in internal({"module"}))
    assert not found, f"import cycles: {found}"


def test_function_level_imports_close_only_the_documented_cycles() -> None:
    runtime = internal({"module", "deferred"})
    found = {}
    for component in cycles((i.importer, i.imported) for i in runtime):
        for i in runtime:
            if i.kind == "deferred" and {i.importer, i.imported} <= set(component):
                found[(i.importer, i.imported)] = f"line {i.line}, cycle {component}"
    check_allow_list(found, DEFERRED_CYCLES, "cycles through function-level imports")


def test_layers_import_only_downward() -> None:
    found = {}
    for i in internal({"module", "deferred", "typing"}):
        if layer(i.imported) > layer(i.importer):
            found[(i.importer, i.imported)] = str(i)
    check_allow_list(found, LAYER_EXCEPTIONS, "upward imports")


def test_only_the_whoosh_backend_imports_whoosh() -> None:
    found = {}
    for i in imports():
        if i.imported.split(".")[0] == "whoosh" and not (
                i.importer == "arsearch.backends.whoosh"
                or i.importer.startswith("arsearch.backends.whoosh.")):
            found.setdefault(i.importer, str(i))
    check_allow_list(found, WHOOSH_EXCEPTIONS, "modules importing whoosh")


def test_front_ends_use_the_library_not_the_backend() -> None:
    found = {(i.importer, i.imported): str(i) for i in internal({"module", "deferred", "typing"})
             if i.importer.startswith(("arsearch.cli", "arsearch.web"))
             and i.imported.startswith("arsearch.backends.")}
    check_allow_list(found, FRONT_END_EXCEPTIONS, "front-end imports of the backend")


def test_the_allow_lists_name_modules_that_exist() -> None:
    names = set(modules())
    for importer, imported in [*LAYER_EXCEPTIONS, *FRONT_END_EXCEPTIONS, *DEFERRED_CYCLES]:
        assert {importer, imported} <= names, (importer, imported)
    assert set(WHOOSH_EXCEPTIONS) <= names


# ------------------------------------------------------------- the checks can fail


def test_the_cycle_finder_finds_cycles_and_only_cycles() -> None:
    assert cycles([("a", "b"), ("b", "c"), ("c", "a"), ("c", "d")]) == [["a", "b", "c"]]
    assert cycles([("a", "a")]) == [["a"]]
    assert cycles([("a", "b"), ("b", "c"), ("a", "c")]) == []
    # the web package's cycle before the split: app imported its blueprints in
    # create_app, and they imported get_engine from app
    edges = [("web.app", "web.pages", "deferred"), ("web.pages", "web.app", "module")]
    assert cycles((a, b) for a, b, kind in edges if kind == "module") == []
    assert cycles((a, b) for a, b, _ in edges) == [["web.app", "web.pages"]]


def test_imports_are_read_with_where_they_run() -> None:
    source = '''
from __future__ import annotations
import os, whoosh.index as wi
from typing import TYPE_CHECKING
from . import sibling
from .. import errors
from ..search.engine import Engine

if TYPE_CHECKING:
    from arsearch.search.scoring import Explanation
else:
    import json

class Holder:
    import re

def f():
    from arsearch.web.app import create_app
    return lambda: __import__("x")
'''
    known = {"arsearch.cli.sibling", "arsearch.errors", "arsearch.search.engine"}
    got = {(i.imported, i.kind) for i in read_imports(source, "arsearch.cli.searching",
                                                      False, known)}
    assert got == {
        ("os", "module"), ("whoosh.index", "module"), ("typing", "module"),
        ("arsearch.cli.sibling", "module"), ("arsearch.errors", "module"),
        ("arsearch.search.engine", "module"), ("arsearch.search.scoring", "typing"),
        ("json", "module"), ("re", "module"), ("arsearch.web.app", "deferred")}


@pytest.mark.parametrize(("module", "rank"), [
    ("arsearch.errors", 0), ("arsearch.ingest.dates", 1), ("arsearch.search.scoring", 2),
    ("arsearch.search", 2), ("arsearch.backends.whoosh.codec", 3),
    ("arsearch.search.engine", 4), ("arsearch.indexing", 4), ("arsearch.web.app", 5),
    ("arsearch.cli", 6), ("arsearch", 7)])
def test_layers_rank_modules_by_package(module, rank) -> None:
    assert layer(module) == rank
    with pytest.raises(AssertionError, match="in no layer"):
        layer("arsearch.newthing")
