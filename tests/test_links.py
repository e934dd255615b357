"""Every IRI c2c mints dereferences, and no page links to a 404 (issue 17).

A crawler over a real gunicorn serving the default build (``full_build``): it reads the links
of each page it parses (``href`` attributes, whatever the templates hold), requests every
``/id/``, ``/doc/`` and ``/vocab/`` link it finds, and asserts that none answers 404 or 5xx
(an ``/id/`` link that is not parsed itself counts as found when it answers 303). Pages
parsed: the home page, every page it links to, and the page of every thing of a
deterministic sample of the store (see :func:`_sample`). Parts minted under a thing's IRI
(``…/centroid``, ``…/venue``, ``…/begin``, ``…/end``) are checked kind by kind.
"""

from __future__ import annotations

import json
import os
import urllib.error
import urllib.request
from collections import defaultdict
from concurrent.futures import ThreadPoolExecutor
from html.parser import HTMLParser
from urllib.parse import urljoin, urlsplit

import pytest

from tests.conftest import free_port, run_gunicorn

BASE = "https://w3id.org/c2c/"
THINGS = """SELECT DISTINCT ?x ?g WHERE {
    { GRAPH ?g { ?x ?p ?o } } UNION { GRAPH ?g { ?s ?p ?x } }
    FILTER (isIRI(?x) && STRSTARTS(STR(?x), "https://w3id.org/c2c/id/"))
}"""
LINKED = ("/id/", "/doc/", "/vocab/")
"""The links checked: things, their documents, and the SKOS concepts."""
PER_KIND = 10**6 if os.environ.get("C2C_CRAWL_ALL") == "1" else 1
"""Things taken per IRI kind and per named graph (the first in IRI order). The whole default
build (about 4,500 things, 6 links and more per page) takes several minutes to crawl, over the
suite's 5-minute budget, so the test crawls this deterministic sample, which covers every kind
and every source (two per kind and graph took 90 s on an idle 2-core machine).
``C2C_CRAWL_ALL=1`` parses the page of every thing instead (on demand; the figures are in
bench/README.md)."""


@pytest.fixture(scope="module")
def full_server(full_build):
    settings = full_build[0]
    with run_gunicorn(settings, free_port(), C2C_THREADS="4") as base:
        yield base


class _Links(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.hrefs: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        for name, value in attrs:
            if name == "href" and value:
                self.hrefs.append(value)


class _NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args, **kwargs):
        return None


_NOT_FOLLOWING = urllib.request.build_opener(_NoRedirect)


def _get(url: str, accept: str = "text/html,*/*;q=0.8", follow: bool = True
         ) -> tuple[int, str, bytes]:
    """Status (after redirects, unless not *follow*), content type and body of a GET."""
    request = urllib.request.Request(url, headers={"Accept": accept})
    opener = urllib.request.urlopen if follow else _NOT_FOLLOWING.open
    try:
        with opener(request, timeout=60) as response:
            return response.status, response.headers.get("Content-Type", ""), response.read()
    except urllib.error.HTTPError as error:
        return error.code, error.headers.get("Content-Type", ""), error.read()


def _crawlable(base: str, page: str, href: str) -> str | None:
    """The absolute URL of an ``/id/`` or ``/doc/`` link on this server, or None."""
    url = urljoin(page, href.split("#", 1)[0])
    parts = urlsplit(url)
    if f"{parts.scheme}://{parts.netloc}" != base:
        return None
    return url if parts.path.startswith(LINKED) else None


def _sample(store) -> tuple[list[str], dict[str, set[str]]]:
    """Every minted IRI the store holds, by kind (``city``, ``city/centroid``, ``source`` …),
    and a deterministic sample: the first PER_KIND IRIs of each kind and of each named graph
    (so every kind and every source is covered), in IRI order."""
    kinds: dict[str, set[str]] = defaultdict(set)
    graphs: dict[str, set[str]] = defaultdict(set)
    for row in store.query(THINGS):
        iri = row["x"].value
        segments = iri.removeprefix(BASE + "id/").split("/")
        kind = segments[0] + (f"/{segments[2]}" if len(segments) > 2 else "")
        kinds[kind].add(iri)
        graphs[row["g"].value].add(iri)
    chosen: set[str] = set()
    for group in (*kinds.values(), *graphs.values()):
        chosen.update(sorted(group)[:PER_KIND])
    return sorted(chosen), kinds


def test_every_id_and_doc_link_on_every_crawled_page_answers(full_build, full_server) -> None:
    _settings, _summary, store, _imported = full_build
    base = full_server
    sample, kinds = _sample(store)
    assert {"city", "city/centroid", "source", "source/venue", "agreement", "country",
            "region", "policy-period/begin"} <= set(kinds)
    statuses: dict[str, int] = {}
    linked_from: dict[str, str] = {}

    def parse(page: str) -> list[str]:
        status, content_type, body = _get(page)
        statuses[page] = status
        if status != 200 or not content_type.startswith("text/html"):
            return []
        collector = _Links()
        collector.feed(body.decode("utf-8"))
        found = []
        for href in collector.hrefs:
            url = _crawlable(base, page, href)
            if url is not None:
                found.append(url)
                linked_from.setdefault(url, page)
        return found

    home_links = parse(base + "/")
    # the pages the home page links to are parsed, except its /id/ and /doc/ links (one per
    # country): those are checked like every other link, and parsed only when sampled
    home_pages = sorted({urljoin(base, h) for h in _home_hrefs(base)
                         if urlsplit(urljoin(base, h)).netloc == urlsplit(base).netloc
                         and not urlsplit(urljoin(base, h)).path.startswith(LINKED)})
    pages = [*home_pages, *(base + "/id/" + iri.removeprefix(BASE + "id/") for iri in sample)]
    with ThreadPoolExecutor(max_workers=6) as pool:
        found = [url for urls in pool.map(parse, pages) for url in urls]
        links = _one_per_format(sorted(set(home_links + found) - set(statuses)))
        for url, status in zip(links, pool.map(_check, links), strict=True):
            statuses[url] = status
    crawled = [u for u in statuses if urlsplit(u).path.startswith(LINKED)]
    broken = {u: (s, linked_from.get(u)) for u, s in statuses.items()
              if s == 404 or s >= 500}
    assert not broken, f"{len(broken)} broken of {len(crawled)}: {sorted(broken.items())[:10]}"
    assert len(crawled) > len(sample)  # the pages' links were followed, not only the sample
    print(f"{len(pages)} pages parsed, {len(crawled)} /id/, /doc/ and /vocab/ URLs answered, "
          f"{sum(urlsplit(u).path.startswith('/vocab/') for u in crawled)} of them /vocab/")


SUFFIXES = (".ttl", ".jsonld", ".nt", ".rdf", ".geojson", ".html")


def _one_per_format(links: list[str]) -> list[str]:
    """Every link, except that a document's other formats (``/doc/{kind}/{key}.ttl`` …) are
    checked once per kind and format: they are answered by the code path of the document
    itself (checked for every thing linked), which only serialises it differently, and
    checking each format of every page made the crawl take 90 s."""
    seen: set[tuple[str, str]] = set()
    kept = []
    for url in links:
        path = urlsplit(url).path
        suffix = next((s for s in SUFFIXES if path.endswith(s)), None)
        if path.startswith("/doc/") and suffix is not None:
            key = (path.split("/")[2], suffix)
            if key in seen:
                continue
            seen.add(key)
        kept.append(url)
    return kept


def _check(url: str) -> int:
    """The status of a link that is not parsed: an ``/id/`` link answers 303 when the store
    knows the thing (its document is the same code path as the parsed pages'), a ``/doc/``
    link is fetched."""
    status = _get(url, follow=False)[0]
    return 200 if status == 303 and urlsplit(url).path.startswith("/id/") else status


def _home_hrefs(base: str) -> list[str]:
    collector = _Links()
    collector.feed(_get(base + "/")[2].decode("utf-8"))
    return [h for h in collector.hrefs if not h.startswith(("http:", "https:", "#", "mailto:"))
            and not h.startswith("/assets/")]


@pytest.mark.parametrize("part", ["city/cn-harbin/centroid", "source/c21-2018/venue",
                                  "policy-period/makeeva-2000s/begin"])
def test_parts_minted_under_a_thing_dereference(full_server, part: str) -> None:
    request = urllib.request.Request(f"{full_server}/id/{part}",
                                     headers={"Accept": "text/turtle"})
    with urllib.request.urlopen(request, timeout=30) as response:  # follows the 303
        assert response.url.endswith(f"/doc/{part}")
        body = response.read().decode()
    assert f"<{BASE}id/{part}>" in body


def test_a_place_document_holds_its_geometry(full_server) -> None:
    status, _type, body = _get(f"{full_server}/doc/city/cn-harbin", "text/turtle")
    assert status == 200
    text = body.decode()
    assert f"geo:hasCentroid <{BASE}id/city/cn-harbin/centroid>" in text
    assert '"POINT(126.63333 45.75)"^^geo:wktLiteral' in text


@pytest.mark.parametrize("path", ["/id/city/cn-harbin", "/doc/city/cn-harbin",
                                  "/doc/city/cn-harbin.geojson"])
def test_a_place_as_geojson(full_server, path: str) -> None:
    status, content_type, body = _get(full_server + path, "application/geo+json")
    assert (status, content_type) == (200, "application/geo+json")
    feature = json.loads(body)
    assert feature["type"] == "Feature" and feature["id"] == f"{BASE}id/city/cn-harbin"
    # the centroid as data/places.csv gives it (GeoNames 2037013): longitude first
    assert feature["geometry"] == {"type": "Point", "coordinates": [126.63333, 45.75]}
    assert feature["properties"]["labels"]["zh-hans"] == "哈尔滨市"


def test_geojson_is_not_offered_for_things_without_geometry(full_server) -> None:
    assert _get(f"{full_server}/doc/source/c21-2018", "application/geo+json")[0] == 406
    assert _get(f"{full_server}/doc/source/c21-2018.geojson")[0] == 404
