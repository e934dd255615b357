"""The served build held in memory by the executors' fork server (``C2C_IN_MEMORY``, issue 21).

Oxigraph answers joins several times faster from its in-memory store than from RocksDB. So the
fork server of each gunicorn worker (:func:`endpoint.executor._forkserver`; it imports
:mod:`endpoint.preload`, which calls :func:`load`) copies the current build into an in-memory
store once (:meth:`loaders.kernel.store.OxigraphStore.open` with ``in_memory=True``) and runs a
warm-up query. Every executor forked from it starts with that store already in its memory (the pages
are shared copy-on-write; queries only read them), so a replacement executor is ready at once.

The on-disk build stays the source of truth: an executor answers from the resident store only
for jobs on the build it holds (``path``); a job on another build (a new ``current`` after a
build or a write) is answered from that folder on disk, and the request side restarts the fork
server (:func:`endpoint.executor.refresh_resident`), whose new executors then hold the new build.
"""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Any

from loaders.kernel.config import Settings, _machine_memory_mb

BYTES_PER_QUAD = 600
"""Memory (``VmData``) the in-memory store takes per quad, measured on the default build with
both documented imports (278,606 quads: +160 MiB VmData, +104 MiB resident), rounded up."""

PATH: str | None = None
"""The build folder held in memory, or None."""
STORE: Any = None
"""Its :class:`loaders.kernel.store.OxigraphStore` (in memory), or None."""
EXTRA_BYTES = 0
"""How much the copy grew this process's data segment: executors add it to their memory limit
(``RLIMIT_DATA`` counts inherited heap too)."""
ERROR: str | None = None
"""Why the copy could not be made (the executors then read the folder)."""
BUILDS: str | None = None
"""The builds folder of ``C2C_STORE`` as the fork server saw it: only a job on a build there can
ask for a fresh fork server (an app made in-process over another store, as in the tests, never
does)."""
WANTED = False
"""Whether this fork server serves from memory (:func:`wanted`, research profile): then a job
on a build it does not hold asks for a fresh fork server."""


PLAN_VARIABLE = "_C2C_RESIDENT_PLAN"
"""The environment variable through which :func:`plan` hands the app's settings to the fork server
(not a setting: the app sets it)."""


def plan(settings: Settings) -> None:
    """Make *settings*, those of the app being made, the ones its executors' fork server reads in
    :func:`load`. multiprocessing starts the fork server with this process's environment, so
    they travel there; without this, an app made in-process with settings of its own (as in the
    tests) had a fork server that read the ``C2C_*`` environment instead, and copied whatever
    ``var/store`` the current folder held. One fork server per process: the first app to start
    executors decides what it holds."""
    os.environ[PLAN_VARIABLE] = json.dumps({
        "store": str(settings.store), "in_memory": settings.in_memory,
        "writable": settings.writable, "workers": settings.workers,
        "executors": settings.executors, "profile": settings.profile})


def planned() -> Settings | None:
    """The settings :func:`plan` handed over, or None when no app was made in this process."""
    text = os.environ.get(PLAN_VARIABLE)
    if not text:
        return None
    values = json.loads(text)
    return Settings.from_env({}).with_overrides(**{**values, "store": Path(values["store"])})


def fits(quads: int, workers: int, executors: int) -> bool:
    """Whether ``C2C_IN_MEMORY=auto`` serves a build of *quads* from memory. Counted per worker:
    the fork server's copy (two while a new build is switched in) and, for each executor and the
    health and write processes, a private copy as large: executors share the copy's pages at
    first, but answering queries writes to them (Oxigraph counts references as it reads), and
    after a benchmark an executor's private memory was 80 of the copy's 104 MiB. All of that may
    take at most a quarter of the machine's memory."""
    copies = workers * (2 + executors + 2)
    return copies * quads * BYTES_PER_QUAD <= _machine_memory_mb() * 1024 * 1024 // 4


def wanted(settings: Settings, quads: int) -> bool:
    """``C2C_IN_MEMORY``: 1 always, 0 never; ``auto`` when the build :func:`fits` and the
    deployment is read-only: every write is a new build version, and each new version costs a
    new fork server (its start and the copy: a second or more of CPU per worker), so a writable
    deployment reads from disk unless told otherwise."""
    if settings.in_memory == "auto":
        return not settings.writable and fits(quads, settings.workers, settings.executors)
    return settings.in_memory == "1"


def _data_bytes() -> int:
    try:
        for line in Path("/proc/self/status").read_text().splitlines():
            if line.startswith("VmData:"):
                return int(line.split()[1]) * 1024
    except OSError:
        pass
    return 0


def load(settings: Settings | None = None) -> None:
    """Copy the current build into memory, if wanted, and run a warm-up query. Never raises: a
    failure is kept in :data:`ERROR` and the executors read the folder instead."""
    global PATH, STORE, EXTRA_BYTES, ERROR, WANTED, BUILDS
    try:
        from loaders.kernel.store import OxigraphStore, StoreLocation

        settings = settings or planned() or Settings.from_env()
        if settings.profile == "conformance":
            return  # a plain store for the W3C suites, which write a new version per test
        location = StoreLocation(settings.store)
        BUILDS = str(location.builds.resolve())
        build = location.current()
        # before the first build: hold the first one once it is there, unless told not to
        WANTED = wanted(settings, location.info(build).quads if build is not None else 0)
        if build is None or not WANTED:
            return
        before = _data_bytes()
        store = OxigraphStore.open(build, in_memory=True, version=build.name)
        store.query("ASK { ?s ?p ?o }")
        STORE, PATH = store, str(build)
        EXTRA_BYTES = max(0, _data_bytes() - before)
    except Exception as exc:  # the fork server must live on: executors read from disk
        ERROR = f"{type(exc).__name__}: {exc}"


def get(path: str) -> Any:
    """The resident store if it holds the build *path*, else None."""
    return STORE if PATH is not None and path == PATH else None



def stale(path: str) -> bool:
    """Whether a job on the build *path*, which this fork server does not hold, should make
    the request side start a fresh one (that copies the current build)."""
    return WANTED and str(Path(path).resolve().parent) == BUILDS
