"""Hardening over real HTTP (gunicorn, issue 16).

Request bodies: a body above ``C2C_MAX_BODY_BYTES`` is refused with 413 however it is sent,
and nothing is ever evaluated from a cut body.

Werkzeug's limited stream stops silently at the limit for ``Transfer-Encoding: chunked``; before
the fix an update ``DELETE …; <long comment> INSERT …`` sent chunked ran only its DELETE, and a
Graph Store PUT stored only the triples in its first bytes.

Writes make no outbound request: ``LOAD`` and ``SERVICE`` in an update are refused (403) before
evaluation unless their target is allowlisted; a listener on 127.0.0.1 sees no connection."""

from __future__ import annotations

import http.client
import json
import os
import shutil
import socket
import subprocess
import sys
import urllib.parse
import urllib.request
from collections.abc import Iterator
from pathlib import Path

import pytest

from loaders.kernel.config import Settings
from tests.conftest import (
    ROOT,
    connections,
    copy_of_built,
    free_port,
    run_gunicorn,
    stop,
    wait_for_http,
)

LIMIT = 4096
TOKEN = "bodies-token"  # noqa: S105 - a test token
GRAPH = "https://w3id.org/c2c/graph/test-bodies"
HARBIN = "https://w3id.org/c2c/id/city/cn-harbin"


@pytest.fixture(scope="module")
def server(built: Settings, tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    settings = copy_of_built(built, tmp_path_factory.mktemp("bodies-store"))
    with run_gunicorn(settings, free_port(), C2C_WRITABLE="1", C2C_UPDATE_TOKEN=TOKEN,
                      C2C_MAX_BODY_BYTES=str(LIMIT), C2C_WORKERS="1", C2C_THREADS="2",
                      C2C_RESULT_CACHE_BYTES="0") as base:
        yield base


def send(base: str, method: str, path: str, body: bytes, content_type: str, *,
         chunked: bool) -> tuple[int, dict, bytes]:
    parsed = urllib.parse.urlsplit(base)
    connection = http.client.HTTPConnection(parsed.hostname, parsed.port, timeout=60)
    headers = {"Content-Type": content_type, "Authorization": f"Bearer {TOKEN}"}
    try:
        if chunked:  # pieces of 1000 bytes, sent with Transfer-Encoding: chunked
            pieces = [body[i:i + 1000] for i in range(0, len(body), 1000)]
            connection.request(method, path, body=iter(pieces), headers=headers,
                               encode_chunked=True)
        else:
            connection.request(method, path, body=body, headers=headers)
        response = connection.getresponse()
        return response.status, dict(response.getheaders()), response.read()
    finally:
        connection.close()


def ask(base: str, query: str) -> bool:
    status, _, body = send(base, "POST", "/sparql", query.encode(), "application/sparql-query",
                           chunked=False)
    assert status == 200, body
    return json.loads(body)["boolean"]


def marker(n: int) -> str:
    return f'<{HARBIN}> rdfs:comment "bodies test {n}"'


def two_part_update(first: int, second: int, padding: int) -> bytes:
    comment = "# " + "x" * padding + "\n"
    return (f"INSERT DATA {{ GRAPH <{GRAPH}> {{ {marker(first)} }} }} ;\n{comment}"
            f"INSERT DATA {{ GRAPH <{GRAPH}> {{ {marker(second)} }} }}").encode()


def test_chunked_update_above_the_limit_is_413_and_runs_nothing(server: str) -> None:
    body = two_part_update(1, 2, padding=LIMIT)
    assert len(body) > LIMIT
    status, headers, answer = send(server, "POST", "/sparql", body,
                                   "application/sparql-update", chunked=True)
    assert status == 413, answer
    assert headers["Content-Type"] == "application/problem+json"
    assert not ask(server, f"ASK {{ {marker(1)} }}")
    assert not ask(server, f"ASK {{ {marker(2)} }}")


def test_chunked_form_update_above_the_limit_is_413(server: str) -> None:
    form = urllib.parse.urlencode({"update": two_part_update(3, 4, padding=LIMIT).decode()})
    status, _, answer = send(server, "POST", "/sparql", form.encode(),
                             "application/x-www-form-urlencoded", chunked=True)
    assert status == 413, answer
    assert not ask(server, f"ASK {{ {marker(3)} }}")


def test_chunked_update_below_the_limit_runs_whole(server: str) -> None:
    body = two_part_update(5, 6, padding=LIMIT // 2)
    assert len(body) < LIMIT
    status, _, answer = send(server, "POST", "/sparql", body, "application/sparql-update",
                             chunked=True)
    assert status == 204, answer
    assert ask(server, f"ASK {{ {marker(5)} }}")
    assert ask(server, f"ASK {{ {marker(6)} }}")


def test_chunked_graph_store_put_above_the_limit_stores_nothing(server: str) -> None:
    lines = [f'<{HARBIN}> <http://www.w3.org/2000/01/rdf-schema#comment> "put {i}" .'
             for i in range(200)]
    body = "\n".join(lines).encode()
    assert len(body) > LIMIT
    graph = GRAPH + "-put"
    path = "/rdf-graph-store?" + urllib.parse.urlencode({"graph": graph})
    status, _, answer = send(server, "PUT", path, body, "application/n-triples", chunked=True)
    assert status == 413, answer
    assert not ask(server, f"ASK {{ GRAPH <{graph}> {{ ?s ?p ?o }} }}")


def test_content_length_body_above_the_limit_is_413(server: str) -> None:
    body = two_part_update(7, 8, padding=LIMIT)
    status, _, _ = send(server, "POST", "/sparql", body, "application/sparql-update",
                        chunked=False)
    assert status == 413
    assert not ask(server, f"ASK {{ {marker(7)} }}")


@pytest.mark.parametrize("template", [
    "LOAD <{url}data.ttl>",
    "LOAD SILENT <{url}data.ttl> INTO GRAPH <https://w3id.org/c2c/graph/test-load>",
    "PREFIX x: <{url}> LOAD x:data.ttl",
    "INSERT {{ GRAPH <https://w3id.org/c2c/graph/test-load> {{ ?s ?p ?o }} }} "
    "WHERE {{ SERVICE <{url}sparql> {{ ?s ?p ?o }} }}",
    "INSERT {{ GRAPH <https://w3id.org/c2c/graph/test-load> {{ ?s ?p ?o }} }} "
    "WHERE {{ SERVICE ?where {{ ?s ?p ?o }} }}",
], ids=["load", "load-silent-into", "load-prefixed", "service", "service-variable"])
def test_update_makes_no_outbound_request(server: str, listener: socket.socket,
                                          template: str) -> None:
    port = listener.getsockname()[1]
    update = template.format(url=f"http://127.0.0.1:{port}/")
    status, headers, body = send(server, "POST", "/sparql", update.encode(),
                                 "application/sparql-update", chunked=False)
    assert status == 403, body
    assert headers["Content-Type"] == "application/problem+json"
    assert json.loads(body)["type"].endswith("/errors/service-not-allowed")
    assert connections(listener) == 0
    assert not ask(server, "ASK { GRAPH <https://w3id.org/c2c/graph/test-load> { ?s ?p ?o } }")


# Odd characters in linked-data paths: each gave 500 (an IRI pyoxigraph refuses) before.
ODD_SEGMENTS = ["%00", "%20x", "a%0Ab", "<x>", 'a"b', "%ff", "é", "%E2%80%8F", "a b", "{x}",
                "\\", "'", "`", "|", "^", "a%3Eb", "%C0%AF", "..", "x;y", "%25"]
LINKED_DATA_PATHS = ["/id/city/{}", "/doc/city/{}", "/doc/city/{}.ttl", "/vocab/themes/{}",
                     "/vocab/{}", "/id/{}/cn-harbin", "/doc/{}/cn-harbin"]


@pytest.mark.parametrize("path", LINKED_DATA_PATHS)
@pytest.mark.parametrize("segment", ODD_SEGMENTS)
def test_odd_linked_data_paths_are_404_problems(client, path: str, segment: str) -> None:
    response = client.get(path.format(segment))
    assert response.status_code in (404, 308), (path, segment, response.status_code)
    if response.status_code == 404:
        assert response.content_type == "application/problem+json"


def _read_only_mount_works() -> bool:
    if os.geteuid() != 0 or not shutil.which("unshare") or not shutil.which("mount"):
        return False
    probe = subprocess.run(["unshare", "-m", "sh", "-c",
                            "mount --bind / /mnt 2>/dev/null || mount --bind /tmp /tmp"],
                           capture_output=True, check=False)
    return probe.returncode == 0


@pytest.mark.parametrize("metrics_inside_store", [False, True], ids=["default", "read-only"])
def test_a_read_only_store_folder_still_answers(built: Settings, tmp_path,
                                                metrics_inside_store: bool) -> None:
    """The store folder mounted read-only (a mount namespace, so even root cannot write):
    queries, /healthz and /metrics answer; metrics that cannot be written are counted in memory
    (``c2c_metrics_shared 0``), never a failed request. Before, the workers died of SIGBUS."""
    if not _read_only_mount_works():
        pytest.skip("needs root and unshare/mount to mount the store read-only (CI runs as root)")
    store = copy_of_built(built, tmp_path).store
    port = free_port()
    metrics = store / "metrics" if metrics_inside_store else tmp_path / "metrics"
    env = dict(os.environ, C2C_STORE=str(store), C2C_PORT=str(port), C2C_HOST="127.0.0.1",
               C2C_DUMPS=str(tmp_path / "dumps"), C2C_METRICS=str(metrics), C2C_WORKERS="2",
               C2C_THREADS="1")
    gunicorn = shutil.which("gunicorn") or str(Path(sys.executable).parent / "gunicorn")
    script = (f'mount --bind "{store}" "{store}" && mount -o remount,ro,bind "{store}" && '
              f'exec "{gunicorn}" -c python:endpoint.gunicorn_conf "endpoint.app:create_app()"')
    process = subprocess.Popen(["unshare", "-m", "sh", "-c", script], env=env, cwd=ROOT,
                               stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    base = f"http://127.0.0.1:{port}"
    try:
        wait_for_http(f"{base}/healthz", process=process)
        for _ in range(6):  # both workers, most likely
            assert ask(base, "ASK { ?s ?p ?o }")
        with urllib.request.urlopen(f"{base}/metrics", timeout=30) as response:
            text = response.read().decode()
        assert f"c2c_metrics_shared {0 if metrics_inside_store else 1}" in text
        assert process.poll() is None
    finally:
        stop(process)


HUNGRY = "CONSTRUCT { ?a ?b ?c . ?d ?e ?f } WHERE { ?a ?b ?c . ?d ?e ?f } ORDER BY ?c ?f"
"""77 bytes that grew an executor to 7.9 GiB within the default 30 s before the memory limit."""


def test_a_query_over_the_memory_limit_is_503_and_the_server_goes_on(built) -> None:
    with run_gunicorn(built, free_port(), C2C_QUERY_MEMORY_MB="300", C2C_QUERY_TIMEOUT="120",
                      C2C_WORKERS="1", C2C_THREADS="2", C2C_RESULT_CACHE_BYTES="0") as base:
        status, headers, body = send(base, "POST", "/sparql", HUNGRY.encode(),
                                     "application/sparql-query", chunked=False)
        assert status == 503, body[:300]
        assert headers["Content-Type"] == "application/problem+json"
        problem = json.loads(body)
        assert problem["type"].endswith("/errors/query-memory")
        assert problem["limit_mib"] == 300
        assert ask(base, "ASK { ?s ?p ?o }")  # the executor was replaced


@pytest.mark.parametrize("params", [
    {"default-graph-uri": "notaniri"}, {"default-graph-uri": "<x>"},
    {"named-graph-uri": "a b"}, {"named-graph-uri": "http://a b/"},
    {"offset": "99999999999999999999999"}, {"offset": "\u0663"}, {"offset": "-1"},
], ids=["dg-word", "dg-angle", "ng-space", "ng-space-in-host", "offset-huge",
        "offset-arabic-digit", "offset-negative"])
def test_bad_query_parameters_are_400_problems(client, params: dict) -> None:
    response = client.get("/sparql", query_string={"query": "ASK {}", **params})
    assert response.status_code == 400, response.data[:200]
    assert response.content_type == "application/problem+json"


@pytest.mark.parametrize("path", ["/", "/query", "/doc/city/cn-harbin.html", "/ont",
                                  "/search?q=harbin"])
def test_pages_carry_a_content_security_policy(client, path: str) -> None:
    response = client.get(path, headers={"Accept": "text/html"})
    assert response.status_code == 200 and response.mimetype == "text/html"
    policy = response.headers["Content-Security-Policy"]
    assert "default-src 'self'" in policy and "frame-ancestors 'none'" in policy
    assert "script-src 'self';" in policy  # no inline script runs
    assert response.headers["X-Content-Type-Options"] == "nosniff"


def test_answers_carry_no_page_policy(client) -> None:
    response = client.get("/sparql", query_string={"query": "ASK {}"})
    assert response.status_code == 200
    assert "Content-Security-Policy" not in response.headers
