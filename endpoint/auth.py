"""Who may write: a writable deployment (``C2C_WRITABLE``) and the bearer token
(``C2C_UPDATE_TOKEN``). Reads need no credentials, and a CORS preflight never does."""

from __future__ import annotations

import hmac

from flask import Response, request

from endpoint.problems import problem
from loaders.kernel.config import Settings


def write_refusal(settings: Settings) -> Response | None:
    """None when the request may write; otherwise the 401 or 403 to answer.

    Read-only deployment → 403. No ``Authorization: Bearer`` → 401 with
    ``WWW-Authenticate: Bearer``. A wrong token (or no token configured) → 403.
    """
    if not settings.writable:
        return problem(403, "read-only", "Read-only deployment",
                       "This deployment does not accept writes (C2C_WRITABLE is off).")
    header = request.headers.get("Authorization", "")
    scheme, _, token = header.partition(" ")
    if scheme.lower() != "bearer" or not token.strip():
        response = problem(401, "unauthorized", "Token required",
                           "Writes need 'Authorization: Bearer <token>'.")
        response.headers["WWW-Authenticate"] = 'Bearer realm="c2c"'
        return response
    expected = settings.update_token
    if not expected or not hmac.compare_digest(token.strip().encode(), expected.encode()):
        response = problem(403, "forbidden", "Wrong token",
                           "The bearer token does not allow writes.")
        response.headers["WWW-Authenticate"] = 'Bearer realm="c2c", error="invalid_token"'
        return response
    return None
