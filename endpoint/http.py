"""What every response gets, whatever route answered: CORS, gzip, request limits, rate limits,
and a Content-Security-Policy on HTML pages.

* CORS: ``Access-Control-Allow-Origin: *`` with the headers a SPARQL client needs exposed; a
  preflight ``OPTIONS`` is answered 204 here, before any route or authentication runs.
* gzip: bodies over 1 KiB go out gzip-compressed when the client accepts it, with
  ``Vary: Accept-Encoding`` and an ETag of their own (the identity ETag + ``-gzip``).
* 414 for a URL longer than ``C2C_MAX_URL_BYTES`` (gunicorn's own request-line limit is turned
  off so that this readable answer is the one clients get); 413 for a body above
  ``C2C_MAX_BODY_BYTES`` however it is sent: with ``Content-Length`` Flask's
  ``MAX_CONTENT_LENGTH`` refuses it; a streamed (``Transfer-Encoding: chunked``) body is read
  here in full, up to one byte past the limit, *before* any route sees it (:func:`buffer_body`),
  because Werkzeug's limited stream stops silently at the limit and a route would then run the
  cut text (an update that lost its second half, a graph that lost its last triples).
* 429 with ``Retry-After`` when one client address sends more than ``C2C_RATE_LIMIT`` queries
  a minute to one worker (off by default). A timeout is never a 429.
"""

from __future__ import annotations

import gzip
import io
import threading
import time
from collections import defaultdict, deque

from flask import Flask, Response, request
from gunicorn.http.errors import ParseException
from werkzeug.exceptions import BadRequest, RequestEntityTooLarge

from endpoint.problems import problem
from loaders.kernel.config import Settings

EXPOSED = ("ETag, Link, Content-Location, Content-Language, X-Result-Truncated, "
           "X-Result-Limit, Retry-After, Last-Modified, Server-Timing")
ALLOWED_HEADERS = "Content-Type, Authorization, Accept, Accept-Profile, Accept-Language, " \
                  "If-None-Match, Range"
_COMPRESS_MIN = 1024
CONTENT_SECURITY_POLICY = (
    "default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline'; "
    "img-src 'self' data:; connect-src 'self'; object-src 'none'; base-uri 'none'; "
    "form-action 'self'; frame-ancestors 'none'")
"""Pages load nothing from another origin (no CDN, no prefix service) and cannot be framed;
scripts only from files this server serves (the pages' scripts are static files, their data
JSON blocks that are never executed); inline styles are allowed (YASGUI sets them)."""
_RATE_LIMITED = {"sparql.sparql", "graph_store.graph_store"}


class RateLimiter:
    """A sliding one-minute window of request times per client address."""

    def __init__(self, per_minute: int) -> None:
        self.per_minute = per_minute
        self._seen: dict[str, deque[float]] = defaultdict(deque)
        self._lock = threading.Lock()

    def retry_after(self, client: str) -> int | None:
        """None if *client* may go on (and counts this request), else seconds to wait."""
        now = time.monotonic()
        with self._lock:
            window = self._seen[client]
            while window and window[0] <= now - 60:
                window.popleft()
            if len(window) >= self.per_minute:
                return max(1, int(60 - (now - window[0])) + 1)
            window.append(now)
            return None


def _accepts_gzip(accept_encoding: str | None) -> bool:
    for part in (accept_encoding or "").split(","):
        fields = [f.strip() for f in part.split(";")]
        if fields[0].lower() in ("gzip", "*"):
            q = next((f.split("=", 1)[1] for f in fields[1:] if f.startswith("q=")), "1")
            try:
                return float(q) > 0
            except ValueError:
                return False
    return False


def _add_vary(response: Response, value: str) -> None:
    present = [v.strip() for v in response.headers.get("Vary", "").split(",") if v.strip()]
    if value.lower() not in (v.lower() for v in present):
        present.append(value)
    response.headers["Vary"] = ", ".join(present)


def finish(response: Response, accept_encoding: str | None) -> Response:
    """CORS headers, the page headers of HTML, and gzip when *accept_encoding* allows it: what
    every response gets last, from Flask's hook and from :mod:`endpoint.fastpath` alike."""
    response.headers["Access-Control-Allow-Origin"] = "*"
    response.headers["Access-Control-Expose-Headers"] = EXPOSED
    if response.mimetype == "text/html":
        response.headers["Content-Security-Policy"] = CONTENT_SECURITY_POLICY
        response.headers["X-Content-Type-Options"] = "nosniff"
    if response.direct_passthrough or response.status_code not in (200, 201):
        return response
    if "Content-Encoding" in response.headers or "Content-Range" in response.headers:
        return response
    _add_vary(response, "Accept-Encoding")
    body = response.get_data()
    if len(body) < _COMPRESS_MIN or not _accepts_gzip(accept_encoding):
        return response
    response.set_data(gzip.compress(body, compresslevel=5, mtime=0))
    response.headers["Content-Encoding"] = "gzip"
    etag = response.headers.get("ETag")
    if etag and etag.endswith('"'):
        response.headers["ETag"] = etag[:-1] + '-gzip"'
    return response


def uri_bytes(environ: dict) -> int:
    """The length of the request's path and query string as the limit counts it."""
    return len(environ.get("PATH_INFO", "").encode("latin-1", "replace")) + \
        len(environ.get("QUERY_STRING", "").encode("latin-1", "replace")) + 1


_READ_CHUNK = 65536


def buffer_body(environ: dict, limit: int) -> None:
    """Read a streamed body (no ``Content-Length``) whole, or refuse it with 413.

    Reads at most ``limit + 1`` bytes from the server's (already de-chunked) input; more than
    *limit* raises :class:`RequestEntityTooLarge`. Otherwise the body is put back as an
    in-memory stream with its ``Content-Length``, so every route reads exactly what was sent.
    """
    if environ.get("CONTENT_LENGTH") or "wsgi.input_terminated" not in environ:
        return
    stream = environ["wsgi.input"]
    parts: list[bytes] = []
    size = 0
    while size <= limit:
        try:
            chunk = stream.read(min(_READ_CHUNK, limit + 1 - size))
        except (OSError, ParseException) as exc:  # gunicorn: bad chunk size, no terminator …
            raise BadRequest(f"The chunked request body is malformed: {exc}.") from None
        if not chunk:
            break
        parts.append(chunk)
        size += len(chunk)
    if size > limit:
        raise RequestEntityTooLarge()
    body = b"".join(parts)
    environ["wsgi.input"] = io.BytesIO(body)
    environ["CONTENT_LENGTH"] = str(len(body))
    environ.pop("HTTP_TRANSFER_ENCODING", None)  # else Werkzeug ignores the Content-Length
    del environ["wsgi.input_terminated"]


def install(app: Flask, settings: Settings) -> None:
    """Register the cross-cutting request and response hooks on *app*."""
    limiter = RateLimiter(settings.rate_limit) if settings.rate_limit else None

    @app.before_request
    def limits() -> Response | None:
        environ = request.environ
        if uri_bytes(environ) > settings.max_url_bytes:
            return problem(414, "uri-too-long", "URI too long",
                           f"The limit is {settings.max_url_bytes} bytes; send long queries "
                           "by POST (application/sparql-query or a form).")
        if request.method == "OPTIONS":
            adapter = app.url_map.bind_to_environ(request.environ)
            methods = sorted(adapter.allowed_methods() or ["GET", "HEAD", "OPTIONS"])
            response = Response(status=204)
            response.headers["Allow"] = ", ".join(methods)
            if request.headers.get("Origin"):
                response.headers["Access-Control-Allow-Methods"] = ", ".join(methods)
                response.headers["Access-Control-Allow-Headers"] = ALLOWED_HEADERS
                response.headers["Access-Control-Max-Age"] = "86400"
            return response
        buffer_body(environ, settings.max_body_bytes)
        if limiter is not None and request.endpoint in _RATE_LIMITED:
            wait = limiter.retry_after(request.remote_addr or "unknown")
            if wait is not None:
                response = problem(429, "rate-limited", "Too many requests",
                                   f"More than {settings.rate_limit} requests a minute from "
                                   f"this address; retry in {wait} s.")
                response.headers["Retry-After"] = str(wait)
                return response
        return None

    @app.after_request
    def cors_and_gzip(response: Response) -> Response:
        return finish(response, request.headers.get("Accept-Encoding"))
