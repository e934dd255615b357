"""The fast path below Flask (``endpoint/fastpath.py``, ``C2C_FAST_PATH``) answers exactly as
Flask's path does.

Two real gunicorns over the session's build, one with the fast path on and one with it off,
get the same table of requests in the same order: methods, ``Accept`` and ``format=`` for every
result format of the registry, bad queries, a timeout, CORS, conditional requests, gzip, cache
hits, a truncated page, and requests the fast path hands to Flask. Every answer must have the
same status, the same headers in the same order (``Date`` aside; ``Server-Timing`` carries a
duration, so only its form is compared) and the same body; then the query logs (time and
duration aside) and the ``/metrics`` counts must be the same; then a 429 of admission control.
"""

from __future__ import annotations

import http.client
import json
import re
import threading
import urllib.parse
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from types import SimpleNamespace

import pytest
from flask import Flask
from werkzeug.test import EnvironBuilder

from endpoint.fastpath import FastPath
from loaders.kernel.config import Settings
from loaders.kernel.results import GRAPH_FORMATS, SOLUTION_FORMATS
from tests.conftest import free_port, run_gunicorn

LIMIT = 2.0
MAX_ROWS = 20
HARBIN = "https://w3id.org/c2c/id/city/cn-harbin"
ASK = "ASK { ?s ?p ?o }"
SELECT = f"SELECT ?p ?o WHERE {{ <{HARBIN}> ?p ?o }} ORDER BY ?p ?o"
CONSTRUCT = f"CONSTRUCT {{ <{HARBIN}> ?p ?o }} WHERE {{ <{HARBIN}> ?p ?o }}"
DESCRIBE = f"DESCRIBE <{HARBIN}>"
MANY = "SELECT ?s ?p ?o WHERE { ?s ?p ?o } ORDER BY ?s ?p ?o LIMIT 50"
HEAVY = ("SELECT (COUNT(*) AS ?n) WHERE { ?a ?b ?c . ?d ?e ?f . ?g ?h ?i . "
         "?j ?k ?l . ?m ?n1 ?o . ?p ?q ?r }")
BUSY = ("SELECT (COUNT(*) AS ?n) WHERE { { SELECT ?a WHERE { ?a ?b ?c } LIMIT 2000 } "
        "{ SELECT ?d WHERE { ?d ?e ?f } LIMIT 2000 } }")
"""A query that keeps its client's place for a while (4 million rows counted: 0.4 s of CPU on
the curated build) and then ends by itself, well within the limit on the idle machine."""
ETAG = "{etag}"  # replaced by the ETag (unquoted) the server gave the first answer


@dataclass(frozen=True)
class Case:
    name: str
    method: str
    target: str
    headers: dict[str, str] = field(default_factory=dict)
    body: bytes | None = None
    fast: bool = True
    """Whether the fast path answers it (else it hands it to Flask)."""


def q(query: str, **params: str) -> str:
    return "/sparql?" + urllib.parse.urlencode({"query": query, **params})


def table() -> list[Case]:
    json_results = {"Accept": "application/sparql-results+json"}
    cases = [
        Case("select-json", "GET", q(SELECT), json_results),
        Case("select-json-again (cache hit)", "GET", q(SELECT), json_results),
        Case("head", "HEAD", q(SELECT), json_results),
        Case("ask-no-accept", "GET", q(ASK)),
        Case("ask-accept-any", "GET", q(ASK), {"Accept": "*/*"}),
        Case("ask-application-json", "GET", q(ASK), {"Accept": "application/json"}),
        Case("ask-q-values", "GET", q(ASK), {
            "Accept": "text/csv;q=0.5, application/sparql-results+xml;q=0.9, */*;q=0.1"}),
        Case("ask-html-only (406)", "GET", q(ASK), {"Accept": "text/html"}),
        Case("construct-html-only (406)", "GET", q(CONSTRUCT), {"Accept": "text/html"}),
        Case("accept-garbage", "GET", q(ASK), {"Accept": ";;;,q=x,/"}),
        Case("post-query", "POST", "/sparql", {"Content-Type": "application/sparql-query"},
             SELECT.encode()),
        Case("post-query-utf8", "POST", "/sparql",
             {"Content-Type": "application/sparql-query; charset=UTF-8",
              "Accept": "text/csv"}, SELECT.encode()),
        Case("post-query-latin1 (415)", "POST", "/sparql",
             {"Content-Type": "application/sparql-query; charset=latin-1"}, ASK.encode()),
        Case("post-query-not-utf8 (400)", "POST", "/sparql",
             {"Content-Type": "application/sparql-query"}, b"ASK { ?s ?p \xff }"),
        Case("post-query-and-url (400)", "POST", q(ASK),
             {"Content-Type": "application/sparql-query"}, ASK.encode()),
        Case("post-query-dataset", "POST",
             "/sparql?" + urllib.parse.urlencode(
                 {"default-graph-uri": "https://w3id.org/c2c/graph/derived"}),
             {"Content-Type": "application/sparql-query", **json_results},
             b"SELECT (COUNT(*) AS ?n) WHERE { ?s ?p ?o }"),
        Case("get-update (405)", "GET", "/sparql?" + urllib.parse.urlencode(
            {"update": "CLEAR ALL"})),
        Case("get-update-and-query (405)", "GET", q(ASK, update="CLEAR ALL")),
        Case("two-queries (400)", "GET", q(ASK) + "&query=" + urllib.parse.quote(ASK)),
        Case("empty-query (400)", "GET", "/sparql?query=&format=json"),
        Case("syntax-error (400)", "GET", q("SELECT * WHERE { ?s ?p }")),
        Case("undeclared-prefix (400)", "GET", q("SELECT * WHERE { ?s foo:bar ?o }")),
        Case("too-deep (400)", "GET", q("ASK " + "{" * 200 + "}" * 200)),
        Case("service (403)", "GET", q("SELECT * WHERE { SERVICE <http://127.0.0.1:9/> "
                                       "{ ?s ?p ?o } }")),
        Case("format-unknown (400)", "GET", q(ASK, format="bogus")),
        Case("offset-bad (400)", "GET", q(MANY, offset="-1")),
        Case("dataset-not-iri (400)", "GET", q(ASK, **{"default-graph-uri": "not an iri"})),
        Case("named-graph", "GET", q("SELECT ?g (COUNT(*) AS ?n) WHERE { GRAPH ?g { ?s ?p ?o } "
                                     "} GROUP BY ?g ORDER BY ?g",
                                     **{"named-graph-uri": "https://w3id.org/c2c/graph/derived"})),
        Case("truncated", "GET", q(MANY), json_results),
        Case("truncated-next-page", "GET", q(MANY, offset=str(MAX_ROWS)), json_results),
        Case("gzip", "GET", q(MANY), {"Accept-Encoding": "gzip", **json_results}),
        Case("gzip-refused", "GET", q(MANY), {"Accept-Encoding": "gzip;q=0", **json_results}),
        Case("gzip-small", "GET", q(ASK), {"Accept-Encoding": "gzip, deflate"}),
        Case("cors-origin", "GET", q(ASK), {"Origin": "https://example.org"}),
        Case("if-none-match", "GET", q(SELECT), {"If-None-Match": f'"{ETAG}"', **json_results}),
        Case("if-none-match-gzip", "GET", q(SELECT),
             {"If-None-Match": f'"x", W/"{ETAG}-gzip"', **json_results}),
        Case("if-none-match-star", "GET", q(SELECT), {"If-None-Match": "*", **json_results}),
        Case("if-none-match-other", "GET", q(SELECT),
             {"If-None-Match": '"0123", "4567"', **json_results}),
        Case("if-none-match-post (not cacheable)", "POST", "/sparql",
             {"If-None-Match": "*", "Content-Type": "application/sparql-query"},
             SELECT.encode()),
        Case("head-if-none-match", "HEAD", q(SELECT),
             {"If-None-Match": f'"{ETAG}"', **json_results}),
        Case("authorization-wrong-token", "GET", q(ASK), {"Authorization": "Bearer nope"}),
        Case("non-ascii", "GET", q('SELECT ?x WHERE { BIND("北京 Пекин" AS ?x) }')),
        Case("bad-percent-encoding", "GET", "/sparql?query=ASK%20%7B%3Fs%20%3Fp%20%ff%7D"),
        Case("timeout (503)", "GET", q(HEAVY)),
        Case("after-timeout", "GET", q(ASK, format="xml")),
        # handed to Flask
        Case("service-description-html", "GET", "/sparql", {"Accept": "text/html"}, fast=False),
        Case("options", "OPTIONS", "/sparql", {"Origin": "https://example.org"}, fast=False),
        Case("form-post", "POST", "/sparql", {
            "Content-Type": "application/x-www-form-urlencoded"},
            urllib.parse.urlencode({"query": ASK}).encode(), fast=False),
        Case("update-refused", "POST", "/sparql", {"Content-Type": "application/sparql-update"},
             b"CLEAR ALL", fast=False),
        Case("unknown-header", "GET", q(ASK), {"X-Forwarded-For": "10.0.0.1"}, fast=False),
        Case("range-header", "GET", q(ASK), {"Range": "bytes=0-3"}, fast=False),
        Case("uri-too-long (414)", "GET", q(ASK + " " * 9000), fast=False),
        Case("get-with-body", "GET", q(ASK), {"Content-Type": "text/plain"}, b"x", fast=False),
        Case("other-path", "GET", "/sparql/", fast=False),
        Case("put (405)", "PUT", q(ASK), fast=False),
    ]
    for fmt in SOLUTION_FORMATS:
        cases.append(Case(f"select-accept-{fmt.name}", "GET", q(SELECT),
                          {"Accept": fmt.media_type}))
        cases.append(Case(f"select-format-{fmt.name}", "GET", q(SELECT, format=fmt.name)))
        cases.append(Case(f"ask-accept-{fmt.name}", "GET", q(ASK), {"Accept": fmt.media_type}))
    for fmt in GRAPH_FORMATS:
        cases.append(Case(f"construct-accept-{fmt.name}", "GET", q(CONSTRUCT),
                          {"Accept": fmt.media_type}))
        cases.append(Case(f"describe-format-{fmt.name}", "GET", q(DESCRIBE, format=fmt.name)))
    return cases


Answer = tuple[int, list[tuple[str, str]], bytes]


def send(base: str, case: Case, etag: str, client: int = 1) -> Answer:
    parsed = urllib.parse.urlsplit(base)
    connection = http.client.HTTPConnection(parsed.hostname, parsed.port, timeout=60,
                                            source_address=(f"127.0.0.{client}", 0))
    headers = {name: value.replace(ETAG, etag.strip('"')) for name, value in case.headers.items()}
    try:
        connection.request(case.method, case.target, body=case.body, headers=headers)
        response = connection.getresponse()
        return response.status, response.getheaders(), response.read()
    finally:
        connection.close()


def comparable(answer: Answer) -> Answer:
    """The answer without ``Date``, with ``Server-Timing``'s duration checked and set aside."""
    status, headers, body = answer
    kept = []
    for name, value in headers:
        if name == "Date":
            continue
        if name == "Server-Timing":
            assert re.fullmatch(r"total;dur=\d+\.\d", value), value
            value = "total;dur=…"
        kept.append((name, value))
    return status, kept, body


def log_lines(path: Path) -> list[dict]:
    """The query log's lines, without their time and duration."""
    lines = []
    for line in path.read_text().splitlines():
        if not line.startswith("{"):
            continue  # gunicorn's own lines
        entry = json.loads(line)
        entry.pop("time", None)
        entry.pop("duration_ms", None)
        lines.append(entry)
    return lines


_COUNTS = re.compile(r"^(c2c_queries_total\{[^}]*\}|c2c_(timeouts|cache_hits|rows|"
                     r"executor_restarts|updates)_total|c2c_query_duration_seconds_count) (.*)$",
                     re.MULTILINE)


def counts(base: str) -> dict[str, str]:
    parsed = urllib.parse.urlsplit(base)
    connection = http.client.HTTPConnection(parsed.hostname, parsed.port, timeout=30)
    try:
        connection.request("GET", "/metrics")
        text = connection.getresponse().read().decode()
    finally:
        connection.close()
    return {m.group(1): m.group(3) for m in _COUNTS.finditer(text)}


def first_429(base: str) -> Answer:
    """Heavy queries from 127.0.0.2 run (again while one of them is itself refused because a
    cheap one of the same client was running); the same client's cheap queries are refused
    (429) while one runs. (Busy queries, not ``HEAVY``: the one running when the 429 came is
    waited for, and ``HEAVY`` would burn an executor up to its limit.)"""
    found = threading.Event()

    def heavy() -> None:
        while not found.is_set():
            send(base, Case("busy", "GET", q(BUSY)), "", client=2)

    thread = threading.Thread(target=heavy)
    thread.start()
    try:
        for attempt in range(2000):  # a query not in the result cache (a hit needs no admission)
            answer = send(base, Case("cheap", "GET", q(f'ASK {{ ?s ?p "{attempt}" }}')), "",
                          client=2)
            if answer[0] == 429:
                return answer
        raise AssertionError("no 429 while the same client's heavy queries ran")
    finally:
        found.set()
        thread.join()


@dataclass
class Run:
    answers: dict[str, Answer]
    log: list[dict]
    counts: dict[str, str]
    refused: Answer


def run(built: Settings, folder: Path, fast: str) -> Run:
    stderr = folder / f"gunicorn-fast-{fast}.log"
    with run_gunicorn(built, free_port(), stderr=stderr, C2C_FAST_PATH=fast,
                      C2C_WORKERS="1", C2C_EXECUTORS="2", C2C_THREADS="8",
                      C2C_CLIENT_CONCURRENCY="1", C2C_QUERY_TIMEOUT=str(LIMIT),
                      C2C_MAX_ROWS=str(MAX_ROWS), C2C_METRICS=str(folder / f"metrics-{fast}"),
                      C2C_QUERY_LOG_SAMPLE="1", C2C_PUBLIC_URL="http://c2c.test/") as base:
        answers: dict[str, Answer] = {}
        etag = ""
        for case in table():
            answers[case.name] = send(base, case, etag)
            if case.name == "select-json":
                etag = dict(answers[case.name][1])["ETag"]
        seen_counts = counts(base)
        log = log_lines(stderr)
        refused = first_429(base)
    return Run(answers, log, seen_counts, refused)


@pytest.fixture(scope="module")
def runs(built: Settings, tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[Run, Run]]:
    folder = tmp_path_factory.mktemp("fastpath")
    yield run(built, folder, "1"), run(built, folder, "0")


@pytest.mark.parametrize("case", table(), ids=lambda case: case.name)
def test_same_answer_with_and_without_the_fast_path(runs: tuple[Run, Run], case: Case) -> None:
    fast, flask = runs
    assert comparable(fast.answers[case.name]) == comparable(flask.answers[case.name])


def test_the_table_reaches_what_it_means_to(runs: tuple[Run, Run]) -> None:
    """Not a vacuous comparison: the table has answers of every kind it is meant to have."""
    answers = runs[0].answers
    statuses = {name: answer[0] for name, answer in answers.items()}
    assert statuses["select-json"] == 200
    assert statuses["if-none-match"] == 304 and statuses["head-if-none-match"] == 304
    assert statuses["if-none-match-other"] == 200
    assert statuses["timeout (503)"] == 503
    assert b"query-timeout" in answers["timeout (503)"][2]
    assert statuses["syntax-error (400)"] == 400 and statuses["service (403)"] == 403
    assert statuses["ask-html-only (406)"] == 406
    assert statuses["post-query-latin1 (415)"] == 415
    assert statuses["uri-too-long (414)"] == 414
    assert ("Content-Encoding", "gzip") in answers["gzip"][1]
    assert ("X-Result-Truncated", "true") in answers["truncated"][1]
    assert answers["head"][2] == b"" and answers["select-json"][2]
    assert any(entry.get("cache") == "hit" for entry in runs[0].log)


def test_same_query_log(runs: tuple[Run, Run]) -> None:
    fast, flask = runs
    assert len(fast.log) >= sum(case.fast for case in table())  # each logged once
    assert fast.log == flask.log


def test_same_metrics(runs: tuple[Run, Run]) -> None:
    fast, flask = runs
    assert fast.counts["c2c_timeouts_total"] == "1"
    assert fast.counts == flask.counts


def test_same_admission_refusal(runs: tuple[Run, Run]) -> None:
    fast, flask = runs
    assert fast.refused[0] == 429
    assert comparable(fast.refused) == comparable(flask.refused)


def test_the_fast_path_takes_the_plain_requests_only() -> None:
    """Which requests of the table the fast path answers itself (its ``plain``), so that the
    comparison above covers it; the rest go to Flask."""
    settings = Settings.from_env({}).with_overrides(max_rows=MAX_ROWS)
    layer = FastPath(Flask(__name__), SimpleNamespace(settings=settings))
    for case in table():
        path, _, query = case.target.partition("?")
        environ = EnvironBuilder(path=path, query_string=query, method=case.method,
                                 headers=case.headers, data=case.body).get_environ()
        assert layer.plain(environ) is case.fast, case.name
