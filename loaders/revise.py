"""Writes to a served store, copy-on-write: every change becomes a new version of the store.

SPARQL Update and the Graph Store Protocol's PUT/POST/DELETE never touch the store that is
being served (read-only executors may have it open, and reading a store that another process
writes is undefined in RocksDB). :func:`revise` instead stages the change in an in-memory copy
of the current build — read from its folder, or the copy this process kept of the version it
wrote last, when that version is still current; a folder is read from its snapshot, the file
of its quads written beside it, when it has one — and does all the work there (Oxigraph's
in-memory store answers the derivation, validation and materialisation queries several times
faster than RocksDB). Only then is the new version written into a *new* folder: a RocksDB
checkpoint of the current build (hard links, so it is cheap) changed by the quads that differ
between what was read and what the copy holds, or, for a small dataset, the whole copy into
a fresh store; it is marked complete and ``current`` is switched to it, exactly as ``c2c
build`` does. A change that fails, or that leaves data violating a shape, is thrown away with
its copy before any folder is made; writers are serialised by a lock file, and the new version
changes every ETag. ``tests/test_write_equivalence.py`` checks, quad for quad, that this
leaves the store the earlier algorithm (everything on the checkpoint) left.

In the research profile the change sees the default graph every query sees (the distinct
triples of the data graphs); what it did to that graph is carried back into the data graphs
(:func:`loaders.kernel.dataset.carry_back`), then the derived graph is computed anew, the data
graphs are validated with the SHACL shapes, and the default graph and the VoID description are
materialised anew. In the conformance profile the change is applied as it is to a plain store
(validated, nothing derived or described).
"""

from __future__ import annotations

import fcntl
import gc
import os
import shutil
import time
import traceback
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import TypeVar

import pyoxigraph as ox

from loaders.derive import DERIVED_GRAPHS, derive, describe
from loaders.kernel.config import Settings
from loaders.kernel.dataset import (
    CONFORMANCE,
    carry_back,
    default_lines,
    materialise,
    metadata_graphs,
)
from loaders.kernel.errors import StoreError, ValidationFailed
from loaders.kernel.namespaces import Minter
from loaders.kernel.store import (
    BuildInfo,
    OxigraphStore,
    StoreLocation,
    memory_copy,
    quad_lines,
    read_snapshot,
    write_changes,
    write_snapshot,
    write_whole,
)
from loaders.validate import report_text, validate_store

T = TypeVar("T")


@contextmanager
def _write_lock(location: StoreLocation) -> Iterator[None]:
    location.root.mkdir(parents=True, exist_ok=True)
    with open(location.root / ".write.lock", "w") as handle:
        fcntl.flock(handle, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)


def validated_graphs(store: OxigraphStore, minter: Minter, *, with_default: bool = False
                     ) -> list[ox.NamedNode | ox.DefaultGraph]:
    """The graphs a SHACL check covers: every named graph but derived, search and VoID, and
    the default graph where it is a graph of its own (the conformance profile)."""
    skip = {str(minter.graph(name)) for name in DERIVED_GRAPHS}
    graphs: list[ox.NamedNode | ox.DefaultGraph] = [
        ox.NamedNode(g) for g in store.named_graphs() if g not in skip]
    return [*graphs, ox.DefaultGraph()] if with_default else graphs


def apply_change(store: OxigraphStore, minter: Minter, change: Callable[[OxigraphStore], T], *,
                 conformance: bool) -> T:
    """Apply *change* to *store* and bring the rest of the store in line, wherever the store
    lives: in the research profile what the change did to the default graph is carried back into
    the data graphs and the derived graphs are computed anew; the data graphs (and, in the
    conformance profile, the default graph) are validated; then the default graph and the VoID
    description are materialised anew. Returns what *change* returned; raises
    :class:`ValidationFailed` when a shape is violated."""
    before = set() if conformance else default_lines(store)
    result = change(store)
    if not conformance:
        carry_back(store, minter, before)
        derive(store, minter)
    violations = validate_store(store.raw, graphs=validated_graphs(
        store, minter, with_default=conformance))
    if violations:
        raise ValidationFailed(violations, report_text(violations))
    if not conformance:
        materialise(store, minter)
        describe(store, minter)
    return result


def revise(settings: Settings, change: Callable[[OxigraphStore], T]) -> tuple[T, BuildInfo]:
    """Apply *change* to a copy of the current store and serve the copy; see the module
    docstring. Returns what *change* returned and the new version's :class:`BuildInfo`.

    Raises :class:`StoreError` before any build, :class:`ValidationFailed` when the changed
    data violates a shape, and whatever *change* raises (``SyntaxError`` for a bad update).
    """
    location = StoreLocation(settings.store)
    minter = Minter(settings.base_iri)
    conformance = settings.profile == CONFORMANCE
    if settings.store_url:
        return _revise_remote(settings, change, location, minter)
    with _write_lock(location):
        current = location.current()
        if current is None:
            raise StoreError(f"{location.root}: no store has been built yet; run 'c2c build'")
        target: Path | None = None
        store = disk = source = staged = None
        try:
            staged = _take_staged(current)
            if staged is None:  # the folder's snapshot, else the folder itself
                memory = read_snapshot(current)
                if memory is None:
                    source = OxigraphStore.open(current, read_only=True).raw
                    memory = memory_copy(source)
                staged = _Staged(current, memory, quad_lines(memory),
                                 set(memory.named_graphs()))
            store = OxigraphStore(staged.memory, None, "staging")
            result = apply_change(store, minter, change, conformance=conformance)
            graphs = store.graph_counts()
            default = store.default_size()
            lines, named = quad_lines(staged.memory), set(staged.memory.named_graphs())
            target = location.new_build()
            if len(lines) < WHOLE_BELOW:
                disk = OxigraphStore.open(target, read_only=False).raw
                write_whole(disk, staged.memory)
            else:  # a checkpoint of the served version (hard links), changed by the difference
                target.rmdir()  # a RocksDB checkpoint must create its own folder
                if source is None:
                    source = OxigraphStore.open(current, read_only=True).raw
                source.backup(str(target))
                source = None
                disk = OxigraphStore.open(target, read_only=False).raw
                write_changes(disk, staged.old, staged.graphs, lines, named)
            disk.flush()
            disk = None
            snapshot = write_snapshot(target, named, b"\n".join(lines), b"\n" if lines else b"")
            info = BuildInfo(version=target.name, finished=time.time(),
                             quads=sum(graphs.values()) + (default if conformance else 0),
                             graphs=graphs, default_triples=default,
                             default_graph="separate" if conformance else "union",
                             metadata_graphs=() if conformance else metadata_graphs(minter),
                             snapshot=snapshot)
            location.mark_complete(target, info)
            location.swap(target)
        except BaseException as exc:
            # Close the stores before removing the new folder: RocksDB flushes into its folder
            # on close, and a store still referenced from the traceback would be closed only
            # after the removal, re-creating the folder as an orphan (seen after a failed
            # CREATE GRAPH).
            traceback.clear_frames(exc.__traceback__)
            if isinstance(exc, Exception) and staged is not None and target is None:
                _keep_if_unchanged(staged)
            store = disk = source = staged = None  # dropping the last references closes them
            gc.collect()
            if target is not None:
                shutil.rmtree(target, ignore_errors=True)
            raise
        _keep_staged(_Staged(target, staged.memory, lines, named))
        location.prune()
    return result, info


WHOLE_BELOW = 2_000
"""A new version of fewer quads is written whole into a fresh folder (creating a store costs
less than opening the served one and its checkpoint); a larger one into a checkpoint of the
served version, by the difference (a few quads for a small change, where writing 17,800 quads
anew costs more than the whole rest of the write)."""


@dataclass
class _Staged:
    """The in-memory copy of the store version *build*: its quads as N-Quads lines
    (:func:`loaders.kernel.store.quad_lines`) and its named graphs, as read or as written."""

    build: Path
    memory: ox.Store
    old: set[bytes]
    graphs: set[ox.NamedNode | ox.BlankNode]
    identity: tuple[int, int] = (0, 0)

    def __post_init__(self) -> None:
        self.identity = _identity(self.build)


def _identity(build: Path) -> tuple[int, int]:
    """Which folder *build* is on disk (a copy of the folder elsewhere, or a new folder of the
    same name, is another): the inode and change time of its completion record."""
    try:
        record = (build / "BUILD.json").stat()
    except FileNotFoundError:
        return (0, 0)
    return (record.st_ino, record.st_ctime_ns)


_last_written: _Staged | None = None
"""The copy of the version this process wrote last, held between writes: when the next write
finds that version still current, it starts from this copy instead of reading the folder.
Both hold the same quads, blank node labels included (the copy is what was written), and a
finished version's folder is never changed. Dropped as soon as it is taken, so a write that
fails never leaves a half-changed copy behind."""


def _take_staged(current: Path) -> _Staged | None:
    global _last_written
    staged, _last_written = _last_written, None
    if staged is not None and staged.build == current and staged.identity == _identity(current):
        return staged
    return None


def _keep_if_unchanged(staged: _Staged) -> None:
    """After a write that failed (a syntax error, a missing graph, a violated shape): keep the
    copy for the next write if it still holds exactly the version it was read from — the same
    quads (compared as N-Quads lines, blank node labels included) and named graphs."""
    try:
        same = (quad_lines(staged.memory) == staged.old
                and set(staged.memory.named_graphs()) == staged.graphs)
    except Exception:  # e.g. out of memory: then it is simply not kept
        same = False
    if same:
        _keep_staged(staged)


def _keep_staged(staged: _Staged) -> None:
    global _last_written
    _last_written = staged


def _revise_remote(settings: Settings, change: Callable[[OxigraphStore], T],
                   location: StoreLocation, minter: Minter) -> tuple[T, BuildInfo]:
    """:func:`revise` over a remote store (``C2C_STORE_URL``): the served version is copied
    into memory (an embedded store), changed, carried back, derived, validated and described
    there exactly as above, then published as a new version — staged and switched in one
    update (:func:`loaders.kernel.remote_store.publish`), so readers never see half of it and a
    write that fails or violates a shape changes nothing. Writes of this host are serialised by the
    lock file; a write of another front that switched the store meanwhile makes this one fail
    unchanged (compared just before the switch)."""
    from loaders.kernel.remote_store import RemoteStore, publish, remote_dataset

    if settings.profile == CONFORMANCE:
        raise StoreError("the conformance profile runs on the embedded store only "
                         "(unset C2C_STORE_URL)")
    remote = RemoteStore.from_settings(settings)
    if not remote.engine.atomic_update:
        raise StoreError(f"C2C_STORE_ENGINE={remote.engine.name}: c2c cannot switch this engine "
                         "atomically, so it does not write to it (nothing was changed)")
    with _write_lock(location):
        served = remote.published(timeout=settings.update_timeout)
        store = remote_dataset(remote.bound(served), timeout=settings.update_timeout)
        result = apply_change(store, minter, change, conformance=False)
        graphs = store.graph_counts()
        stamp = time.strftime("%Y%m%dT%H%M%S", time.gmtime())
        info = BuildInfo(version=f"{stamp}-{time.time_ns() % 1_000_000_000:09d}-{os.getpid()}",
                         finished=time.time(), quads=sum(graphs.values()), graphs=graphs,
                         default_triples=store.default_size(),
                         metadata_graphs=metadata_graphs(minter))
        publish(remote, store, info, timeout=settings.update_timeout,
                expected_version=served.version)
    return result, info
