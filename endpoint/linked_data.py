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
import math
import re
from dataclasses import dataclass, field

import pyoxigraph as ox
from flask import Blueprint, Response, current_app, redirect, render_template, request

from endpoint.caching import etag_for, http_date, not_modified
from endpoint.negotiation import negotiate
from endpoint.problems import not_acceptable, problem
from loaders import assets
from loaders.namespaces import C2C, PREFIXES, VOCAB
from loaders.results import GRAPH_FORMATS, Format, write_triples

blueprint = Blueprint("linked_data", __name__)

HTML = Format("text/html", ("html",), "text/html; charset=utf-8")
DOC_FORMATS = [HTML, *(f for f in GRAPH_FORMATS if f.name in ("ttl", "jsonld", "nt", "rdf"))]
SUFFIXES = {"html": HTML, **{f.name: f for f in DOC_FORMATS if f.name != "html"}}
LANGUAGES = {"en": "en", "zh": "zh-hans", "zh-hans": "zh-hans", "zh-cn": "zh-hans",
             "ru": "ru", "fi": "fi"}
PAGE_SIZE = 50
TWINNED = PREFIXES["c2c"] + "twinnedWith"
WKT = PREFIXES["geo"] + "asWKT"


def _canonical(kind: str, key: str) -> str:
    return f"{current_app.extensions['c2c.settings'].base_iri}id/{kind}/{key}"


def _local(iri: str) -> str | None:
    """The server path of a canonical thing or concept IRI, or None for other IRIs."""
    base = current_app.extensions["c2c.settings"].base_iri
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
    return current_app.extensions["c2c.store"].get()


def _exists(iri: str) -> bool:
    return bool(_store().query("ASK { $this ?p ?o }",
                               substitutions={"this": ox.NamedNode(iri)}))


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
def identify(kind: str, key: str) -> Response:
    refused = _unknown(kind, key)
    if refused is not None:
        return refused
    iri = _canonical(kind, key)
    if not _exists(iri):
        return problem(404, "not-found", "No such thing", f"Nothing is known about <{iri}>.")
    if negotiate(request.headers.get("Accept"), DOC_FORMATS,
                 {"application/json": "application/ld+json"}) is None:
        return _not_acceptable()
    response = redirect(f"/doc/{kind}/{key}", code=303)
    response.headers["Vary"] = "Accept"
    return response


def _not_acceptable() -> Response:
    return not_acceptable([f.media_type for f in DOC_FORMATS])


@dataclass
class Statement:
    direction: str
    predicate: str
    value: object
    graphs: list[str] = field(default_factory=list)


def _statements(iri: str) -> list[Statement]:
    rows = _store().query(assets.query("document/statements.rq"),
                          substitutions={"this": ox.NamedNode(iri)})
    merged: dict[tuple, Statement] = {}
    for row in rows:
        key = (row["direction"].value, row["p"].value, str(row["o"]))
        st = merged.setdefault(key, Statement(row["direction"].value, row["p"].value, row["o"]))
        if row["g"] is not None and row["g"].value not in st.graphs:
            st.graphs.append(row["g"].value)
    return list(merged.values())


def _triples(iri: str, statements: list[Statement]) -> list[ox.Triple]:
    this = ox.NamedNode(iri)
    out = []
    for st in statements:
        if st.direction == "out":
            out.append(ox.Triple(this, ox.NamedNode(st.predicate), st.value))
        else:
            out.append(ox.Triple(st.value, ox.NamedNode(st.predicate), this))
    return sorted(out, key=str)


def _links(path: str) -> str:
    return ", ".join(f'<{path}.{name}>; rel="alternate"; type="{fmt.media_type}"'
                     for name, fmt in SUFFIXES.items())


@blueprint.get("/doc/<kind>/<path:name>")
def document(kind: str, name: str) -> Response:
    key, _, suffix = name.partition(".")
    refused = _unknown(kind, key)
    if refused is not None:
        return refused
    return _serve_document(_canonical(kind, key), f"/doc/{kind}/{key}", suffix)


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
    if suffix:
        fmt = SUFFIXES.get(suffix)
        if fmt is None:
            return problem(404, "not-found", "No such format", f"Unknown suffix .{suffix}.")
    else:
        fmt = negotiate(request.headers.get("Accept"), DOC_FORMATS,
                        {"application/json": "application/ld+json"})
        if fmt is None:
            return _not_acceptable()
    statements = _statements(iri)
    if not statements:
        return problem(404, "not-found", "No such thing", f"Nothing is known about <{iri}>.")
    settings = current_app.extensions["c2c.settings"]
    _build, info = current_app.extensions["c2c.store"].current()
    language = _language() if fmt is HTML else None
    page = request.args.get("page", "1")
    page_number = int(page) if page.isdigit() and int(page) > 0 else 1
    etag = etag_for(info.version, "doc", iri, fmt.name, language, page_number)
    headers = {"ETag": etag, "Last-Modified": http_date(info.finished),
               "Cache-Control": f"public, max-age={settings.cache_max_age}",
               "Vary": "Accept, Accept-Language", "Link": _links(path),
               "Content-Location": f"{path}.{'html' if fmt is HTML else fmt.name}"}
    if language:
        headers["Content-Language"] = "zh-Hans" if language == "zh-hans" else language
    if not_modified(request, etag):
        return Response(status=304, headers=headers)
    if fmt is HTML:
        body = _html(iri, path, statements, language or "en", page_number)
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
    labels: dict[str, str] = {}
    point = None
    for row in _store().query(assets.query("document/labels.rq"),
                              substitutions={"this": ox.NamedNode(iri)}):
        if row["label"] is not None:
            labels.setdefault((row["label"].language or "").lower(), row["label"].value)
        if row["wkt"] is not None and point is None:
            point = _point(row["wkt"].value)
    return labels, point


def _point(wkt: str) -> tuple[float, float] | None:
    try:
        lon, lat = wkt.split("(", 1)[1].rstrip(")").split()
        return float(lon), float(lat)
    except (IndexError, ValueError):
        return None


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
    base = current_app.extensions["c2c.settings"].base_iri
    if graph.startswith(f"{base}graph/source/"):
        return f"{base}id/source/" + graph.removeprefix(f"{base}graph/source/")
    return None


def _svg_map(center: tuple[float, float] | None, partners: list[dict]) -> str | None:
    """An equirectangular SVG: the place, each located partner, one line to each."""
    located = [p for p in partners if p["point"]]
    if center is None or not located:
        return None
    points = [center] + [p["point"] for p in located]
    lons, lats = [p[0] for p in points], [p[1] for p in points]
    pad = 5.0
    west, east = min(lons) - pad, max(lons) + pad
    south, north = min(lats) - pad, max(lats) + pad
    width, height = 800, max(200, int(800 * (north - south) / max(east - west, 1e-6)))
    height = min(height, 600)

    def xy(point: tuple[float, float]) -> tuple[float, float]:
        x = (point[0] - west) / (east - west) * width
        y = (north - point[1]) / (north - south) * height
        return round(x, 1), round(y, 1)

    cx, cy = xy(center)
    parts = [f'<svg xmlns="http://www.w3.org/2000/svg" id="map" viewBox="0 0 {width} {height}" '
             f'width="100%" role="img" aria-label="map of partners">',
             f'<rect width="{width}" height="{height}" fill="#eef3f7"/>']
    for p in located:
        x, y = xy(p["point"])
        parts.append(f'<line class="partner-line" data-partner="{_escape(p["iri"])}" '
                     f'x1="{cx}" y1="{cy}" x2="{x}" y2="{y}" stroke="#b03a2e" '
                     'stroke-width="1.5"/>')
    for p in located:
        x, y = xy(p["point"])
        parts.append(f'<circle cx="{x}" cy="{y}" r="4" fill="#1f4e79"><title>'
                     f'{_escape(p["label"])}</title></circle>')
    parts.append(f'<circle cx="{cx}" cy="{cy}" r="6" fill="#b03a2e"/>')
    parts.append("</svg>")
    return "".join(parts)


def _escape(text: str) -> str:
    return (text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
            .replace('"', "&quot;"))


def _html(iri: str, path: str, statements: list[Statement], language: str, page: int) -> str:
    labels, point = _labels(iri)
    title = _pick(labels, language, path.rsplit("/", 1)[-1])
    label_cache: dict[str, str] = {}

    def label_of(value: str) -> str:
        if value not in label_cache:
            found, _ = _labels(value)
            label_cache[value] = _pick(found, language, _short(value))
        return label_cache[value]

    rows = []
    for st in statements:
        if st.predicate == TWINNED:
            continue
        value = st.value
        if isinstance(value, ox.NamedNode):
            shown = {"text": label_of(value.value), "href": _href(value.value),
                     "iri": value.value}
        else:
            shown = {"text": getattr(value, "value", str(value)), "href": None, "iri": None}
        sources = []
        for graph in st.graphs:
            source = _source_of(graph)
            sources.append({"graph": graph, "href": _local(source) if source else None,
                            "text": label_of(source) if source else _short(graph)})
        rows.append({"direction": st.direction, "predicate": _short(st.predicate),
                     "value": shown, "sources": sources})
    partner_iris = sorted({st.value.value for st in statements
                           if st.predicate == TWINNED and isinstance(st.value, ox.NamedNode)})
    partners = []
    for partner in partner_iris:
        found, where = _labels(partner)
        directions = sorted({st.direction for st in statements
                             if st.predicate == TWINNED and getattr(st.value, "value", "") ==
                             partner})
        partners.append({"iri": partner, "href": _href(partner),
                         "label": _pick(found, language, _short(partner)), "point": where,
                         "directions": directions})
    timeline = _timeline(iri, language, label_of) if path.startswith("/doc/country/") else None
    pages = max(1, math.ceil(len(partners) / PAGE_SIZE))
    page = min(page, pages)
    shown_partners = partners[(page - 1) * PAGE_SIZE: page * PAGE_SIZE]
    return render_template(
        "thing.html", iri=iri, path=path, title=title, language=language,
        labels=sorted(labels.items()), rows=rows, partners=shown_partners,
        partner_count=len(partners), page=page, pages=pages,
        svg=_svg_map(point, partners), timeline=timeline,
        partner_country=request.args.get("with"),
        alternates=[(n, f.media_type) for n, f in SUFFIXES.items()])


def _timeline(iri: str, language: str, label_of) -> list[dict]:
    """A country's dated agreements grouped by policy period (``?with=ru`` keeps one partner
    country): ``[{period, agreements: [{year, other, country}]}]`` in time order."""
    base = current_app.extensions["c2c.settings"].base_iri
    partner = request.args.get("with")
    groups: dict[str, dict] = {}
    for row in _store().query(assets.query("document/timeline.rq"),
                              substitutions={"this": ox.NamedNode(iri)}):
        country = row["other_country"].value if row["other_country"] is not None else None
        if partner and country != f"{base}id/country/{partner}":
            continue
        period = row["period_label"].value if row["period_label"] is not None else \
            "outside the policy periods"
        group = groups.setdefault(period, {"period": period, "agreements": [],
                                           "first": int(row["year"].value)})
        group["agreements"].append({
            "year": int(row["year"].value), "agreement": _local(row["agreement"].value),
            "other": label_of(row["other"].value), "other_href": _local(row["other"].value),
            "country": label_of(country) if country else ""})
    return sorted(groups.values(), key=lambda g: g["first"])


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
        language = _language()
        body = render_template("ontology.html", terms=_ontology_terms(language),
                               language=language)
        headers["Content-Language"] = "zh-Hans" if language == "zh-hans" else language
        return Response(body, content_type=HTML.content_type, headers=headers)
    text = next(p for p in assets.ontology_files() if p.name == "c2c.ttl").read_text(
        encoding="utf-8")
    return Response(text, content_type=fmt.content_type, headers=headers)
