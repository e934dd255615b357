"""``/sparql``: the SPARQL 1.1 Protocol, query and update operations.

Queries by GET, by POST form and by POST ``application/sparql-query``; updates by POST
``application/sparql-update`` or form, only on a writable deployment and with the bearer token.
Results by content negotiation (``Accept`` with q-values, or ``format=``); every query runs in a
killable executor under ``C2C_QUERY_TIMEOUT`` (:mod:`endpoint.executor`) and is capped at
``C2C_MAX_ROWS`` rows, flagged with ``X-Result-Truncated`` and a ``Link: rel="next"``. Errors
are problem+json. A bare GET describes the service.
"""

from __future__ import annotations

import functools
import hashlib
import re
from dataclasses import dataclass
from urllib.parse import urlencode

import pyoxigraph as ox
from flask import Blueprint, Request, Response, g, request
from werkzeug.datastructures import MultiDict

from endpoint.admission import client_key
from endpoint.auth import write_refusal
from endpoint.caching import CachedAnswer, etag_for, http_date, not_modified
from endpoint.federation import keywords, refused_targets
from endpoint.guards import short_syntax_error, too_deep
from endpoint.jobs import Job
from endpoint.negotiation import negotiate
from endpoint.problems import method_not_allowed, not_acceptable, problem, query_memory
from endpoint.running import WriteFailed, run_read, run_write
from endpoint.service import service_description
from endpoint.state import AppState, state
from endpoint.update_dataset import with_using
from loaders.kernel.config import Settings
from loaders.kernel.errors import StoreError
from loaders.kernel.results import FORMATS, GRAPH_FORMATS, SOLUTION_FORMATS, find_format

blueprint = Blueprint("sparql", __name__)

ALLOW = "GET, HEAD, POST, OPTIONS"
_JSON_ALIASES_SOLUTIONS = {"application/json": "application/sparql-results+json"}
_JSON_ALIASES_GRAPH = {"application/json": "application/ld+json"}


@dataclass(frozen=True)
class Operation:
    """What a request asks: a query or an update, with its dataset parameters."""

    kind: str  # "query" or "update"
    text: str
    default_graphs: list[str] | None
    named_graphs: list[str] | None


@dataclass(slots=True)
class Exchange:
    """What the query path reads of one request, whichever side parsed it: Flask's request (the
    view, :func:`_exchange`) or the WSGI environ (:mod:`endpoint.fastpath`)."""

    method: str
    values: MultiDict
    """The query string's and the form's parameters (Werkzeug's ``request.values``)."""
    accept: str | None
    if_none_match: str | None
    client: str
    """Who asks (:func:`endpoint.admission.client_of`): admission counts per client."""
    started: float
    """The request's arrival (:func:`endpoint.worker.started`): deadlines count from it."""
    log: dict
    """The fields of the query log line (:mod:`endpoint.request_log`)."""


def _exchange() -> Exchange:
    """The exchange of Flask's current request."""
    return Exchange(request.method, request.values, request.headers.get("Accept"),
                    request.headers.get("If-None-Match"), client_key(state().settings),
                    g.c2c_started, g.c2c_log)


def _bad(detail: str) -> Response:
    return problem(400, "bad-request", "Malformed SPARQL request", detail)


_DATASET_PARAMETERS = {"query": ("default-graph-uri", "named-graph-uri"),
                       "update": ("using-graph-uri", "using-named-graph-uri")}


def _with_dataset(kind: str, text: str, params) -> Operation:
    """The operation with its protocol dataset parameters read from *params*."""
    default, named = _DATASET_PARAMETERS[kind]
    return Operation(kind, text, params.getlist(default) or None,
                     params.getlist(named) or None)


def _not_an_iri(op: Operation) -> str | None:
    """The first dataset parameter of *op* that is not an absolute IRI, or None."""
    for iri in (op.default_graphs or []) + (op.named_graphs or []):
        try:
            ox.NamedNode(iri)
        except ValueError:
            return iri
        if not _SCHEME.match(iri):
            return iri
    return None


_SCHEME = re.compile(r"[A-Za-z][A-Za-z0-9+.-]*:")


def operation(request: Request) -> Operation | Response:
    """The operation of *request* (Flask's, or a Werkzeug request made by
    :mod:`endpoint.fastpath`), or a problem response (missing, repeated, wrong body)."""
    in_url = {name: request.args.getlist(name) for name in ("query", "update")}
    if request.method in ("GET", "HEAD"):
        if in_url["update"]:
            response = problem(405, "method-not-allowed", "Update by GET",
                               "Send updates by POST (application/sparql-update or a form).")
            response.headers["Allow"] = "POST"
            return response
        if len(in_url["query"]) != 1:
            return _bad("Give exactly one 'query' parameter.")
        return _with_dataset("query", in_url["query"][0], request.args)
    content_type = (request.mimetype or "").lower()
    charset = (request.mimetype_params.get("charset") or "utf-8").lower()
    if charset not in ("utf-8", "utf8"):
        return problem(415, "unsupported-media-type", "Unsupported charset",
                       f"Only UTF-8 is accepted, not {charset}.")
    if content_type in ("application/sparql-query", "application/sparql-update"):
        kind = content_type.removeprefix("application/sparql-")
        if in_url["query"] or in_url["update"]:
            return _bad("The operation is both in the URL and in the body.")
        try:
            text = request.get_data().decode("utf-8")
        except UnicodeDecodeError:
            return problem(400, "bad-request", "Body is not UTF-8",
                           "The request body must be encoded in UTF-8.")
        return _with_dataset(kind, text, request.args)
    if content_type == "application/x-www-form-urlencoded":
        form = {name: request.form.getlist(name) for name in ("query", "update")}
        queries = form["query"] + in_url["query"]
        updates = form["update"] + in_url["update"]
        if queries and updates:
            return _bad("Give either 'query' or 'update', not both.")
        if in_url["query"] or in_url["update"]:
            return _bad("The operation is both in the URL and in the body.")
        if len(queries) + len(updates) != 1:
            return _bad("Give exactly one 'query' or one 'update' parameter.")
        return _with_dataset("query" if queries else "update", (queries or updates)[0],
                             request.form)
    return problem(415, "unsupported-media-type", "Unsupported Content-Type",
                   "POST a query as application/sparql-query or application/x-www-form-"
                   "urlencoded, an update as application/sparql-update.")


def _formats(values: MultiDict, accept: str | None) -> tuple[str | None, str | None] | Response:
    """The result format for a solutions answer and for a graph answer (None: nothing
    acceptable), from ``format=`` or ``Accept``; 400 when no ``format=`` value is offered.

    ``format=`` may be given several times (SPARQLWrapper sends its short name and the media
    type); for each query form the first value naming a format of that form wins, and a form
    that no value names is negotiated from ``Accept``: ``format=xml`` means SPARQL XML for a
    SELECT and RDF/XML for a CONSTRUCT, ``format=turtle`` leaves a SELECT to ``Accept``."""
    requested = tuple(v for v in values.getlist("format") if v.strip())
    registry = (len(SOLUTION_FORMATS), len(GRAPH_FORMATS), id(SOLUTION_FORMATS[-1]),
                id(GRAPH_FORMATS[-1]))  # a format registered later is offered at once
    chosen = _chosen_formats(requested, accept, registry)
    if isinstance(chosen, str):
        return problem(400, "bad-request", "Unknown format", chosen)
    return chosen


@functools.lru_cache(maxsize=256)
def _chosen_formats(requested: tuple[str, ...], accept: str | None, _registry: object
                    ) -> tuple[str | None, str | None] | str:
    """:func:`_formats` for one ``format=`` list and ``Accept`` header, worked out once per
    distinct pair in a worker (clients send the same few headers again and again); a string is
    why the request is refused."""
    solutions = next((f for f in (find_format(v, SOLUTION_FORMATS) for v in requested) if f),
                     None)
    graph = next((f for f in (find_format(v, GRAPH_FORMATS) for v in requested) if f), None)
    if requested and solutions is None and graph is None:
        return (f"format={requested[0]!r} is not offered; offered: "
                + ", ".join(f.name for f in SOLUTION_FORMATS + GRAPH_FORMATS))
    if solutions is None:
        solutions = negotiate(accept, SOLUTION_FORMATS, _JSON_ALIASES_SOLUTIONS)
    if graph is None:
        graph = negotiate(accept, GRAPH_FORMATS, _JSON_ALIASES_GRAPH)
    return (solutions.name if solutions else None, graph.name if graph else None)


_MAX_OFFSET = 2**31 - 1


def _offset(values: MultiDict) -> int | Response:
    raw = values.get("offset", "0")
    if not (raw.isascii() and raw.isdigit()) or int(raw) > _MAX_OFFSET:
        return _bad(f"offset={raw[:40]!r} must be a whole number up to {_MAX_OFFSET}.")
    return int(raw)


def _not_acceptable(kind: str) -> Response:
    offers = GRAPH_FORMATS if kind == "graph" else SOLUTION_FORMATS
    return not_acceptable([f.media_type for f in offers])


def _next_link(values: MultiDict, offset: int, limit: int, public_url: str) -> str:
    """The next page's URL on the configured ``C2C_PUBLIC_URL``: the answer is cached and
    served to every client, so nothing in it may come from this request's ``Host``."""
    params = [(k, v) for k, v in values.items(multi=True) if k != "offset"]
    params.append(("offset", str(offset + limit)))
    return f'<{public_url}sparql?{urlencode(params)}>; rel="next"'


def _answer(cached: CachedAnswer, etag: str | None, settings: Settings, modified: float
            ) -> Response:
    response = Response(cached.body, content_type=cached.content_type)
    # appended in one go (each name is new to the response: Werkzeug's set() looks for it)
    headers = [*cached.headers, ("Vary", "Accept, Accept-Encoding")]
    if etag is not None:
        headers += [("ETag", etag), ("Last-Modified", http_date(modified)),
                    ("Cache-Control", f"public, max-age={settings.cache_max_age}")]
    else:
        headers.append(("Cache-Control", "no-store"))
    response.headers.extend(headers)
    return response


def _not_modified(key: str, settings: Settings) -> Response:
    response = Response(status=304)
    response.headers.update({"ETag": key, "Vary": "Accept, Accept-Encoding",
                             "Cache-Control": f"public, max-age={settings.cache_max_age}"})
    return response


def _log_query(log: dict, text: str) -> None:
    log.update(query_sha=hashlib.sha256(text.encode()).hexdigest()[:16], query=text)


@blueprint.before_request
def early_answer() -> Response | None:
    """A GET whose answer is in the result cache, or which the client has (``If-None-Match``),
    is answered here, before the view parses, checks and negotiates (issue 21's lean path).

    Its key is the one :func:`_query` computes; an entry is only ever cached, and an ETag only
    ever given, for a query that passed every check of the view with the same text, dataset
    and formats, so nothing is skipped that could answer differently. Anything else (no
    cache and no ``If-None-Match``, a miss, a malformed request) goes on to the view, which
    does not compute the key again."""
    if request.method not in ("GET", "HEAD") or request.endpoint != "sparql.sparql":
        return None
    app_state = state()
    if app_state.cache is None and "If-None-Match" not in request.headers:
        return None
    args = request.args
    texts = args.getlist("query")
    if len(texts) != 1 or "update" in args:
        return None
    formats, offset = _formats(request.values, request.headers.get("Accept")), \
        _offset(request.values)
    if isinstance(formats, Response) or isinstance(offset, Response):
        return None
    settings = app_state.settings
    try:
        build, info = app_state.store.current()
    except StoreError:
        return None  # the view answers (a malformed request 400 before a missing store 503)
    text = texts[0]
    key = etag_for(info.version, text, args.getlist("default-graph-uri") or None,
                   args.getlist("named-graph-uri") or None, formats, offset, settings.max_rows)
    g.c2c_key = (key, build, info, formats, offset)
    if not_modified(request.headers.get("If-None-Match"), key):
        g.c2c_log = {"operation": "query"}
        _log_query(g.c2c_log, text)
        return _not_modified(key, settings)
    cached = app_state.cache.get(key) if app_state.cache is not None else None
    if cached is None:
        return None
    g.c2c_log = {"operation": "query"}
    _log_query(g.c2c_log, text)
    app_state.metrics.count("cache_hits")
    g.c2c_log.update(cache="hit", rows=cached.rows)
    return _answer(cached, key, settings, info.finished)


def answer_query(op: Operation, ex: Exchange, app_state: AppState,
                 early: tuple | None = None) -> Response:
    """The answer to the query *op* of the exchange *ex*: the view's path for a query, and
    :mod:`endpoint.fastpath`'s. A read that cannot be answered raises for
    :func:`endpoint.running.failure_response`. *early* is what :func:`early_answer` worked out
    for this request (key, build, info, formats, offset), if anything."""
    settings = app_state.settings
    refusal = _checked(op)
    if refusal is not None:
        return refusal
    ex.log.clear()
    ex.log["operation"] = op.kind
    refused = refused_targets(op.text, settings.service_allow)
    if refused:
        return problem(403, "service-not-allowed", "SERVICE target not allowed",
                       "This endpoint calls only the SERVICE targets of its allowlist "
                       f"(C2C_SERVICE_ALLOW); refused: {', '.join(refused)}.", refused=refused)
    if early is not None:
        key, build, info, formats, offset = early
    else:
        formats = _formats(ex.values, ex.accept)
        if isinstance(formats, Response):
            return formats
        offset = _offset(ex.values)
        if isinstance(offset, Response):
            return offset
        build, info = app_state.store.current()
        key = etag_for(info.version, op.text, op.default_graphs, op.named_graphs, formats,
                       offset, settings.max_rows)
    cacheable = ex.method in ("GET", "HEAD")
    _log_query(ex.log, op.text)
    if cacheable and early is None and not_modified(ex.if_none_match, key):
        return _not_modified(key, settings)
    cache = app_state.cache
    cached = cache.get(key) if cache is not None else None
    if cached is not None:
        app_state.metrics.count("cache_hits")
        ex.log.update(cache="hit", rows=cached.rows)
        return _answer(cached, key if cacheable else None, settings, info.finished)
    job = Job("query", str(build), op.text, op.default_graphs, op.named_graphs,
              settings.base_iri, formats[0], formats[1], offset, settings.max_rows,
              settings.fail_after_rows)
    # an executor that timed out or died, and a full server, raise for
    # endpoint.running.failure_response
    answer = run_read(job, settings, app_state, ex.started, ex.client)
    if answer.kind == "error":
        if answer.error == "memory":
            return query_memory(settings.query_memory_mb)
        if answer.error == "syntax":
            return _syntax_problem("query-syntax", "SPARQL syntax error", op.text,
                                   answer.message)
        if answer.error == "evaluation":
            return problem(500, "query-evaluation", "Query evaluation failed", answer.message)
        return problem(500, "internal", "Internal error while answering", answer.message)
    if answer.body is None:
        return _not_acceptable(answer.kind)
    headers: list[tuple[str, str]] = []
    if answer.truncated:
        headers += [("X-Result-Truncated", "true"), ("X-Result-Limit", str(settings.max_rows)),
                    ("Link", _next_link(ex.values, offset, settings.max_rows,
                                        settings.public_url))]
    result = CachedAnswer(answer.body, _content_type(answer.format), tuple(headers),
                          answer.rows)
    if cache is not None:
        cache.put(key, result)
    ex.log.update(cache="miss", rows=answer.rows, truncated=answer.truncated)
    return _answer(result, key if cacheable else None, settings, info.finished)


def _checked(op: Operation) -> Response | None:
    """400 for a dataset parameter that is not an absolute IRI, or an operation nested too
    deeply; None when *op* may go on."""
    not_iri = _not_an_iri(op)
    if not_iri is not None:
        return _bad(f"{not_iri[:200]!r} is not an absolute IRI (dataset parameters name graphs "
                    "by IRI).")
    deep = too_deep(op.text)
    if deep is not None:
        return problem(400, "nesting-too-deep", "Nested too deeply or too long", deep)
    return None


def _update(op: Operation, settings: Settings) -> Response:
    refusal = write_refusal(settings)
    if refusal is not None:
        return refusal
    refused = refused_targets(op.text, settings.service_allow, update=True)
    if refused:
        malformed = _syntax_error(op.text)  # Oxigraph cannot parse without executing
        if malformed:
            return problem(400, "update-syntax", "SPARQL Update syntax error", malformed)
        return problem(403, "service-not-allowed", "LOAD or SERVICE target not allowed",
                       "An update may LOAD from or call only the targets of the allowlist "
                       f"(C2C_SERVICE_ALLOW); refused: {', '.join(refused)}.", refused=refused)
    text = op.text
    if op.default_graphs or op.named_graphs:
        if _has_using_or_with(op.text):
            return _bad("using-graph-uri/using-named-graph-uri together with USING or WITH "
                        "in the update.")
        text = with_using(op.text, op.default_graphs or [], op.named_graphs or [])
    g.c2c_log.update(update_sha=hashlib.sha256(op.text.encode()).hexdigest()[:16],
                     update=op.text)
    try:
        answer = run_write(Job("revise", settings=settings, update=text), settings)
    except WriteFailed as exc:
        return exc.response
    if answer.kind == "error":
        if answer.error == "syntax":
            return _syntax_problem("update-syntax", "SPARQL Update syntax error", text,
                                   answer.message)
        if answer.error == "graph-missing":
            return problem(404, "no-such-graph", "The update names a graph that does not exist",
                           f"{answer.message} (nothing was changed; add SILENT to make it a "
                           "no-op).")
        if answer.error == "graph-exists":
            return problem(409, "graph-exists", "The graph already exists",
                           f"{answer.message} (nothing was changed; add SILENT to make it a "
                           "no-op).")
        if answer.error == "shacl":
            return problem(422, "shacl-violation", "The update breaks the shapes",
                           f"{answer.count} SHACL violation(s); nothing was changed.",
                           violations=list(answer.violations))
        if answer.error == "store":
            return problem(503, "store-unavailable", "No store to serve", answer.message)
        if answer.error == "evaluation":  # an OSError of the write process
            return _write_failed(op.text, answer.message)
        return problem(500, "internal", "Internal error while writing", answer.message)
    state().metrics.count("updates")
    return Response(status=204)


def _content_type(name: str) -> str:
    """The Content-Type of the registered format called *name* (read at each answer, so that a
    format registered later is answered too)."""
    return next(f.content_type for f in FORMATS if f.name == name)


def _write_failed(update: str, message: str) -> Response:
    """The write process's OSError: the store could not be written (500), or, in an update that
    LOADs or calls an allowlisted SERVICE, the remote failed (502). Nothing was changed. (It
    was a 400, as if the update were the client's mistake.)"""
    if {"LOAD", "SERVICE"} & set(keywords(update)):
        return problem(502, "update-remote-failed", "A remote target of the update failed",
                       f"{message} (nothing was changed).")
    return problem(500, "store-write-failed", "The store could not be written",
                   f"{message} (nothing was changed).")


def _syntax_problem(kind: str, title: str, text: str, message: str) -> Response:
    """400 with the parser's message shortened to one line, with line and column."""
    short = short_syntax_error(text, message)
    extra = {k: v for k, v in (("line", short.line), ("column", short.column)) if v}
    return problem(400, kind, title, short.detail, **extra)


def _syntax_error(text: str) -> str | None:
    """Why *text* is not a well-formed update, by rdflib's parser, without executing it."""
    from pyparsing import ParseException
    from rdflib.plugins.sparql.parser import parseUpdate

    try:
        parseUpdate(text)
    except ParseException as exc:
        return f"line {exc.lineno}, column {exc.column}: {exc.msg}"
    except RecursionError:
        return "nested too deeply to be checked"
    return None


def _has_using_or_with(text: str) -> bool:
    return bool({"USING", "WITH"} & set(keywords(text)))


@blueprint.route("/sparql", methods=["GET", "HEAD", "POST"])
def sparql() -> Response:
    if request.method in ("GET", "HEAD") and not request.args:
        return service_description()
    op = operation(request)
    if isinstance(op, Response):
        return op
    if op.kind == "query":
        return answer_query(op, _exchange(), state(), g.pop("c2c_key", None))
    refusal = _checked(op)
    if refusal is not None:
        return refusal
    g.c2c_log = {"operation": op.kind}
    return _update(op, state().settings)


@blueprint.route("/sparql", methods=["PUT", "DELETE", "PATCH"])
def sparql_not_allowed() -> Response:
    return method_not_allowed("/sparql", ALLOW)
