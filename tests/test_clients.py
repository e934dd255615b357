"""Clients that just work (issue 17): SPARQLWrapper with every return format it offers, for each
query form, through a real gunicorn. SPARQLWrapper always sends ``format=`` (and ``output=``,
``results=``) besides ``Accept``; the endpoint reads ``format=`` per query form."""

from __future__ import annotations

import json
import urllib.request

import pytest
from rdflib import Dataset, Graph, URIRef
from SPARQLWrapper import (
    CSV,
    JSON,
    JSONLD,
    N3,
    RDF,
    RDFXML,
    TSV,
    TURTLE,
    XML,
    SPARQLWrapper,
)

HARBIN = "https://w3id.org/c2c/id/city/cn-harbin"
TWINNED = "https://w3id.org/c2c/ont#twinnedWith"
QUERIES = {
    "select": "PREFIX c2c: <https://w3id.org/c2c/ont#> "
              f"SELECT ?b WHERE {{ <{HARBIN}> c2c:twinnedWith ?b }}",
    "ask": f"ASK {{ <{HARBIN}> ?p ?o }}",
    "construct": "PREFIX c2c: <https://w3id.org/c2c/ont#> "
                 f"CONSTRUCT {{ <{HARBIN}> c2c:twinnedWith ?b }} "
                 f"WHERE {{ <{HARBIN}> c2c:twinnedWith ?b }}",
    "describe": f"DESCRIBE <{HARBIN}>",
}
SOLUTIONS = {None: "application/sparql-results+xml", JSON: "application/sparql-results+json",
             XML: "application/sparql-results+xml", CSV: "text/csv",
             TSV: "text/tab-separated-values"}
GRAPHS = {None: "application/rdf+xml", XML: "application/rdf+xml", RDF: "application/rdf+xml",
          RDFXML: "application/rdf+xml", TURTLE: "text/turtle", N3: "text/turtle",
          JSONLD: "application/ld+json", JSON: "application/ld+json"}
CELLS = [(form, fmt, media) for form in ("select", "ask") for fmt, media in SOLUTIONS.items()] \
    + [(form, fmt, media) for form in ("construct", "describe") for fmt, media in GRAPHS.items()]


@pytest.mark.parametrize(("form", "fmt", "media"), CELLS,
                         ids=[f"{c[0]}-{c[1] or 'default'}" for c in CELLS])
def test_sparqlwrapper_matrix(server: str, form: str, fmt: str | None, media: str) -> None:
    sw = SPARQLWrapper(f"{server}/sparql")
    if fmt is not None:
        sw.setReturnFormat(fmt)
    sw.setQuery(QUERIES[form])
    result = sw.query()
    content_type = result.response.headers["Content-Type"].split(";")[0].strip()
    assert content_type == media
    body = result.response.read()
    if form in ("construct", "describe"):
        parser = {"application/rdf+xml": "xml", "text/turtle": "turtle",
                  "application/ld+json": "json-ld"}[media]
        graph = Graph().parse(data=body, format=parser)
        assert len(graph) >= (5 if form == "describe" else 1)
    elif media == "application/sparql-results+json":
        answer = json.loads(body)
        assert answer["boolean"] is True if form == "ask" else len(
            answer["results"]["bindings"]) >= 1
    elif media == "application/sparql-results+xml":
        text = body.decode()
        assert "<sparql" in text
        assert ("<boolean>true</boolean>" in text) if form == "ask" else \
            text.count("<result>") >= 1
    elif form == "ask":  # CSV and TSV: ASK answers the word alone
        assert body.decode().strip() == "true"
    else:  # CSV and TSV: a header line and rows
        assert len(body.decode().strip().splitlines()) >= 2


# --- rdflib's SPARQLStore, and requests with Accept only ----------------------------------

@pytest.fixture(scope="module")
def sparql_store(embedded_server: str):
    from rdflib.plugins.stores.sparqlstore import SPARQLStore

    store = SPARQLStore(f"{embedded_server}/sparql")
    yield store
    store.close()


def test_rdflib_sparqlstore_select(sparql_store, store) -> None:
    rows = list(sparql_store.query(QUERIES["select"]))
    assert len(rows) == len(list(store.query(QUERIES["select"]))) >= 3
    assert all(str(row[0]).startswith("https://w3id.org/c2c/id/") for row in rows)


def test_rdflib_sparqlstore_ask(sparql_store) -> None:
    assert sparql_store.query(QUERIES["ask"]).askAnswer is True
    assert sparql_store.query("ASK { <https://w3id.org/c2c/id/city/nowhere> ?p ?o }"
                              ).askAnswer is False


@pytest.mark.parametrize("form", ["construct", "describe"])
def test_rdflib_sparqlstore_graph_forms(sparql_store, form: str) -> None:
    graph = sparql_store.query(QUERIES[form]).graph
    partners = set(graph.objects(URIRef(HARBIN), URIRef(TWINNED)))
    assert len(partners) >= 3


def test_rdflib_graph_over_sparqlstore(sparql_store) -> None:
    """A Graph backed by the endpoint: triple patterns go over HTTP as SELECTs."""
    graph = Graph(store=sparql_store)
    assert len(set(graph.objects(URIRef(HARBIN), URIRef(TWINNED)))) >= 3


def _formats_of_the_service_description(server: str) -> list[str]:
    """The media types the service description lists (sd:resultFormat)."""
    from loaders.kernel.results import FORMATS

    described = Graph().parse(data=_http(f"{server}/sparql", "text/turtle")[2], format="turtle")
    iris = {str(o) for o in described.objects(
        None, URIRef("http://www.w3.org/ns/sparql-service-description#resultFormat"))}
    return sorted(f.media_type for f in FORMATS if f.w3c in iris)


def _http(url: str, accept: str, data: bytes | None = None) -> tuple[int, str, bytes]:
    headers = {"Accept": accept}
    if data is not None:
        headers["Content-Type"] = "application/sparql-query"
    request = urllib.request.Request(url, data=data, headers=headers)
    with urllib.request.urlopen(request, timeout=30) as response:
        return response.status, response.headers["Content-Type"].split(";")[0], response.read()


GRAPH_MEDIA = {"text/turtle": "turtle", "application/n-triples": "nt",
               "application/ld+json": "json-ld", "application/rdf+xml": "xml",
               "application/n-quads": "nquads", "application/trig": "trig"}
SOLUTION_MEDIA = {"application/sparql-results+json", "application/sparql-results+xml",
                  "text/csv", "text/tab-separated-values", "application/geo+json"}


def test_every_format_of_the_service_description_with_accept_only(server: str, store
                                                                  ) -> None:
    """What ``curl -H 'Accept: …' --data-binary @query`` does: no ``format=``, the query in
    the body; every format the service description lists answers in that format."""
    formats = _formats_of_the_service_description(server)
    assert set(formats) == set(GRAPH_MEDIA) | SOLUTION_MEDIA
    select = ("PREFIX c2c: <https://w3id.org/c2c/ont#> PREFIX geo: "
              "<http://www.opengis.net/ont/geosparql#> SELECT ?b ?wkt WHERE { "
              f"<{HARBIN}> c2c:twinnedWith ?b . ?b geo:hasCentroid/geo:asWKT ?wkt }}")
    located = len(list(store.query(select)))  # Harbin's partners with a centroid
    assert located >= 3
    for media in formats:
        query = QUERIES["construct"] if media in GRAPH_MEDIA else select
        status, content_type, body = _http(f"{server}/sparql", media, query.encode())
        assert (status, content_type) == (200, media)
        if media in GRAPH_MEDIA:
            parsed = Dataset() if media in ("application/n-quads", "application/trig") \
                else Graph()
            parsed.parse(data=body, format=GRAPH_MEDIA[media])
            assert len(parsed) >= 3, media
        elif media == "application/geo+json":
            features = json.loads(body)["features"]
            assert len(features) == located
            for f in features:  # the point is the row's WKT, longitude first
                lon, lat = f["properties"]["wkt"].removeprefix("POINT(").rstrip(")").split()
                assert f["geometry"] == {"type": "Point",
                                         "coordinates": [float(lon), float(lat)]}
        elif media == "application/sparql-results+json":
            assert len(json.loads(body)["results"]["bindings"]) == located
        elif media == "application/sparql-results+xml":
            assert body.decode().count("<result>") == located
        else:
            assert len(body.decode().strip().splitlines()) == located + 1, media
