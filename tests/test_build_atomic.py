"""A build killed with SIGKILL part-way through loading leaves the previous store serving, and
the next build succeeds and cleans up after the dead one."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest

import loaders.pipeline.build as build_module
from bench.build import write_tables
from loaders.kernel.config import Settings
from loaders.kernel.errors import StoreError, ValidationFailed
from loaders.kernel.store import StoreLocation
from loaders.pipeline.build import build
from loaders.validate import Violation
from tests.conftest import DATA, ROOT, copy_of_built

CHILD = """
import sys, time
from pathlib import Path
from loaders.pipeline.build import build
from loaders.kernel.config import Settings

signal_file = Path(sys.argv[2])

def on_step(name):
    if name == sys.argv[4]:       # the new folder is part-written (see the test)
        signal_file.write_text("reached " + name)
        while True:               # wait here to be killed
            time.sleep(0.1)

settings = Settings.from_env({}).with_overrides(store=Path(sys.argv[1]), data=Path(sys.argv[3]),
                                                public_lists=False)
build(settings, progress=False, on_step=on_step)
"""

QUERY = "SELECT (COUNT(*) AS ?n) WHERE { ?a c2c:twinnedWith ?b }"


def count(store) -> int:
    return int(next(iter(store.query(QUERY)))["n"].value)


@pytest.mark.parametrize("killed_at", ["derive", "validate"])
def test_sigkill_during_build_leaves_previous_store(built: Settings, tmp_path: Path,
                                                   killed_at: str) -> None:
    """Killed at "derive", the dead build's folder holds the sources but no derived graphs;
    killed at "validate" with ~200k synthetic triples, the writer thread has not finished
    bulk-loading the tables into RocksDB when the process dies (checked by hand: the dead
    folder then held the ontology, the vocabularies and sources.csv — 1,027 quads — and none
    of places.csv)."""
    settings = copy_of_built(built, tmp_path)  # the store served when the build is killed
    location = StoreLocation(settings.store)
    before = location.current()
    answer = count(location.open_current())
    assert answer > 0

    data = DATA
    if killed_at == "validate":
        data = tmp_path / "synthetic"
        write_tables(data, 200_000)
    flag = tmp_path / "reached"
    child = subprocess.Popen([sys.executable, "-c", CHILD, str(settings.store), str(flag),
                              str(data), killed_at], cwd=ROOT)
    deadline = time.monotonic() + 120
    while not flag.exists():  # poll for the child to reach the chosen point
        assert child.poll() is None, "the build ended before it could be killed"
        assert time.monotonic() < deadline, f"the build never reached the {killed_at} step"
        time.sleep(0.02)
    os.kill(child.pid, signal.SIGKILL)
    child.wait(timeout=30)
    assert child.returncode == -signal.SIGKILL

    builds = sorted(p.name for p in location.builds.iterdir())
    assert len(builds) == 2  # the served build and the dead one's half-written folder
    assert location.current() == before
    assert count(location.open_current()) == answer

    summary = build(settings, progress=False)
    assert location.current() == summary.path != before
    assert count(location.open_current()) == answer
    leftovers = {p.name for p in location.builds.iterdir()}
    assert leftovers == {before.name, summary.path.name}


def _served_build(built: Settings, tmp_path: Path
                  ) -> tuple[Settings, StoreLocation, Path, int]:
    settings = copy_of_built(built, tmp_path)
    location = StoreLocation(settings.store)
    return settings, location, location.current(), count(location.open_current())


def test_failure_while_the_new_folder_is_written_removes_it(built: Settings, tmp_path: Path,
                                                            monkeypatch) -> None:
    """The source graphs are bulk-loaded on a second thread; when that load fails, the build
    fails with a StoreError, the folder is removed and the previous store keeps serving."""
    settings, location, before, answer = _served_build(built, tmp_path)
    # the writer is handed every file and table as N-Quads text; make that text unparseable
    monkeypatch.setattr(build_module.ox, "serialize", lambda quads, format: b"<not n-quads")
    with pytest.raises(StoreError, match=r"^writing \S+ into the new store failed: .*error"):
        build(settings, progress=False)
    assert [p for p in location.builds.iterdir()] == [before]
    assert location.current() == before
    assert count(location.open_current()) == answer


def test_failure_while_deriving_waits_for_the_writer_then_removes_the_folder(
        built: Settings, tmp_path: Path, monkeypatch) -> None:
    settings, location, before, answer = _served_build(built, tmp_path)

    def failing_derive(store, minter, on_graph=None):
        raise RuntimeError("derivation failed on purpose")
    monkeypatch.setattr(build_module, "derive", failing_derive)
    with pytest.raises(RuntimeError, match="on purpose"):
        build(settings, progress=False)
    assert not [t for t in threading.enumerate() if t.name == "c2c-bulk-load"]
    assert [p for p in location.builds.iterdir()] == [before]
    assert count(location.open_current()) == answer


def test_a_violation_removes_the_new_folder(built: Settings, tmp_path: Path,
                                            monkeypatch) -> None:
    """The new folder is written from the start of the build (on the writer's thread); a
    violation found in the staging store waits for the writer, then removes the folder."""
    settings, location, before, answer = _served_build(built, tmp_path)
    monkeypatch.setattr(build_module, "validate_store", lambda store, origins: [
        Violation("ex:x", None, "made up", "ex:Shape", "Violation", None, None)])
    with pytest.raises(ValidationFailed):
        build(settings, progress=False)
    assert not [t for t in threading.enumerate() if t.name == "c2c-bulk-load"]
    assert [p for p in location.builds.iterdir()] == [before]
    assert count(location.open_current()) == answer
