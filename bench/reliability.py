"""bench/reliability: the endpoint under a crowd, under kill -9, and under a protocol fuzzer.

Run on demand, loopback only, bounded in count and time::

    python -m bench.reliability [--seconds 60] [--heavy 0.02] [--limit 2] [--small]

1. **Load**: 1, 10 and 50 clients (the last for ``--seconds``, the others for a sixth of it),
   each a keep-alive connection from an address of its own (127.0.0.x, so the per-client cap
   applies per client), sending cheap queries and, with probability ``--heavy``, a heavy one
   (a cross join that no limit lets finish). Reports status counts, invalid bodies (a 200 that
   is not a whole SPARQL result, an error that is not problem+json with its status, a 429/503
   without ``Retry-After``), p50/p99 of cheap and heavy answers, heavy 503s later than limit +
   1 s, and the memory (RSS) of the server: master, workers, fork servers and executors.
2. **kill -9**: of a worker and of executors at random points during load (the server must go
   on answering), of a write at a random point (the store must stay consistent: the write is
   all there or not at all, no half-made copy stays, the next write succeeds), and of a
   ``c2c build`` into the served store at a random point (the served version is unchanged).
3. **Fuzzer**: a few hundred malformed or odd requests over raw sockets (request lines,
   headers, bodies, parameters); counts 5xx and answers that are not problem+json.

The server is gunicorn with the repository's configuration over a fresh build of data/
(``--small``: without the public lists), ``C2C_WORKERS=2`` and defaults derived from the machine.
"""

from __future__ import annotations

import argparse
import contextlib
import http.client
import json
import multiprocessing as mp
import os
import random
import shutil
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import urllib.parse
from pathlib import Path

from bench.http import free_port, wait_for
from bench.processes import parent_pids

ROOT = Path(__file__).resolve().parent.parent
TOKEN = "reliability-token"  # noqa: S105 - a local test token
P = ("PREFIX c2c: <https://w3id.org/c2c/ont#> PREFIX rdfs: "
     "<http://www.w3.org/2000/01/rdf-schema#> ")
HARBIN = "https://w3id.org/c2c/id/city/cn-harbin"
HEAVY = ("SELECT (COUNT(*) AS ?n) WHERE { ?a ?b ?c . ?d ?e ?f . ?g ?h ?i . ?j ?k ?l } #")
MARKERS = "https://w3id.org/c2c/graph/reliability"


def cheap_query(rng: random.Random) -> str:
    choice = rng.randrange(4)
    if choice == 0:
        return f"ASK {{ <{HARBIN}> ?p ?o }} #{rng.randrange(10**6)}"
    if choice == 1:
        return P + f"SELECT ?b WHERE {{ <{HARBIN}> c2c:twinnedWith ?b }} LIMIT {rng.randint(1, 50)}"
    if choice == 2:
        return P + (f"SELECT ?s ?l WHERE {{ ?s rdfs:label ?l }} LIMIT 20 "
                    f"OFFSET {rng.randrange(2000)}")
    return P + (f"SELECT ?x ?p WHERE {{ ?x a c2c:TwinningAgreement ; c2c:hasParty ?p }} "
                f"LIMIT 10 OFFSET {rng.randrange(500)}")


def valid(status: int, headers: dict, body: bytes) -> bool:
    """A whole SPARQL JSON result for a 200, problem+json with its status otherwise."""
    try:
        data = json.loads(body)
    except ValueError:
        return False
    if status == 200:
        return "boolean" in data or "results" in data
    if headers.get("content-type") != "application/problem+json" or data.get("status") != status:
        return False
    refused = status == 429 or data.get("type", "").endswith(("server-busy", "long-query-cap"))
    return not refused or "retry-after" in headers  # "come back later" says when


def _connect(port: int, address: str) -> http.client.HTTPConnection:
    return http.client.HTTPConnection("127.0.0.1", port, timeout=60,
                                      source_address=(address, 0))


def _client(port: int, address: str, seed: int, until: float, heavy: float, out: list) -> None:
    rng = random.Random(seed)  # noqa: S311 - seeded workload, not cryptography
    connection = _connect(port, address)
    while time.time() < until:
        kind = "heavy" if rng.random() < heavy else "cheap"
        query = HEAVY + str(rng.randrange(10**9)) if kind == "heavy" else cheap_query(rng)
        started = time.monotonic()
        try:
            connection.request("GET", "/sparql?" + urllib.parse.urlencode({"query": query}),
                               headers={"Accept": "application/sparql-results+json"})
            response = connection.getresponse()
            body = response.read()
            headers = {k.lower(): v for k, v in response.getheaders()}
            status = response.status
        except (OSError, http.client.HTTPException):
            connection.close()
            connection = _connect(port, address)
            out.append((kind, 0, time.monotonic() - started, False, "connection-error"))
            continue
        seconds = time.monotonic() - started
        problem = ""
        if status != 200:
            try:
                problem = json.loads(body).get("type", "").rsplit("/", 1)[-1]
            except ValueError:
                problem = "?"
        out.append((kind, status, seconds, valid(status, headers, body), problem))
        if status in (429, 503) and kind == "cheap":
            retry = float(headers.get("retry-after", "1"))
            time.sleep(min(retry, 1.0))  # a polite client honours Retry-After
    connection.close()


def _health(port: int, until: float, out: list) -> None:
    """A monitor: ``GET /healthz`` four times a second on a connection of its own."""
    address = "127.0.0.9"
    connection = _connect(port, address)
    while time.time() < until:
        started = time.monotonic()
        try:
            connection.request("GET", "/healthz")
            response = connection.getresponse()
            response.read()
            status = response.status
        except (OSError, http.client.HTTPException):
            connection.close()
            connection = _connect(port, address)
            out.append(("health", 0, time.monotonic() - started, False, "connection-error"))
            continue
        out.append(("health", status, time.monotonic() - started, status == 200, ""))
        time.sleep(0.25)  # the monitor's pace
    connection.close()


def _process(port: int, first: int, count: int, seconds: float, heavy: float, queue) -> None:
    out: list = []
    until = time.time() + seconds  # from this process's start: spawning takes a while
    threads = [threading.Thread(target=_client, args=(
        port, f"127.0.0.{10 + first + i}", first + i, until, heavy, out))
        for i in range(count)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    queue.put(out)


def drive(port: int, clients: int, seconds: float, heavy: float) -> list:
    """*clients* clients for *seconds*, spread over up to 5 processes; every answer."""
    processes = min(5, clients)
    queue = mp.get_context("spawn").Queue()
    shares = [clients // processes + (i < clients % processes) for i in range(processes)]
    procs, first = [], 0
    for share in shares:
        procs.append(mp.get_context("spawn").Process(
            target=_process, args=(port, first, share, seconds, heavy, queue)))
        first += share
    for proc in procs:
        proc.start()
    health: list = []
    monitor = threading.Thread(target=_health, args=(port, time.time() + seconds, health),
                               daemon=True)
    monitor.start()
    records = [r for _ in procs for r in queue.get(timeout=seconds + 180)]
    for proc in procs:
        proc.join()
    monitor.join(timeout=60)
    return records + health


def tree(root: int) -> list[int]:
    """*root* and every process below it."""
    children: dict[int, list[int]] = {}
    for pid, ppid in parent_pids().items():
        children.setdefault(ppid, []).append(pid)
    found, todo = [], [root]
    while todo:
        pid = todo.pop()
        found.append(pid)
        todo += children.get(pid, [])
    return found


def rss_mib(pids: list[int]) -> float:
    total = 0
    for pid in pids:
        try:
            for line in Path(f"/proc/{pid}/status").read_text().splitlines():
                if line.startswith("VmRSS:"):
                    total += int(line.split()[1])
        except OSError:
            continue
    return total / 1024


class MemoryWatch(threading.Thread):
    def __init__(self, root: int) -> None:
        super().__init__(daemon=True)
        self.root, self.samples, self.stop = root, [], threading.Event()

    def run(self) -> None:
        while not self.stop.wait(0.5):
            self.samples.append(rss_mib(tree(self.root)))


def pct(values: list[float], q: float) -> float:
    if not values:
        return float("nan")
    values = sorted(values)
    return values[min(len(values) - 1, int(q * len(values)))]


def summary(name: str, records: list, limit: float) -> dict:
    statuses: dict[str, int] = {}
    for kind, status, _, _, problem in records:
        key = f"{kind} {status}" + (f" {problem}" if problem else "")
        statuses[key] = statuses.get(key, 0) + 1
    health = [r for r in records if r[0] == "health"]
    records = [r for r in records if r[0] != "health"]
    cheap = [s for k, st, s, _, _ in records if k == "cheap" and st == 200]
    heavy = [s for k, _, s, _, _ in records if k == "heavy"]
    row = {
        "run": name, "answers": len(records), "statuses": dict(sorted(statuses.items())),
        "invalid_bodies": sum(1 for r in records if not r[3] and r[1] != 0),
        "connection_errors": sum(1 for r in records if r[1] == 0),
        "cheap_5xx": sum(1 for k, st, *_ in records if k == "cheap" and st >= 500),
        "heavy_not_503": sum(1 for k, st, *_ in records if k == "heavy" and st != 503),
        "heavy_late": sum(1 for k, _, s, _, _ in records if k == "heavy" and s > limit + 1),
        "cheap_p50_ms": round(1000 * pct(cheap, 0.5), 1),
        "cheap_p99_ms": round(1000 * pct(cheap, 0.99), 1),
        "cheap_max_ms": round(1000 * max(cheap or [float("nan")]), 1),
        "heavy_p50_ms": round(1000 * pct(heavy, 0.5), 1),
        "heavy_p99_ms": round(1000 * pct(heavy, 0.99), 1),
        "health_checks": len(health),
        "health_not_200": sum(1 for r in health if r[1] != 200),
        "health_p99_ms": round(1000 * pct([r[2] for r in health], 0.99), 1),
        "health_max_ms": round(1000 * max([r[2] for r in health] or [float("nan")]), 1),
    }
    print(json.dumps(row), flush=True)
    return row


def request(port: int, method: str, path: str, body: bytes = b"", headers: dict | None = None
            ) -> tuple[int, bytes]:
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=120)
    try:
        connection.request(method, path, body=body or None, headers=headers or {})
        response = connection.getresponse()
        return response.status, response.read()
    finally:
        connection.close()


def count(port: int) -> int:
    query = "SELECT (COUNT(*) AS ?n) WHERE { GRAPH ?g { ?s ?p ?o } }"
    status, body = request(port, "GET", "/sparql?" + urllib.parse.urlencode({"query": query}))
    assert status == 200, body
    return int(json.loads(body)["results"]["bindings"][0]["n"]["value"])


def lock_holder(store: Path) -> int | None:
    """The pid holding the write lock (``flock`` on ``.write.lock``), from /proc/locks."""
    try:
        inode = str(os.stat(store / ".write.lock").st_ino)
    except OSError:
        return None
    for line in Path("/proc/locks").read_text().splitlines():
        fields = line.split()
        if "FLOCK" not in fields:
            continue
        i = fields.index("FLOCK")
        if fields[i - 1] == "->":  # a waiter, not the holder
            continue
        if fields[i + 4].rsplit(":", 1)[-1] == inode:
            return int(fields[i + 3])
    return None


def kill_writes(port: int, store: Path, rng: random.Random, rounds: int) -> dict:
    """Updates killed (the process holding the write lock) at a random point."""
    from loaders.kernel.store import StoreLocation

    location = StoreLocation(store)
    outcomes = {"committed": 0, "not_committed": 0, "inconsistent": 0, "killed": 0}
    for i in range(rounds):
        before = count(port)
        marker = f'<{HARBIN}> <http://www.w3.org/2000/01/rdf-schema#comment> "kill {i}"'
        update = f"INSERT DATA {{ GRAPH <{MARKERS}> {{ {marker} }} }}".encode()
        result: dict = {}

        def send(update: bytes = update, result: dict = result) -> None:
            result["status"] = request(port, "POST", "/sparql", update, {
                "Content-Type": "application/sparql-update",
                "Authorization": f"Bearer {TOKEN}"})[0]

        thread = threading.Thread(target=send)
        thread.start()
        delay = time.monotonic() + rng.uniform(0.0, 3.0)
        while time.monotonic() < delay and thread.is_alive():
            time.sleep(0.01)  # polling for the chosen moment
        pid = lock_holder(store)
        if pid is not None:
            os.kill(pid, signal.SIGKILL)
            outcomes["killed"] += 1
        thread.join()
        after = count(port)
        query = f"ASK {{ {marker} }}"
        _, body = request(port, "GET", "/sparql?" + urllib.parse.urlencode({"query": query}))
        present = json.loads(body)["boolean"]
        whole = after == before + 1 if present else after == before
        complete = location.current() is not None and location.is_complete(location.current())
        if not (whole and complete):
            outcomes["inconsistent"] += 1
        outcomes["committed" if present else "not_committed"] += 1
    # the next write succeeds, and leaves no half-made copy behind
    status, _ = request(port, "POST", "/sparql", f"INSERT DATA {{ GRAPH <{MARKERS}> {{ <{HARBIN}> "
                        "<http://www.w3.org/2000/01/rdf-schema#comment> \"final\" } }".encode(),
                        {"Content-Type": "application/sparql-update",
                         "Authorization": f"Bearer {TOKEN}"})
    outcomes["next_write_status"] = status
    outcomes["incomplete_folders_left"] = sum(
        1 for p in location.builds.iterdir() if not location.is_complete(p))
    print(json.dumps({"kill-writes": outcomes}), flush=True)
    return outcomes


def kill_build(port: int, store: Path, data: Path, small: bool, rng: random.Random) -> dict:
    from loaders.kernel.store import StoreLocation

    location = StoreLocation(store)
    before, served = location.current(), count(port)
    env = dict(os.environ, C2C_STORE=str(store), C2C_DATA=str(data),
               C2C_PUBLIC_LISTS="0" if small else "1")
    build = subprocess.Popen([str(Path(sys.executable).parent / "c2c"), "build"], env=env,
                             cwd=ROOT, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    delay = time.monotonic() + rng.uniform(1.0, 8.0)
    while time.monotonic() < delay and build.poll() is None:
        time.sleep(0.05)  # polling for the chosen moment
    killed = build.poll() is None
    if killed:
        build.kill()
    build.wait()
    outcome = {"killed_mid_build": killed, "current_unchanged": location.current() == before
               if killed else True, "answers_same": count(port) == served if killed else True}
    print(json.dumps({"kill-build": outcome}), flush=True)
    return outcome


def fuzz(port: int, rng: random.Random, cases: int) -> dict:
    """Odd requests over raw sockets: statuses, 5xx and non-problem+json error answers."""
    paths = ["/sparql", "/rdf-graph-store", "/id/city/cn-harbin", "/doc/city/x%00y",
             "/vocab/", "/healthz", "/metrics", "/search", "/ont", "/", "/nothing",
             "/dumps/latest/..%2f..%2fetc", "/.well-known/void"]
    junk = ["", "%", "%ff%fe", "\u00e9", "<", "'\"", "a" * 3000, "{", "SELECT", "ASK {",
            "SELECT * WHERE { ?s ?p ?o } LIMIT 1", "((((((((((", "-1", "99999999999999999999"]
    params = ["query", "update", "default-graph-uri", "named-graph-uri", "offset", "format",
              "graph", "default", "q"]
    types = ["application/sparql-query", "application/sparql-update",
             "application/x-www-form-urlencoded", "text/turtle", "multipart/form-data",
             "application/json", "x/y; charset=latin-1", ""]
    statuses: dict[int, int] = {}
    bad: list[str] = []
    for _ in range(cases):
        method = rng.choice(["GET", "POST", "PUT", "DELETE", "HEAD", "OPTIONS", "PATCH"])
        query = "&".join(f"{rng.choice(params)}={urllib.parse.quote(rng.choice(junk))}"
                         for _ in range(rng.randrange(3)))
        path = rng.choice(paths) + (f"?{query}" if query else "")
        body = rng.choice(junk).encode()
        lines = [f"{method} {path} HTTP/1.1", "Host: 127.0.0.1", "Connection: close",
                 f"Content-Type: {rng.choice(types)}",
                 f"Accept: {rng.choice(['*/*', 'text/html', 'x/y', '', 'application/json;q=x'])}"]
        if rng.random() < 0.2:
            lines.append("Authorization: Bearer " + rng.choice(["", "x", TOKEN]))
        if rng.random() < 0.15:  # a malformed request line, version, chunk or plain noise
            method, path = "RAW", "-"
            raw = (rng.choice([b"GARBAGE\r\n\r\n", b"GET / HTTP/9.9\r\n\r\n",
                               b"POST /sparql HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\n",
                               bytes(rng.randrange(256) for _ in range(64))]))
        else:
            lines.append(f"Content-Length: {len(body)}")
            raw = ("\r\n".join(lines) + "\r\n\r\n").encode("utf-8") + body
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=10) as sock:
                sock.sendall(raw)
                sock.shutdown(socket.SHUT_WR)  # the request is all there is
                answer = b""
                while chunk := sock.recv(65536):
                    answer += chunk
        except OSError:
            statuses[0] = statuses.get(0, 0) + 1
            continue
        head = answer.split(b"\r\n", 1)[0].split()
        status = int(head[1]) if len(head) > 1 and head[1].isdigit() else 0
        statuses[status] = statuses.get(status, 0) + 1
        if status >= 500:
            problem = answer.split(b"\r\n\r\n", 1)[-1][:160].decode("utf-8", "replace")
            bad.append(f"{status} {method} {path[:80]} {raw[-120:]!r}: {problem}")
    outcome = {"cases": cases, "statuses": dict(sorted(statuses.items())), "5xx": bad[:20]}
    print(json.dumps({"fuzz": outcome}), flush=True)
    return outcome


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--seconds", type=float, default=60.0)
    parser.add_argument("--heavy", type=float, default=0.02)
    parser.add_argument("--limit", type=float, default=2.0)
    parser.add_argument("--small", action="store_true", help="build without the public lists")
    parser.add_argument("--fuzz", type=int, default=300)
    parser.add_argument("--seed", type=int, default=16)
    parser.add_argument("--out", type=Path, default=ROOT / "bench" / "results")
    args = parser.parse_args()
    rng = random.Random(args.seed)  # noqa: S311 - seeded workload, not cryptography
    from loaders.kernel.config import Settings
    from loaders.pipeline.build import build

    root = Path(tempfile.mkdtemp(prefix="c2c-reliability-"))
    store = root / "store"
    settings = Settings.from_env({}).with_overrides(store=store, data=ROOT / "data",
                                                    dumps=root / "dumps",
                                                    public_lists=not args.small)
    started = time.monotonic()
    build(settings, progress=False)
    print(f"build: {time.monotonic() - started:.1f} s", flush=True)
    port = free_port()
    env = dict(os.environ, C2C_STORE=str(store), C2C_PORT=str(port), C2C_HOST="127.0.0.1",
               C2C_DUMPS=str(root / "dumps"), C2C_WORKERS="2",
               C2C_QUERY_TIMEOUT=str(args.limit), C2C_WRITABLE="1", C2C_UPDATE_TOKEN=TOKEN,
               C2C_METRICS=str(root / "metrics"))
    server = subprocess.Popen(
        [str(Path(sys.executable).parent / "gunicorn"), "-c", "python:endpoint.gunicorn_conf",
         "endpoint.app:create_app()"], env=env, cwd=ROOT, stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL)
    report: dict = {"limit_s": args.limit, "heavy_share": args.heavy, "cpus": os.cpu_count(),
                    "small": args.small, "runs": []}
    try:
        wait_for(f"http://127.0.0.1:{port}/healthz", server)
        watch = MemoryWatch(server.pid)
        watch.start()
        report["rss_start_mib"] = round(rss_mib(tree(server.pid)), 1)
        for clients, seconds in ((1, args.seconds / 6), (10, args.seconds / 6),
                                 (50, args.seconds)):
            records = drive(port, clients, seconds, args.heavy)
            row = summary(f"{clients} clients x {seconds:g} s", records, args.limit)
            row["rss_now_mib"] = round(rss_mib(tree(server.pid)), 1)
            report["runs"].append(row)
        report["rss_peak_mib"] = round(max(watch.samples), 1)
        report["rss_end_mib"] = round(rss_mib(tree(server.pid)), 1)
        print(json.dumps({k: v for k, v in report.items() if k.startswith("rss")}), flush=True)

        # kill -9 of a worker and of executors at random points, during load
        result: dict = {}
        loader = threading.Thread(target=lambda: result.update(
            records=drive(port, 10, 15, args.heavy)))
        loader.start()
        for _ in range(4):
            time.sleep(rng.uniform(1.0, 3.0))  # a random point in the load, not a readiness wait
            workers = [p for p in tree(server.pid) if p != server.pid]
            direct = [int(p) for p in workers
                      if Path(f"/proc/{p}/stat").exists() and int(Path(
                          f"/proc/{p}/stat").read_text().rsplit(")", 1)[1].split()[1])
                      == server.pid]
            executors = [p for p in workers if p not in direct]
            victim = rng.choice(direct) if _ == 0 and direct else rng.choice(executors)
            with contextlib.suppress(ProcessLookupError):
                os.kill(victim, signal.SIGKILL)
        loader.join()
        row = summary("10 clients x 15 s, kill -9 of 1 worker and 3 executors",
                      result["records"], args.limit)
        wait_for(f"http://127.0.0.1:{port}/healthz", server)
        row["answers_after"] = count(port) > 0
        report["runs"].append(row)
        report["kill_writes"] = kill_writes(port, store, rng, 8)
        report["kill_build"] = kill_build(port, store, ROOT / "data", args.small, rng)
        report["fuzz"] = fuzz(port, rng, args.fuzz)
        wait_for(f"http://127.0.0.1:{port}/healthz", server)
        report["server_alive_after"] = server.poll() is None
        watch.stop.set()
    finally:
        server.terminate()
        try:
            server.wait(timeout=20)
        except subprocess.TimeoutExpired:
            server.kill()
        shutil.rmtree(root, ignore_errors=True)
    args.out.mkdir(parents=True, exist_ok=True)
    path = args.out / f"reliability-{time.strftime('%Y%m%dT%H%M%S')}.json"
    path.write_text(json.dumps(report, indent=2))
    print(f"written: {path}")
    print(f"cheap p99 by run: {[r['cheap_p99_ms'] for r in report['runs']]} ms; "
          f"median of cheap p50: {statistics.median(r['cheap_p50_ms'] for r in report['runs'])}")


if __name__ == "__main__":
    main()
