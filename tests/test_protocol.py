"""The SPARQL endpoint against the checklist H01-H36 of ../shared/docs/sparql-servers.md §4,
through Flask's test client. Each test name starts with the checklist item it checks; the same
behaviours over a real gunicorn are in test_protocol_server.py."""

from __future__ import annotations

import gzip
import json
import logging

import pytest
from rdflib import Graph

from endpoint.app import create_app
from loaders.kernel.config import Settings

Q = "SELECT ?s ?l WHERE { ?s rdfs:label ?l } ORDER BY ?s ?l LIMIT 3"
CONSTRUCT = "CONSTRUCT { ?a c2c:twinnedWith ?b } WHERE { ?a c2c:twinnedWith ?b }"
HARBIN = "https://w3id.org/c2c/id/city/cn-harbin"


def get(client, query: str = Q, headers: dict | None = None, **params):
    return client.get("/sparql", query_string={"query": query, **params},
                      headers=headers or {})


# --- 4a. Query operation -------------------------------------------------------------------

@pytest.mark.contract
def test_h01_select_as_sparql_json(client) -> None:
    r = get(client, headers={"Accept": "application/sparql-results+json"})
    assert r.status_code == 200
    assert r.content_type == "application/sparql-results+json"
    assert r.get_json(force=True)["head"]["vars"] == ["s", "l"]


@pytest.mark.parametrize("media", ["application/sparql-results+xml", "text/csv",
                                   "text/tab-separated-values"])
@pytest.mark.contract
def test_h02_other_result_formats(client, media: str) -> None:
    r = get(client, headers={"Accept": media})
    assert r.status_code == 200
    assert r.mimetype == media
    if media.startswith("text/"):
        assert r.headers["Content-Type"].endswith("; charset=utf-8")


@pytest.mark.parametrize("accept", [None, "*/*"])
@pytest.mark.contract
def test_h03_defaults(client, accept) -> None:
    headers = {"Accept": accept} if accept else {}
    assert get(client, headers=headers).mimetype == "application/sparql-results+json"
    assert get(client, "ASK {}", headers).mimetype == "application/sparql-results+json"
    assert get(client, CONSTRUCT, headers).mimetype == "text/turtle"


def test_h04_application_json(client) -> None:
    assert get(client, headers={"Accept": "application/json"}).mimetype == \
        "application/sparql-results+json"
    r = get(client, CONSTRUCT, {"Accept": "application/json"})
    assert r.mimetype == "application/ld+json"
    assert "@context" in r.get_json()


def test_h05_q_zero_excludes(client) -> None:
    r = get(client, headers={"Accept": "*/*;q=1, application/sparql-results+json;q=0, "
                                       "text/csv;q=0.5"})
    assert r.status_code == 200
    assert r.mimetype != "application/sparql-results+json"


@pytest.mark.contract
def test_h06_construct_with_mixed_accept(client) -> None:
    r = get(client, CONSTRUCT, {"Accept": "application/sparql-results+json,text/turtle"})
    assert (r.status_code, r.mimetype) == (200, "text/turtle")
    assert len(Graph().parse(data=r.data, format="turtle")) > 20


def test_h07_unacceptable_lists_offers(client) -> None:
    r = get(client, headers={"Accept": "image/png"})
    assert r.status_code == 406
    assert "application/sparql-results+json" in r.get_json()["offered"]


@pytest.mark.parametrize(("value", "media"), [
    ("csv", "text/csv"), ("json", "application/sparql-results+json"),
    ("xml", "application/sparql-results+xml"), ("tsv", "text/tab-separated-values"),
    ("text/csv", "text/csv")])
@pytest.mark.contract
def test_h08_format_overrides_accept(client, value: str, media: str) -> None:
    r = get(client, headers={"Accept": "application/sparql-results+xml"}, format=value)
    assert (r.status_code, r.mimetype) == (200, media)


@pytest.mark.parametrize(("value", "media"), [
    ("ttl", "text/turtle"), ("nt", "application/n-triples"), ("jsonld", "application/ld+json"),
    ("rdf", "application/rdf+xml")])
def test_h08_format_for_graphs(client, value: str, media: str) -> None:
    assert get(client, CONSTRUCT, format=value).mimetype == media


def test_h08_unknown_format(client) -> None:
    assert get(client, format="pdf").status_code == 400


@pytest.mark.contract
def test_h09_post_form_and_direct(client) -> None:
    expected = get(client).get_json(force=True)
    form = client.post("/sparql", data={"query": Q})
    direct = client.post("/sparql", data=Q.encode(),
                         content_type="application/sparql-query; charset=utf-8")
    assert form.get_json(force=True) == expected == direct.get_json(force=True)


def test_h10_wrong_content_type_or_charset(client) -> None:
    assert client.post("/sparql", data=Q, content_type="text/plain").status_code == 415
    r = client.post("/sparql", data=Q.encode("latin-1"),
                    content_type="application/sparql-query; charset=latin-1")
    assert r.status_code == 415


@pytest.mark.contract
def test_h11_syntax_error_with_position(client) -> None:
    r = get(client, "SELEC * WHERE {")
    assert r.status_code == 400
    assert r.content_type == "application/problem+json"
    body = r.get_json()
    assert (body["line"], body["column"]) == (1, 10)


def test_h12_malformed_requests(client) -> None:
    assert client.get("/sparql", query_string={"default-graph-uri": "urn:x"}).status_code == 400
    assert client.get("/sparql?query=ASK{}&query=ASK{}").status_code == 400
    assert client.post("/sparql?query=ASK{}", data={"query": "ASK {}"}).status_code == 400
    assert client.post("/sparql", data={"query": "ASK {}", "update": "CLEAR ALL"}
                       ).status_code == 400


@pytest.mark.contract
def test_h13_dataset_parameters(client) -> None:
    count = "SELECT (COUNT(*) AS ?n) WHERE { ?s ?p ?o }"
    derived = "https://w3id.org/c2c/graph/derived"
    whole = int(get(client, count).get_json(force=True)["results"]["bindings"][0]["n"]["value"])
    only = get(client, count, **{"default-graph-uri": derived})
    n = int(only.get_json(force=True)["results"]["bindings"][0]["n"]["value"])
    assert 0 < n < whole
    r = get(client, count, **{"default-graph-uri": "https://example.org/no-such-graph"})
    assert r.status_code == 200
    assert r.get_json(force=True)["results"]["bindings"][0]["n"]["value"] == "0"
    named = get(client, "SELECT DISTINCT ?g WHERE { GRAPH ?g { ?s ?p ?o } }",
                **{"named-graph-uri": derived})
    assert [b["g"]["value"] for b in named.get_json(force=True)["results"]["bindings"]] == \
        [derived]


@pytest.mark.contract
def test_h14_head_matches_get(client) -> None:
    g, h = get(client), client.head("/sparql", query_string={"query": Q})
    assert h.status_code == g.status_code == 200
    assert h.data == b""
    for name in ("Content-Type", "Content-Length", "ETag", "Cache-Control"):
        assert h.headers[name] == g.headers[name]


def test_h15_delete_not_allowed(client) -> None:
    r = client.delete("/sparql")
    assert r.status_code == 405
    assert r.headers["Allow"] == "GET, HEAD, POST, OPTIONS"


def test_h16_body_and_uri_limits(built: Settings) -> None:
    small = create_app(built.with_overrides(max_body_bytes=200, max_url_bytes=300,
                                            threads=1)).test_client()
    r = small.post("/sparql", data=b"ASK {} #" + b"x" * 500,
                   content_type="application/sparql-query")
    assert r.status_code == 413
    r = small.get("/sparql", query_string={"query": "ASK {} #" + "x" * 400})
    assert r.status_code == 414
    assert "POST" in r.get_json()["detail"]


@pytest.mark.contract
def test_h17_non_ascii_queries(client) -> None:
    r = get(client, 'SELECT ?c WHERE { ?c rdfs:label "Санкт-Петербург"@ru }')
    assert r.get_json(force=True)["results"]["bindings"]
    r = get(client, f'SELECT ?l WHERE {{ <{HARBIN}> rdfs:label ?l FILTER(lang(?l)="zh-hans") }}')
    assert [b["l"]["value"] for b in r.get_json(force=True)["results"]["bindings"]] == ["哈尔滨市"]


# --- 4b. Limits, timeouts, failures --------------------------------------------------------

def test_h19_rate_limit(built: Settings) -> None:
    limited = create_app(built.with_overrides(rate_limit=3, threads=1)).test_client()
    codes = [get(limited, "ASK {}").status_code for _ in range(4)]
    assert codes == [200, 200, 200, 429]
    r = get(limited, "ASK {}")
    assert int(r.headers["Retry-After"]) >= 1


def test_h20_row_cap_flagged_with_next_link(built: Settings) -> None:
    capped = create_app(built.with_overrides(max_rows=5, threads=1)).test_client()
    query = "SELECT DISTINCT ?s WHERE { ?s a c2c:TwinningAgreement } ORDER BY ?s"
    first = get(capped, query)
    assert first.headers["X-Result-Truncated"] == "true"
    assert first.headers["X-Result-Limit"] == "5"
    assert 'rel="next"' in first.headers["Link"] and "offset=5" in first.headers["Link"]
    rows = [b["s"]["value"] for b in first.get_json(force=True)["results"]["bindings"]]
    second = get(capped, query, offset="5")
    rows += [b["s"]["value"] for b in second.get_json(force=True)["results"]["bindings"]]
    assert len(rows) == 10 and len(set(rows)) == 10
    whole = get(capped, "SELECT (COUNT(*) AS ?n) WHERE { ?s a c2c:TwinningAgreement }")
    assert "X-Result-Truncated" not in whole.headers


def test_h21_failure_while_writing_is_never_a_broken_200(built: Settings) -> None:
    failing = create_app(built.with_overrides(fail_after_rows=2, threads=1)).test_client()
    r = get(failing, "SELECT ?s WHERE { ?s ?p ?o } LIMIT 10")
    assert r.status_code == 500
    assert r.content_type == "application/problem+json"
    assert "test hook" in r.get_json()["detail"]


def test_h23_service_outside_allowlist(client) -> None:
    r = get(client, "SELECT * WHERE { SERVICE <http://169.254.169.254/latest> { ?s ?p ?o } }")
    assert r.status_code == 403
    assert r.content_type == "application/problem+json"
    assert "169.254.169.254" in r.get_json()["detail"]
    assert get(client, "SELECT * WHERE { SERVICE ?x { ?s ?p ?o } }").status_code == 403


# --- 4c. Update operation and auth ---------------------------------------------------------

@pytest.fixture(scope="module")
def writable(built: Settings, tmp_path_factory) -> Settings:
    from tests.conftest import copy_of_built

    return copy_of_built(built, tmp_path_factory.mktemp("writable-store"), writable=True,
                         update_token="s3cret", threads=1)  # noqa: S106 - a test token


INSERT = ('INSERT DATA { GRAPH <https://w3id.org/c2c/graph/test> '
          '{ <https://w3id.org/c2c/id/city/cn-harbin> rdfs:comment "test"@en } }')


def update(client, text: str, token: str | None = None):
    headers = {"Authorization": f"Bearer {token}"} if token else {}
    return client.post("/sparql", data=text.encode(), headers=headers,
                       content_type="application/sparql-update")


def test_h24_update_needs_writable_and_token(client, writable: Settings) -> None:
    assert update(client, INSERT, "s3cret").status_code == 403  # read-only deployment
    app = create_app(writable).test_client()
    r = update(app, INSERT)
    assert r.status_code == 401
    assert r.headers["WWW-Authenticate"].startswith("Bearer")
    assert update(app, INSERT, "wrong").status_code == 403
    assert update(app, INSERT, "s3cret").status_code == 204
    ask = get(app, f'ASK {{ <{HARBIN}> rdfs:comment "test"@en }}')
    assert ask.get_json(force=True)["boolean"] is True


def test_h25_update_by_get(client) -> None:
    r = client.get("/sparql", query_string={"update": "CLEAR ALL"})
    assert r.status_code == 405
    assert r.headers["Allow"] == "POST"


def test_h26_update_errors(writable: Settings) -> None:
    app = create_app(writable).test_client()
    assert update(app, "INSERT DATA { oops", "s3cret").status_code == 400
    r = app.post("/sparql?using-graph-uri=urn:g", data=b"WITH <urn:g> DELETE { ?s ?p ?o } "
                 b"WHERE { ?s ?p ?o }", content_type="application/sparql-update",
                 headers={"Authorization": "Bearer s3cret"})
    assert r.status_code == 400


def test_h26_a_malformed_update_is_refused_before_any_copy(writable: Settings) -> None:
    """A malformed update is answered without the write lock and without a copy of the store
    (the write process tries it on an empty store first): with the lock held by someone else,
    it is still answered at once, with the 400 the write itself would have given (Oxigraph's
    message about the served store, shortened), and no build folder is made."""
    import fcntl

    from endpoint.guards import short_syntax_error
    from loaders.kernel.store import OxigraphStore, StoreLocation

    location = StoreLocation(writable.store)
    builds = sorted(p.name for p in location.builds.iterdir())
    current = location.current()
    text = 'INSERT DATA { <urn:a> <urn:b> "c" . oops }'
    try:  # what the write itself met on the served store (Oxigraph parses before it writes)
        OxigraphStore.open(current, read_only=True).update(text, base_iri=writable.base_iri)
    except SyntaxError as exc:
        expected = short_syntax_error(text, str(exc))
    else:
        raise AssertionError("the update was expected to be malformed")
    app = create_app(writable.with_overrides(update_timeout=10)).test_client()
    with open(location.root / ".write.lock", "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)  # a write in progress elsewhere
        r = update(app, text, "s3cret")
    assert r.status_code == 400, r.get_json()
    problem = r.get_json()
    assert problem["type"].endswith("/update-syntax")
    assert (problem["detail"], problem.get("line"), problem.get("column")) == \
        (expected.detail, expected.line, expected.column)
    assert sorted(p.name for p in location.builds.iterdir()) == builds
    assert location.current() == current


def test_h26_update_that_breaks_a_shape_changes_nothing(writable: Settings) -> None:
    app = create_app(writable).test_client()
    before = get(app, "SELECT (COUNT(*) AS ?n) WHERE { ?s ?p ?o }").get_json(force=True)
    bad = ('INSERT DATA { GRAPH <https://w3id.org/c2c/graph/test> { '
           '<https://w3id.org/c2c/id/city/cn-harbin> c2c:twinnedWith '
           '<https://w3id.org/c2c/id/city/fi-helsinki> } }')
    r = update(app, bad, "s3cret")
    assert r.status_code == 422
    assert r.get_json()["violations"]
    after = get(app, "SELECT (COUNT(*) AS ?n) WHERE { ?s ?p ?o }").get_json(force=True)
    assert before == after


def test_h26_update_into_the_default_graph_is_validated_too(writable: Settings) -> None:
    app = create_app(writable).test_client()
    bad = ('INSERT DATA { <https://w3id.org/c2c/id/city/cn-harbin> c2c:twinnedWith '
           '<https://w3id.org/c2c/id/city/fi-helsinki> }')
    r = update(app, bad, "s3cret")
    assert r.status_code == 422
    assert any("TwinnedWithJustified" in v for v in r.get_json()["violations"]), r.get_json()


def test_h27_update_changes_the_etag(writable: Settings) -> None:
    app = create_app(writable).test_client()
    first = get(app)
    assert get(app, headers={"If-None-Match": first.headers["ETag"]}).status_code == 304
    insert = INSERT.replace('"test"@en', '"another"@en')
    assert update(app, insert, "s3cret").status_code == 204
    again = get(app, headers={"If-None-Match": first.headers["ETag"]})
    assert again.status_code == 200
    assert again.headers["ETag"] != first.headers["ETag"]


def test_update_rederives_twinned_with(writable: Settings) -> None:
    app = create_app(writable).test_client()
    insert = """INSERT DATA { GRAPH <https://w3id.org/c2c/graph/source/test-update> {
        <https://w3id.org/c2c/id/agreement/test-update> a c2c:TwinningAgreement ;
            c2c:hasParty <https://w3id.org/c2c/id/city/cn-harbin> ,
                         <https://w3id.org/c2c/id/city/fi-kotka> ;
            c2c:agreementType <https://w3id.org/c2c/vocab/agreement-types/sister-city> ;
            prov:wasDerivedFrom <https://w3id.org/c2c/id/source/makeeva-2023> } }"""
    ask = f"ASK {{ <https://w3id.org/c2c/id/city/fi-kotka> c2c:twinnedWith <{HARBIN}> }}"
    assert get(app, ask).get_json(force=True)["boolean"] is False
    r = update(app, insert, "s3cret")
    assert r.status_code == 204, r.data
    assert get(app, ask).get_json(force=True)["boolean"] is True


# --- 4d. Graph Store Protocol --------------------------------------------------------------

GRAPH = "https://w3id.org/c2c/graph/derived"


@pytest.mark.contract
def test_h28_graph_store_get(client) -> None:
    r = client.get("/rdf-graph-store", query_string={"graph": GRAPH},
                   headers={"Accept": "text/turtle"})
    assert (r.status_code, r.mimetype) == (200, "text/turtle")
    assert b"@prefix c2c:" in r.data
    assert len(Graph().parse(data=r.data, format="turtle")) > 20
    assert client.get("/rdf-graph-store", query_string={"graph": "urn:nope"}).status_code == 404
    assert client.get("/rdf-graph-store?default").status_code == 200
    assert client.get("/rdf-graph-store", query_string={"graph": GRAPH, "default": ""}
                      ).status_code == 400
    assert client.get("/rdf-graph-store", query_string={"graph": GRAPH},
                      headers={"Accept": "image/png"}).status_code == 406


def test_h29_graph_store_writes(writable: Settings) -> None:
    app = create_app(writable).test_client()
    auth = {"Authorization": "Bearer s3cret"}
    graph = "https://w3id.org/c2c/graph/gsp-test"
    body = f'<{HARBIN}> <http://www.w3.org/2000/01/rdf-schema#comment> "gsp"@en .'
    assert app.put("/rdf-graph-store", query_string={"graph": graph}, data=body,
                   content_type="text/turtle").status_code == 401
    put = lambda: app.put("/rdf-graph-store", query_string={"graph": graph}, data=body,  # noqa: E731
                          content_type="text/turtle", headers=auth)
    assert put().status_code == 201
    assert put().status_code == 204
    more = f'<{HARBIN}> <http://www.w3.org/2000/01/rdf-schema#comment> "more"@en .'
    assert app.post("/rdf-graph-store", query_string={"graph": graph}, data=more,
                    content_type="application/n-triples", headers=auth).status_code == 204
    got = app.get("/rdf-graph-store", query_string={"graph": graph})
    assert len(Graph().parse(data=got.data, format="turtle")) == 2
    head = app.head("/rdf-graph-store", query_string={"graph": graph})
    assert head.status_code == 200 and head.data == b""
    assert app.put("/rdf-graph-store", query_string={"graph": graph}, data=body,
                   content_type="application/pdf", headers=auth).status_code == 415
    assert app.delete("/rdf-graph-store", query_string={"graph": graph},
                      headers=auth).status_code == 204
    assert app.delete("/rdf-graph-store", query_string={"graph": graph},
                      headers=auth).status_code == 404


# --- 4e. CORS, compression, caching --------------------------------------------------------

def test_h30_cors_on_reads(client) -> None:
    r = get(client, headers={"Origin": "https://example.org"})
    assert r.headers["Access-Control-Allow-Origin"] == "*"
    exposed = r.headers["Access-Control-Expose-Headers"]
    for name in ("ETag", "Link", "Content-Location", "X-Result-Truncated", "Retry-After"):
        assert name in exposed


def test_h31_preflight_without_auth(client) -> None:
    r = client.options("/sparql", headers={
        "Origin": "https://example.org", "Access-Control-Request-Method": "POST",
        "Access-Control-Request-Headers": "content-type, authorization, accept-profile"})
    assert r.status_code == 204
    assert {"GET", "POST"} <= {m.strip() for m in
                               r.headers["Access-Control-Allow-Methods"].split(",")}
    for name in ("Content-Type", "Authorization", "Accept", "Accept-Profile"):
        assert name in r.headers["Access-Control-Allow-Headers"]
    assert int(r.headers["Access-Control-Max-Age"]) > 0


def test_h32_gzip(client) -> None:
    r = get(client, CONSTRUCT, {"Accept-Encoding": "gzip"})
    assert r.headers["Content-Encoding"] == "gzip"
    assert "Accept-Encoding" in r.headers["Vary"]
    assert len(Graph().parse(data=gzip.decompress(r.data), format="turtle")) > 20
    assert "Content-Encoding" not in get(client, CONSTRUCT).headers


@pytest.mark.contract
def test_h33_etag_and_304(client) -> None:
    r = get(client)
    etag = r.headers["ETag"]
    assert r.headers["Last-Modified"]
    assert r.headers["Cache-Control"].startswith("public, max-age=")
    assert {"Accept", "Accept-Encoding"} <= {v.strip() for v in r.headers["Vary"].split(",")}
    again = get(client, headers={"If-None-Match": etag})
    assert again.status_code == 304 and again.data == b""
    assert get(client, format="csv").headers["ETag"] != etag


# --- 4f. Self-description ------------------------------------------------------------------

@pytest.mark.contract
def test_h34_service_description(client) -> None:
    r = client.get("/sparql", headers={"Accept": "text/turtle"})
    assert r.mimetype == "text/turtle"
    g = Graph().parse(data=r.data, format="turtle")
    result = g.query("""PREFIX sd: <http://www.w3.org/ns/sparql-service-description#>
        PREFIX void: <http://rdfs.org/ns/void#> PREFIX c2c: <https://w3id.org/c2c/ont#>
        SELECT ?endpoint ?triples ?timeout ?rows WHERE {
          ?s a sd:Service ; sd:endpoint ?endpoint ; sd:supportedLanguage sd:SPARQL11Query ;
             sd:defaultDataset [ void:triples ?triples ] ;
             c2c:queryTimeoutSeconds ?timeout ; c2c:resultRowLimit ?rows }""")
    (endpoint, triples, timeout, rows), = list(result)
    assert str(endpoint).startswith("http://") and str(endpoint).endswith("/sparql")
    assert int(triples) > 3000 and float(timeout) == 30.0 and int(rows) == 10_000
    formats = set(g.objects(None, g.namespace_manager.expand_curie("sd:resultFormat")))
    assert len(formats) == 11  # GeoJSON for SELECT (issue 17)
    html = client.get("/sparql", headers={"Accept": "text/html"})
    assert html.mimetype == "text/html"
    assert b"https://cdn" not in html.data and b"unpkg" not in html.data


@pytest.mark.contract
def test_h35_well_known_void(client) -> None:
    r = client.get("/.well-known/void")
    assert (r.status_code, r.mimetype) == (200, "text/turtle")
    text = r.data.decode()
    for term in ("void:sparqlEndpoint", "void:triples", "void:uriSpace", "dcterms:license",
                 "dcterms:modified"):
        assert term in text


def test_h35_void_names_the_dumps(built: Settings, tmp_path) -> None:
    from loaders.pipeline.export import export

    export(built, tmp_path)
    app = create_app(built.with_overrides(dumps=tmp_path, threads=1)).test_client()
    text = app.get("/.well-known/void").data.decode()
    assert "void:dataDump" in text and "all.nq.gz" in text


@pytest.mark.contract
def test_h36_healthz_and_metrics(client) -> None:
    health = client.get("/healthz").get_json()
    assert health["status"] == "ok" and health["version"]
    get(client, "ASK { ?s ?p ?o }")
    r = client.get("/metrics")
    assert r.headers["Content-Type"].startswith("text/plain; version=0.0.4")
    text = r.data.decode()
    assert 'c2c_queries_total{status="200"}' in text
    assert "c2c_query_duration_seconds_bucket" in text
    assert "c2c_timeouts_total" in text
    served = next(line for line in text.splitlines()
              if line.startswith('c2c_queries_total{status="200"}'))
    assert float(served.split()[-1]) >= 1


def test_query_log_and_slow_query_log(built: Settings, caplog) -> None:
    app = create_app(built.with_overrides(slow_query_seconds=0.000001, threads=1)).test_client()
    with caplog.at_level(logging.INFO, logger="c2c.query"):
        get(app, "ASK { ?s ?p ?o }")
    records = [json.loads(r.getMessage()) for r in caplog.records if r.name == "c2c.query"]
    assert records[-1]["status"] == 200 and records[-1]["duration_ms"] >= 0
    assert records[-1]["query_sha"]
    slow = [json.loads(r.getMessage()) for r in caplog.records if r.name == "c2c.query.slow"]
    assert slow and slow[-1]["text"] == "ASK { ?s ?p ?o }"


def test_a_sampled_query_log_keeps_errors_and_counts_everything(built: Settings, caplog
                                                               ) -> None:
    """C2C_QUERY_LOG_SAMPLE=0: an answered query is not written to the query log, an error
    answer is, and /metrics counts both; the app's state is typed and set once."""
    from endpoint.state import state
    from loaders.kernel.errors import ConfigError

    app = create_app(built.with_overrides(query_log_sample=0.0, threads=1))
    client = app.test_client()
    with caplog.at_level(logging.INFO, logger="c2c.query"):
        assert get(client, "ASK { ?s ?p ?o }").status_code == 200
        assert get(client, "ASK { ?s ?p ").status_code == 400
    records = [json.loads(r.getMessage()) for r in caplog.records if r.name == "c2c.query"]
    assert [r["status"] for r in records] == [400]
    text = client.get("/metrics").data.decode()
    assert any(line.startswith('c2c_queries_total{status="200"}') for line in text.splitlines())
    assert state(app).settings.query_log_sample == 0.0
    with pytest.raises(AttributeError):
        state(app).cache = None  # frozen: set once by create_app
    with pytest.raises(ConfigError, match="between 0 and 1"):
        Settings.from_env({"C2C_QUERY_LOG_SAMPLE": "1.5"})
    state(app).pool.close()

def test_home_page_offers_yasgui_or_a_plain_form(client) -> None:
    from endpoint.vendor import yasgui_available

    r = client.get("/query")
    assert b'action="/query"' in r.data
    if yasgui_available():
        assert b'src="/assets/yasgui/yasgui.min.js"' in r.data
        js = client.get("/assets/yasgui/yasgui.min.js")
        assert js.status_code == 200 and len(js.data) > 100_000
    assert b"cdn." not in r.data
