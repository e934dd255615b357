"""Serving from memory (``C2C_IN_MEMORY``, issue 21): the executors' fork server holds the current
build in an in-memory store; answers are the on-disk build's, and a switch of ``current`` is
followed (the fork server is replaced and its executors hold the new build).
"""

from __future__ import annotations

import dataclasses
import json
import os
import shutil
import time
import urllib.parse
import urllib.request
from pathlib import Path

import pytest

from endpoint import resident
from loaders.kernel import assets
from loaders.kernel.config import Settings
from loaders.kernel.store import (
    SNAPSHOT,
    OxigraphStore,
    StoreLocation,
    quad_lines,
    write_snapshot,
)
from tests.conftest import free_port, run_gunicorn

COUNT = "SELECT (COUNT(*) AS ?n) WHERE { ?s ?p ?o }"
MARK = "https://w3id.org/c2c/id/test/resident-mark"


def _rows(result) -> list[tuple]:
    """Rows as sorted tuples; a GROUP_CONCAT's parts ("a; b") sorted too: SPARQL leaves their
    order open, and the two stores list a group's values in different orders."""
    def value(term) -> str:
        text = getattr(term, "value", None)
        return "; ".join(sorted(text.split("; "))) if isinstance(text, str) else str(term)

    return sorted(tuple(value(v) for v in row) for row in result)


def test_in_memory_copy_answers_like_the_folder(store: OxigraphStore) -> None:
    """Every competency question and a GRAPH query give the same rows from the in-memory copy as
    from the folder (blank nodes included: the copy keeps their identifiers)."""
    memory = OxigraphStore.open(store.path, in_memory=True)
    assert memory.raw is not store.raw and memory.path == store.path
    assert len(memory.raw) == len(store.raw)
    assert memory.named_graphs() == store.named_graphs()
    for name, text in assets.competency_questions():
        assert _rows(memory.query(text)) == _rows(store.query(text)), name
    graphs = "SELECT ?g (COUNT(*) AS ?n) WHERE { GRAPH ?g { ?s ?p ?o } } GROUP BY ?g"
    assert _rows(memory.query(graphs)) == _rows(store.query(graphs))


def test_auto_follows_the_size_of_the_build() -> None:
    settings = Settings.from_env({})
    assert settings.in_memory == "auto"
    assert resident.wanted(settings, 100_000)
    assert not resident.wanted(settings, 10**12)
    assert not resident.wanted(Settings.from_env({"C2C_WRITABLE": "1"}), 100_000)
    assert not resident.wanted(Settings.from_env({"C2C_IN_MEMORY": "0"}), 10)
    assert resident.wanted(Settings.from_env({"C2C_IN_MEMORY": "1"}), 10**12)


@pytest.fixture(scope="module")
def settings(built: Settings, tmp_path_factory: pytest.TempPathFactory) -> Settings:
    """A copy of the session's build with a second build beside it that holds one more triple
    (the test switches ``current`` between the two). The second build is made as a write makes
    one (:mod:`loaders.revise`): the store changed, then its snapshot and ``BUILD.json`` written
    for it. A copy of the first folder changed in place kept the first build's snapshot, which
    ``BUILD.json`` still vouched for: the in-memory copy of the "second" build was the first."""
    root = tmp_path_factory.mktemp("resident") / "store"
    shutil.copytree(built.store, root, symlinks=True)
    location = StoreLocation(root)
    first = location.current()
    assert first is not None
    second = location.new_build()
    shutil.rmtree(second)
    shutil.copytree(first, second, ignore=shutil.ignore_patterns(SNAPSHOT))
    store = OxigraphStore.open(second, read_only=False)
    store.update(f"INSERT DATA {{ <{MARK}> <{MARK}> <{MARK}> }}")
    store.flush()
    lines, named = quad_lines(store.raw), set(store.raw.named_graphs())
    del store
    snapshot = write_snapshot(second, named, b"\n".join(sorted(lines)), b"\n")
    info = location.info(first)
    location.mark_complete(second, dataclasses.replace(
        info, version=second.name, default_triples=info.default_triples + 1, snapshot=snapshot))
    return built.with_overrides(store=root, dumps=root / "dumps")


def _count(base: str) -> int:
    url = f"{base}/sparql?{urllib.parse.urlencode({'query': COUNT})}"
    request = urllib.request.Request(url, headers={"Accept": "application/sparql-results+json"})
    with urllib.request.urlopen(request, timeout=30) as response:
        body = json.loads(response.read())
    return int(body["results"]["bindings"][0]["n"]["value"])


def _processes(store: Path) -> dict[int, tuple[int, bool, bool]]:
    """The processes serving *store* (``C2C_STORE`` in their environment): pid → (parent pid,
    whether it came from a fork server, whether it has a file of the store's builds open)."""
    out = {}
    marker = f"C2C_STORE={store}".encode()
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            if marker not in (entry / "environ").read_bytes().split(b"\0"):
                continue
            cmd = (entry / "cmdline").read_bytes()
            ppid = int((entry / "stat").read_text().rsplit(")", 1)[1].split()[1])
            files = [str((entry / "fd" / fd).readlink()) for fd in os.listdir(entry / "fd")]
        except OSError:
            continue
        builds = str(store / "builds")
        out[int(entry.name)] = (ppid, b"forkserver import main" in cmd,
                                any(f.startswith(builds) for f in files))
    return out


def _fork_servers(procs: dict[int, tuple[int, bool, bool]]) -> set[int]:
    """The fork servers among *procs*: forked from a worker (executors are forked from them)."""
    return {pid for pid, (ppid, fork, _f) in procs.items()
            if fork and ppid in procs and not procs[ppid][1]}


def _executors_from_memory(store: Path, old_servers: set[int]) -> bool:
    """Whether a fork server other than *old_servers* serves *store*, none of those is left, and
    the new one's executors (at least one) have no file of the store open: they answer from the
    copy in memory."""
    procs = _processes(store)
    servers = _fork_servers(procs)
    children = [files for _pid, (ppid, _fork, files) in procs.items() if ppid in servers]
    return bool(servers) and not servers & old_servers and bool(children) and not any(children)


def test_served_from_memory_and_a_switch_is_followed(settings: Settings) -> None:
    location = StoreLocation(settings.store)
    builds = sorted(p for p in location.builds.iterdir() if location.is_complete(p))
    first, second = builds[0], builds[-1]
    assert location.current() == first
    store = Path(settings.store)
    with run_gunicorn(settings, free_port(), C2C_IN_MEMORY="1", C2C_WORKERS="1",
                      C2C_RESULT_CACHE_BYTES="0") as base:
        before = _count(base)
        assert before == OxigraphStore.open(first).default_size()
        assert _executors_from_memory(store, set())
        servers = _fork_servers(_processes(store))
        location.swap(second)
        # the first answers after the switch come from the folder (the old fork server holds
        # the old build), the later ones from the new fork server's copy: all must be right
        deadline = time.monotonic() + 90
        while True:
            assert _count(base) == before + 1
            if _executors_from_memory(store, servers):
                break
            assert time.monotonic() < deadline, _processes(store)
        for _ in range(20):  # now from the new fork server's copy of the second build
            assert _count(base) == before + 1
        location.swap(first)
        for _ in range(20):
            assert _count(base) == before


def test_in_memory_off_reads_the_folder(settings: Settings) -> None:
    store = Path(settings.store)
    with run_gunicorn(settings, free_port(), C2C_IN_MEMORY="0", C2C_WORKERS="1",
                      C2C_RESULT_CACHE_BYTES="0") as base:
        assert _count(base) > 0
        deadline = time.monotonic() + 60  # polled: executors start in the background
        while True:
            procs = _processes(store)
            servers = _fork_servers(procs)
            executors = [files for pid, (ppid, _fork, files) in procs.items() if ppid in servers]
            if executors and any(executors):  # the executors have the folder open
                break
            assert time.monotonic() < deadline, procs
            time.sleep(0.05)


def test_a_write_is_answered_while_the_build_is_served_from_memory(
        built: Settings, tmp_path: Path) -> None:
    """``C2C_IN_MEMORY=1`` on a writable deployment: the fork server holds the build in memory and
    every write process is forked from it. When the fork server opened the build's folder
    itself, RocksDB's thread pool started there, and the write process forked from it hung in
    its first bulk load: every write answered 503 after ``C2C_UPDATE_TIMEOUT``. The copy is now
    read by a child process (:func:`loaders.kernel.store._memory_copy`)."""
    from tests.conftest import copy_of_built

    settings = copy_of_built(built, tmp_path)
    insert = f"INSERT DATA {{ GRAPH <{MARK}> {{ <{MARK}> <{MARK}> \"written\" }} }}"
    with run_gunicorn(settings, free_port(), C2C_IN_MEMORY="1", C2C_WORKERS="1",
                      C2C_WRITABLE="1", C2C_UPDATE_TOKEN="s3cret",  # noqa: S106 - a test token
                      C2C_UPDATE_TIMEOUT="30", C2C_RESULT_CACHE_BYTES="0") as base:
        deadline = time.monotonic() + 60  # polled: executors warm up in the background
        while not _executors_from_memory(Path(settings.store), set()):
            assert time.monotonic() < deadline, _processes(Path(settings.store))
            time.sleep(0.05)
        request = urllib.request.Request(
            f"{base}/sparql", data=insert.encode(), method="POST",
            headers={"Content-Type": "application/sparql-update",
                     "Authorization": "Bearer s3cret"})
        with urllib.request.urlopen(request, timeout=60) as response:
            assert response.status == 204
        ask = f"ASK {{ GRAPH <{MARK}> {{ <{MARK}> <{MARK}> \"written\" }} }}"
        url = f"{base}/sparql?{urllib.parse.urlencode({'query': ask})}"
        with urllib.request.urlopen(urllib.request.Request(
                url, headers={"Accept": "application/sparql-results+json"}), timeout=30) as r:
            assert json.loads(r.read())["boolean"] is True


def test_the_fork_server_reads_the_apps_settings_not_the_environment(
        built: Settings, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """An app made in-process with settings of its own hands them to its executors' fork server
    (:func:`endpoint.resident.plan`), which otherwise read the ``C2C_*`` environment and held
    whatever ``var/store`` the current folder had."""
    from endpoint.app import create_app

    monkeypatch.delenv(resident.PLAN_VARIABLE, raising=False)
    monkeypatch.setenv("C2C_STORE", str(tmp_path / "elsewhere"))
    monkeypatch.setenv("C2C_IN_MEMORY", "1")
    assert resident.planned() is None
    create_app(built.with_overrides(in_memory="0"))
    planned = resident.planned()
    assert planned is not None
    assert (planned.store, planned.in_memory) == (built.store, "0")
    assert (planned.writable, planned.workers, planned.executors, planned.profile) == (
        built.writable, built.workers, built.executors, built.profile)


def test_a_folder_that_is_not_a_store_is_one_store_error(tmp_path: Path) -> None:
    from loaders.kernel.errors import StoreError

    (tmp_path / "not-a-store").write_text("plain file")
    with pytest.raises(StoreError, match="cannot copy the Oxigraph store into memory"):
        OxigraphStore.open(tmp_path / "not-a-store", in_memory=True)


def _modules_after(code: str, env: dict[str, str]) -> set[str]:
    """The modules a fresh interpreter has imported after running *code* (from the checkout)."""
    import subprocess
    import sys

    out = subprocess.run(
        [sys.executable, "-c", f"{code}\nimport sys\nprint(' '.join(sorted(sys.modules)))"],
        cwd=Path(__file__).resolve().parent.parent, env=env, capture_output=True, text=True,
        check=True)
    return set(out.stdout.split())


@pytest.mark.parametrize("writable", [False, True])
def test_the_fork_server_and_the_write_path_import_no_pyshacl(tmp_path: Path,
                                                             writable: bool) -> None:
    """The fork server preloads the write path's compiled shapes, and the write process the
    write path, without pySHACL (only ``engine="pyshacl"`` needs it; importing it cost each
    fork server and each write process about 0.3 s of CPU)."""
    settings = Settings.from_env({}).with_overrides(store=tmp_path / "store", in_memory="0",
                                                    writable=writable)
    before = os.environ.get(resident.PLAN_VARIABLE)
    resident.plan(settings)  # what create_app hands its fork server
    try:
        env = dict(os.environ)
    finally:
        if before is None:
            os.environ.pop(resident.PLAN_VARIABLE)
        else:
            os.environ[resident.PLAN_VARIABLE] = before
    modules = _modules_after("import endpoint.executor, endpoint.preload, loaders.revise", env)
    assert {"pyoxigraph", "loaders.kernel.results", "loaders.validate", "loaders.revise",
            "loaders.shacl_sparql"} <= modules
    assert not any(m == "pyshacl" or m.startswith("pyshacl.") for m in modules)


def test_the_store_dump_child_imports_no_rdflib() -> None:
    """The child that reads a build for the in-memory copy (one per fork server) imports
    pyoxigraph and the standard library only: rdflib made it three times as costly."""
    modules = _modules_after("import loaders.kernel.store_dump", dict(os.environ))
    assert "pyoxigraph" in modules and "loaders.kernel.store_dump" in modules
    assert not any(m == "rdflib" or m.startswith(("rdflib.", "loaders.kernel.store."))
                   for m in modules)
    assert "loaders.kernel.store" not in modules
