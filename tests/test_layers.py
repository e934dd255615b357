"""The layers of the code and the one-way flow between them (README, "Where things live").

Every ``import`` of ``loaders/`` and ``endpoint/`` is read with :mod:`ast` — those inside
functions too, since an import inside a function is how a cycle hides — and the tests check:
no import cycle (but the one listed, with its reason), every ``loaders`` module in exactly one
layer, and each layer importing only from the layers below it: the endpoint nothing from the
build pipeline.
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent

#: The shared kernel: configuration, errors, namespaces and minting, the store, result formats,
#: packaged assets (queries, shapes, ontology), the dataset's default graph. Imports only itself.
KERNEL = {"loaders", "loaders.kernel", "loaders.kernel.assets", "loaders.kernel.config",
          "loaders.kernel.collector", "loaders.kernel.errors", "loaders.kernel.namespaces",
          "loaders.kernel.store", "loaders.kernel.store_dump", "loaders.kernel.remote_store",
          "loaders.kernel.backends",
          "loaders.kernel.results", "loaders.kernel.geojson", "loaders.kernel.rdf_input",
          "loaders.kernel.progress", "loaders.kernel.dataset"}
#: What the build and the endpoint's writes share: validation (shapes compiled to SPARQL),
#: derivation, search keys, a copy-on-write revision of the served store, the ontology's pages.
#: Imports the kernel and itself.
SHARED_STEPS = {"loaders.validate", "loaders.shacl_sparql", "loaders.derive", "loaders.search",
                "loaders.revise", "loaders.docs", "loaders.shacl_components",
                *(f"loaders.shacl_components.{m}" for m in (
                    "registry", "value_type", "cardinality", "value_range", "string_based",
                    "logical", "shape_based", "other"))}
#: The build pipeline and the command line: reading the sources, reconciling the public lists,
#: building, exporting, ``c2c``. Nothing in ``endpoint/`` imports these.
PIPELINE = {"loaders.pipeline", "loaders.pipeline.build", "loaders.pipeline.curated",
            "loaders.pipeline.tables", "loaders.pipeline.public_data",
            "loaders.pipeline.public_lists", "loaders.pipeline.public_extract",
            "loaders.pipeline.export",
            "loaders.pipeline.duplicates", "loaders.pipeline.truth",
            "loaders.pipeline.import_kinds", "loaders.importers",
            "loaders.importers.countries",
            "loaders.importers.extract", "loaders.importers.gazetteer",
            "loaders.importers.places", "loaders.importers.readers",
            "loaders.importers.pair_overrides",
            "loaders.importers.reconcile", "loaders.importers.wikidata_sparql"}
#: The command line, the top layer: ``c2c`` runs the pipeline and serves the endpoint (``c2c
#: serve`` calls :mod:`endpoint.serve`). Nothing imports it.
COMMAND_LINE = {"loaders.pipeline.cli"}

#: Cycles still there, each with why and what ends it. The test fails when one goes too, so
#: that this list is kept short and true. (The last one, gazetteer <-> reconcile, ended when
#: great_circle_km moved into gazetteer.py.)
KNOWN_CYCLES: set[frozenset[str]] = set()


def module_name(path: Path) -> str:
    parts = path.relative_to(ROOT).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def modules() -> dict[str, Path]:
    return {module_name(p): p for folder in ("loaders", "endpoint")
            for p in sorted((ROOT / folder).rglob("*.py"))}


def imports_of(path: Path, known: set[str]) -> set[str]:
    """The project modules *path* imports anywhere in it (``from a import b`` counts ``a.b``
    when that is a module, else ``a``)."""
    found = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            found.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            for alias in node.names:
                name = f"{node.module}.{alias.name}"
                found.add(name if name in known else node.module)
    return found & known


def import_graph() -> dict[str, set[str]]:
    found = modules()
    known = set(found)
    return {name: imports_of(path, known) - {name} for name, path in found.items()}


def cycles(graph: dict[str, set[str]]) -> list[frozenset[str]]:
    """The strongly connected components of more than one module (Tarjan's algorithm)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    found: list[frozenset[str]] = []

    def visit(v: str) -> None:
        index[v] = low[v] = len(index)
        stack.append(v)
        on_stack.add(v)
        for w in sorted(graph[v]):
            if w not in index:
                visit(w)
                low[v] = min(low[v], low[w])
            elif w in on_stack:
                low[v] = min(low[v], index[w])
        if low[v] == index[v]:
            component = set()
            while True:
                w = stack.pop()
                on_stack.discard(w)
                component.add(w)
                if w == v:
                    break
            if len(component) > 1:
                found.append(frozenset(component))

    for v in sorted(graph):
        if v not in index:
            visit(v)
    return found


@pytest.mark.parametrize(("graph", "expected"), [
    ({"a": {"b"}, "b": {"c"}, "c": set()}, []),
    ({"a": {"b"}, "b": {"c"}, "c": {"a"}, "d": {"a"}}, [frozenset("abc")]),
    ({"a": {"b"}, "b": {"a"}, "c": {"d"}, "d": {"c"}}, [frozenset("ab"), frozenset("cd")]),
])
def test_cycles_are_found(graph, expected) -> None:
    assert sorted(cycles(graph), key=sorted) == expected


def test_an_import_inside_a_function_counts(tmp_path: Path) -> None:
    path = tmp_path / "m.py"
    path.write_text("def f():\n    from loaders.pipeline.build import build\n    import "
                    "loaders.pipeline.cli\n")
    assert imports_of(path, {"loaders", "loaders.pipeline.build", "loaders.pipeline.cli"}) == {
        "loaders.pipeline.build", "loaders.pipeline.cli"}


def test_no_import_cycle_but_the_known_one() -> None:
    assert set(cycles(import_graph())) == KNOWN_CYCLES


def test_every_loaders_module_is_in_one_layer() -> None:
    loaders = {m for m in modules() if m.split(".")[0] == "loaders"}
    layers = [KERNEL, SHARED_STEPS, PIPELINE, COMMAND_LINE]
    assert sum(map(len, layers)) == len(set().union(*layers)), "a module in two layers"
    assert loaders == set().union(*layers), \
        "put each new loaders module in a layer here and in the README's 'Where things live'"


def test_each_layer_imports_only_from_below() -> None:
    graph = import_graph()
    wrong = {f"{m} imports {d}" for m in KERNEL for d in graph[m] if d not in KERNEL}
    wrong |= {f"{m} imports {d}" for m in SHARED_STEPS for d in graph[m]
              if d not in KERNEL | SHARED_STEPS}
    wrong |= {f"{m} imports {d}" for m in KERNEL | SHARED_STEPS | PIPELINE for d in graph[m]
              if d.split(".")[0] == "endpoint"}
    wrong |= {f"{m} imports {d}" for m in graph for d in graph[m] if d in COMMAND_LINE}
    assert not wrong


def test_the_endpoint_imports_nothing_from_the_build_pipeline() -> None:
    graph = import_graph()
    endpoint = [m for m in graph if m.split(".")[0] == "endpoint"]
    assert endpoint
    assert {f"{m} imports {d}" for m in endpoint for d in graph[m]
            if d in PIPELINE | COMMAND_LINE} == set()


def test_the_folders_are_the_layers() -> None:
    """A module's folder says its layer: ``loaders/kernel/`` the kernel, ``loaders/pipeline/``
    and ``loaders/importers/`` the pipeline (and the command line), ``loaders/`` itself and
    ``loaders/shacl_components/`` the shared steps."""
    def under(*packages: str) -> set[str]:
        return {m for m in modules() if ".".join(m.split(".")[:2]) in packages}

    loaders = {m for m in modules() if m.split(".")[0] == "loaders"}
    assert under("loaders.kernel") | {"loaders"} == KERNEL
    assert under("loaders.pipeline", "loaders.importers") == PIPELINE | COMMAND_LINE
    assert loaders - KERNEL - PIPELINE - COMMAND_LINE == SHARED_STEPS
    assert [m for m in COMMAND_LINE if not m.startswith("loaders.pipeline.")] == []


def test_every_page_template_extends_the_base_layout() -> None:
    """One layout (``base.html``: head, navigation, footer) for every page the endpoint
    renders."""
    templates = sorted((ROOT / "endpoint" / "templates").glob("*.html"))
    assert len(templates) > 1
    assert [t.name for t in templates if t.name != "base.html"
            and not t.read_text(encoding="utf-8").lstrip().startswith(
                '{% extends "base.html" %}')] == []
