"""Clients that just work (issue 17): SPARQLWrapper with every return format it offers, for each
query form, through a real gunicorn. SPARQLWrapper always sends ``format=`` (and ``output=``,
``results=``) besides ``Accept``; the endpoint reads ``format=`` per query form."""

from __future__ import annotations

import json

import pytest
from rdflib import Graph
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
