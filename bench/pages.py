"""``python -m bench.pages``: what a linked-data page costs the server, and the same answers from
two versions of the code (issue 19, session 11).

    python -m bench.pages --store DIR [--against REF] [--per-kind 300] [--rounds 2]

Starts one gunicorn (one worker, ``endpoint.app:create_app()``, the repository's gunicorn
configuration) over the build in ``--store`` for this checkout and, with ``--against REF``,
another for the commit *REF* (extracted with ``git archive`` into a temporary folder and run
from there). Both get the same requests, in the same order, one at a time over a kept-alive
connection from 127.0.0.1: for a deterministic sample of every kind of thing c2c mints (the
first ``--per-kind`` IRIs of each kind in IRI order, parts such as ``city/centroid`` a kind of
their own, and the SKOS concepts) its HTML page; for every fourth thing also its page in Chinese
(``Accept-Language: zh``), its ``/id/`` (303), its Turtle, JSON-LD, N-Triples, RDF/XML and
GeoJSON documents (by suffix) and, for places, partner page 2; for every country ``?with=ru``.

It compares every answer of the two servers — status, every header but ``Date``, and the body
byte for byte — and prints the first differences (``--diff-dir`` keeps both bodies of each);
and it prints the CPU time (user + system, from ``/proc``) the server's processes spent on the
requests, per request, for each server and round, A/B alternated in the same minutes. The
servers are warmed first (one pass over the first requests), so template compilation and
store opening are not counted. Results: bench/README.md ("Session 11: the pages' CPU").
"""

from __future__ import annotations

import argparse
import http.client
import os
import subprocess
import sys
import tarfile
import tempfile
import time
from collections import defaultdict
from pathlib import Path

from bench.processes import cpu_ticks, descendants

ROOT = Path(__file__).resolve().parent.parent
BASE = "https://w3id.org/c2c/"
THINGS = """SELECT DISTINCT ?x WHERE {
    { GRAPH ?g { ?x ?p ?o } } UNION { GRAPH ?g { ?s ?p ?x } }
    FILTER (isIRI(?x) && STRSTARTS(STR(?x), "https://w3id.org/c2c/id/"))
}"""
CONCEPTS = """SELECT DISTINCT ?c WHERE {
    { ?c a skos:Concept } UNION { ?c a skos:ConceptScheme }
    FILTER (STRSTARTS(STR(?c), "https://w3id.org/c2c/vocab/"))
}"""
HTML = "text/html,application/xhtml+xml;q=0.9,*/*;q=0.8"
SUFFIXES = (".ttl", ".jsonld", ".nt", ".rdf", ".geojson")
PLACES = ("city", "region", "country")


def requests_for(store_path: Path, per_kind: int) -> list[tuple[str, dict[str, str]]]:
    """The (path, headers) of every request, in order (see the module's docstring)."""
    from loaders.kernel.store import StoreLocation

    store = StoreLocation(store_path).open_current()
    kinds: dict[str, list[str]] = defaultdict(list)
    for row in store.query(THINGS):
        local = row["x"].value.removeprefix(BASE + "id/")
        segments = local.split("/")
        kinds[segments[0] + (f"/{segments[2]}" if len(segments) > 2 else "")].append(local)
    for row in store.query(CONCEPTS):
        kinds["vocab"].append(row["c"].value.removeprefix(BASE))
    out: list[tuple[str, dict[str, str]]] = []
    for kind in sorted(kinds):
        for i, local in enumerate(sorted(kinds[kind])[:per_kind]):
            doc = f"/{local}" if kind == "vocab" else f"/doc/{local}"
            out.append((doc, {"Accept": HTML}))
            if kind == "country":
                out.append((doc + "?with=ru", {"Accept": HTML}))
            if i % 4:
                continue
            out.append((doc, {"Accept": HTML, "Accept-Language": "zh-CN,zh;q=0.9"}))
            if kind != "vocab":
                out.append((f"/id/{local}", {"Accept": HTML}))
            out += [(doc + suffix, {}) for suffix in SUFFIXES if kind != "vocab"]
            if kind in PLACES:
                out.append((doc + "?page=2", {"Accept": HTML}))
    return out


def extract(ref: str, folder: Path) -> Path:
    """The tree of commit *ref* in *folder* (``git archive``), with this checkout's
    ``var/node`` (the npm packages, which the pages look for) linked in."""
    archive = subprocess.run(["git", "-C", str(ROOT), "archive", "--format=tar", ref],
                             check=True, capture_output=True).stdout
    tree = folder / "tree"
    tree.mkdir()
    with tempfile.TemporaryFile() as handle:
        handle.write(archive)
        handle.seek(0)
        with tarfile.open(fileobj=handle) as tar:
            tar.extractall(tree, filter="data")
    if (ROOT / "var" / "node").is_dir():
        (tree / "var").mkdir(exist_ok=True)
        (tree / "var" / "node").symlink_to(ROOT / "var" / "node")
    return tree


class Server:
    """One gunicorn over *store* running the code of *tree*."""

    def __init__(self, tree: Path, store: Path, port: int) -> None:
        self.port = port
        env = dict(os.environ, PYTHONPATH=str(tree), C2C_STORE=str(store), C2C_PORT=str(port),
                   C2C_HOST="127.0.0.1", C2C_WORKERS="1", C2C_THREADS="4",
                   C2C_EXECUTORS="1", C2C_IN_MEMORY="0", C2C_DUMPS=str(store / "dumps"),
                   PYTHONDONTWRITEBYTECODE="1")
        gunicorn = Path(sys.executable).parent / "gunicorn"
        self.process = subprocess.Popen(
            [str(gunicorn), "-c", "python:endpoint.gunicorn_conf", "endpoint.app:create_app()"],
            cwd=tree, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        deadline = time.monotonic() + 120
        while True:  # polling until /healthz answers
            try:
                if self.get("/healthz", {})[0] == 200:
                    break
            except OSError:
                pass
            if self.process.poll() is not None or time.monotonic() > deadline:
                raise RuntimeError(f"gunicorn for {tree} did not start")
            time.sleep(0.1)
        self.connection = http.client.HTTPConnection("127.0.0.1", port, timeout=120)

    def get(self, path: str, headers: dict[str, str], connection=None):
        own = connection is None
        connection = connection or http.client.HTTPConnection("127.0.0.1", self.port,
                                                              timeout=120)
        try:
            connection.request("GET", path, headers=headers)
            response = connection.getresponse()
            body = response.read()
            kept = [(k, v) for k, v in response.getheaders() if k.lower() != "date"]
            return response.status, kept, body
        finally:
            if own:
                connection.close()

    def fetch(self, requests: list[tuple[str, dict[str, str]]]) -> list[tuple]:
        out = []
        for path, headers in requests:
            try:
                out.append(self.get(path, headers, self.connection))
            except (http.client.RemoteDisconnected, ConnectionError):
                # gunicorn closes a kept-alive connection idle for a few seconds
                self.connection.close()
                self.connection = http.client.HTTPConnection("127.0.0.1", self.port,
                                                             timeout=120)
                out.append(self.get(path, headers, self.connection))
        return out

    def ticks(self) -> int:
        """utime + stime of gunicorn and every process below it, in clock ticks."""
        return cpu_ticks([self.process.pid, *descendants(self.process.pid)])

    def settle(self) -> None:
        """Wait (polling) until the server's processes use no CPU for half a second: the
        executors' warm-up is not counted."""
        last = self.ticks()
        while True:
            time.sleep(0.5)
            now = self.ticks()
            if now == last:
                return
            last = now

    def stop(self) -> None:
        self.connection.close()
        self.process.terminate()
        try:
            self.process.wait(timeout=15)
        except subprocess.TimeoutExpired:
            self.process.kill()


def compare(requests, answers: dict[str, list[tuple]], diff_dir: Path | None) -> int:
    names = list(answers)
    old, new = answers[names[0]], answers[names[1]]
    differing = 0
    for i, ((path, headers), a, b) in enumerate(zip(requests, old, new, strict=True)):
        if a == b:
            continue
        differing += 1
        if differing <= 10:
            print(f"DIFFERS: {path} {headers}: status {a[0]} / {b[0]}; headers "
                  f"{'same' if a[1] == b[1] else [h for h in a[1] if h not in b[1]]}; body "
                  f"{'same' if a[2] == b[2] else f'{len(a[2])} / {len(b[2])} bytes'}")
        if diff_dir is not None:
            diff_dir.mkdir(parents=True, exist_ok=True)
            for name, answer in zip(names, (a, b), strict=True):
                (diff_dir / f"{i:05d}.{name}").write_bytes(answer[2])
    return differing


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--store", type=Path, required=True,
                        help="a store folder (C2C_STORE) holding a build")
    parser.add_argument("--against", help="a commit to compare with (and measure)")
    parser.add_argument("--per-kind", type=int, default=300)
    parser.add_argument("--rounds", type=int, default=2)
    parser.add_argument("--port", type=int, default=8811)
    parser.add_argument("--diff-dir", type=Path)
    args = parser.parse_args()
    requests = requests_for(args.store, args.per_kind)
    print(f"{len(requests)} requests")
    with tempfile.TemporaryDirectory(prefix="c2c-pages-") as folder:
        trees = {"this": ROOT}
        if args.against:
            trees = {args.against: extract(args.against, Path(folder)), "this": ROOT}
        servers = {name: Server(tree, args.store, args.port + i)
                   for i, (name, tree) in enumerate(trees.items())}
        try:
            for server in servers.values():
                server.fetch(requests[:40])  # warm: templates compiled, store opened
                server.settle()
            answers: dict[str, list[tuple]] = {}
            for round_number in range(args.rounds):
                for name, server in servers.items():
                    before, cpu0 = server.ticks(), time.process_time()
                    started = time.monotonic()
                    got = server.fetch(requests)
                    seconds = time.monotonic() - started
                    cpu = (server.ticks() - before) / os.sysconf("SC_CLK_TCK")
                    answers.setdefault(name, got)
                    print(f"round {round_number + 1} {name:>12}: server CPU {cpu:7.2f} s, "
                          f"{1000 * cpu / len(requests):6.2f} ms a request; wall {seconds:6.1f} s; "
                          f"client CPU {time.process_time() - cpu0:5.2f} s; load "
                          f"{os.getloadavg()[0]:.1f}", flush=True)
        finally:
            for server in servers.values():
                server.stop()
    if len(answers) == 2:
        differing = compare(requests, answers, args.diff_dir)
        print(f"{len(requests) - differing} of {len(requests)} answers identical "
              "(status, headers but Date, body)")
        return 1 if differing else 0
    return 0


if __name__ == "__main__":
    sys.exit(main())
