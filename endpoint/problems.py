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
