"""The store behind a small interface, and the folder of store builds with its atomic switch.

* :class:`GraphStore` is the interface the endpoint and the pipeline speak: ``query``,
  ``update``, ``load``, ``named_graphs``, ``version``. :class:`OxigraphStore` implements it over
  an embedded :class:`pyoxigraph.Store`; a remote SPARQL 1.1 server can implement it too
  without the endpoint changing.
* :class:`StoreLocation` owns the folder ``C2C_STORE``: each build writes a *new* folder under
  ``builds/``, marks it complete, then :meth:`StoreLocation.swap` repoints the ``current``
  symbolic link in one ``rename`` — the old store keeps serving until that instant, and a build
  that dies half-way leaves only an incomplete folder that the next build removes.
"""

from __future__ import annotations

import hashlib
import json
import os
import queue
import re
import shutil
import subprocess
import sys
import threading
import time
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Protocol

import pyoxigraph as ox

from loaders.kernel.errors import StoreError
from loaders.kernel.namespaces import PREFIXES

_COMPLETE_MARKER = "BUILD.json"
_PACKAGE_ROOT = Path(__file__).resolve().parents[2]
"""The folder holding the ``loaders`` package (the child of :func:`_memory_copy` runs there)."""


SNAPSHOT = "SNAPSHOT.nq"
"""The build folder's snapshot: its named graphs and every quad, written beside the store by the
build and by each write from the in-memory store they already hold (:func:`write_snapshot`), so
that an in-memory copy of the folder reads this file instead of the RocksDB store
(:func:`_memory_copy`)."""


def write_snapshot(build: Path, graphs: Iterable[Any], *quads: bytes) -> str:
    """Write the snapshot of the store in *build* (:data:`SNAPSHOT`): a first line with the JSON
    list of its named graphs *graphs* (N-Triples terms, empty graphs included), then the parts
    *quads*, which together hold every quad of the store once as N-Quads lines, blank node
    labels as stored. Returns the file's SHA-256,
    which :class:`BuildInfo` records (``snapshot``): the caller writes it before ``BUILD.json``
    marks the folder complete, so a complete folder's snapshot is whole and is its own."""
    header = json.dumps(sorted(str(graph) for graph in graphs)).encode() + b"\n"
    digest = hashlib.sha256(header)
    tmp = build / (SNAPSHOT + ".tmp")
    with open(tmp, "wb") as out:
        out.write(header)
        for part in quads:
            digest.update(part)
            out.write(part)
    os.replace(tmp, build / SNAPSHOT)
    return digest.hexdigest()


def read_snapshot(build: Path) -> ox.Store | None:
    """The in-memory copy of the complete build folder *build* read from its snapshot, or None
    when there is none to trust: no ``BUILD.json`` or no ``snapshot`` in it, the file missing,
    or its SHA-256 not the one ``BUILD.json`` recorded (stale, truncated or corrupt)."""
    try:
        recorded = json.loads((build / _COMPLETE_MARKER).read_text(encoding="utf-8"))
        expected = recorded.get("snapshot") if isinstance(recorded, dict) else None
        if not expected:
            return None
        data = (build / SNAPSHOT).read_bytes()
    except (OSError, ValueError):
        return None
    if hashlib.sha256(data).hexdigest() != expected:
        return None
    try:
        return _from_dump(data)
    except (SyntaxError, ValueError):
        return None


def _from_dump(data: bytes) -> ox.Store:
    """An in-memory store from *data* in the form of :func:`write_snapshot` and
    :func:`loaders.kernel.store_dump.write_folder` (the named graphs' JSON line, then N-Quads),
    blank node labels kept (``ox.parse`` keeps them, ``Store.load`` would rename them)."""
    header, _, quads = data.partition(b"\n")
    names = json.loads(header)
    memory = ox.Store()
    memory.bulk_extend(ox.parse(quads, format=ox.RdfFormat.N_QUADS))
    for name in names:
        memory.add_graph(ox.BlankNode(name[2:]) if name.startswith("_:")
                         else ox.NamedNode(name[1:-1]))
    return memory


def _memory_copy(path: Path) -> ox.Store:
    """An in-memory copy of the store folder *path*: its quads (blank node labels kept) and its
    named graphs, empty ones too. Read from the folder's snapshot when it has one that
    ``BUILD.json`` vouches for (:func:`read_snapshot`; a build and a write write it), else by a
    child process that dumps the store to its output.

    This process never opens the folder, because opening a RocksDB folder starts RocksDB's
    thread pool in the opening process for good, and a process forked from one with threads
    inherits their locks but not the threads. The executors' fork server forks every executor
    and write process: after it had copied the build in place, the write process hung for ever
    in its first bulk load (every write answered 503 after ``C2C_UPDATE_TIMEOUT``). The
    in-memory store starts no thread."""
    memory = read_snapshot(path)
    if memory is not None:
        return memory
    child = subprocess.run(  # this interpreter, a fixed module, a folder path
        [sys.executable, "-m", "loaders.kernel.store_dump", str(path)], cwd=_PACKAGE_ROOT,
        capture_output=True, check=False)
    if child.returncode != 0 or not child.stdout.startswith(b"["):  # no graph list, no store
        error = child.stderr.decode("utf-8", "replace").strip().splitlines() or ["no output"]
        raise StoreError(f"{path}: cannot copy the Oxigraph store into memory: {error[-1]}")
    return _from_dump(child.stdout)


def memory_copy(source: ox.Store) -> ox.Store:
    """An in-memory copy of the open store *source*, in this process: every quad (blank node
    labels kept: the quads are handed over as terms, never re-parsed) and every named graph,
    empty ones too. A write is staged in such a copy (:func:`loaders.revise.revise`)."""
    memory = ox.Store()
    write_whole(memory, source)
    return memory


def quad_lines(store: ox.Store) -> set[bytes]:
    """Every quad of *store* as its N-Quads line: one line per quad, the same text for the same
    quad, so two such sets compare like the sets of quads (blank nodes by label)."""
    return set(store.dump(format=ox.RdfFormat.N_QUADS).splitlines())


def write_changes(target: ox.Store, old: set[bytes], old_graphs: set[Any], new: set[bytes],
                  new_graphs: set[Any]) -> tuple[int, int]:
    """Make *target*, which holds the quads *old* (:func:`quad_lines`) in the named graphs
    *old_graphs*, hold the quads *new* in the named graphs *new_graphs*: remove the quads *new*
    lacks, add the ones it has beyond *old*, add and remove named graphs (empty ones too).
    Returns how many quads were removed and added."""
    removed, added = old - new, new - old
    for quad in ox.parse(b"\n".join(removed), format=ox.RdfFormat.N_QUADS):
        target.remove(quad)  # ox.parse keeps blank node labels, Store.load would rename them
    target.extend(ox.parse(b"\n".join(added), format=ox.RdfFormat.N_QUADS))
    for graph in new_graphs - old_graphs:
        target.add_graph(graph)
    for graph in old_graphs - new_graphs:
        target.remove_graph(graph)
    return len(removed), len(added)


def write_whole(target: ox.Store, source: ox.Store) -> None:
    """Write every quad and named graph (empty ones too) of *source* into the empty store
    *target*, blank node labels kept."""
    target.extend(source.quads_for_pattern(None, None, None, None))
    for graph in source.named_graphs():
        target.add_graph(graph)


class GraphStore(Protocol):
    """What c2c needs of an RDF store."""

    version: str

    def query(self, sparql: str, *, default_graph: list[str] | None = None,
              named_graphs: list[str] | None = None,
              substitutions: dict[str, Any] | None = None,
              base_iri: str | None = None) -> Any: ...

    def update(self, sparql: str, *, base_iri: str | None = None) -> None: ...

    def load(self, path: Path, *, graph: str | None = None) -> None: ...

    def named_graphs(self) -> list[str]: ...

    def contains_graph(self, graph: str) -> bool: ...

    def graph_triples(self, graph: str | None) -> list[ox.Triple]: ...


# a query that states its own dataset (FROM / FROM NAMED) keeps it
_FROM = re.compile(r"\bFROM\s+(?:NAMED\s+)?(?:<|[A-Za-z_][\w.-]*:|:)", re.IGNORECASE)


class OxigraphStore:
    """An embedded Oxigraph store opened from a folder.

    The dataset its queries see depends on what the store is (``BUILD.json`` of its folder):

    * a finished c2c build (``"default_graph": "union"``): the stored default graph, which the
      build and every write materialise as the set of distinct triples of the data graphs
      (:mod:`loaders.kernel.dataset`), and as named graphs the data graphs only; a metadata graph
      (VoID) is visible to a query that names it by its full IRI, never to ``GRAPH ?g``;
    * a store in the conformance profile (``"default_graph": "separate"``): a plain SPARQL
      store, the stored default graph and every named graph;
    * a store being built or revised (no ``BUILD.json`` yet): the union of all graphs, for the
      pipeline's own queries (search keys), whose results go into sets of triples.
    """

    def __init__(self, store: ox.Store, path: Path | None, version: str, *,
                 default_graph: str = "pipeline", metadata_graphs: Iterable[str] = (),
                 read_only: bool = False) -> None:
        self._store = store
        self.path = path
        self.version = version
        self.default_graph = default_graph
        self.metadata_graphs = frozenset(metadata_graphs)
        self._read_only = read_only
        self._visible: list[str] | None = None

    @classmethod
    def open(cls, path: Path, *, read_only: bool = True, version: str | None = None,
             in_memory: bool = False) -> OxigraphStore:
        """Open the store in *path*; read-only lets several processes read one store.

        *in_memory*: copy the folder's quads (and empty named graphs) into an in-memory store
        and serve from that, read-only; the folder stays the source of truth and is read by a
        child process (:func:`_memory_copy`), never opened here. Oxigraph answers joins several
        times faster from memory (issue 21)."""
        if in_memory:
            store, read_only = _memory_copy(path), True
        else:
            try:
                store = ox.Store.read_only(str(path)) if read_only else ox.Store(str(path))
            except OSError as exc:
                raise StoreError(f"{path}: cannot open the Oxigraph store: {exc}") from exc
        marker = path / _COMPLETE_MARKER
        recorded = json.loads(marker.read_text(encoding="utf-8")) if marker.is_file() else {}
        return cls(store, path, version or path.name,
                   default_graph=recorded.get("default_graph", "pipeline"),
                   metadata_graphs=recorded.get("metadata_graphs", ()), read_only=read_only)

    @classmethod
    def in_memory(cls, version: str = "memory") -> OxigraphStore:
        """A store that lives in memory only (tests, one-off validation)."""
        return cls(ox.Store(), None, version)

    @property
    def raw(self) -> ox.Store:
        """The underlying :class:`pyoxigraph.Store`, for bulk operations of the pipeline."""
        return self._store

    def data_graphs(self) -> list[str]:
        """Every named graph but the metadata graphs, sorted (cached on a read-only store)."""
        if self._visible is not None:
            return self._visible
        visible = [g for g in self.named_graphs() if g not in self.metadata_graphs]
        if self._read_only:
            self._visible = visible
        return visible

    def query(self, sparql: str, *, default_graph: list[str] | None = None,
              named_graphs: list[str] | None = None,
              substitutions: dict[str, Any] | None = None,
              base_iri: str | None = None) -> Any:
        """Run a SPARQL query over the dataset described in the class docstring.
        *default_graph* and *named_graphs* (``default-graph-uri``, ``named-graph-uri``) replace
        that dataset as a whole: naming only one of them leaves the other empty."""
        kwargs: dict[str, Any] = {"prefixes": PREFIXES}
        if base_iri is not None:
            kwargs["base_iri"] = base_iri
        if default_graph is not None or named_graphs is not None:
            kwargs["default_graph"] = [ox.NamedNode(g) for g in default_graph or ()]
            kwargs["named_graphs"] = [ox.NamedNode(g) for g in named_graphs or ()]
        elif self.default_graph == "pipeline":
            kwargs["use_default_graph_as_union"] = True
        elif self.metadata_graphs and "graph" in sparql.lower() and not _FROM.search(sparql):
            named = [g for g in self.metadata_graphs if g in sparql]
            kwargs["named_graphs"] = [ox.NamedNode(g) for g in self.data_graphs() + named]
        if substitutions:
            kwargs["substitutions"] = {ox.Variable(k): v for k, v in substitutions.items()}
        return self._store.query(sparql, **kwargs)

    def update(self, sparql: str, *, base_iri: str | None = None) -> None:
        """Run a SPARQL update; relative IRIs resolve against *base_iri* (``C2C_BASE_IRI``)."""
        self._store.update(sparql, prefixes=PREFIXES, base_iri=base_iri)

    def load(self, path: Path, *, graph: str | None = None) -> None:
        """Bulk-load an RDF file (format from its extension) into *graph* or its own graphs."""
        fmt = ox.RdfFormat.from_extension(path.suffix.lstrip("."))
        if fmt is None:
            raise StoreError(f"{path}: unknown RDF file extension")
        kwargs: dict[str, Any] = {"path": str(path), "format": fmt}
        if graph is not None and not fmt.supports_datasets:
            kwargs["to_graph"] = ox.NamedNode(graph)
        self._store.bulk_load(**kwargs)

    def extend(self, quads: Iterable[ox.Quad]) -> None:
        """Add quads in one bulk operation."""
        self._store.bulk_extend(quads)

    def named_graphs(self) -> list[str]:
        """The IRIs of every named graph, sorted."""
        return sorted(g.value for g in self._store.named_graphs() if isinstance(g, ox.NamedNode))

    def contains_graph(self, graph: str) -> bool:
        """Whether the named graph *graph* exists."""
        return self._store.contains_named_graph(ox.NamedNode(graph))

    def graph_triples(self, graph: str | None) -> list[ox.Triple]:
        """The triples of *graph* (None: the default graph), sorted."""
        name = ox.NamedNode(graph) if graph else ox.DefaultGraph()
        return sorted((ox.Triple(q.subject, q.predicate, q.object)
                       for q in self._store.quads_for_pattern(None, None, None, name)), key=str)

    def default_size(self) -> int:
        """Number of triples in the stored default graph (counted by Oxigraph)."""
        query = "SELECT (COUNT(*) AS ?n) WHERE { ?s ?p ?o }"
        return int(next(iter(self._store.query(query)))["n"].value)

    def graph_counts(self) -> dict[str, int]:
        """Number of quads in every named graph (counted by Oxigraph, not in Python)."""
        query = "SELECT ?g (COUNT(*) AS ?n) WHERE { GRAPH ?g { ?s ?p ?o } } GROUP BY ?g"
        return {row["g"].value: int(row["n"].value) for row in self._store.query(query)
                if isinstance(row["g"], ox.NamedNode)}

    def dump(self, graph: ox.NamedNode) -> bytes:
        """The triples of one *graph* as N-Triples."""
        return self._store.dump(format=ox.RdfFormat.N_TRIPLES, from_graph=graph)

    def flush(self) -> None:
        """Write everything to disk."""
        self._store.flush()


class BackgroundWriter:
    """Bulk-loads RDF into an on-disk store on a thread of its own, one load after another in
    the order they were given. Oxigraph releases the GIL while it parses and writes, so the
    build validates and derives in memory meanwhile. Quads given as terms (:meth:`extend`) are
    written as they are, blank node labels kept; a load of serialised RDF gives its blank nodes
    labels of its own (Oxigraph renames them). After a failed load the rest are
    skipped; :meth:`join` waits for the queue to drain and re-raises the failure, and
    :meth:`abandon` drops what is still queued."""

    _DONE = object()

    def __init__(self, store: ox.Store) -> None:
        self._queue: queue.SimpleQueue = queue.SimpleQueue()
        self._error: tuple[str, BaseException] | None = None
        self._abandoned = False

        def work() -> None:
            while (job := self._queue.get()) is not self._DONE:
                if self._error is None and not self._abandoned:
                    what, args = job
                    try:
                        if isinstance(args, list):
                            store.bulk_extend(args)
                        else:
                            store.bulk_load(**args)
                    except BaseException as exc:  # handed to join()
                        # without its traceback, whose frames would keep the store open
                        self._error = (what, exc.with_traceback(None))
        self._thread = threading.Thread(target=work, name="c2c-bulk-load", daemon=True)
        self._thread.start()

    def load(self, data: bytes, rdf_format: ox.RdfFormat, graph: ox.NamedNode | None = None,
             *, what: str) -> None:
        """Queue *data* in *rdf_format*, into *graph* for a triple format; *what* names it in
        an error (a file, a table read from one, a derived graph)."""
        args: dict[str, Any] = {"input": data, "format": rdf_format}
        if graph is not None:
            args["to_graph"] = graph
        self._queue.put((what, args))

    def extend(self, quads: list[ox.Quad], *, what: str) -> None:
        """Queue *quads*, written with their blank node labels (for the few that have blank
        nodes: written so, the folder holds the same quads as the staging store)."""
        self._queue.put((what, quads))

    def abandon(self) -> None:
        """Skip the loads still queued and wait for the one running (it cannot be stopped);
        for a build that failed, before its folder is removed."""
        self._abandoned = True
        self._queue.put(self._DONE)
        self._thread.join()

    def join(self) -> None:
        """Wait until every queued load is done; raise what a failed one raised."""
        self._queue.put(self._DONE)
        self._thread.join()
        if self._error is not None:
            what, error = self._error
            raise StoreError(f"writing {what} into the new store failed: {error}") from error


@dataclass(frozen=True)
class BuildInfo:
    """What a finished build recorded about itself (``BUILD.json`` in its folder)."""

    version: str
    finished: float
    quads: int
    graphs: dict[str, int]
    default_graph: str = "union"
    """"union": the stored default graph is the materialised union of the data graphs;
    "separate": a plain SPARQL store (the conformance profile)."""
    default_triples: int = 0
    """Triples of the stored default graph."""
    metadata_graphs: tuple[str, ...] = ()
    """Named graphs that describe the data (VoID) and are no part of it."""
    snapshot: str = ""
    """SHA-256 of the folder's snapshot (:func:`write_snapshot`); "" when it has none."""

    def to_json(self) -> str:
        return json.dumps(self.__dict__, indent=2, sort_keys=True)


class StoreLocation:
    """The folder ``C2C_STORE``: store builds under ``builds/`` and the ``current`` link."""

    def __init__(self, root: Path) -> None:
        self.root = Path(root)
        self.builds = self.root / "builds"
        self.link = self.root / "current"

    def new_build(self) -> Path:
        """A fresh, empty folder for a new build, named so that it sorts by time."""
        self.builds.mkdir(parents=True, exist_ok=True)
        stamp = time.strftime("%Y%m%dT%H%M%S", time.gmtime())
        path = self.builds / f"{stamp}-{time.time_ns() % 1_000_000_000:09d}-{os.getpid()}"
        path.mkdir()
        return path

    def mark_complete(self, build: Path, info: BuildInfo) -> None:
        """Record that *build* finished; only complete builds may become current."""
        tmp = build / (_COMPLETE_MARKER + ".tmp")
        tmp.write_text(info.to_json(), encoding="utf-8")
        os.replace(tmp, build / _COMPLETE_MARKER)

    @staticmethod
    def is_complete(build: Path) -> bool:
        return (build / _COMPLETE_MARKER).is_file()

    def swap(self, build: Path) -> None:
        """Make *build* the current store in one atomic rename of a symbolic link."""
        if not self.is_complete(build):
            raise StoreError(f"{build}: refusing to serve a build that did not finish")
        tmp = self.root / f".current-{os.getpid()}"
        if tmp.is_symlink() or tmp.exists():
            tmp.unlink()
        os.symlink(Path("builds") / build.name, tmp)
        os.replace(tmp, self.link)

    def current(self) -> Path | None:
        """The folder of the store being served, or None before the first build."""
        if not self.link.is_symlink():
            return None
        target = (self.root / os.readlink(self.link)).resolve()
        return target if self.is_complete(target) else None

    def info(self, build: Path) -> BuildInfo:
        data = json.loads((build / _COMPLETE_MARKER).read_text(encoding="utf-8"))
        data["metadata_graphs"] = tuple(data.get("metadata_graphs", ()))
        return BuildInfo(**data)

    def open_current(self, *, read_only: bool = True) -> OxigraphStore:
        """Open the store being served."""
        build = self.current()
        if build is None:
            raise StoreError(f"{self.root}: no store has been built yet; run 'c2c build'")
        return OxigraphStore.open(build, read_only=read_only, version=build.name)

    def prune(self, keep: int = 2) -> list[Path]:
        """Remove incomplete builds left by dead processes and all but the *keep* newest
        complete builds (never the current one). Returns what was removed."""
        if not self.builds.is_dir():
            return []
        current = self.current()
        complete = sorted((p for p in self.builds.iterdir() if self.is_complete(p)),
                          key=lambda p: p.name, reverse=True)
        removed: list[Path] = []
        for path in self.builds.iterdir():
            if path == current:
                continue
            stale_incomplete = not self.is_complete(path) and not _owner_alive(path)
            too_old = path in complete[keep:]
            if stale_incomplete or too_old:
                shutil.rmtree(path, ignore_errors=True)
                removed.append(path)
        return removed


def _owner_alive(build: Path) -> bool:
    """Whether the process that started *build* (its pid ends the folder name) still runs."""
    try:
        pid = int(build.name.rsplit("-", 1)[1])
    except (IndexError, ValueError):
        return False
    if pid == os.getpid():
        return True
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True
