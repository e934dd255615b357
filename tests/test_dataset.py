"""Issue 13: one set-semantics dataset for queries and updates (research profile), metadata
outside the data, and the conformance profile's plain SPARQL store.

Counts are checked on data/ and after both documented imports (the China-related rows of the
Wikipedia and Wikidata 2022 lists in ../shared/data); writes go through the endpoint (Flask's
test client, the same revise() as gunicorn)."""

from __future__ import annotations

from pathlib import Path

import pyoxigraph as ox
import pytest

from endpoint.app import create_app
from loaders.kernel.config import Settings
from loaders.kernel.dataset import default_triples
from loaders.kernel.store import StoreLocation
from loaders.pipeline.build import build_empty
from tests.conftest import copy_of_built, readme_counts

ID = "https://w3id.org/c2c/id/"
VOID_GRAPH = "https://w3id.org/c2c/graph/void"
TOKEN = "s3cret"  # noqa: S105 - a test token
AUTH = {"Authorization": f"Bearer {TOKEN}"}

# (what, the pattern, its variables): COUNT(*) must equal COUNT(DISTINCT) of the variables
COUNTED = [
    ("agreements", "?a a c2c:TwinningAgreement", "?a"),
    ("parties", "?a c2c:hasParty ?p", "?a ?p"),
    ("cn-ru partner join", "?a a c2c:TwinningAgreement ; c2c:hasParty ?x , ?y . "
     f"?x c2c:inCountry <{ID}country/cn> . ?y c2c:inCountry <{ID}country/ru>", "?a ?x ?y"),
]


def count(store, text: str) -> int:
    return int(next(iter(store.query(text)))["n"].value)


def assert_set_semantics(store) -> dict[str, int]:
    counts = {}
    for what, pattern, variables in COUNTED:
        rows = count(store, f"SELECT (COUNT(*) AS ?n) WHERE {{ {pattern} }}")
        distinct = count(store, f"SELECT (COUNT(*) AS ?n) WHERE {{ SELECT DISTINCT {variables} "
                                f"WHERE {{ {pattern} }} }}")
        assert rows == distinct, (what, rows, distinct)
        assert rows > 0, what
        counts[what] = rows
    return counts


def assert_no_metadata_in_the_default_graph(store) -> None:
    void = {ox.Triple(q.subject, q.predicate, q.object) for q in
            store.raw.quads_for_pattern(None, None, None, ox.NamedNode(VOID_GRAPH))}
    assert void, "the build describes itself in graph/void"
    assert not void & default_triples(store)
    assert count(store, "SELECT (COUNT(*) AS ?n) WHERE { ?s void:triples ?t }") == 0
    graphs = {row["g"].value for row in store.query(
        "SELECT DISTINCT ?g WHERE { GRAPH ?g { ?s ?p ?o } }")}
    assert VOID_GRAPH not in graphs and f"{ID.replace('id/', 'graph/')}derived" in graphs
    # named by its IRI, the metadata graph is there
    assert count(store, f"SELECT (COUNT(*) AS ?n) WHERE {{ GRAPH <{VOID_GRAPH}> "
                        "{ ?s ?p ?o } }") == len(void)


def test_set_semantics_and_no_metadata_on_data(store) -> None:
    counts = assert_set_semantics(store)
    assert counts["agreements"] == readme_counts()["TwinningAgreement"]  # one per agreement node
    assert_no_metadata_in_the_default_graph(store)


def test_default_graph_is_the_set_union_of_the_data_graphs(store) -> None:
    union = {ox.Triple(q.subject, q.predicate, q.object)
             for q in store.raw.quads_for_pattern(None, None, None, None)
             if isinstance(q.graph_name, ox.NamedNode) and q.graph_name.value != VOID_GRAPH}
    assert default_triples(store) == union


def test_set_semantics_over_the_default_build(full_build) -> None:
    """The two documented imports (the China rows of the Wikipedia list and of Wikidata P190
    2022) are part of the default build now (data/public): each agreement, party and join
    counts once over curated and public data together."""
    _settings, _summary, store, _imported = full_build
    counts = assert_set_semantics(store)
    assert counts["agreements"] > 1500
    assert_no_metadata_in_the_default_graph(store)


# --- writes in the research profile ----------------------------------------------------------

@pytest.fixture
def writable(built: Settings, tmp_path: Path) -> Settings:
    """A store of the test's own (each test writes): a copy of the session's build."""
    return copy_of_built(built, tmp_path, writable=True, update_token=TOKEN, threads=1)


def rows(app, query: str) -> list[dict]:
    r = app.get("/sparql", query_string={"query": query},
                headers={"Accept": "application/sparql-results+json"})
    assert r.status_code == 200, r.data
    return r.get_json()["results"]["bindings"]


def update(app, text: str, **params):
    return app.post("/sparql", query_string=params, data=text.encode(), headers=AUTH,
                    content_type="application/sparql-update")


def current(settings: Settings):
    return StoreLocation(settings.store).open_current()


def test_delete_where_deletes_exactly_what_the_query_shows(writable: Settings) -> None:
    app = create_app(writable).test_client()
    agreement = f"<{ID}agreement/cn-bj--ru-moscow>"
    pattern = f"{agreement} c2c:confirmedBy ?o"
    shown = rows(app, f"SELECT ?o WHERE {{ {pattern} }}")
    stated = rows(app, f"SELECT ?g ?o WHERE {{ GRAPH ?g {{ {pattern} }} }}")
    # the public lists that confirm it, some stated by two source graphs: each shown once
    assert len(stated) > len(shown) >= 2
    assert len(shown) == len({row["o"]["value"] for row in stated})
    before = default_triples(current(writable))
    r = update(app, f"DELETE WHERE {{ {pattern} }}")
    assert r.status_code == 204, r.data
    assert rows(app, f"SELECT ?o WHERE {{ {pattern} }}") == []
    assert rows(app, f"SELECT ?g ?o WHERE {{ GRAPH ?g {{ {pattern} }} }}") == []
    deleted = {ox.Triple(ox.NamedNode(agreement[1:-1]),
                         ox.NamedNode("https://w3id.org/c2c/ont#confirmedBy"),
                         ox.NamedNode(row["o"]["value"])) for row in shown}
    assert default_triples(current(writable)) == before - deleted


def test_update_where_sees_the_set_union(writable: Settings) -> None:
    """The WHERE of an update sees what a query sees: each agreement once, and the default
    graph, not an empty stored one."""
    app = create_app(writable).test_client()
    distinct = rows(app, "SELECT (COUNT(DISTINCT ?a) AS ?n) WHERE { "
                         "?a a c2c:TwinningAgreement }")[0]["n"]["value"]
    r = update(app, 'INSERT { GRAPH <https://w3id.org/c2c/graph/source/test-count> { '
               f'<{ID}city/cn-harbin> rdfs:comment ?n }} }} WHERE {{ '
               '{ SELECT (STR(COUNT(*)) AS ?n) WHERE { ?a a c2c:TwinningAgreement } } }')
    assert r.status_code == 204, r.data
    comment = rows(app, f"SELECT ?c WHERE {{ <{ID}city/cn-harbin> rdfs:comment ?c }}")
    assert [c["c"]["value"] for c in comment] == [distinct]


def test_insert_into_the_default_graph_goes_to_the_edits_graph(writable: Settings) -> None:
    app = create_app(writable).test_client()
    triple = f'<{ID}city/cn-harbin> rdfs:comment "an edit"@en'
    assert update(app, f"INSERT DATA {{ {triple} }}").status_code == 204
    where = rows(app, f"SELECT ?g WHERE {{ GRAPH ?g {{ {triple} }} }}")
    assert [w["g"]["value"] for w in where] == ["https://w3id.org/c2c/graph/edits"]
    assert len(rows(app, f"SELECT * WHERE {{ {triple} }}")) == 1
    # and deleting it from the default graph removes it from there
    assert update(app, f"DELETE DATA {{ {triple} }}").status_code == 204
    assert rows(app, f"SELECT ?g WHERE {{ GRAPH ?g {{ {triple} }} }}") == []


def test_using_graph_uri_is_honoured(writable: Settings) -> None:
    app = create_app(writable).test_client()
    source = "https://w3id.org/c2c/graph/source/makeeva-2023"
    r = update(app, "INSERT { GRAPH <https://w3id.org/c2c/graph/source/test-using> { "
               f"<{ID}city/cn-harbin> rdfs:comment ?n }} }} WHERE {{ "
               "{ SELECT (STR(COUNT(*)) AS ?n) WHERE { ?a a c2c:TwinningAgreement } } }",
               **{"using-graph-uri": source})
    assert r.status_code == 204, r.data
    only = rows(app, f"SELECT (COUNT(*) AS ?n) FROM <{source}> WHERE "  # noqa: S608
                "{ ?a a c2c:TwinningAgreement }")[0]["n"]["value"]
    comment = rows(app, f"SELECT ?c WHERE {{ <{ID}city/cn-harbin> rdfs:comment ?c }}")
    everything = rows(app, "SELECT (COUNT(DISTINCT ?a) AS ?n) WHERE { "
                           "?a a c2c:TwinningAgreement }")[0]["n"]["value"]
    assert [c["c"]["value"] for c in comment] == [only] and only != everything


def test_queries_resolve_relative_iris_against_the_base(client) -> None:
    found = rows(client, "SELECT ?x WHERE { BIND (<id/city/cn-harbin> AS ?x) }")
    assert found[0]["x"]["value"] == f"{ID}city/cn-harbin"


def test_graph_store_post_to_the_store_creates_a_graph(writable: Settings) -> None:
    app = create_app(writable).test_client()
    body = f'<{ID}city/cn-harbin> <http://www.w3.org/2000/01/rdf-schema#comment> "new" .'
    r = app.post("/rdf-graph-store", data=body.encode(), headers=AUTH,
                 content_type="application/n-triples")
    assert r.status_code == 201, r.data
    location = r.headers["Location"]
    assert location.startswith("https://w3id.org/c2c/graph/new/")
    got = app.get("/rdf-graph-store", query_string={"graph": location},
                  headers={"Accept": "application/n-triples"})
    assert got.status_code == 200 and b'"new"' in got.data


# --- the conformance profile -----------------------------------------------------------------

def test_conformance_profile_is_a_plain_store(tmp_path: Path) -> None:
    settings = Settings.from_env({}).with_overrides(
        store=tmp_path / "store", writable=True, update_token=TOKEN, threads=1,
        profile="conformance")
    build_empty(settings)
    app = create_app(settings).test_client()
    r = update(app, "INSERT DATA { GRAPH <http://example/g> { <http://example/s> "
               "<http://example/p> 1 } }")
    assert r.status_code == 204, r.data
    assert rows(app, "SELECT * WHERE { ?s ?p ?o }") == []  # a separate default graph
    graphs = rows(app, "SELECT DISTINCT ?g WHERE { GRAPH ?g { ?s ?p ?o } }")
    assert [g["g"]["value"] for g in graphs] == ["http://example/g"]  # nothing derived
    assert update(app, "INSERT DATA { <http://example/s> <http://example/p> 2 }"
                  ).status_code == 204
    assert len(rows(app, "SELECT * WHERE { ?s ?p ?o }")) == 1
    sd = app.get("/sparql", headers={"Accept": "application/n-triples"}).data.decode()
    assert "UnionDefaultGraph" not in sd
