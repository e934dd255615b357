"""gunicorn's threaded worker, with gunicorn's own error answers as problem+json and a
heartbeat once a second.

gunicorn answers a request it cannot parse (a request line with raw non-ASCII bytes, a header
over its size limit, a broken chunk) itself, before the application sees it, with a small
HTML page. :class:`ProblemWorker` makes those answers ``application/problem+json`` like every
other error of the endpoint, with the same status and reason.

gunicorn's ``gthread`` loop tells the arbiter it is alive (``notify``: an ``os.utime`` of its
heartbeat file) at every turn of its event loop, two or three times per request (issue 21).
The arbiter only needs it once per ``timeout`` (``endpoint/gunicorn_conf.py``: over 30 s),
and the loop turns at least once a second (its ``select`` waits 1 s at most), so
:class:`ProblemWorker` passes it on at most once a second.
"""

from __future__ import annotations

import json
import time

from gunicorn import util
from gunicorn.workers.gthread import ThreadWorker

from endpoint.problems import PROBLEM_BASE


def write_problem(sock, status_int: int, reason: str, mesg: str) -> None:
    """The replacement of ``gunicorn.util.write_error``: the same answer as problem+json."""
    kind = {400: "bad-request", 403: "forbidden", 414: "uri-too-long", 417: "http-error",
            431: "headers-too-large"}.get(status_int, "http-error")
    body = json.dumps({"type": PROBLEM_BASE + kind, "title": reason, "status": status_int,
                       "detail": mesg or reason}).encode("ascii")
    head = (f"HTTP/1.1 {status_int} {reason}\r\nConnection: close\r\n"
            "Content-Type: application/problem+json\r\n"
            f"Content-Length: {len(body)}\r\n\r\n").encode("latin-1")
    util.write_nonblock(sock, head + body)


class ProblemWorker(ThreadWorker):
    """``gthread`` whose parse-error answers are problem+json (see the module docstring)."""

    HEARTBEAT_SECONDS = 1.0
    _heartbeat = float("-inf")

    def init_process(self) -> None:
        util.write_error = write_problem  # this worker process only
        super().init_process()

    def notify(self) -> None:
        now = time.monotonic()
        if now - self._heartbeat >= self.HEARTBEAT_SECONDS:
            self._heartbeat = now
            super().notify()
