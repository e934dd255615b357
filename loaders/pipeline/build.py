"""The build pipeline: sources → RDF → SHACL validation → derivation → an atomic switch.

Data flows one way. :func:`build` reads the curated tables into quads and loads them, with the
ontology and the saved imports, into an in-memory *staging* store; validates it with the shapes
compiled to SPARQL (:func:`loaders.validate.validate_store`); materialises the derived graph,
the search keys and the VoID description there; and only then makes the new store current
(:meth:`loaders.kernel.store.StoreLocation.swap`). Beside that, a writer thread
(:class:`loaders.kernel.store.BackgroundWriter`) bulk-loads the same graphs into a *new* store
folder that nothing serves — each table as soon as it is read, each derived graph as soon as it is
complete — because writing the on-disk store is the one cost that cannot be avoided and it
must overlap the rest. Every data triple goes into the new folder's default graph too, in the
same load as its named graph (:mod:`loaders.kernel.dataset`: the default graph queries see is the
set of distinct triples of the data graphs; VoID is not one of them). Before the folder is
marked complete, its snapshot (every quad as N-Quads, :func:`_snapshot`) is written beside the
store from the staging store, for in-memory copies of the build. Any failure, a violation
included, waits for the writer, closes the new folder's store and removes the folder; the
store that was serving keeps serving. (Oxigraph answers validation and derivation queries
several times faster in memory than on disk; the README says why the build is shaped this
way.)
"""

from __future__ import annotations

import shutil
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import pyoxigraph as ox
from tqdm import tqdm

from loaders.derive import derive, describe
from loaders.importers import saved_imports
from loaders.kernel import assets
from loaders.kernel.collector import collector_paused
from loaders.kernel.config import Settings
from loaders.kernel.dataset import metadata_graphs
from loaders.kernel.errors import ValidationFailed
from loaders.kernel.namespaces import Minter
from loaders.kernel.store import (
    BackgroundWriter,
    BuildInfo,
    OxigraphStore,
    StoreLocation,
    write_snapshot,
)
from loaders.pipeline.curated import read_curated
from loaders.pipeline.public_data import stage_public
from loaders.validate import report_text, validate_store

STEPS = ("read", "validate", "derive", "describe", "switch")


@dataclass(frozen=True)
class BuildSummary:
    """What a build did: its version, triples per graph, violations and time."""

    version: str
    path: Path
    graphs: dict[str, int]
    violations: int
    seconds: float
    #: ``(file name, ImportResult)`` of each public list of data/public the build imported
    public: tuple = ()

    @property
    def quads(self) -> int:
        return sum(self.graphs.values())

    def text(self) -> str:
        width = max((len(g) for g in self.graphs), default=10)
        lines = [f"built store {self.version} in {self.seconds:.1f} s: {self.quads} triples in "
                 f"{len(self.graphs)} graphs, {self.violations} SHACL violations"]
        lines += [f"  {g:<{width}}  {n:>8}" for g, n in sorted(self.graphs.items())]
        return "\n".join(lines)


def build(settings: Settings, *, progress: bool = True,
          on_step: Callable[[str], None] | None = None) -> BuildSummary:
    """Build the store from ``settings.data`` and make it current. See the module docstring.

    *on_step* is called with each step's name before it runs (tests use it to interrupt a build
    at a chosen point). Python's cyclic garbage collector is paused while it runs
    (:func:`loaders.kernel.collector.collector_paused`).
    """
    with collector_paused():
        return _build(settings, progress=progress, on_step=on_step)


def _build(settings: Settings, *, progress: bool,
           on_step: Callable[[str], None] | None) -> BuildSummary:
    started = time.monotonic()
    minter = Minter(settings.base_iri)
    location = StoreLocation(settings.store)
    location.prune()
    graphs: dict[str, int] = {}
    bar = tqdm(total=len(STEPS), desc="c2c build", unit="step", disable=not progress,
               leave=False)

    def step(name: str) -> None:
        bar.set_postfix_str(name)
        if on_step is not None:
            on_step(name)

    build_dir = location.new_build()
    store: OxigraphStore | None = None
    writer: BackgroundWriter | None = None
    try:
        step("read")
        store = OxigraphStore.open(build_dir, read_only=False)
        writer = BackgroundWriter(store.raw)
        staging = OxigraphStore.in_memory("staging")

        def stage(quads: list[ox.Quad], what: str) -> None:
            """Into the staging store now, and into the new folder on the writer's thread —
            the same quads, so both hold the same blank nodes — each also as a triple of the
            new folder's default graph, in the same load (so it keeps the same blank nodes;
            the store is a set, so a triple stated twice is stored once there)."""
            triples = [ox.Triple(q.subject, q.predicate, q.object) for q in quads]
            data = (ox.serialize(quads, format=ox.RdfFormat.N_QUADS)
                    + ox.serialize(triples, format=ox.RdfFormat.N_TRIPLES))
            if b"_:" in data:  # blank nodes: as terms, a load of the text would rename them
                writer.extend([*quads, *(ox.Quad(t.subject, t.predicate, t.object)
                                         for t in triples)], what=what)
            else:
                writer.load(data, ox.RdfFormat.N_QUADS, what=what)
            staging.extend(quads)

        for path in assets.ontology_files():
            graph = ox.NamedNode(str(minter.graph("ontology" if path.name == "c2c.ttl"
                                                  else "vocab")))
            stage([ox.Quad(q.subject, q.predicate, q.object, graph)
                   for q in ox.parse(path=str(path), format=ox.RdfFormat.TURTLE)], str(path))
        curated = read_curated(settings.data, minter, on_table=lambda table, quads:
                               stage(quads, f"the triples of {table}"))
        public = stage_public(settings, stage)  # data/public: the public lists, reconciled
        for path in saved_imports(settings):
            stage(list(ox.parse(path=str(path), format=ox.RdfFormat.N_QUADS)), str(path))
        bar.update()

        step("validate")
        violations = validate_store(staging.raw, curated.origins)
        if violations:
            raise ValidationFailed(violations, report_text(violations))
        bar.update()

        metadata = {ox.NamedNode(g) for g in metadata_graphs(minter)}

        def write(graph: ox.NamedNode) -> None:
            """A derived graph into the new folder, and (but VoID) into its default graph."""
            triples = staging.dump(graph)
            if b"_:" in triples:  # blank nodes: as terms, a load of the text would rename them
                quads = list(staging.raw.quads_for_pattern(None, None, None, graph))
                if graph not in metadata:
                    quads += [ox.Quad(q.subject, q.predicate, q.object) for q in quads]
                writer.extend(quads, what=graph.value)
                return
            if graph in metadata:
                writer.load(triples, ox.RdfFormat.N_TRIPLES, graph, what=graph.value)
                return
            # one N-Quads load: the graph's lines with its name, then as default-graph triples
            # (N-Triples escapes newlines in literals, so each line ends with " .\n")
            named = triples.replace(b" .\n", f" <{graph.value}> .\n".encode())
            writer.load(named + triples, ox.RdfFormat.N_QUADS, what=graph.value)

        step("derive")
        derive(staging, minter, on_graph=write)
        bar.update()

        step("describe")
        describe(staging, minter, modified=settings.source_date_epoch)
        write(ox.NamedNode(str(minter.graph("void"))))
        graphs = staging.graph_counts()
        writer.join()
        default = store.default_size()
        snapshot = _snapshot(build_dir, staging, store, metadata, graphs, default)
        store.flush()
        writer = store = None  # closed before the folder is served
        bar.update()

        step("switch")
        info = BuildInfo(version=build_dir.name, finished=time.time(),
                         quads=sum(graphs.values()), graphs=graphs, default_triples=default,
                         metadata_graphs=metadata_graphs(minter), snapshot=snapshot)
        location.mark_complete(build_dir, info)
        location.swap(build_dir)
        bar.update()
    except BaseException:
        if writer is not None:
            writer.abandon()  # it writes into the folder about to be removed
        writer = store = None  # closes RocksDB: its own threads write into the folder too
        shutil.rmtree(build_dir, ignore_errors=True)
        raise
    finally:
        bar.close()
    location.prune()
    return BuildSummary(version=build_dir.name, path=build_dir, graphs=graphs, violations=0,
                        seconds=time.monotonic() - started, public=tuple(public))


def _snapshot(build_dir: Path, staging: OxigraphStore, store: OxigraphStore,
              metadata: set[ox.NamedNode], graphs: dict[str, int], default: int) -> str:
    """Write the new folder's snapshot (:func:`loaders.kernel.store.write_snapshot`) from the
    staging store, which holds the folder's named graphs quad for quad (the same quads went into
    both, blank node labels too), and the folder's default graph computed as the build wrote it:
    the distinct triples of the data graphs, each the line of one of their quads without its
    graph name (every graph name is an IRI, written last on the line). Returns its SHA-256 for
    ``BUILD.json``, or "" (no snapshot: an in-memory copy then reads the folder) if a graph
    name is not an IRI or the counts the folder gives disagree: its named graphs, its default
    graph's triples, staging's quads outside named graphs."""
    raw = staging.raw
    names = set(raw.named_graphs())
    if not all(isinstance(name, ox.NamedNode) for name in names):
        return ""
    named = raw.dump(format=ox.RdfFormat.N_QUADS)
    skipped = tuple(f" <{graph.value}> .".encode() for graph in metadata)
    union = {line.rpartition(b" <")[0] + b" ." for line in named.splitlines()
             if not line.endswith(skipped)}
    stored = set(store.raw.named_graphs())
    if (len(union) != default or stored != names
            or named.count(b"\n") != sum(graphs.values())):
        return ""
    return write_snapshot(build_dir, stored, named, b"\n".join(union), b"\n" if union else b"")


def build_empty(settings: Settings) -> BuildSummary:
    """Make an empty plain store current: nothing derived, no metadata graph, the default graph
    a graph of its own. The conformance profile's starting point (the W3C suites load their
    own data); a research store is made by :func:`build`."""
    started = time.monotonic()
    location = StoreLocation(settings.store)
    location.prune()
    build_dir = location.new_build()
    store = OxigraphStore.open(build_dir, read_only=False)
    store.flush()
    del store
    location.mark_complete(build_dir, BuildInfo(
        version=build_dir.name, finished=time.time(), quads=0, graphs={},
        default_graph="separate"))
    location.swap(build_dir)
    return BuildSummary(version=build_dir.name, path=build_dir, graphs={}, violations=0,
                        seconds=time.monotonic() - started)
