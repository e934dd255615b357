"""Errors mapped once: a read whose executor timed out or died, or that found no room, is
answered by the app factory's error handlers (``endpoint.app``), the same way for every route
that reads, and counted in /metrics; an OSError of the write process is the server's failure,
not the client's."""

from __future__ import annotations

import ast
import os
import re
import signal
from pathlib import Path

import pytest

from endpoint.app import create_app
from endpoint.state import state
from loaders.kernel.config import Settings
from loaders.kernel.store import StoreLocation
from tests.conftest import ROOT, copy_of_built

TOKEN = "s3cret"  # noqa: S105 - a test token
READ_FAILURES = {"QueryTimeout", "ExecutorCrashed", "Overloaded", "PoolBusy"}


def metric(client, name: str) -> float:
    text = client.get("/metrics").get_data(as_text=True)
    return float(re.search(rf"^c2c_{name}_total (\S+)$", text, re.MULTILINE).group(1))


@pytest.fixture
def app(built: Settings, tmp_path: Path):
    settings = copy_of_built(built, tmp_path, metrics=tmp_path / "metrics", writable=True,
                             update_token=TOKEN, threads=1, result_cache_bytes=0,
                             long_query_seconds=600.0)  # no executor retired as long-running
    app = create_app(settings)
    yield app
    state(app).pool.close()
    state(app).writer.close()


@pytest.mark.parametrize("path", [
    "/rdf-graph-store?graph=https%3A%2F%2Fw3id.org%2Fc2c%2Fgraph%2Fontology",
    "/sparql?query=SELECT%20*%20WHERE%20%7B%3Fs%20%3Fp%20%3Fo%7D%20LIMIT%201",
], ids=["graph-store", "sparql"])
def test_a_read_whose_executor_dies_is_500_executor_crashed_and_counted(app, path: str) -> None:
    """Every executor process is killed (SIGKILL: not its memory limit) before the read; the
    read finds its executor dead. The Graph Store answered 503 ``query-timeout`` and did not
    count it."""
    client = app.test_client()
    assert client.get(path, headers={"Accept": "application/n-triples, "
                                     "application/sparql-results+json"}).status_code == 200
    restarts = metric(client, "executor_restarts")
    for executor in list(state(app).pool._all):
        os.kill(executor.process.pid, signal.SIGKILL)
        executor.process.join(timeout=10)
    r = client.get(path, headers={"Accept": "application/n-triples, "
                                  "application/sparql-results+json"})
    assert r.status_code == 500, r.data
    assert r.content_type == "application/problem+json"
    assert r.get_json()["type"].endswith("/errors/executor-crashed")
    assert metric(client, "executor_restarts") == restarts + 1
    assert metric(client, "timeouts") == 0


def test_an_oserror_while_writing_is_500_and_changes_nothing(app) -> None:
    """The write lock cannot be opened (a folder stands where its file goes): an OSError of
    the write process, the server's failure. It was answered 400 ``update-failed``."""
    settings = state(app).settings
    before = StoreLocation(settings.store).current()
    (settings.store / ".write.lock").mkdir()
    r = app.test_client().post(
        "/sparql", data=b'INSERT DATA { <https://w3id.org/c2c/id/x> <https://w3id.org/c2c/id/y>'
        b' "z" }', content_type="application/sparql-update",
        headers={"Authorization": f"Bearer {TOKEN}"})
    assert r.status_code == 500, r.data
    assert r.content_type == "application/problem+json"
    problem = r.get_json()
    assert problem["type"].endswith("/errors/store-write-failed")
    assert ".write.lock" in problem["detail"] and "nothing was changed" in problem["detail"]
    assert StoreLocation(settings.store).current() == before


def test_only_the_app_factory_and_the_runner_catch_a_read_failure() -> None:
    """No view catches QueryTimeout, ExecutorCrashed, Overloaded or PoolBusy itself: they reach
    the app's handlers (``endpoint.running`` turns the pool's into answers, the health check
    reports its own)."""
    catching = set()
    for path in sorted((ROOT / "endpoint").glob("*.py")):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.ExceptHandler) and node.type is not None:
                names = {n.id for n in ast.walk(node.type) if isinstance(n, ast.Name)}
                if names & READ_FAILURES:
                    catching.add(path.name)
    assert catching == {"app.py", "running.py"}
