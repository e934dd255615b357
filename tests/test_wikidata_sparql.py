"""`c2c import wikidata --endpoint URL`: the live Wikidata reader against a real `oxigraph serve`
(PyPI `oxigraph`) on 127.0.0.1, loaded with tests/fixtures/wikidata/p190.ttl (Wikidata's own
RDF shape). A small recording proxy in front of it answers 429 or a malformed body on demand;
an unused port stands for an unreachable endpoint. Never the internet."""

from __future__ import annotations

import shutil
import subprocess
import sys
import threading
import urllib.error
import urllib.request
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from urllib.parse import parse_qs

import pytest
from rdflib import Literal, URIRef
from rdflib.namespace import DCTERMS, OWL, PROV, XSD

from loaders.importers.wikidata_sparql import USER_AGENT, import_from_endpoint
from loaders.kernel.config import Settings
from loaders.kernel.namespaces import C2C, SCHEMA
from loaders.kernel.store import StoreLocation
from tests.conftest import DATA, ROOT, copy_of_built, free_port, wait_for_http

FIXTURE = Path(__file__).parent / "fixtures" / "wikidata" / "p190.ttl"
ID = "https://w3id.org/c2c/id/"
ENDED = URIRef("https://w3id.org/c2c/vocab/agreement-status/ended")


def _oxigraph() -> str:
    found = shutil.which("oxigraph") or str(Path(sys.executable).parent / "oxigraph")
    if not Path(found).exists():
        pytest.skip("the `oxigraph` server (PyPI oxigraph, in the test extras) is not installed")
    return found


@pytest.fixture(scope="module")
def endpoint(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """`oxigraph serve-read-only` over the fixture; yields its query URL."""
    oxigraph = _oxigraph()
    location = tmp_path_factory.mktemp("wikidata-oxigraph")
    subprocess.run([oxigraph, "load", "--location", str(location), "--file", str(FIXTURE)],
                   check=True, capture_output=True)
    port = free_port()
    process = subprocess.Popen([oxigraph, "serve-read-only", "--location", str(location),
                                "--bind", f"127.0.0.1:{port}"],
                               stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    url = f"http://127.0.0.1:{port}/query"
    try:
        wait_for_http(f"{url}?query=ASK%7B%7D", process=process)
        yield url
    finally:
        process.terminate()
        process.wait(timeout=15)


class Proxy:
    """An HTTP server on 127.0.0.1 that records every request and answers from *plan* — a list
    of (status, body, headers) — until it is used up, then forwards to *upstream*."""

    def __init__(self, upstream: str, plan: list[tuple[int, bytes, dict]] | None = None,
                 *, forever: tuple[int, bytes, dict] | None = None) -> None:
        self.upstream, self.plan, self.forever = upstream, list(plan or []), forever
        self.requests: list[tuple[dict, str]] = []
        proxy = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                body = self.rfile.read(int(self.headers.get("Content-Length", 0)))
                proxy.requests.append((dict(self.headers), body.decode("utf-8")))
                answer = proxy.plan.pop(0) if proxy.plan else proxy.forever
                if answer is None:
                    request = urllib.request.Request(
                        proxy.upstream, data=body, method="POST",
                        headers={"Content-Type": self.headers["Content-Type"],
                                 "Accept": self.headers["Accept"]})
                    with urllib.request.urlopen(request, timeout=30) as response:
                        answer = (response.status, response.read(),
                                  {"Content-Type": response.headers["Content-Type"]})
                status, payload, headers = answer
                self.send_response(status)
                for name, value in headers.items():
                    self.send_header(name, value)
                self.send_header("Content-Length", str(len(payload)))
                self.end_headers()
                self.wfile.write(payload)

            def log_message(self, *args) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}/query"
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def close(self) -> None:
        self.server.shutdown()
        self.server.server_close()


@pytest.fixture
def proxy(endpoint: str) -> Iterator[Proxy]:
    p = Proxy(endpoint)
    yield p
    p.close()


@pytest.fixture(scope="module")
def served(built: Settings, tmp_path_factory: pytest.TempPathFactory) -> Settings:
    """A curated-only store: the error tests must leave it as it is; the last test imports
    into it."""
    return copy_of_built(built, tmp_path_factory.mktemp("wikidata"), wikidata_page_size=2,
                         wikidata_retries=3, wikidata_backoff=0.01)


def test_a_429_is_retried_after_its_retry_after(served: Settings, proxy: Proxy) -> None:
    waited: list[float] = []
    proxy.plan = [(429, b"slow down", {"Retry-After": "0"}),  # retried at once
                  (503, b"busy", {"Content-Type": "text/plain"})]
    fetched, result, _ = import_from_endpoint(served, proxy.url, "CN", apply=False,
                                              sleep=waited.append)
    assert len(fetched.rows) == 6 and result.agreements == 5
    assert fetched.requests == 6  # two refused, then four pages
    assert waited == [0.0, 0.02]  # the 429's Retry-After: 0, then the second back-off


def _env(settings: Settings, monkeypatch: pytest.MonkeyPatch) -> dict[str, str]:
    env = {"C2C_STORE": str(settings.store), "C2C_DATA": str(DATA), "C2C_WIKIDATA_RETRIES": "2",
           "C2C_WIKIDATA_BACKOFF": "0.01", "C2C_WIKIDATA_TIMEOUT": "5"}
    for name, value in env.items():
        monkeypatch.setenv(name, value)
    return env


@pytest.mark.parametrize(("answer", "message"), [
    (None, "endpoint unreachable"),
    ((429, b"Too Many Requests", {"Retry-After": "0"}), "HTTP 429"),
    ((200, b"<html>not json</html>", {"Content-Type": "application/sparql-results+json"}),
     "malformed answer, not SPARQL results JSON"),
    ((200, b'{"head": {"vars": []}, "results": {"bindings": [{"a": 1}]}}',
      {"Content-Type": "application/sparql-results+json"}), "row 1: ?statement is not"),
])
def test_errors_are_one_line_and_change_nothing(served: Settings, endpoint: str, answer,
                                               message: str, monkeypatch, capsys) -> None:
    from loaders.pipeline.cli import main

    _env(served, monkeypatch)
    location = StoreLocation(served.store)
    before = location.current()
    if answer is None:
        url, proxy = f"http://127.0.0.1:{free_port()}/query", None
    else:
        proxy = Proxy(endpoint, forever=answer)
        url = proxy.url
    try:
        code = main(["import", "wikidata", "--endpoint", url, "--country", "CN"])
    finally:
        if proxy is not None:
            proxy.close()
    stderr = capsys.readouterr().err
    assert code == 4, stderr
    lines = stderr.strip().splitlines()
    assert len(lines) == 1 and "Traceback" not in stderr, stderr
    assert lines[0].startswith(f"c2c import: error: {url}: ")
    assert message in lines[0]
    if answer is not None and answer[0] == 429:
        assert "after 3 attempt(s)" in lines[0] and len(proxy.requests) == 3
    assert location.current() == before
    assert not (Path(served.store) / "imports").exists()


def test_the_command_exits_4_with_one_line(served: Settings, monkeypatch) -> None:
    """The same through the real `c2c` process (an unreachable endpoint)."""
    env = {**_env(served, monkeypatch), "PATH": str(Path(sys.executable).parent)}
    url = f"http://127.0.0.1:{free_port()}/query"
    result = subprocess.run([sys.executable, "-m", "loaders.pipeline.cli", "import", "wikidata",
                             "--endpoint", url], capture_output=True, text=True, cwd=ROOT,
                            env=env, check=False, timeout=120)
    assert result.returncode == 4
    assert result.stderr.count("\n") == 1 and "Traceback" not in result.stderr
    assert "endpoint unreachable" in result.stderr


def test_endpoint_and_file_do_not_mix(served: Settings, monkeypatch, capsys) -> None:
    from loaders.pipeline.cli import main

    _env(served, monkeypatch)
    assert main(["import", "wikipedia", "--endpoint", "http://127.0.0.1:9/query"]) == 1
    stderr = capsys.readouterr().err
    assert "--endpoint" in stderr and "Traceback" not in stderr


def test_unreachable_endpoint_in_process_waits_with_back_off(served: Settings) -> None:
    from loaders.kernel.errors import RemoteError

    waited: list[float] = []
    url = f"http://127.0.0.1:{free_port()}/query"
    with pytest.raises(RemoteError) as caught:
        import_from_endpoint(served, url, "CN", sleep=waited.append)
    assert waited == [0.01, 0.02, 0.04]  # 3 retries, doubling
    assert "after 4 attempt(s) (page 1, OFFSET 0)" in str(caught.value)
    with pytest.raises(urllib.error.URLError):  # really nothing there
        urllib.request.urlopen(url, timeout=2)


def test_live_import_keeps_precision_status_and_source(served: Settings, proxy: Proxy) -> None:
    """Runs last: it changes the module's store."""
    settings = served
    fetched, result, report = import_from_endpoint(settings, proxy.url, "CN")

    # paged in statement order, 2 a page, with the User-Agent; Helsinki–Saint Petersburg (no
    # Chinese side), the deprecated statement and the "unknown value" never arrive
    assert [len(r) for r in (fetched.rows,)] == [6]
    assert fetched.pages == 4 and fetched.requests == 4
    assert all(h["User-Agent"] == USER_AGENT for h, _ in proxy.requests)
    assert USER_AGENT.startswith("c2c/")
    queries = [parse_qs(body)["query"][0] for _, body in proxy.requests]
    assert [q.rsplit("OFFSET", 1)[1].strip() for q in queries] == ["0", "2", "4", "6"]
    assert all('VALUES ?only { "CN" }' in q and "LIMIT 2" in q for q in queries)
    p = fetched.precisions()
    assert (p["day"], p["month"], p["year"], p["coarser than a year"]) == (2, 1, 1, 1)

    triples = {t for g in result.graphs for t in g}
    source = URIRef(ID + f"source/{result.key}")
    assert (source, DCTERMS.license,
            URIRef("https://creativecommons.org/publicdomain/zero/1.0/")) in triples
    assert (source, PROV.wasDerivedFrom, URIRef(ID + "source/wikidata")) in triples
    # no curated agreement: Wikidata's date to the day, as schema:startDate
    def place_of(qid: str) -> URIRef:  # the place the import minted for a QID (its links graph)
        return next(s for s, p_, o in triples
                    if p_ == OWL.sameAs and o == URIRef(f"http://www.wikidata.org/entity/{qid}"))

    def agreement_of(a: URIRef, b: URIRef) -> URIRef:
        return next(s for s, p_, o in triples if p_ == C2C.hasParty and o == a
                    and (s, C2C.hasParty, b) in triples)

    harbin, suzhou = URIRef(ID + "city/cn-harbin"), URIRef(ID + "city/cn-suzhou-js")  # curated
    krasnodar = agreement_of(harbin, place_of("Q3646"))
    assert (krasnodar, SCHEMA.startDate, Literal("2004-08-01", datatype=XSD.date)) in triples
    # the curated date of Harbin–Khabarovsk is Wikidata's too: a plain statement of each source
    harbin_khabarovsk = URIRef(ID + "agreement/cn-harbin--ru-khabarovsk")
    assert (harbin_khabarovsk, SCHEMA.startDate,
            Literal("1993-06-15", datatype=XSD.date)) in triples
    # other curated dates stay; Wikidata's are claims beside them, at Wikidata's precision
    claims = {(str(s).rsplit("/", 1)[1], o) for s, p_, o in triples if p_ == C2C.claimedDate}
    assert {(k.split("--import-")[0], v) for k, v in claims} == {
        ("cn-sh--ru-saint-petersburg--1988", Literal("1988", datatype=XSD.gYear)),
        ("cn-dalian--ru-vladivostok--1992-05", Literal("1992-05", datatype=XSD.gYearMonth)),
    }
    assert fetched.claims == 2
    assert not any(p_ == SCHEMA.startDate for s, p_, _ in triples
                   if str(s).endswith(("cn-sh--ru-saint-petersburg", "cn-dalian--ru-vladivostok")))
    # a start of decade precision is left out; the end time makes the agreement ended
    suzhou_venice = agreement_of(suzhou, place_of("Q641"))
    assert (suzhou_venice, SCHEMA.endDate, Literal("2015", datatype=XSD.gYear)) in triples
    assert (suzhou_venice, C2C.status, ENDED) in triples
    assert not any(s == suzhou_venice and p_ == SCHEMA.startDate for s, p_, _ in triples)
    # P625 arrives whole and is evidence: Venice's QID, in no gazetteer file, reaches the
    # GeoNames town of its label within 10 km of its point instead of a place of its own
    assert any(r.get(f"{side}Coordinates", {}).get("value") == "Point(12.33265 45.43713)"
               for r in fetched.rows for side in "ab")
    assert place_of("Q641") == URIRef(ID + "city/gn-3164603")

    # applied: validated, derived, served, and kept with the answer it was read from
    store = StoreLocation(settings.store).open_current()
    assert store.query(f"ASK {{ <{suzhou_venice}> c2c:status <{ENDED}> }}")
    assert store.query(f"ASK {{ <{krasnodar}> c2c:startYear 2004 }}")
    dates = store.query("SELECT DISTINCT ?d WHERE { "
                        f"<{harbin_khabarovsk}> schema:startDate ?d }}")
    assert len(list(dates)) == 1  # one value, stated by two sources
    assert report is not None and report.exists()
    assert (report.parent / f"{result.key}-answer.json").exists()
