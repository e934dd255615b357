"""The gunicorn worker class: gunicorn's threaded worker that notes when each request arrived.

gunicorn's ``gthread`` worker hands a connection to a request thread when its bytes arrive
(:meth:`enqueue_req`: a new connection, or a kept-alive one that became readable); when every
thread is busy the connection waits in the thread pool's queue, unseen by the application. This
worker stamps the connection at that moment, and the request thread publishes the stamp
(:func:`arrival`), so that a query's deadline counts from the request's arrival, queueing
included, not from when a thread or an executor picked it up.
"""

from __future__ import annotations

import threading
import time

from endpoint.gunicorn_worker import ProblemWorker

_local = threading.local()


def arrival() -> float | None:
    """When the request this thread is handling arrived (:func:`time.monotonic`), if known."""
    return getattr(_local, "arrival", None)


def started() -> float:
    """When the request this thread is handling started: its arrival where the worker stamped
    it, else now. Every deadline of the request counts from it."""
    return getattr(_local, "arrival", None) or time.monotonic()


class ArrivalWorker(ProblemWorker):
    """gthread with problem+json parse errors (:class:`ProblemWorker`) that stamps arrivals."""

    def enqueue_req(self, conn) -> None:
        conn.c2c_arrival = time.monotonic()
        super().enqueue_req(conn)

    def handle(self, conn):
        _local.arrival = getattr(conn, "c2c_arrival", None)
        try:
            return super().handle(conn)
        finally:
            _local.arrival = None
