"""What the app holds, typed: one :class:`AppState`, set once by the app factory and read by
:func:`state` (issue 19: it replaces the string-keyed ``app.extensions["c2c.*"]`` look-ups,
where a misspelt key was found only when a request reached it)."""

from __future__ import annotations

from dataclasses import dataclass

from flask import Flask, current_app

from endpoint.admission import Admission
from endpoint.caching import ResultCache
from endpoint.dumps import Dumps
from endpoint.executor import ExecutorPool
from endpoint.metrics import Metrics
from endpoint.store import ServedStore
from loaders.kernel.config import Settings

_KEY = "c2c"


@dataclass(frozen=True, slots=True)
class AppState:
    settings: Settings
    store: ServedStore
    pool: ExecutorPool
    """The query executors (not started over a remote store: the remote engine evaluates)."""
    health: ExecutorPool
    """/healthz's own executor: never queued behind heavy work."""
    writer: ExecutorPool
    """The write process (started on a writable deployment)."""
    admission: Admission
    cache: ResultCache | None
    """The per-worker result cache; None when ``C2C_RESULT_CACHE_BYTES`` is 0."""
    metrics: Metrics
    dumps: Dumps


def install(app: Flask, app_state: AppState) -> None:
    """Give *app* its state (once, in the app factory)."""
    if _KEY in app.extensions:
        raise RuntimeError("the app's state is set once, by endpoint.app.create_app")
    app.extensions[_KEY] = app_state


def state(app: Flask | None = None) -> AppState:
    """The state of *app* (default: the app of the current request)."""
    return (app or current_app).extensions[_KEY]
