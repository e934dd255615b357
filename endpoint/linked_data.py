"""Dereferenceable URIs: ``/id/{kind}/{key}`` → 303 → ``/doc/{kind}/{key}``, by content
negotiation or by suffix (``.html``, ``.ttl``, ``.jsonld``, ``.nt``, ``.rdf``).

The data keeps its canonical IRIs (``C2C_BASE_IRI``); the server maps ``/id/…`` on its own
address to them, and its HTML links back to its own ``/id/…`` paths. A document holds every
statement with the thing as subject and, as the one documented addition, every
``c2c:twinnedWith`` pointing at it (so a city lists all its partners, whichever side a source
named). HTML pages show labels in the language of ``Accept-Language`` (en, zh, ru, fi), every
statement with the source graph that states it, partners paged with counts, and a map drawn as
SVG by the server (one line per partner): no JavaScript needed.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field

import pyoxigraph as ox
from flask import Blueprint, Response, redirect, render_template, request

from endpoint import page_queries
from endpoint.caching import etag_for, http_date, not_modified
from endpoint.negotiation import negotiate
from endpoint.problems import not_acceptable, problem
from endpoint.state import state
from loaders.kernel import assets, geojson
from loaders.kernel.namespaces import C2C, PREFIXES, VOCAB
from loaders.kernel.results import GRAPH_FORMATS, Format, write_triples

blueprint = Blueprint("linked_data", __name__)

HTML = Format("text/html", ("html",), "text/html; charset=utf-8")
DOC_FORMATS = [HTML, *(f for f in GRAPH_FORMATS if f.name in ("ttl", "jsonld", "nt", "rdf"))]
SUFFIXES = {"html": HTML, **{f.name: f for f in DOC_FORMATS if f.name != "html"}}
GEOJSON = Format("application/geo+json", ("geojson",), "application/geo+json")
"""A Feature, offered for things with a geometry only (by Accept, or the ``.geojson`` suffix)."""
LANGUAGES = {"en": "en", "zh": "zh-hans", "zh-hans": "zh-hans", "zh-cn": "zh-hans",
             "ru": "ru", "fi": "fi"}
TWINNED = PREFIXES["c2c"] + "twinnedWith"
RDFS_LABEL = PREFIXES["rdfs"] + "label"
SKOS_PREF = PREFIXES["skos"] + "prefLabel"
RDF_TYPE = PREFIXES["rdf"] + "type"
WKT = PREFIXES["geo"] + "asWKT"


def _canonical(kind: str, key: str) -> str:
    return f"{state().settings.base_iri}id/{kind}/{key}"


def _local(iri: str) -> str | None:
    """The server path of a canonical thing or concept IRI, or None for other IRIs."""
    base = state().settings.base_iri
    if iri.startswith(base + "id/"):
        return "/" + iri[len(base):]
    if iri.startswith(str(VOCAB)):
        return "/vocab/" + iri.removeprefix(str(VOCAB))
    if iri.startswith(str(C2C)):
        return "/ont#" + iri.removeprefix(str(C2C))
    return None


def _href(iri: str) -> str | None:
    """Where a page links an IRI: this server's path for c2c's own IRIs, the IRI itself when
    it is http(s), and no link at all for any other scheme (``javascript:``, ``data:`` … are
    shown as text, never as a live link)."""
    local = _local(iri)
    if local is not None:
        return local
    return iri if iri.lower().startswith(("http://", "https://")) else None


def _store():
    return state().store.get()


def _exists(iri: str) -> bool:
    return bool(page_queries.rows(_store(), "document/exists.rq", iri))


def _language() -> str:
    for part in request.headers.get("Accept-Language", "").split(","):
        tag = part.split(";")[0].strip().lower()
        if tag in LANGUAGES:
            return LANGUAGES[tag]
        if tag.split("-")[0] in LANGUAGES:
            return LANGUAGES[tag.split("-")[0]]
    return "en"


_SEGMENT = re.compile(r"[A-Za-z0-9_~-][A-Za-z0-9._~-]*")
"""What a segment of an IRI c2c mints may hold (keys are ASCII slugs, ``gn-…``, ``wd-Q…``)."""


def _unknown(*segments: str) -> Response | None:
    """404 problem+json for a path segment no minted IRI can hold (spaces, controls, ``<``,
    non-ASCII, ``..``): such a path names nothing, and must never reach the store as an IRI."""
    for segment in segments:
        if not _SEGMENT.fullmatch(segment):
            return problem(404, "not-found", "No such thing",
                           "c2c's IRIs are made of ASCII letters, digits and - . _ ~ only.")
    return None


@blueprint.get("/id/<kind>/<key>")
@blueprint.get("/id/<kind>/<key>/<part>")
def identify(kind: str, key: str, part: str | None = None) -> Response:
    """A thing, or a part c2c mints under a thing's IRI (``…/centroid``, ``…/venue``)."""
    refused = _unknown(kind, key, *([part] if part else []))
    if refused is not None:
        return refused
    local = f"{kind}/{key}" + (f"/{part}" if part else "")
    iri = _canonical(kind, local.split("/", 1)[1])
    if (kind, key, part) == ("dataset", "c2c", None):  # described by VoID, not in the data
        response = redirect("/.well-known/void", code=303)
        response.headers["Vary"] = "Accept"
        return response
    if not _exists(iri):
        return problem(404, "not-found", "No such thing", f"Nothing is known about <{iri}>.")
    chosen = negotiate(request.headers.get("Accept"), [*DOC_FORMATS, GEOJSON],
                       {"application/json": "application/ld+json"})
    if chosen is None or (chosen is GEOJSON and _wkt(iri) is None):
        return _not_acceptable(iri)
    response = redirect(f"/doc/{local}", code=303)
    response.headers["Vary"] = "Accept"
    return response


def _not_acceptable(iri: str | None = None) -> Response:
    return not_acceptable([f.media_type for f in (_offers(iri) if iri else DOC_FORMATS)])


@dataclass
class Statement:
    direction: str
    """"out" (the thing is the subject), "in" (a c2c:twinnedWith pointing at it), "part" (a
    statement about a part minted under the thing's IRI: its centroid, a venue)."""
    predicate: str
    value: object
    graphs: list[str] = field(default_factory=list)
    subject: str = ""


def _statements(iri: str) -> list[Statement]:
    rows = page_queries.rows(_store(), "document/statements.rq", iri)
    merged: dict[tuple, Statement] = {}
    for row in rows:
        subject = row["s"].value
        key = (row["direction"].value, subject, row["p"].value, str(row["o"]))
        st = merged.setdefault(key, Statement(row["direction"].value, row["p"].value, row["o"],
                                              subject=subject))
        if row["g"] is not None and row["g"].value not in st.graphs:
            st.graphs.append(row["g"].value)
    return list(merged.values())


def _triples(iri: str, statements: list[Statement]) -> list[ox.Triple]:
    this = ox.NamedNode(iri)
    out = []
    for st in statements:
        if st.direction == "in":
            out.append(ox.Triple(st.value, ox.NamedNode(st.predicate), this))
        else:
            out.append(ox.Triple(ox.NamedNode(st.subject or iri), ox.NamedNode(st.predicate),
                                 st.value))
    return sorted(out, key=str)


def _wkt(iri: str) -> str | None:
    """The thing's geometry as WKT (its own, or its centroid's), or None."""
    for row in page_queries.rows(_store(), "document/geometry.rq", iri):
        return row["wkt"].value
    return None


def _offers(iri: str, statements: list[Statement] | None = None) -> list[Format]:
    """The formats of a thing's document: GeoJSON too where it has a geometry (read from
    its *statements* where given: its own or a part's ``geo:asWKT``)."""
    if statements is not None:
        located = any(st.predicate == WKT for st in statements if st.direction != "in")
    else:
        located = _wkt(iri) is not None
    return [*DOC_FORMATS, GEOJSON] if located else DOC_FORMATS


def _geojson(iri: str, statements: list[Statement]) -> bytes:
    """The thing as a GeoJSON Feature: its geometry, its IRI, labels and types."""
    labels: dict[str, str] = {}
    types = []
    for st in statements:
        if st.direction != "out":
            continue
        if st.predicate in (RDFS_LABEL, SKOS_PREF) and isinstance(st.value, ox.Literal):
            labels.setdefault(st.value.language or "", st.value.value)
        elif st.predicate == RDF_TYPE and isinstance(st.value, ox.NamedNode):
            types.append(_short(st.value.value))
    properties = {"iri": iri, "label": _pick(labels, "en", iri.rsplit("/", 1)[-1]),
                  "labels": dict(sorted(labels.items())), "types": sorted(set(types))}
    return json.dumps(geojson.feature(iri, _wkt(iri), properties),
                      ensure_ascii=False).encode("utf-8")


def _links(path: str, offers: list[Format]) -> str:
    return ", ".join(f'<{path}.{fmt.name}>; rel="alternate"; type="{fmt.media_type}"'
                     for fmt in offers)


@blueprint.get("/doc/<kind>/<path:name>")
def document(kind: str, name: str) -> Response:
    local, _, suffix = name.partition(".")
    segments = local.split("/")
    if len(segments) > 2:
        return problem(404, "not-found", "No such thing", "c2c mints /id/{kind}/{key} and "
                       "/id/{kind}/{key}/{part} only.")
    refused = _unknown(kind, *segments)
    if refused is not None:
        return refused
    return _serve_document(_canonical(kind, local), f"/doc/{kind}/{local}", suffix)


@blueprint.get("/vocab/<scheme>")
@blueprint.get("/vocab/<scheme>/<path:name>")
def vocabulary(scheme: str, name: str | None = None) -> Response:
    """SKOS schemes and concepts at their own IRIs (``https://w3id.org/c2c/vocab/…``)."""
    concept, _, suffix = (name or "").partition(".")
    if not name:
        scheme, _, suffix = scheme.partition(".")
    refused = _unknown(scheme, *([concept] if concept else []))
    if refused is not None:
        return refused
    local = scheme + (f"/{concept}" if concept else "")
    return _serve_document(f"{VOCAB}{local}", f"/vocab/{local}", suffix)


def _serve_document(iri: str, path: str, suffix: str) -> Response:
    statements = _statements(iri)
    offers = _offers(iri, statements)
    if suffix:
        fmt = {**SUFFIXES, "geojson": GEOJSON}.get(suffix)
        if fmt is None or fmt not in offers:
            return problem(404, "not-found", "No such format", f"Unknown suffix .{suffix}.")
    else:
        fmt = negotiate(request.headers.get("Accept"), offers,
                        {"application/json": "application/ld+json"})
        if fmt is None:
            return _not_acceptable(iri)
    if not statements:
        return problem(404, "not-found", "No such thing", f"Nothing is known about <{iri}>.")
    settings = state().settings
    _build, info = state().store.current()
    language = _language() if fmt is HTML else None
    page = request.args.get("page", "1")
    page_number = int(page) if page.isdigit() and int(page) > 0 else 1
    etag = etag_for(info.version, "doc", iri, fmt.name, language, page_number)
    headers = {"ETag": etag, "Last-Modified": http_date(info.finished),
               "Cache-Control": f"public, max-age={settings.cache_max_age}",
               "Vary": "Accept, Accept-Language", "Link": _links(path, offers),
               "Content-Location": f"{path}.{'html' if fmt is HTML else fmt.name}"}
    if language:
        headers["Content-Language"] = "zh-Hans" if language == "zh-hans" else language
    if not_modified(request.headers.get("If-None-Match"), etag):
        return Response(status=304, headers=headers)
    if fmt is HTML:
        body = _html(iri, path, statements, language or "en", page_number, offers)
    elif fmt is GEOJSON:
        body = _geojson(iri, statements)
    else:
        body = write_triples(_triples(iri, statements), fmt)
    return Response(body, content_type=fmt.content_type, headers=headers)


@blueprint.get("/context.jsonld")
def context() -> Response:
    return Response(json.dumps({"@context": PREFIXES}, indent=1),
                    content_type="application/ld+json",
                    headers={"Cache-Control": "public, max-age=86400"})


# ------------------------------------------------------------------------------------------
# HTML
# ------------------------------------------------------------------------------------------

def _labels(iri: str) -> tuple[dict[str, str], tuple[float, float] | None]:
    return page_queries.labels_and_point(page_queries.rows(_store(), "document/labels.rq", iri))


def _pick(labels: dict[str, str], language: str, fallback: str) -> str:
    for tag in (language, "en", *sorted(labels)):
        if tag in labels:
            return labels[tag]
    return fallback


def _short(iri: str) -> str:
    for prefix, ns in PREFIXES.items():
        if iri.startswith(ns) and prefix:
            return f"{prefix}:{iri[len(ns):]}"
    return iri


def _source_of(graph: str) -> str | None:
    base = state().settings.base_iri
    if graph.startswith(f"{base}graph/source/"):
        return f"{base}id/source/" + graph.removeprefix(f"{base}graph/source/")
    return None


def _html(iri: str, path: str, statements: list[Statement], language: str, page: int,
          offers: list[Format]) -> str:
    from endpoint import pages

    return pages.render(iri, path, statements, language, page,
                        (_labels, _local, _pick, _short, _source_of),
                        [(f.name, f.media_type) for f in offers])


# ------------------------------------------------------------------------------------------
# The ontology at /ont: Turtle for machines, a page with one anchor per term for people
# ------------------------------------------------------------------------------------------

ONT_NS = str(C2C)


def _ontology_terms(language: str) -> list[dict]:
    from rdflib import Graph
    from rdflib.namespace import OWL, RDF, RDFS, SKOS

    g = Graph()
    for path in assets.ontology_files():
        if path.name == "c2c.ttl":
            g.parse(data=path.read_text(encoding="utf-8"), format="turtle")
    kinds = {OWL.Class: "class", OWL.ObjectProperty: "object property",
             OWL.DatatypeProperty: "datatype property", OWL.AnnotationProperty: "annotation "
             "property"}
    terms = []
    for kind, name in kinds.items():
        for term in sorted(set(g.subjects(RDF.type, kind))):
            if not str(term).startswith(ONT_NS):
                continue
            labels = {(lit.language or "").lower(): str(lit) for lit in g.objects(term, RDFS.label)}
            terms.append({"id": str(term)[len(ONT_NS):], "iri": str(term), "kind": name,
                          "label": _pick(labels, language, str(term)[len(ONT_NS):]),
                          "labels": sorted(labels.items()),
                          "definition": str(g.value(term, SKOS.definition) or "")})
    return terms


@blueprint.get("/ont")
@blueprint.get("/ont.<suffix>")
def ontology(suffix: str = "") -> Response:
    offers = [HTML, *(f for f in GRAPH_FORMATS if f.name == "ttl")]
    fmt = {"html": HTML, "ttl": offers[1]}.get(suffix) if suffix else negotiate(
        request.headers.get("Accept"), offers)
    if fmt is None and suffix:
        return problem(404, "not-found", "No such format", f"Unknown suffix .{suffix}.")
    if fmt is None:
        return not_acceptable([f.media_type for f in offers])
    headers = {"Vary": "Accept, Accept-Language", "Link": '</ont.ttl>; rel="alternate"; '
               'type="text/turtle", </ont.html>; rel="alternate"; type="text/html"',
               "Cache-Control": "public, max-age=3600"}
    if fmt is HTML:
        from loaders.docs import ontology_html

        body = ontology_html()  # pyLODE's documentation, where pyLODE is installed
        if body is None:
            language = _language()
            body = render_template("ontology.html", terms=_ontology_terms(language),
                                   language=language)
            headers["Content-Language"] = "zh-Hans" if language == "zh-hans" else language
        return Response(body, content_type=HTML.content_type, headers=headers)
    text = next(p for p in assets.ontology_files() if p.name == "c2c.ttl").read_text(
        encoding="utf-8")
    return Response(text, content_type=fmt.content_type, headers=headers)
