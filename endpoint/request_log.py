"""The query log and the per-request counts of ``/metrics``: written once per SPARQL or Graph
Store request, after the answer is made, by Flask's hook (:mod:`endpoint.app`) and by the fast
path below Flask (:mod:`endpoint.fastpath`) alike.

One JSON line per request on the query log (``c2c.query``: method, path, client, status, duration
from the arrival, and the fields the route noted: operation, query hash, rows, cache), sampled
by ``C2C_QUERY_LOG_SAMPLE`` for answered requests; slow queries also go, with their text, to
``c2c.query.slow`` (once: it propagates to the query log's handler)."""

from __future__ import annotations

import json
import logging
import random
import sys
import time

from flask import Response

QUERY_LOG = logging.getLogger("c2c.query")
SLOW_LOG = logging.getLogger("c2c.query.slow")


def configure_logging() -> None:
    """One handler, on the query log. The slow-query log is its child and propagates to it: it
    had a handler of its own too, so each slow query was written twice."""
    if not QUERY_LOG.handlers:
        handler = logging.StreamHandler(sys.stderr)
        handler.setFormatter(logging.Formatter("%(message)s"))
        QUERY_LOG.addHandler(handler)
    QUERY_LOG.setLevel(logging.INFO)
    SLOW_LOG.setLevel(logging.INFO)
    for extra in list(SLOW_LOG.handlers):
        SLOW_LOG.removeHandler(extra)


def record(app_state, response: Response, started: float, fields: dict, method: str,
           path: str, client: str | None) -> Response:
    """Count *response* in ``/metrics``, give it its ``Server-Timing`` and log it (see the
    module docstring); *started* is the request's arrival (:func:`time.monotonic`)."""
    settings = app_state.settings
    seconds = time.monotonic() - started
    app_state.metrics.count_request(response.status_code, seconds, int(fields.get("rows") or 0))
    response.headers["Server-Timing"] = f"total;dur={seconds * 1000:.1f}"
    slow = seconds >= settings.slow_query_seconds
    if not slow and response.status_code < 400 and settings.query_log_sample < 1.0 \
            and random.random() >= settings.query_log_sample:  # noqa: S311 - a sample
        return response
    fields = dict(fields)
    text = fields.pop("query", None) or fields.pop("update", None)
    entry = {"event": "request", "time": round(time.time(), 3), "method": method,
             "path": path, "client": client, "status": response.status_code,
             "duration_ms": round(seconds * 1000, 2), **fields}
    QUERY_LOG.info(json.dumps(entry, ensure_ascii=False))
    if slow and text:
        SLOW_LOG.warning(json.dumps({**entry, "event": "slow-query", "text": text},
                                    ensure_ascii=False))
    return response
