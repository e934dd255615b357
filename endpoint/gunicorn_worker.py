"""gunicorn's threaded worker, with gunicorn's own error answers as problem+json.

gunicorn answers a request it cannot parse (a request line with raw non-ASCII bytes, a header
over its size limit, a broken chunk) itself, before the application sees it, with a small
HTML page. :class:`ProblemWorker` makes those answers ``application/problem+json`` like every
other error of the endpoint, with the same status and reason; nothing else changes.
"""

from __future__ import annotations

import json

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

    def init_process(self) -> None:
        util.write_error = write_problem  # this worker process only
        super().init_process()
