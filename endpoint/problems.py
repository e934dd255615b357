"""Errors as RFC 9457 ``application/problem+json`` responses."""

from __future__ import annotations

import json

from flask import Response
from werkzeug.exceptions import HTTPException

PROBLEM_BASE = "https://w3id.org/c2c/errors/"


def problem(status: int, kind: str, title: str, detail: str, **extra: object) -> Response:
    """A problem+json response; *kind* becomes the ``type`` IRI."""
    body = {"type": PROBLEM_BASE + kind, "title": title, "status": status, "detail": detail}
    body.update(extra)
    return Response(json.dumps(body, ensure_ascii=False), status=status,
                    content_type="application/problem+json")


def query_timeout(limit_seconds: float) -> Response:
    """503: a read (query or Graph Store read) stopped at ``C2C_QUERY_TIMEOUT``."""
    return problem(503, "query-timeout", "Query timed out",
                   f"The query did not finish within {limit_seconds:g} s of its arrival and "
                   "was stopped. Narrow it, add a LIMIT, or run it on a dump.",
                   limit_seconds=limit_seconds)


def query_memory(limit_mib: int) -> Response:
    """503: a read stopped at ``C2C_QUERY_MEMORY_MB``; its executor was replaced."""
    return problem(503, "query-memory", "Query needs too much memory",
                   f"The query needed more than the {limit_mib} MiB an executor may use "
                   "(C2C_QUERY_MEMORY_MB) and was stopped. Narrow it, add a LIMIT, or run it "
                   "on a dump.", limit_mib=limit_mib)


def executor_crashed() -> Response:
    """500: the process evaluating a read died (not of its memory limit)."""
    return problem(500, "executor-crashed", "Query executor crashed",
                   "The process evaluating the query died; it has been replaced.")


def not_acceptable(offered: list[str]) -> Response:
    """406, listing the media types that are offered (in the body and as ``offered``)."""
    return problem(406, "not-acceptable", "Not acceptable",
                   "None of the offered types is acceptable: " + ", ".join(offered),
                   offered=offered)


def method_not_allowed(path: str, allow: str) -> Response:
    """405 with the ``Allow`` header."""
    response = problem(405, "method-not-allowed", "Method not allowed",
                       f"{path} accepts {allow}.")
    response.headers["Allow"] = allow
    return response


_HTTP_PROBLEM_KINDS = {400: "bad-request", 404: "not-found", 405: "method-not-allowed",
                       406: "not-acceptable", 413: "payload-too-large",
                       415: "unsupported-media-type"}


def http_problem(exc: HTTPException) -> Response:
    """Every error Flask or Werkzeug raises (no route, wrong method, …) as problem+json."""
    status = exc.code or 500
    response = problem(status, _HTTP_PROBLEM_KINDS.get(status, "http-error"),
                       exc.name, exc.description or exc.name)
    if status == 405 and exc.response is None:
        allowed = getattr(exc, "valid_methods", None)
        if allowed:
            response.headers["Allow"] = ", ".join(allowed)
    return response
