"""Admission control in front of the query executors of one worker.

A query is admitted only while fewer than ``executors + C2C_QUEUE_LENGTH`` queries of this
worker are running or waiting for an executor (else 503 ``server-busy``) and while its client
has fewer than ``C2C_CLIENT_CONCURRENCY`` queries in this worker (else 429
``too-many-concurrent``); both answers carry ``Retry-After``. The client is the bearer of the
update token when the request carries it, else the remote address (behind a reverse proxy,
have the proxy set it: see the README).
"""

from __future__ import annotations

import hmac
import threading
from collections import Counter
from collections.abc import Iterator
from contextlib import contextmanager


class Refused(Exception):  # noqa: N818
    """Not admitted: *status* 429 (this client has too many queries running) or 503 (full)."""

    def __init__(self, status: int, kind: str, title: str, detail: str, retry_after: int
                 ) -> None:
        super().__init__(detail)
        self.status, self.kind, self.title, self.detail = status, kind, title, detail
        self.retry_after = retry_after


class Admission:
    def __init__(self, capacity: int, per_client: int, retry_after: int = 1) -> None:
        self.capacity = capacity
        self.per_client = per_client
        self.retry_after = retry_after
        self._lock = threading.Lock()
        self._total = 0
        self._clients: Counter[str] = Counter()

    @contextmanager
    def admit(self, client: str) -> Iterator[None]:
        """Hold a place for one query of *client*, or raise :class:`Refused`."""
        with self._lock:
            if self._clients[client] >= self.per_client:
                raise Refused(429, "too-many-concurrent", "Too many concurrent queries",
                              f"This client ({client}) already has {self._clients[client]} "
                              "queries running here, the most one client may have "
                              "(C2C_CLIENT_CONCURRENCY); wait for one to finish.",
                              self.retry_after)
            if self._total >= self.capacity:
                raise Refused(503, "server-busy", "Server busy",
                              f"{self._total} queries are running or waiting here, the most "
                              "this worker takes (C2C_QUEUE_LENGTH); retry shortly.",
                              self.retry_after)
            self._total += 1
            self._clients[client] += 1
        try:
            yield
        finally:
            with self._lock:
                self._total -= 1
                self._clients[client] -= 1
                if not self._clients[client]:
                    del self._clients[client]


def client_of(settings, authorization: str | None, remote_addr: str | None) -> str:
    """Who sends a request with this ``Authorization`` header from this address: the bearer of
    the update token, or the remote address."""
    scheme, _, token = (authorization or "").partition(" ")
    if settings.update_token and scheme.lower() == "bearer" and hmac.compare_digest(
            token.strip().encode(), settings.update_token.encode()):
        return "token-bearer"
    return remote_addr or "unknown"


def client_key(settings) -> str:
    """Who sends Flask's current request (:func:`client_of`)."""
    from flask import request

    return client_of(settings, request.headers.get("Authorization"), request.remote_addr)
