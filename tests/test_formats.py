"""The format registry (``loaders/kernel/results.py``) is the only list of output formats: the
service description, content negotiation and the dumps' media types all read it, so a format
added there is offered everywhere (and one left out is offered nowhere). Negotiation itself is
checked table by table (RFC 9110 q-values, specificity, aliases, server order on ties)."""

from __future__ import annotations

import pytest
from rdflib import Graph, URIRef

from endpoint.dumps import media_type_of as dump_media_type
from endpoint.negotiation import negotiate, parse_accept
from loaders.kernel import results
from loaders.kernel.namespaces import SD
from loaders.kernel.results import FORMATS, GRAPH_FORMATS, SOLUTION_FORMATS, Format
from tests.conftest import ROOT

SELECT = "SELECT ?s WHERE { ?s a <https://w3id.org/c2c/ont#TwinningAgreement> } LIMIT 2"
CONSTRUCT = ("CONSTRUCT { ?s a ?t } WHERE { ?s a ?t . "
             "FILTER(?t = <https://w3id.org/c2c/ont#TwinningAgreement>) } LIMIT 2")
TEST_FORMAT = Format("application/x-c2c-test", ("c2ctest",), "application/x-c2c-test",
                     "https://example.org/formats/c2c-test", ".c2ctest")


def result_formats(client) -> set[str]:
    r = client.get("/sparql", headers={"Accept": "text/turtle"})
    assert r.status_code == 200, r.data
    g = Graph().parse(data=r.data, format="turtle")
    return {str(o) for o in g.objects(None, SD.resultFormat)}


def test_the_service_description_names_every_registered_format(client) -> None:
    assert result_formats(client) == {f.w3c for f in FORMATS}


@pytest.mark.parametrize("fmt", [f for f in SOLUTION_FORMATS if f.name != "geojson"],
                         ids=lambda f: f.name)
def test_a_select_is_answered_in_every_solution_format(client, fmt: Format) -> None:
    r = client.get("/sparql", query_string={"query": SELECT},
                   headers={"Accept": fmt.media_type})
    assert r.status_code == 200, r.data
    assert r.headers["Content-Type"] == fmt.content_type


@pytest.mark.parametrize("fmt", GRAPH_FORMATS, ids=lambda f: f.name)
def test_a_construct_is_answered_in_every_graph_format(client, fmt: Format) -> None:
    r = client.get("/sparql", query_string={"query": CONSTRUCT},
                   headers={"Accept": fmt.media_type})
    assert r.status_code == 200, r.data
    assert r.headers["Content-Type"] == fmt.content_type


@pytest.fixture
def registered():
    results.register(TEST_FORMAT, graph=True)
    yield TEST_FORMAT
    results.unregister(TEST_FORMAT)


def test_a_format_added_to_the_registry_is_offered_everywhere(built, registered) -> None:
    """One row added to the registry (no writer: only where it is offered is checked) is in
    the service description, in a 406's list of offered types and known to the dumps."""
    from endpoint.app import create_app

    client = create_app(built).test_client()
    assert TEST_FORMAT.w3c in result_formats(client)
    r = client.get("/sparql", query_string={"query": CONSTRUCT},
                   headers={"Accept": "application/x-unknown"})
    assert r.status_code == 406
    assert TEST_FORMAT.media_type in r.get_json()["offered"]
    assert dump_media_type("all.c2ctest") == TEST_FORMAT.media_type
    assert client.get("/sparql", query_string={"query": CONSTRUCT, "format": "c2ctest"}
                      ).status_code != 400  # a known name, not "Unknown format"


def test_the_format_iris_and_extensions_are_written_only_in_the_registry() -> None:
    """No second list: the W3C formats IRIs appear in no other module."""
    others = [p for folder in ("loaders", "endpoint") for p in (ROOT / folder).rglob("*.py")
              if p != ROOT / "loaders" / "kernel" / "results.py"]
    assert [p.name for p in others if "www.w3.org/ns/formats" in p.read_text()] == []


def test_dump_media_types_come_from_the_registry() -> None:
    for name, media in [("all.nq.gz", "application/gzip"), ("void.ttl", "text/turtle"),
                        ("twinning-pairs.csv", "text/csv"), ("all.nq.gz.sha256", "text/plain"),
                        ("index.json", "application/octet-stream"),
                        ("x.jsonld", "application/ld+json"), ("x.trig", "application/trig")]:
        assert dump_media_type(name) == media, name


# --- content negotiation, table-driven ----------------------------------------------------

OFFERS = [next(f for f in GRAPH_FORMATS if f.name == n) for n in ("ttl", "nt", "jsonld", "rdf")]
JSON_ALIAS = {"application/json": "application/ld+json"}


@pytest.mark.parametrize(("accept", "chosen"), [
    (None, "ttl"),                                            # no header: the server's default
    ("", "ttl"),
    ("*/*", "ttl"),
    ("application/n-triples", "nt"),
    ("application/n-triples;q=0.5, text/turtle;q=0.9", "ttl"),
    ("text/turtle;q=0.5, application/n-triples;q=0.9", "nt"),
    ("application/*", "nt"),                                  # the first offered application/*
    ("text/turtle;q=0, */*", "nt"),                           # q=0 excludes
    ("*/*;q=0.1, application/rdf+xml", "rdf"),
    ("application/json", "jsonld"),                           # through the alias
    ("application/json;q=0.4, text/turtle;q=0.3", "jsonld"),
    ("TEXT/TURTLE", "ttl"),                                   # media types are case-blind
    ("text/turtle;q=abc, application/n-triples", "nt"),       # a bad q is 0
    ("text/turtle;q=2", "ttl"),                               # q is capped at 1
    ("text/html", None),
    ("text/turtle;q=0", None),
    ("image/*", None),
])
def test_negotiation(accept: str | None, chosen: str | None) -> None:
    fmt = negotiate(accept, OFFERS, JSON_ALIAS)
    assert (fmt.name if fmt else None) == chosen


@pytest.mark.parametrize(("header", "ranges"), [
    (None, [("*/*", 1.0, 0)]),
    ("text/csv;q=0.5, */*;q=0.1", [("text/csv", 0.5, 2), ("*/*", 0.1, 0)]),
    ("text/*;charset=utf-8", [("text/*", 1.0, 1)]),
    (" , text/csv", [("text/csv", 1.0, 2)]),
    ("text/csv;Q=0.3", [("text/csv", 0.3, 2)]),
])
def test_parse_accept(header: str | None, ranges: list) -> None:
    assert [(p.media_range, p.q, p.specificity) for p in parse_accept(header)] == ranges


def test_registered_names_and_media_types_are_unique_per_list() -> None:
    for formats in (SOLUTION_FORMATS, GRAPH_FORMATS):
        media = [f.media_type for f in formats]
        names = [n for f in formats for n in f.names]
        assert len(media) == len(set(media)) and len(names) == len(set(names))
    assert all(f.extension.startswith(".") for f in FORMATS)
    assert len({f.w3c for f in FORMATS}) == len(FORMATS)
    assert all(isinstance(URIRef(f.w3c), URIRef) for f in FORMATS)
