"""The thin path through the endpoint: SELECT and ASK as SPARQL JSON, through Flask's test client
and through a real gunicorn with real clients."""

from __future__ import annotations

import json
import urllib.parse
import urllib.request

from rdflib import Graph
from rdflib.plugins.stores.sparqlstore import SPARQLStore
from SPARQLWrapper import JSON, TURTLE, SPARQLWrapper

ASK_ANY = "ASK { ?s ?p ?o }"


def test_ask_as_sparql_json(client) -> None:
    r = client.get("/sparql", query_string={"query": ASK_ANY},
                   headers={"Accept": "application/sparql-results+json"})
    assert r.status_code == 200
    assert r.content_type == "application/sparql-results+json"
    assert r.get_json(force=True)["boolean"] is True


def test_select_as_sparql_json(client) -> None:
    q = "SELECT ?a ?b WHERE { ?a c2c:twinnedWith ?b } LIMIT 5"
    r = client.post("/sparql", data=q, content_type="application/sparql-query")
    body = json.loads(r.data)
    assert body["head"]["vars"] == ["a", "b"]
    assert len(body["results"]["bindings"]) == 5


def test_home_page_links_to_the_endpoint(client) -> None:
    r = client.get("/")
    assert r.status_code == 200
    for link in (b'href="/sparql"', b'href="/query"', b'href="/search"', b'href="/ont"',
                 b'href="/dumps/latest/"', b'href="/id/country/cn"'):
        assert link in r.data
    assert b"triple-count" in r.data


def test_q_zero_excludes_a_type(client) -> None:
    r = client.get("/sparql", query_string={"query": "SELECT * WHERE { ?s ?p ?o } LIMIT 1"},
                   headers={"Accept": "*/*;q=1, application/sparql-results+json;q=0, "
                                      "text/csv;q=0.5"})
    assert r.status_code == 200
    assert not r.content_type.startswith("application/sparql-results+json")


def test_syntax_error_is_problem_json_with_position(client) -> None:
    r = client.get("/sparql", query_string={"query": "SELEC * WHERE {"})
    assert r.status_code == 400
    assert r.content_type == "application/problem+json"
    assert (r.get_json()["line"], r.get_json()["column"]) == (1, 10)


def test_real_server_with_curl_like_request(server: str) -> None:
    url = f"{server}/sparql?query=" + urllib.parse.quote(ASK_ANY)
    request = urllib.request.Request(url, headers={"Accept": "application/sparql-results+json"})
    with urllib.request.urlopen(request, timeout=10) as response:
        assert response.status == 200
        assert json.loads(response.read())["boolean"] is True


def test_sparqlwrapper_select_and_construct(server: str) -> None:
    sw = SPARQLWrapper(f"{server}/sparql")
    sw.setQuery("PREFIX c2c: <https://w3id.org/c2c/ont#> "
                "SELECT ?b WHERE { <https://w3id.org/c2c/id/city/cn-harbin> c2c:twinnedWith ?b }")
    sw.setReturnFormat(JSON)
    partners = {b["b"]["value"] for b in sw.query().convert()["results"]["bindings"]}
    assert "https://w3id.org/c2c/id/city/ru-khabarovsk" in partners
    sw.setQuery("CONSTRUCT { ?a <urn:x:p> ?b } "
                "WHERE { ?a <https://w3id.org/c2c/ont#twinnedWith> ?b }")
    sw.setReturnFormat(TURTLE)
    g = Graph().parse(data=sw.query().convert(), format="turtle")
    assert len(g) >= 20


def test_rdflib_sparqlstore_ask(server: str) -> None:
    remote = SPARQLStore(f"{server}/sparql")
    result = remote.query("ASK { ?s a <https://w3id.org/c2c/ont#TwinningAgreement> }")
    assert result.askAnswer is True
