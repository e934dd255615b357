"""The build pipeline: sources → RDF → SHACL validation → a new store → derivation → switch.

Data flows one way. :func:`build` reads the curated tables into quads and bulk-loads them, with
the ontology and the saved imports, into an in-memory *staging* store; validates it with the
shapes compiled to SPARQL (:func:`loaders.validate.validate_store`) — a violation stops the
build before anything is written to disk; then creates a *new* store folder that nothing serves
and bulk-loads the source graphs into it on another thread while the derived graph, the search
keys and the VoID description are materialised in memory; writes those too; and only then makes
the new store current (:meth:`loaders.store.StoreLocation.swap`). Any failure removes the new
folder; the store that was serving keeps serving. (Oxigraph answers the validation and
derivation queries several times faster in memory than on disk; the README says why the
build is shaped this way.)
"""

from __future__ import annotations

import shutil
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import pyoxigraph as ox
from tqdm import tqdm

from loaders import assets
from loaders.config import Settings
from loaders.curated import read_curated
from loaders.errors import ValidationFailed
from loaders.importers import saved_imports
from loaders.namespaces import PREFIXES, Minter
from loaders.store import BackgroundLoad, BuildInfo, OxigraphStore, StoreLocation
from loaders.validate import report_text, validate_store

STEPS = ("read", "stage", "validate", "write", "derive", "describe", "switch")
# the graphs derive() and describe() write; every other graph holds a source, and is validated
DERIVED_GRAPHS = ("derived", "search", "void")


@dataclass(frozen=True)
class BuildSummary:
    """What a build did: its version, triples per graph, violations and time."""

    version: str
    path: Path
    graphs: dict[str, int]
    violations: int
    seconds: float

    @property
    def quads(self) -> int:
        return sum(self.graphs.values())

    def text(self) -> str:
        width = max((len(g) for g in self.graphs), default=10)
        lines = [f"built store {self.version} in {self.seconds:.1f} s: {self.quads} triples in "
                 f"{len(self.graphs)} graphs, {self.violations} SHACL violations"]
        lines += [f"  {g:<{width}}  {n:>8}" for g, n in sorted(self.graphs.items())]
        return "\n".join(lines)


def derive(store: OxigraphStore, minter: Minter) -> None:
    """Materialise the derived graph anew from the store's agreements, memberships, periods,
    and the search keys of every place (``graph/search``, :mod:`loaders.search`)."""
    from loaders.search import search_quads

    derived = ox.NamedNode(str(minter.graph("derived")))
    store.raw.remove_graph(derived)
    for _name, text in assets.queries_in("derive"):  # in order: later ones read earlier ones
        triples = store.raw.query(text, base_iri=minter.base, prefixes=PREFIXES)
        store.extend(ox.Quad(t.subject, t.predicate, t.object, derived) for t in triples)
    store.raw.remove_graph(ox.NamedNode(str(minter.graph("search"))))
    store.extend(search_quads(store, minter))


def describe(store: OxigraphStore, minter: Minter) -> None:
    """Write the VoID/DCAT description anew (run after :func:`derive`: it counts every graph)."""
    store.raw.remove_graph(ox.NamedNode(str(minter.graph("void"))))
    for _name, text in assets.queries_in("describe"):
        store.update(text, base_iri=minter.base)


def build(settings: Settings, *, progress: bool = True,
          on_step: Callable[[str], None] | None = None) -> BuildSummary:
    """Build the store from ``settings.data`` and make it current. See the module docstring.

    *on_step* is called with each step's name before it runs (tests use it to interrupt a build
    at a chosen point).
    """
    started = time.monotonic()
    minter = Minter(settings.base_iri)
    location = StoreLocation(settings.store)
    location.prune()
    bar = tqdm(total=len(STEPS), desc="c2c build", unit="step", disable=not progress,
               leave=False)

    def step(name: str) -> None:
        bar.set_postfix_str(name)
        if on_step is not None:
            on_step(name)

    try:
        step("read")
        curated = read_curated(settings.data, minter)
        imports = saved_imports(settings)
        bar.update()

        step("stage")
        staging = OxigraphStore.in_memory("staging")
        for path in assets.ontology_files():
            name = "ontology" if path.name == "c2c.ttl" else "vocab"
            staging.raw.bulk_load(path.read_bytes(), format=ox.RdfFormat.TURTLE,
                                  to_graph=ox.NamedNode(str(minter.graph(name))))
        staging.extend(curated.quads())
        for path in imports:
            staging.raw.bulk_load(path=str(path), format=ox.RdfFormat.N_QUADS)
        bar.update()

        step("validate")
        violations = validate_store(staging.raw, curated.origins)
        if violations:  # refused before anything is written to disk
            raise ValidationFailed(violations, report_text(violations))
        bar.update()

        build_dir = location.new_build()
        writer: BackgroundLoad | None = None
        try:
            step("write")
            store = OxigraphStore.open(build_dir, read_only=False)
            writer = BackgroundLoad(store.raw, staging.dump())  # the sources, while deriving
            bar.update()

            step("derive")
            derive(staging, minter)
            bar.update()

            step("describe")
            describe(staging, minter)
            graphs = staging.graph_counts()
            writer.join()
            for name in DERIVED_GRAPHS:
                graph = ox.NamedNode(str(minter.graph(name)))
                store.raw.bulk_load(staging.dump(graph), format=ox.RdfFormat.N_TRIPLES,
                                    to_graph=graph)
            store.flush()
            del store
            bar.update()

            step("switch")
            info = BuildInfo(version=build_dir.name, finished=time.time(),
                             quads=sum(graphs.values()), graphs=graphs)
            location.mark_complete(build_dir, info)
            location.swap(build_dir)
            bar.update()
        except BaseException:
            if writer is not None:
                writer.join(reraise=False)  # it writes into the folder about to be removed
            shutil.rmtree(build_dir, ignore_errors=True)
            raise
    finally:
        bar.close()
    location.prune()
    return BuildSummary(version=build_dir.name, path=build_dir, graphs=graphs, violations=0,
                        seconds=time.monotonic() - started)
