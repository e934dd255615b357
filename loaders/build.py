"""The build pipeline: sources → RDF → a new store → SHACL validation → derivation → switch.

Data flows one way. :func:`build` reads the curated tables into quads, bulk-loads them with
the ontology and the saved imports into a *new* store folder that nothing serves, validates
that store with the shapes compiled to SPARQL (:func:`loaders.validate.validate_store`),
materialises the derived graph and the VoID description, and only then makes the new store
current (:meth:`loaders.store.StoreLocation.swap`). A violation, or any other failure, removes
the new folder; the store that was serving keeps serving. (Validating *in* the new store,
rather than before loading, is what lets validation run at Oxigraph's speed; the README says
why.)
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
from loaders.store import BuildInfo, OxigraphStore, StoreLocation
from loaders.validate import report_text, validate_store

STEPS = ("read", "load", "validate", "derive", "describe", "switch")


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

    step("read")
    curated = read_curated(settings.data, minter)
    imports = saved_imports(settings)
    bar.update()

    build_dir = location.new_build()
    try:
        step("load")
        store = OxigraphStore.open(build_dir, read_only=False)
        for path in assets.ontology_files():
            name = "ontology" if path.name == "c2c.ttl" else "vocab"
            store.raw.bulk_load(path.read_bytes(), format=ox.RdfFormat.TURTLE,
                                to_graph=ox.NamedNode(str(minter.graph(name))))
        store.extend(curated.quads())
        for path in imports:
            store.raw.bulk_load(path=str(path), format=ox.RdfFormat.N_QUADS)
        bar.update()

        step("validate")
        violations = validate_store(store.raw, curated.origins)
        if violations:
            raise ValidationFailed(violations, report_text(violations))
        bar.update()

        step("derive")
        derive(store, minter)
        bar.update()

        step("describe")
        describe(store, minter)
        graphs = store.graph_counts()
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
        shutil.rmtree(build_dir, ignore_errors=True)
        raise
    finally:
        bar.close()
    location.prune()
    return BuildSummary(version=build_dir.name, path=build_dir, graphs=graphs, violations=0,
                        seconds=time.monotonic() - started)
