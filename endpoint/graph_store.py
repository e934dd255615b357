"""``/rdf-graph-store``: the SPARQL 1.1 Graph Store HTTP Protocol (indirect identification).

``?graph=IRI`` names a graph, ``?default`` the store's default graph; a POST to the store
itself (neither) creates a new graph ``{C2C_BASE_IRI}graph/new/{uuid}`` and answers 201 with its
IRI in ``Location``. GET and HEAD are open to everyone and give the graph's triples sorted,
so the same version gives byte-identical output; PUT, POST and DELETE need a writable
deployment and the bearer token, and go through :func:`loaders.revise.revise` like SPARQL
Update (copy, change, derive, validate, switch), in the killable write process
(:func:`endpoint.running.run_write`).
"""

from __future__ import annotations

import uuid

import pyoxigraph as ox
from flask import Blueprint, Response, request

from endpoint.auth import write_refusal
from endpoint.caching import etag_for, http_date, not_modified
from endpoint.jobs import GraphWrite, Job
from endpoint.negotiation import negotiate
from endpoint.problems import method_not_allowed, not_acceptable, problem
from endpoint.running import WriteFailed, run_read, run_write
from endpoint.state import state
from loaders.kernel.config import Settings
from loaders.kernel.rdf_input import declares_entities
from loaders.kernel.results import GRAPH_FORMATS

blueprint = Blueprint("graph_store", __name__)

ALLOW = "GET, HEAD, PUT, POST, DELETE, OPTIONS"
OFFERED = [f for f in GRAPH_FORMATS if f.name in ("ttl", "nt", "jsonld", "rdf")]
_READABLE = {"text/turtle", "application/n-triples", "application/rdf+xml",
             "application/ld+json", "text/n3"}


def _target() -> str | Response | None:
    """The graph IRI, None for the default graph, or a 400."""
    graphs = request.args.getlist("graph")
    has_default = "default" in request.args
    if graphs and has_default:
        return problem(400, "bad-request", "Both graph and default",
                       "Give either ?graph=IRI or ?default, not both.")
    if not graphs and not has_default and request.method == "POST":
        settings: Settings = state().settings
        return f"{settings.base_iri}graph/new/{uuid.uuid4().hex}"
    if not graphs and not has_default:
        return problem(400, "bad-request", "No graph named",
                       "Give ?graph=IRI or ?default.")
    if len(graphs) > 1:
        return problem(400, "bad-request", "Several graphs", "Give one ?graph=IRI.")
    if graphs:
        iri = graphs[0]
        try:
            ox.NamedNode(iri)
        except ValueError:
            return problem(400, "bad-request", "Not an IRI", f"graph={iri!r} is not an IRI.")
        return iri
    return None


def _read(settings: Settings, graph: str | None) -> Response:
    fmt = negotiate(request.headers.get("Accept"), OFFERED,
                    {"application/json": "application/ld+json"})
    if fmt is None:
        return not_acceptable([f.media_type for f in OFFERED])
    build, info = state().store.current()
    etag = etag_for(info.version, "graph-store", graph, fmt.name)
    headers = {"ETag": etag, "Last-Modified": http_date(info.finished),
               "Cache-Control": f"public, max-age={settings.cache_max_age}",
               "Vary": "Accept, Accept-Encoding"}
    if not_modified(request.headers.get("If-None-Match"), etag):
        return Response(status=304, headers=headers)
    job = Job("graph", str(build), graph=graph, graph_format=fmt.name)
    answer = run_read(job, settings)  # failures: the app's error handlers (read_failed)
    if answer.kind == "missing":
        return problem(404, "not-found", "No such graph", f"The store has no graph <{graph}>.")
    if answer.kind == "error":
        return problem(500, "internal", "Graph read failed", answer.message)
    return Response(answer.body, content_type=fmt.content_type, headers=headers)


def _write(settings: Settings, graph: str | None) -> Response:
    refusal = write_refusal(settings)
    if refusal is not None:
        return refusal
    triples: list[ox.Triple] = []
    if request.method in ("PUT", "POST"):
        media = (request.mimetype or "").lower()
        # a POST may send several RDF documents as multipart/form-data (GSP §5.5)
        parts = [(media, request.get_data())] if media != "multipart/form-data" or \
            request.method != "POST" else [((f.mimetype or "").lower(), f.read())
                                           for f in request.files.values()]
        if not parts:
            return problem(400, "bad-request", "No RDF document in the form",
                           "A multipart/form-data POST needs at least one file part.")
        for part_media, _data in parts:
            if part_media not in _READABLE:
                return problem(415, "unsupported-media-type", "Unsupported Content-Type",
                               "Send " + ", ".join(sorted(_READABLE)) + " (or, by POST, "
                               "multipart/form-data of these).")
        for part_media, data in parts:
            if part_media == "application/rdf+xml" and declares_entities(data):
                return problem(400, "xml-entities", "XML entity declarations are refused",
                               "The RDF/XML declares entities (<!ENTITY>); nested entities "
                               "expand without bound, so they are refused: write the IRIs out.")
        try:
            triples = [ox.Triple(q.subject, q.predicate, q.object)
                       for part_media, data in parts for q in ox.parse(
                           data, format=ox.RdfFormat.from_media_type(part_media),
                           base_iri=graph or settings.base_iri)]
        except (SyntaxError, ValueError) as exc:
            return problem(400, "rdf-syntax", "The body is not valid RDF", str(exc))
    served = state().store
    existed = graph is None or served.get().contains_graph(graph)
    if request.method == "DELETE" and not existed:
        return problem(404, "not-found", "No such graph", f"The store has no graph <{graph}>.")

    ntriples = ox.serialize(triples, format=ox.RdfFormat.N_TRIPLES) if triples else b""
    job = Job("revise", settings=settings, gsp=GraphWrite(request.method, graph, ntriples))
    try:
        answer = run_write(job, settings)
    except WriteFailed as exc:
        return exc.response
    if answer.kind == "error":
        if answer.error == "shacl":
            return problem(422, "shacl-violation", "The write breaks the shapes",
                           f"{answer.count} SHACL violation(s); nothing was changed.",
                           violations=list(answer.violations))
        if answer.error == "store":
            return problem(503, "store-unavailable", "No store to serve", answer.message)
        return problem(500, "internal", "Internal error while writing", answer.message)
    state().metrics.count("updates")
    if not existed and request.method in ("PUT", "POST"):
        return Response(status=201, headers={"Location": graph} if graph else None)
    return Response(status=204)


@blueprint.route("/rdf-graph-store", methods=["GET", "HEAD", "PUT", "POST", "DELETE"])
def graph_store() -> Response:
    settings: Settings = state().settings
    graph = _target()
    if isinstance(graph, Response):
        return graph
    if request.method in ("GET", "HEAD"):
        return _read(settings, graph)
    return _write(settings, graph)


@blueprint.route("/rdf-graph-store", methods=["PATCH"])
def graph_store_not_allowed() -> Response:
    return method_not_allowed("/rdf-graph-store", ALLOW)
