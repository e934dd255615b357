"""Errors as RFC 9457 ``application/problem+json`` responses."""

from __future__ import annotations

import json

from flask import Response

PROBLEM_BASE = "https://w3id.org/c2c/errors/"


def problem(status: int, kind: str, title: str, detail: str, **extra: object) -> Response:
    """A problem+json response; *kind* becomes the ``type`` IRI."""
    body = {"type": PROBLEM_BASE + kind, "title": title, "status": status, "detail": detail}
    body.update(extra)
    return Response(json.dumps(body, ensure_ascii=False), status=status,
                    content_type="application/problem+json")


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
