"""``/sparql``: the SPARQL 1.1 Protocol query operation over the current store.

Queries by GET, by POST form and by POST ``application/sparql-query``; results by content
negotiation (``Accept`` with q-values, or ``format=``); errors as problem+json with the line and
column of a syntax error. A bare GET describes the service.
"""

from __future__ import annotations

import re
import time

import pyoxigraph as ox
from flask import Blueprint, Response, current_app, request

from endpoint.negotiation import negotiate
from endpoint.problems import problem
from endpoint.service import service_description
from loaders.results import GRAPH_FORMATS, SOLUTION_FORMATS, find_format, serialize

blueprint = Blueprint("sparql", __name__)

ALLOW = "GET, HEAD, POST, OPTIONS"
_POSITION = re.compile(r"error at (\d+):(\d+)")
_JSON_ALIASES_SOLUTIONS = {"application/json": "application/sparql-results+json"}
_JSON_ALIASES_GRAPH = {"application/json": "application/ld+json"}


def _query_text() -> tuple[str | None, Response | None]:
    """The query of the request, or a problem response (missing, repeated, wrong body)."""
    from_url = request.args.getlist("query")
    if "update" in request.args or "update" in request.form:
        return None, problem(400, "bad-request", "Update on the query endpoint",
                             "Send updates by POST with Content-Type application/sparql-update.")
    if request.method in ("GET", "HEAD"):
        if len(from_url) != 1:
            return None, problem(400, "bad-request", "Malformed query request",
                                 "Give exactly one 'query' parameter.")
        return from_url[0], None
    content_type = (request.mimetype or "").lower()
    charset = (request.mimetype_params.get("charset") or "utf-8").lower()
    if charset not in ("utf-8", "utf8"):
        return None, problem(415, "unsupported-media-type", "Unsupported charset",
                             f"Only UTF-8 is accepted, not {charset}.")
    if content_type == "application/sparql-query":
        if from_url:
            return None, problem(400, "bad-request", "Malformed query request",
                                 "The query is both in the URL and in the body.")
        return request.get_data(as_text=True), None
    if content_type == "application/x-www-form-urlencoded":
        from_form = request.form.getlist("query")
        if len(from_form) + len(from_url) != 1:
            return None, problem(400, "bad-request", "Malformed query request",
                                 "Give exactly one 'query' parameter.")
        return (from_form or from_url)[0], None
    return None, problem(415, "unsupported-media-type", "Unsupported Content-Type",
                         "POST a query as application/sparql-query or "
                         "application/x-www-form-urlencoded.")


@blueprint.route("/sparql", methods=["GET", "HEAD", "POST"])
def sparql() -> Response:
    if request.method in ("GET", "HEAD") and not request.args:
        return service_description()
    text, error = _query_text()
    if error is not None:
        return error
    default_graphs = request.values.getlist("default-graph-uri") or None
    named_graphs = request.values.getlist("named-graph-uri") or None
    served = current_app.extensions["c2c.store"]
    started = time.monotonic()
    try:
        results = served.get().query(text, default_graph=default_graphs,
                                     named_graphs=named_graphs)
    except SyntaxError as exc:
        message = str(exc)
        position = _POSITION.search(message)
        extra = {"line": int(position.group(1)), "column": int(position.group(2))} \
            if position else {}
        return problem(400, "query-syntax", "SPARQL syntax error", message, **extra)
    graph_result = isinstance(results, ox.QueryTriples)
    offers = GRAPH_FORMATS if graph_result else SOLUTION_FORMATS
    requested = request.values.get("format")
    if requested:
        fmt = find_format(requested, offers)
        if fmt is None:
            return problem(400, "bad-request", "Unknown format",
                           f"format={requested!r} is not offered for this query form; offered: "
                           + ", ".join(f.name for f in offers))
    else:
        aliases = _JSON_ALIASES_GRAPH if graph_result else _JSON_ALIASES_SOLUTIONS
        fmt = negotiate(request.headers.get("Accept"), offers, aliases)
        if fmt is None:
            return problem(406, "not-acceptable", "Not acceptable",
                           "None of the offered types is acceptable: "
                           + ", ".join(f.media_type for f in offers),
                           offered=[f.media_type for f in offers])
    body = serialize(results, fmt)
    response = Response(body, content_type=fmt.content_type)
    response.headers["Vary"] = "Accept, Accept-Encoding"
    response.headers["Server-Timing"] = f"query;dur={(time.monotonic() - started) * 1000:.1f}"
    return response


@blueprint.route("/sparql", methods=["PUT", "DELETE", "PATCH"])
def sparql_not_allowed() -> Response:
    response = problem(405, "method-not-allowed", "Method not allowed",
                       f"/sparql accepts {ALLOW}.")
    response.headers["Allow"] = ALLOW
    return response
