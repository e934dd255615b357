"""Dereferenceable URIs and documents (checklist H37-H45, H47) and the dumps (H48-H49)."""

from __future__ import annotations

import gzip
import hashlib
import json
import re
from pathlib import Path

import pyoxigraph as ox
import pytest
from rdflib import Graph, URIRef
from rdflib.compare import isomorphic

from endpoint.app import create_app
from loaders.kernel.config import Settings
from loaders.pipeline.export import export

HARBIN = "https://w3id.org/c2c/id/city/cn-harbin"
KHABAROVSK = "https://w3id.org/c2c/id/city/ru-khabarovsk"
TWINNED = URIRef("https://w3id.org/c2c/ont#twinnedWith")
C2C_NS = "https://w3id.org/c2c/ont#"
ROOT = Path(__file__).resolve().parent.parent
FIXTURES = Path(__file__).resolve().parent / "fixtures"


@pytest.mark.contract
def test_h37_id_redirects_to_doc(client) -> None:
    r = client.get("/id/city/cn-harbin", headers={"Accept": "text/html"})
    assert r.status_code == 303
    assert r.headers["Location"].endswith("/doc/city/cn-harbin")
    assert "Accept" in r.headers["Vary"]


@pytest.mark.contract
def test_h38_turtle_document_with_prefixes(client) -> None:
    r = client.get("/doc/city/cn-harbin", headers={"Accept": "text/turtle"})
    assert (r.status_code, r.mimetype) == (200, "text/turtle")
    assert r.data.startswith(b"@prefix")
    g = Graph().parse(data=r.data, format="turtle")
    assert len(list(g.triples((URIRef(HARBIN), None, None)))) > 5


@pytest.mark.parametrize(("accept", "fmt"), [("application/ld+json", "json-ld"),
                                             ("application/n-triples", "nt"),
                                             ("application/rdf+xml", "xml")])
@pytest.mark.contract
def test_h39_other_rdf_formats(client, accept: str, fmt: str) -> None:
    r = client.get("/doc/city/cn-harbin", headers={"Accept": accept})
    assert (r.status_code, r.mimetype) == (200, accept)
    if fmt == "json-ld":
        assert "@context" in json.loads(r.data)
    assert len(Graph().parse(data=r.data, format=fmt)) > 5
    assert json.loads(client.get("/context.jsonld").data)["@context"]["c2c"]


@pytest.mark.contract
def test_h40_document_headers(client) -> None:
    r = client.get("/doc/city/cn-harbin", headers={"Accept": "text/turtle"})
    assert r.headers["Content-Location"] == "/doc/city/cn-harbin.ttl"
    link = r.headers["Link"]
    for media in ("text/turtle", "application/ld+json", "text/html"):
        assert f'type="{media}"' in link
    assert r.headers["ETag"]
    assert {"Accept", "Accept-Language"} <= {v.strip() for v in r.headers["Vary"].split(",")}
    again = client.get("/doc/city/cn-harbin", headers={"Accept": "text/turtle",
                                                       "If-None-Match": r.headers["ETag"]})
    assert again.status_code == 304


@pytest.mark.parametrize(("suffix", "media"), [("ttl", "text/turtle"),
                                               ("jsonld", "application/ld+json"),
                                               ("nt", "application/n-triples"),
                                               ("rdf", "application/rdf+xml"),
                                               ("html", "text/html")])
def test_h41_suffixes_win_over_accept(client, suffix: str, media: str) -> None:
    r = client.get(f"/doc/city/cn-harbin.{suffix}", headers={"Accept": "image/png"})
    assert (r.status_code, r.mimetype) == (200, media)


@pytest.mark.contract
def test_h42_unknown_thing_is_404(client) -> None:
    assert client.get("/id/city/atlantis").status_code == 404
    assert client.get("/doc/city/atlantis", headers={"Accept": "text/turtle"}).status_code == 404


def test_h43_unacceptable_type_is_406(client) -> None:
    assert client.get("/id/city/cn-harbin", headers={"Accept": "image/png"}).status_code == 406
    assert client.get("/doc/city/cn-harbin", headers={"Accept": "image/png"}).status_code == 406


@pytest.mark.contract
def test_h44_partners_in_both_directions_with_counts(client) -> None:
    r = client.get("/doc/city/ru-khabarovsk", headers={"Accept": "text/turtle"})
    g = Graph().parse(data=r.data, format="turtle")
    assert (URIRef(HARBIN), TWINNED, URIRef(KHABAROVSK)) in g  # the inverse statement
    page = client.get("/doc/city/ru-khabarovsk.html").data.decode()
    assert 'href="/id/city/cn-harbin"' in page
    assert "Twinned with (" in page


@pytest.mark.contract
def test_h45_language_of_labels(client) -> None:
    r = client.get("/doc/city/cn-harbin.html", headers={"Accept-Language": "zh"})
    assert r.headers["Content-Language"] == "zh-Hans"
    assert '<h1 id="title">哈尔滨市</h1>' in r.data.decode()
    ru = client.get("/doc/city/cn-harbin.html", headers={"Accept-Language": "ru"})
    assert '<h1 id="title">Харбин</h1>' in ru.data.decode()
    assert ru.headers["Content-Language"] == "ru"


@pytest.mark.contract
def test_page_lists_partners_by_date_with_sources_and_maps_each(client) -> None:
    page = client.get("/doc/city/cn-harbin.html").data.decode()
    # Harbin's curated partners: Yekaterinburg (Sverdlovsk in the 2004 list), Khabarovsk,
    # Yakutsk (Baikal24), Asahikawa (the City of Asahikawa), Sunderland (Harbin's news portal),
    # Murmansk, Vladivostok (PrimaMedia), all dated
    assert page.count('class="partner"') == 7
    data = json.loads(re.search(r'id="place-map" data-auto><script type="application/json">'
                                r'(.*?)</script>', page).group(1))
    assert len(data["links"]) == 7 and data["places"][0]["focus"]
    assert re.findall(r'>(\d{4}[-\d]*)</a>', page)[:7] == [
        "1991-04-22", "1993-06-15", "1995-11-21", "2007", "2009-05-19", "2016-09",
        "2017-06-15"]
    assert 'class="source" href="/id/source/cn-ru-friendship-cities-2004">中俄友好城市' in page
    assert "Sputnik, 2016-09-09" in page  # a source without a title: publisher and date
    assert "searchKey" not in page
    assert 'id="incoming"' in page


def test_a_source_without_a_title_is_named_by_publisher_and_date(client) -> None:
    page = client.get("/doc/source/sputnik-2016-harbin-murmansk.html").data.decode()
    assert '<h1 id="title">Sputnik, 2016-09-09</h1>' in page


@pytest.mark.parametrize("path", ["/doc/country/cn", "/doc/agreement/cn-harbin--ru-murmansk",
                                  "/doc/source/cn-ru-friendship-cities-2004"])
def test_no_partner_list_where_it_cannot_apply(client, path: str) -> None:
    page = client.get(path, headers={"Accept": "text/html"}).data.decode()
    assert "Twinned with" not in page
    assert 'class="statement-group"' in page


@pytest.mark.contract
def test_h47_describe_matches_the_document_minus_inverse_links(client) -> None:
    described = client.get("/sparql", query_string={"query": f"DESCRIBE <{HARBIN}>"},
                           headers={"Accept": "text/turtle"})
    document = client.get("/doc/city/cn-harbin.ttl")
    d = Graph().parse(data=described.data, format="turtle")
    doc = Graph().parse(data=document.data, format="turtle")
    def outgoing(g: Graph) -> Graph:
        out = Graph()
        for t in g.triples((URIRef(HARBIN), None, None)):
            out.add(t)
        return out

    assert len(outgoing(d)) > 5
    assert isomorphic(outgoing(d), outgoing(doc))


# --- dumps -------------------------------------------------------------------------------

@pytest.fixture(scope="module")
def dumps(built: Settings, tmp_path_factory) -> Path:
    out = tmp_path_factory.mktemp("dumps")
    export(built, out)
    return out


@pytest.mark.contract
def test_two_exports_of_one_build_are_byte_identical(built: Settings, dumps: Path,
                                                     tmp_path: Path, backend: str,
                                                     request: pytest.FixtureRequest) -> None:
    """Also over the remote store: the build published there exports byte for byte alike."""
    export(built if backend == "embedded" else request.getfixturevalue(f"{backend}_store"),
           tmp_path)
    first = {p.name: p.read_bytes() for p in dumps.iterdir()}
    second = {p.name: p.read_bytes() for p in tmp_path.iterdir()}
    assert first.keys() == second.keys()
    assert all(first[name] == second[name] for name in first)


def test_a_dump_loads_into_an_isomorphic_dataset(store, dumps: Path) -> None:
    reloaded = ox.Store()
    reloaded.load(gzip.decompress((dumps / "all.nq.gz").read_bytes()),
                  format=ox.RdfFormat.N_QUADS)
    # the dumps hold the named graphs; the store's default graph is their materialised union
    original = ox.Dataset(q for q in store.raw.quads_for_pattern(None, None, None, None)
                          if not isinstance(q.graph_name, ox.DefaultGraph))
    copy = ox.Dataset(reloaded.quads_for_pattern(None, None, None, None))
    assert not any(isinstance(q.graph_name, ox.DefaultGraph) for q in copy)
    original.canonicalize(ox.CanonicalizationAlgorithm.RDFC_1_0)
    copy.canonicalize(ox.CanonicalizationAlgorithm.RDFC_1_0)
    assert set(map(str, original)) == set(map(str, copy))


def test_checksums_licences_and_flat_csv(dumps: Path) -> None:
    for path in dumps.glob("*.gz"):
        digest, name = (dumps / f"{path.name}.sha256").read_text().split()
        assert name == path.name and digest == hashlib.sha256(path.read_bytes()).hexdigest()
    void = (dumps / "void.ttl").read_text()
    assert "licence-cc-by-sa-4.0.nq.gz" in void and "dcterms:license" in void
    rows = (dumps / "twinning-pairs.csv").read_text().splitlines()
    assert rows[0].startswith("agreement,party_a,party_a_label")
    assert any("cn-harbin--ru-khabarovsk" in row for row in rows)


def test_h48_dumps_with_ranges_and_validators(built: Settings, dumps: Path) -> None:
    app = create_app(built.with_overrides(dumps=dumps, threads=1)).test_client()
    head = app.head("/dumps/latest/all.nq.gz")
    assert head.status_code == 200
    assert head.headers["Content-Type"] == "application/gzip"
    assert head.headers["Accept-Ranges"] == "bytes"
    assert head.headers["ETag"] and head.headers["Last-Modified"]
    part = app.get("/dumps/latest/all.nq.gz", headers={"Range": "bytes=0-99"})
    assert part.status_code == 206
    assert part.headers["Content-Range"].startswith("bytes 0-99/")
    assert len(part.data) == 100
    assert app.get("/dumps/latest/all.nq.gz.sha256").status_code == 200
    assert app.get("/dumps/latest/..%2Fsecret").status_code == 404


@pytest.mark.contract
def test_h49_graph_store_turtle_is_stable(client) -> None:
    graph = "https://w3id.org/c2c/graph/derived"
    first = client.get("/rdf-graph-store", query_string={"graph": graph})
    second = client.get("/rdf-graph-store", query_string={"graph": graph},
                        headers={"Cache-Control": "no-cache"})
    assert first.data == second.data and first.data.startswith(b"@prefix")


def test_h46_ontology_terms_resolve(client) -> None:
    turtle = client.get("/ont", headers={"Accept": "text/turtle"})
    assert turtle.mimetype == "text/turtle"
    assert b"c2c:TwinningAgreement a owl:Class" in turtle.data
    html = client.get("/ont", headers={"Accept": "text/html"}).data.decode()
    assert 'id="TwinningAgreement"' in html and 'id="twinnedWith"' in html


def test_skos_concepts_are_served_at_their_iris(client) -> None:
    r = client.get("/vocab/agreement-types/sister-city", headers={"Accept": "text/turtle"})
    assert r.status_code == 200
    g = Graph().parse(data=r.data, format="turtle")
    concept = URIRef("https://w3id.org/c2c/vocab/agreement-types/sister-city")
    assert len(list(g.triples((concept, None, None)))) > 3
    page = client.get("/vocab/agreement-types/sister-city.html",
                      headers={"Accept-Language": "ru"}).data.decode()
    assert "город-побратим" in page


@pytest.mark.parametrize(("text", "expected"), [
    ("北京", "region/cn-bj"), ("Beijing", "region/cn-bj"), ("Peking", "region/cn-bj"),
    ("Санкт-Петербург", "city/ru-saint-petersburg"),
    ("Sankt-Peterburg", "city/ru-saint-petersburg"),
    ("Saint Petersburg", "city/ru-saint-petersburg"), ("Pietari", "city/ru-saint-petersburg"),
    ("harbin", "city/cn-harbin"), ("哈尔滨", "city/cn-harbin"), ("Lao Cai", "city/vn-lao-cai"),
])
@pytest.mark.contract
def test_search_across_languages_scripts_and_transliterations(client, text: str,
                                                              expected: str) -> None:
    r = client.get("/search", query_string={"q": text}, headers={"Accept": "application/json"})
    results = r.get_json()["results"]
    assert results and results[0]["iri"] == f"https://w3id.org/c2c/id/{expected}", results[:3]
    page = client.get("/search", query_string={"q": text}, headers={"Accept": "text/html"})
    assert f'href="/id/{expected}"' in page.data.decode()


@pytest.mark.contract
def test_the_same_search_from_sparql(client) -> None:
    q = ('SELECT ?place WHERE { ?place c2c:searchKey ?key FILTER (CONTAINS(?key, "pietari")) }')
    r = client.get("/sparql", query_string={"query": q})
    places = {b["place"]["value"] for b in r.get_json(force=True)["results"]["bindings"]}
    assert places == {"https://w3id.org/c2c/id/city/ru-saint-petersburg"}


@pytest.mark.contract
def test_country_page_has_a_timeline_across_policy_periods(client) -> None:
    page = client.get("/doc/country/cn.html", query_string={"with": "ru"}).data.decode()
    periods = re.findall(r'<h3 class="period[^"]*"[^>]*>([^<]*) \((\d+)\)</h3>', page)
    names = [name for name, _ in periods]
    assert any(name.startswith("1990s") for name in names)
    assert any(name.startswith("2010s") for name in names)
    assert names.index(next(n for n in names if n.startswith("1990s"))) < \
        names.index(next(n for n in names if n.startswith("2010s")))
    assert "1993: " in page and "Khabarovsk" in page
    assert re.search(r'1993: <a href="/id/city/cn-harbin">Harbin</a> – '
                     r'<a href="/id/city/ru-khabarovsk">Khabarovsk</a>', page)  # both parties
    everything = client.get("/doc/country/cn.html").data.decode()
    assert everything.count("timeline-agreement") >= page.count("timeline-agreement") > 5


@pytest.mark.parametrize("text", ["lao cai", "北京市", 'a "quoted" name', "back\\slash",
                                  "line\nbreak", "tab\tand\rreturn", "\x00nul"])
def test_search_keys_are_written_as_valid_n_triples(text: str) -> None:
    """The search graph is written as N-Triples text; any key survives Oxigraph's parser."""
    from loaders.search import _nt_string

    line = f"<https://w3id.org/c2c/id/city/x> <https://w3id.org/c2c/ont#searchKey> " \
           f"{_nt_string(text)} .\n"
    [triple] = list(ox.parse(line.encode("utf-8"), format=ox.RdfFormat.N_TRIPLES))
    assert triple.object == ox.Literal(text)


def test_ont_serves_pylode_documentation_with_toc_and_every_class(client) -> None:
    """/ont for HTML clients is pyLODE's documentation (rendered once, cached): a table of
    contents, every class and property with an anchor, domains, ranges, the class hierarchy."""
    from rdflib.namespace import OWL, RDF

    r = client.get("/ont", headers={"Accept": "text/html"})
    assert (r.status_code, r.mimetype) == (200, "text/html")
    html = r.data.decode()
    assert 'id="toc"' in html and "Classes" in html
    ontology = Graph().parse(ROOT / "ontology" / "c2c.ttl", format="turtle")
    classes = {str(c).removeprefix(C2C_NS) for c in ontology.subjects(RDF.type, OWL.Class)
               if str(c).startswith(C2C_NS)}
    assert len(classes) > 10
    terms = {str(t).removeprefix(C2C_NS) for t in ontology.subjects()
             if str(t).startswith(C2C_NS) and str(t) != C2C_NS}
    assert classes < terms
    missing = sorted(t for t in terms if f'id="{t}"' not in html)  # /ont#{term} lands on it
    assert not missing
    assert "Domain" in html and "Range" in html and "Sub Class Of" in html
    assert client.get("/ont.html").data == r.data  # the cache answers the same page
    assert client.get("/ont", headers={"Accept": "text/turtle"}).mimetype == "text/turtle"


def _void_dumps(app) -> dict[str, tuple[str, str]]:
    """VoID's dump entries: file name → (SHA-256, store version)."""
    g = Graph().parse(data=app.get("/.well-known/void", headers={"Accept": "text/turtle"}).data,
                      format="turtle")
    rows = g.query("""PREFIX dcat: <http://www.w3.org/ns/dcat#>
        PREFIX void: <http://rdfs.org/ns/void#> PREFIX spdx: <http://spdx.org/rdf/terms#>
        SELECT ?url ?sha ?version WHERE { ?d void:dataDump ?url . ?url dcat:version ?version ;
            spdx:checksum [ spdx:checksumValue ?sha ] }""")
    return {str(url).rsplit("/", 1)[-1]: (str(sha), str(version)) for url, sha, version in rows}


def test_dump_index_and_void_always_describe_the_served_store(built: Settings,
                                                               tmp_path: Path) -> None:
    """/dumps/latest/ lists each file with size, SHA-256, statements and the store version it
    is of; VoID lists the dumps only while that is the served version: after an import (a new
    store version) it lists none and says why, and after the next export the new files."""
    import shutil

    from loaders.importers import run_import, save_and_apply

    shutil.copytree(built.store, tmp_path / "store", symlinks=True)
    settings = built.with_overrides(store=tmp_path / "store", dumps=tmp_path / "dumps")
    export(settings, settings.dumps)
    app = create_app(settings.with_overrides(threads=1)).test_client()

    def index() -> dict:
        r = app.get("/dumps/latest/", headers={"Accept": "application/json"})
        assert r.mimetype == "application/json"
        return json.loads(r.data)

    version = json.loads(app.get("/healthz").data)["version"]
    listing = index()
    assert (listing["store_version"], listing["current"]) == (version, True)
    names = {f["name"] for f in listing["files"]}
    assert {"all.nq.gz", "twinning-pairs.csv", "licence-cc-by-4.0.nq.gz"} <= names
    for f in listing["files"]:
        body = app.get(f"/dumps/latest/{f['name']}").data
        assert (len(body), hashlib.sha256(body).hexdigest()) == (f["size"], f["sha256"])
    nquads = gzip.decompress(app.get("/dumps/latest/all.nq.gz").data).decode()
    all_nq = next(f for f in listing["files"] if f["name"] == "all.nq.gz")
    assert all_nq["triples"] == len(nquads.splitlines()) > 3000
    assert _void_dumps(app) == {f["name"]: (f["sha256"], version) for f in listing["files"]}
    page = app.get("/dumps/latest/", headers={"Accept": "text/html"}).data.decode()
    assert version in page and all(f'href="/dumps/latest/{n}"' in page for n in names)

    result = run_import(settings, "wikipedia", FIXTURES / "imports" / "wikipedia_small.csv")
    save_and_apply(settings, result)
    newer = json.loads(app.get("/healthz").data)["version"]
    assert newer != version
    assert (index()["store_version"], index()["current"]) == (version, False)
    assert _void_dumps(app) == {}
    void = app.get("/.well-known/void", headers={"Accept": "text/turtle"}).data.decode()
    assert f"dumps of store version {version}, not of the served version {newer}" in void
    assert "class=\"stale\"" in app.get("/dumps/latest/").data.decode()

    export(settings, settings.dumps)
    listing = index()
    assert (listing["store_version"], listing["current"]) == (newer, True)
    assert _void_dumps(app) == {f["name"]: (f["sha256"], newer) for f in listing["files"]}
@pytest.mark.contract
def test_query_page_without_javascript_shows_an_html_table(client) -> None:
    query = "SELECT ?a ?b WHERE { ?a c2c:twinnedWith ?b } LIMIT 7"
    page = client.get("/query", query_string={"query": query}).data.decode()
    assert page.count("<tr>") - page.count("<tr><th") >= 7
    assert 'id="result-table"' in page and 'href="/id/' in page


def test_every_example_declares_its_prefixes() -> None:
    """The gallery's texts parse without c2c's predeclared prefixes (as YASGUI parses them)."""
    from rdflib.plugins.sparql import prepareQuery

    from endpoint.service import example
    from loaders.kernel import assets

    for name, text in assets.competency_questions():
        shown = example(name, text)
        assert shown["title"].endswith("?"), shown["title"]  # the question, one sentence
        prepareQuery(shown["text"], initNs={})  # raises on an undeclared prefix


def test_map_packages_are_served_from_var_node(client) -> None:
    from endpoint.vendor import maps_available

    if not maps_available():
        pytest.skip("the npm map packages are not installed ('make assets')")
    atlas = client.get("/assets/vendor/countries-110m.json")
    assert atlas.status_code == 200 and b'"countries"' in atlas.data
    assert client.get("/assets/vendor/d3-geo.min.js").status_code == 200
    assert client.get("/assets/vendor/../../package.json").status_code == 404
