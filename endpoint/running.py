"""Running a request's job in an executor: admission, the deadline from arrival, and the
answers when it cannot run (problem+json with ``Retry-After`` where retrying helps).

Reads (queries, Graph Store reads) go through :class:`endpoint.admission.Admission` to the
worker's query executors, with the deadline ``arrival + C2C_QUERY_TIMEOUT``. Writes go to the
worker's write process with the deadline ``arrival + C2C_UPDATE_TIMEOUT``: killed there, the
write process releases the write lock (the kernel drops its ``flock``) and leaves the served
store as it was (copy-on-write).
"""

from __future__ import annotations

from typing import Any

from flask import Response, g

from endpoint.admission import Refused, client_key
from endpoint.executor import ExecutorCrashed, PoolBusy, QueryTimeout, TooManyLong, run_job
from endpoint.jobs import Answer, Job
from endpoint.problems import executor_crashed, problem, query_memory, query_timeout
from endpoint.state import AppState, state
from loaders.kernel.config import Settings
from loaders.kernel.errors import StoreError
from loaders.kernel.remote_store import StoreTimeout


class Overloaded(Exception):  # noqa: N818
    """The read was not run, or was stopped, because the server is full; ``response`` says so."""

    def __init__(self, response: Response) -> None:
        super().__init__(response.status)
        self.response = response


class WriteFailed(Overloaded):
    """The write was stopped at its limit or died; ``response`` says which."""


def _retry(response: Response, seconds: int = 1) -> Response:
    response.headers["Retry-After"] = str(seconds)
    return response


def run_read(job: Job, settings: Settings, app_state: AppState | None = None,
             started: float | None = None, client: str | None = None) -> Answer:
    """The executor's answer to *job*, by the deadline ``started + C2C_QUERY_TIMEOUT``; raises
    :class:`Overloaded`, or :class:`endpoint.executor.QueryTimeout` / :class:`ExecutorCrashed`
    for the caller (:func:`failure_response`). *app_state*, *started* (the arrival) and
    *client* (:func:`endpoint.admission.client_of`) default to those of Flask's request."""
    app_state = app_state or state()
    deadline = (g.c2c_started if started is None else started) + settings.query_timeout
    metrics = app_state.metrics
    served = app_state.store
    try:
        with app_state.admission.admit(client_key(settings) if client is None else client):
            if served.remote is not None:
                return _run_remote(job, served, deadline)
            return app_state.pool.run(job, deadline=deadline)
    except Refused as exc:
        raise Overloaded(_retry(problem(exc.status, exc.kind, exc.title, exc.detail),
                                exc.retry_after)) from None
    except PoolBusy:  # admitted, but waited for an executor until its limit
        metrics.count("timeouts")
        raise Overloaded(_retry(problem(
            503, "query-timeout", "Query timed out",
            f"No query executor became free within {settings.query_timeout:g} s of the "
            "query's arrival.", limit_seconds=settings.query_timeout))) from None
    except TooManyLong:
        metrics.count("executor_restarts")
        raise Overloaded(_retry(problem(
            503, "long-query-cap", "Too many long-running queries",
            f"The query ran longer than {settings.long_query_seconds:g} s while "
            f"{settings.long_queries} long-running queries already ran here "
            "(C2C_LONG_QUERIES); it was stopped so that short queries keep being answered. "
            "Retry later, narrow it, or run it on a dump.",
            limit_seconds=settings.long_query_seconds), 2)) from None


def _run_remote(job: Job, served: Any, deadline: float) -> Answer:
    """*job* over the remote store, in this thread (the remote engine is the executor) under
    the client-side *deadline*. The answer is tied to the version read at the start of the
    request (its ETag, the cache): if the remote store switched versions meanwhile, the
    answer may be of either, so it is not given (503 ``store-switched``, retry at once)."""
    try:
        answer = run_job(job, {job.path: served.get()})
        now = served.remote.bound(None, deadline).published()
        g.c2c_remote_checked = True
    except StoreTimeout:
        raise QueryTimeout() from None
    if f"remote:{now.version}" != job.path:
        raise Overloaded(_retry(problem(
            503, "store-switched", "The store switched versions during the query",
            "A new version of the data was published while the query ran; send it again."),
            0))
    return answer


def run_write(job: Job, settings: Settings) -> Answer:
    """The write process's answer to *job*; raises :class:`WriteFailed` (503 ``update-timeout``
    or ``update-memory``, 500 ``update-crashed``)."""
    deadline = g.c2c_started + settings.update_timeout
    metrics = state().metrics
    try:
        answer = state().writer.run(job, deadline=deadline)
    except (QueryTimeout, PoolBusy):
        metrics.count("timeouts")
        raise WriteFailed(_retry(problem(
            503, "update-timeout", "Write timed out",
            f"The write did not finish within {settings.update_timeout:g} s of its arrival "
            "(C2C_UPDATE_TIMEOUT, waiting for earlier writes included) and was stopped; "
            "nothing was changed.", limit_seconds=settings.update_timeout))) from None
    except ExecutorCrashed as crash:
        metrics.count("executor_restarts")
        if crash.out_of_memory:
            raise WriteFailed(_update_memory(settings)) from None
        raise WriteFailed(problem(500, "update-crashed", "Write process crashed",
                                  "The process applying the write died; nothing was changed."
                                  )) from None
    if answer.kind == "error" and answer.error == "memory":
        raise WriteFailed(_update_memory(settings))
    return answer


def _update_memory(settings: Settings) -> Response:
    return problem(503, "update-memory", "Write needs too much memory",
                   f"The write needed more than the {settings.update_memory_mb} MiB the write "
                   "process may use (C2C_UPDATE_MEMORY_MB) and was stopped; nothing was "
                   "changed.", limit_mib=settings.update_memory_mb)


def failure_response(exc: Exception, app_state: AppState) -> Response:
    """The answer to a read that could not be given: no store (503 ``store-unavailable``), no
    room (:class:`Overloaded`: its own response), the deadline (503 ``query-timeout``) or a
    dead executor (503 ``query-memory``, 500 ``executor-crashed``); counted in ``/metrics``.
    The app's error handlers and :mod:`endpoint.fastpath` both answer through it."""
    settings, metrics = app_state.settings, app_state.metrics
    if isinstance(exc, Overloaded):
        return exc.response
    if isinstance(exc, StoreError):
        return problem(503, "store-unavailable", "No store to serve", str(exc))
    if isinstance(exc, QueryTimeout):
        metrics.count("timeouts")
        metrics.count("executor_restarts")
        return query_timeout(settings.query_timeout)
    if isinstance(exc, ExecutorCrashed):
        metrics.count("executor_restarts")
        if exc.out_of_memory:
            return query_memory(settings.query_memory_mb)
        return executor_crashed()
    raise TypeError(f"not a read failure: {exc!r}")
