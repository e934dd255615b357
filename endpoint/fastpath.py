"""The common ``/sparql`` query answered below Flask (issue 21): a WSGI layer in front of the
Flask app (``app.wsgi_app``, Flask's own middleware seam) that answers plain query requests
itself and hands every other request to Flask unchanged.

*Plain* is: ``GET``/``HEAD`` of ``/sparql`` with a query string and no body, or ``POST`` of
``/sparql`` with ``Content-Type: application/sparql-query`` and a ``Content-Length`` within
``C2C_MAX_BODY_BYTES``; a URL within ``C2C_MAX_URL_BYTES``; and only request headers in
:data:`KNOWN_HEADERS`. Anything else (form posts, updates, the service description, ``OPTIONS``,
a chunked body, ``X-Forwarded-For``, ``Range``, …) goes to Flask, which answers it as before.
The layer is installed only over the embedded store and without ``C2C_RATE_LIMIT`` (those
requests need Flask's ``before_request`` hooks) and when ``C2C_FAST_PATH`` is on.

It answers with the functions Flask's path calls (one home for each): the operation
(:func:`endpoint.sparql.operation`, on a Werkzeug request), the query path with its checks,
negotiation, ETag, 304, result cache, admission and deadline from the arrival
(:func:`endpoint.sparql.answer_query`), the failure answers
(:func:`endpoint.running.failure_response`, :func:`endpoint.problems.http_problem`), the query
log and ``/metrics`` (:func:`endpoint.request_log.record`), CORS and gzip
(:func:`endpoint.http.finish`), in the order Flask runs its hooks, and Werkzeug's own
``Response.__call__`` for the status line and the final headers. What it leaves out is Flask's
request context, routing, ``g`` and hook dispatch. ``tests/test_fastpath.py`` sends a table of
requests with the layer on and off and requires the same status, headers and body.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable

from flask import Flask, Response
from werkzeug.exceptions import HTTPException, InternalServerError
from werkzeug.wrappers import Request

from endpoint.admission import client_of
from endpoint.executor import ExecutorCrashed, QueryTimeout
from endpoint.http import finish, uri_bytes
from endpoint.problems import http_problem
from endpoint.request_log import record
from endpoint.running import Overloaded, failure_response
from endpoint.sparql import Exchange, answer_query, operation
from endpoint.state import AppState
from endpoint.worker import started
from loaders.kernel.errors import StoreError

KNOWN_HEADERS = frozenset(
    f"HTTP_{name.upper().replace('-', '_')}" for name in (
        "Host", "User-Agent", "Accept", "Accept-Encoding", "Accept-Language", "Connection",
        "Keep-Alive", "Origin", "Referer", "If-None-Match", "Authorization", "Cache-Control",
        "Pragma", "Content-Type", "Content-Length"))
"""The request headers the layer reads or knows to change nothing on ``/sparql``; a request
with any other goes to Flask. (WSGI gives ``Content-Type`` and ``Content-Length`` without the
``HTTP_`` prefix; some servers repeat them with it.)"""
_READ_FAILURES = (StoreError, Overloaded, QueryTimeout, ExecutorCrashed)


class FastPath:
    """WSGI: plain ``/sparql`` queries answered here, everything else by *app*'s own
    ``wsgi_app`` (see the module docstring)."""

    def __init__(self, app: Flask, app_state: AppState) -> None:
        self.flask = app.wsgi_app
        self.app = app
        self.state = app_state
        self.settings = app_state.settings

    def plain(self, environ: dict) -> bool:
        """Whether the request in *environ* is one this layer answers."""
        if environ.get("PATH_INFO") != "/sparql":
            return False
        method = environ.get("REQUEST_METHOD")
        if method in ("GET", "HEAD"):
            if not environ.get("QUERY_STRING") or environ.get("CONTENT_TYPE") \
                    or environ.get("CONTENT_LENGTH", "0") not in ("", "0"):
                return False
        elif method == "POST":
            length = environ.get("CONTENT_LENGTH", "")
            if not (length.isascii() and length.isdigit()) \
                    or int(length) > self.settings.max_body_bytes \
                    or not environ.get("CONTENT_TYPE", "").lower().startswith(
                        "application/sparql-query"):
                return False
        else:
            return False
        if uri_bytes(environ) > self.settings.max_url_bytes:
            return False
        return all(key in KNOWN_HEADERS for key in environ if key.startswith("HTTP_"))

    def __call__(self, environ: dict, start_response: Callable) -> Iterable[bytes]:
        if not self.plain(environ):
            return self.flask(environ, start_response)
        request = Request(environ)
        if request.method == "POST" and request.mimetype != "application/sparql-query":
            return self.flask(environ, start_response)  # e.g. application/sparql-query-x
        if request.method != "POST" and not request.args:
            return self.flask(environ, start_response)  # the service description
        arrival = started()
        log: dict = {}
        response = self._answer(request, arrival, log)
        # Flask's after-request hooks, in the order Flask runs them (endpoint.app
        # log_and_count, then endpoint.http cors_and_gzip)
        record(self.state, response, arrival, log, request.method, request.path,
               request.remote_addr)
        finish(response, environ.get("HTTP_ACCEPT_ENCODING"))
        return response(environ, start_response)

    def _answer(self, request: Request, arrival: float, log: dict) -> Response:
        """What Flask's view and error handlers answer to this request."""
        try:
            op = operation(request)
            if isinstance(op, Response):
                return op
            exchange = Exchange(request.method, request.values,
                                request.headers.get("Accept"),
                                request.headers.get("If-None-Match"),
                                client_of(self.settings, request.headers.get("Authorization"),
                                          request.remote_addr),
                                arrival, log)
            return answer_query(op, exchange, self.state)
        except _READ_FAILURES as exc:
            return failure_response(exc, self.state)
        except HTTPException as exc:  # e.g. a body shorter than its Content-Length
            return http_problem(exc)
        except Exception as exc:  # as Flask's handle_exception: raised in tests, else a 500
            propagate = self.app.config["PROPAGATE_EXCEPTIONS"]
            if propagate is None:
                propagate = self.app.testing or self.app.debug
            if propagate:
                raise
            self.app.logger.error(f"Exception on {request.path} [{request.method}]",
                                  exc_info=True)
            return http_problem(InternalServerError(original_exception=exc))
