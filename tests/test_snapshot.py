"""The build folder's snapshot (``SNAPSHOT.nq``, :func:`loaders.kernel.store.write_snapshot`):
written by the build and by each write from the in-memory store they hold, it is the folder
quad for quad — blank node labels and empty named graphs included — so an in-memory copy of
the folder (:func:`loaders.kernel.store._memory_copy`, the write's copy in
:func:`loaders.revise.revise`) reads it instead of the RocksDB store; a snapshot missing,
corrupt or not the one ``BUILD.json`` records is not read, and the copy reads the folder."""

from __future__ import annotations

import io
import json
import shutil
from pathlib import Path

import pyoxigraph as ox
import pytest

from loaders.kernel import store as kernel_store
from loaders.kernel.config import Settings
from loaders.kernel.store import SNAPSHOT, StoreLocation, quad_lines, read_snapshot
from loaders.kernel.store_dump import write_folder
from loaders.revise import revise
from tests.conftest import copy_of_built

EMPTY = "https://w3id.org/c2c/graph/snapshot-empty"
BLANK = "https://w3id.org/c2c/graph/snapshot-blank"


def _folder(path: Path) -> tuple[list[str], set[bytes]]:
    """The named graphs and the quads (N-Quads lines) of the store folder *path*, as the child
    of the copy without a snapshot reads them (:func:`loaders.kernel.store_dump.write_folder`)."""
    out = io.BytesIO()
    write_folder(str(path), out)
    header, _, quads = out.getvalue().partition(b"\n")
    return sorted(json.loads(header)), set(quads.splitlines())


def _copy(store: ox.Store) -> tuple[list[str], set[bytes]]:
    return sorted(str(graph) for graph in store.named_graphs()), quad_lines(store)


def _snapshot(path: Path) -> tuple[list[str], set[bytes]]:
    header, _, quads = (path / SNAPSHOT).read_bytes().partition(b"\n")
    lines = quads.splitlines()
    assert len(lines) == len(set(lines))  # a set of quads, each once
    return json.loads(header), set(lines)


def _children(monkeypatch: pytest.MonkeyPatch) -> list[list[str]]:
    """The commands of the child processes the copy starts from now on (they still run)."""
    started: list[list[str]] = []
    run = kernel_store.subprocess.run

    def counted(args: list[str], **kwargs: object) -> object:
        started.append(list(args))
        return run(args, **kwargs)

    monkeypatch.setattr(kernel_store.subprocess, "run", counted)
    return started


def test_a_builds_snapshot_is_its_folder_quad_for_quad(built: Settings,
                                                       monkeypatch: pytest.MonkeyPatch) -> None:
    """The build's snapshot holds the folder's named graphs and quads, the default graph's
    triples and the ontology's blank nodes (with the folder's labels) included, and the copy
    read from it is the folder, made without a child process dumping the folder."""
    path = StoreLocation(built.store).current()
    assert path is not None
    graphs, quads = _folder(path)
    assert any(line.startswith(b"_:") for line in quads)  # the ontology's blank nodes
    assert any(line.count(b" <") == 2 and line.startswith(b"<") for line in quads)
    assert _snapshot(path) == (graphs, quads)
    assert StoreLocation(built.store).info(path).snapshot
    copy = read_snapshot(path)
    assert copy is not None and _copy(copy) == (graphs, quads)
    children = _children(monkeypatch)
    assert _copy(kernel_store._memory_copy(path)) == (graphs, quads)
    assert children == []


def test_a_writes_snapshot_keeps_blank_nodes_and_empty_graphs(built: Settings,
                                                              tmp_path: Path) -> None:
    """A write's new version has a snapshot equal to its folder, an empty named graph and a
    written blank node included; the next write reads the version from that snapshot."""
    settings = copy_of_built(built, tmp_path)
    update = (f'INSERT DATA {{ GRAPH <{BLANK}> {{ _:written rdfs:comment "blank" }} }} ; '
              f"CREATE GRAPH <{EMPTY}>")
    revise(settings, lambda store: store.update(update))
    path = StoreLocation(settings.store).current()
    assert path is not None
    graphs, quads = _folder(path)
    assert f"<{EMPTY}>" in graphs and not any(f"<{EMPTY}>".encode() in q for q in quads)
    assert any(line.startswith(b"_:") and f"<{BLANK}>".encode() in line for line in quads)
    assert _snapshot(path) == (graphs, quads)
    copy = kernel_store._memory_copy(path)
    assert _copy(copy) == (graphs, quads)
    assert ox.NamedNode(EMPTY) in set(copy.named_graphs())


@pytest.mark.parametrize("spoil", ["missing", "corrupt", "truncated", "another build's",
                                   "not recorded"])
def test_a_snapshot_that_cannot_be_trusted_is_not_read(built: Settings, tmp_path: Path,
                                                       spoil: str,
                                                       monkeypatch: pytest.MonkeyPatch) -> None:
    """A snapshot missing, changed, cut short, taken from another build, or one ``BUILD.json``
    does not record, is not read: the copy reads the folder instead, and is the folder."""
    settings = copy_of_built(built, tmp_path)
    path = StoreLocation(settings.store).current()
    assert path is not None
    snapshot, record = path / SNAPSHOT, path / "BUILD.json"
    data = snapshot.read_bytes()
    if spoil == "missing":
        snapshot.unlink()
    elif spoil == "corrupt":  # a quad of the folder changed into another one
        snapshot.write_bytes(data.replace(b"\"The c2c team\"", b"\"The c2d team\"", 1))
    elif spoil == "truncated":
        snapshot.write_bytes(data[: len(data) // 2])
    elif spoil == "another build's":  # the snapshot of a version with a quad fewer
        revise(settings, lambda store: store.update(
            'INSERT DATA { <https://w3id.org/c2c/id/city/cn-harbin> rdfs:comment "x" }'))
        newer = StoreLocation(settings.store).current()
        assert newer is not None and newer != path
        shutil.copyfile(newer / SNAPSHOT, snapshot)
    else:
        recorded = json.loads(record.read_text(encoding="utf-8"))
        recorded.pop("snapshot")
        record.write_text(json.dumps(recorded), encoding="utf-8")
    assert (not snapshot.exists() if spoil == "missing"
            else (snapshot.read_bytes() != data) == (spoil != "not recorded"))
    assert read_snapshot(path) is None
    children = _children(monkeypatch)
    assert _copy(kernel_store._memory_copy(path)) == _folder(path)
    assert len(children) == 1 and "loaders.kernel.store_dump" in children[0]  # the folder read
