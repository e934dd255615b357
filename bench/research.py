"""bench/research: the research queries and cheap ones, c2c's HTTP against ``oxigraph serve`` on
the same store folder, in the same run, uncached (issue 21). ``python -m bench.http --research``
runs it too.

    python -m bench.research [--store DIR] [--runs 9] [--seconds 3] [--clients 1,4,16]

* Data: ``data/`` built with the public lists plus both documented China imports (as
  bench/competency does), once into ``--store`` (kept and reused when it already holds a build).
* Servers on 127.0.0.1 over the one build folder: ``oxigraph serve-read-only`` (0.5.13 from
  PyPI; the stored default graph, which c2c's build materialises as the set of the data graphs'
  triples, so both answer over the same dataset) and c2c's gunicorn with the repository's
  configuration and the result cache off (``C2C_RESULT_CACHE_BYTES=0``; no ``If-None-Match`` is
  sent), so every request is evaluated.
* Research queries: every competency question (``ontology/competency/*.rq``) and the
  China-Russia joins (``bench/queries/cn-ru-*.rq``), one after another on one keep-alive
  connection, one warm-up then ``--runs`` runs each; median ms and rows per server; ratio =
  native ms / c2c ms (above 1: c2c faster). The prefixes a query uses are declared in the
  text sent to both.
* Cheap queries (real IRIs of the build, seeded): ``ask``, ``iri-lookup``, ``partners``,
  ``neighbourhood`` (CONSTRUCT, Turtle), ``label-search`` (a scan of every label), and
  ``point-mix`` (each request one of the four point queries), driven for ``--seconds`` at each
  client count (each client from an address of its own); q/s, p50/p99, ratio c2c/native, CPU
  per request of each process (``/proc/{pid}/stat`` user + system ticks over the cell):
  gunicorn workers, executors (fork servers and executors) and the native server.
* Memory: PSS and RSS (``/proc/{pid}/smaps_rollup``) of the gunicorn master, workers, fork
  servers and executors at the end.

Only 127.0.0.1 is contacted. Writes ``bench/results/research-{label}.json``.
"""

from __future__ import annotations

import argparse
import http.client
import json
import multiprocessing as mp
import os
import random
import re
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.parse
from pathlib import Path

from bench.http import free_port, wait_for
from bench.processes import parent_pids
from loaders.kernel import assets
from loaders.kernel.config import Settings
from loaders.kernel.namespaces import PREFIXES

ROOT = Path(__file__).resolve().parent.parent
SHARED = ROOT.parent / "shared" / "data"
IMPORTS = (("wikipedia", "twin_cities_wikipedia_pairs.csv"),
           ("wikidata", "wikidata_p190_cities2022_edges.csv"))


def declared(query: str) -> str:
    """*query* with a PREFIX line for each of c2c's prefixes it uses (the native server has
    none predeclared; the same text goes to both servers)."""
    return "".join(f"PREFIX {p}: <{iri}>\n" for p, iri in PREFIXES.items()
                   if re.search(rf"(?<![\w<]){p}:", query)) + query
CHEAP = ("ask", "iri-lookup", "partners", "neighbourhood", "label-search")
POINT = ("ask", "iri-lookup", "partners", "neighbourhood")
"""The point mix: queries that start from one IRI (label-search scans every label)."""
JSON = "application/sparql-results+json"
TICK = os.sysconf("SC_CLK_TCK")


def research_queries() -> list[tuple[str, str]]:
    out = [(n.removesuffix(".rq"), t) for n, t in assets.competency_questions()]
    for path in sorted((ROOT / "bench" / "queries").glob("cn-ru-*.rq")):
        out.append((path.stem, path.read_text(encoding="utf-8")))
    return out


def cheap_query(kind: str, places: list[str], rng: random.Random) -> tuple[str, str]:
    place = rng.choice(places)
    if kind == "ask":
        return f"ASK {{ <{place}> ?p ?o }}", JSON
    if kind == "iri-lookup":
        return f"SELECT ?p ?o WHERE {{ <{place}> ?p ?o }}", JSON
    if kind == "partners":
        return ("SELECT ?other ?date WHERE { ?a c2c:hasParty <" + place + "> , ?other . "
                f"FILTER (?other != <{place}>) OPTIONAL {{ ?a schema:startDate ?date }} }}", JSON)
    if kind == "neighbourhood":
        return (f"CONSTRUCT {{ <{place}> c2c:twinnedWith ?b . ?b rdfs:label ?l }} WHERE {{ "
                f"<{place}> c2c:twinnedWith ?b . ?b rdfs:label ?l }}", "text/turtle")
    prefix = rng.choice(["Har", "Sha", "Be", "Vla", "Kh", "Wu", "Ta", "Mos", "Su", "No"])
    return ("SELECT ?c ?l WHERE { ?c a schema:City ; rdfs:label ?l . "
            f'FILTER (STRSTARTS(?l, "{prefix}")) }} LIMIT 20', JSON)


def _connect(base: str, client: int = 0) -> http.client.HTTPConnection:
    """A connection from 127.0.0.{client + 2}: each client its own address, as separate clients
    are to c2c's per-client cap (``C2C_CLIENT_CONCURRENCY``)."""
    parsed = urllib.parse.urlsplit(base)
    return http.client.HTTPConnection(parsed.hostname, parsed.port, timeout=120,
                                      source_address=(f"127.0.0.{2 + client}", 0))


def _get(conn: http.client.HTTPConnection, path: str, query: str, accept: str
         ) -> tuple[int, bytes]:
    conn.request("GET", f"{path}?{urllib.parse.urlencode({'query': declared(query)})}",
                 headers={"Accept": accept})
    response = conn.getresponse()
    return response.status, response.read()


def _rows(body: bytes) -> int:
    data = json.loads(body)
    return 1 if "boolean" in data else len(data["results"]["bindings"])


def time_research(base: str, path: str, queries: list[tuple[str, str]], runs: int) -> dict:
    conn = _connect(base)
    out = {}
    for name, text in queries:
        status, body = _get(conn, path, text, JSON)
        if status != 200:
            out[name] = {"status": status, "error": body[:300].decode("utf-8", "replace")}
            continue
        times = []
        for _ in range(runs):
            started = time.perf_counter()
            status, body = _get(conn, path, text, JSON)
            times.append(time.perf_counter() - started)
        out[name] = {"median_ms": round(1000 * statistics.median(times), 2),
                     "rows": _rows(body)}
    conn.close()
    return out


def _client(base: str, path: str, kind: str, places: list[str], seed: int, seconds: float,
            out: mp.Queue) -> None:
    rng = random.Random(seed)  # noqa: S311 - seeded workload
    conn = _connect(base, seed - 1000)
    latencies: list[float] = []
    errors = 0
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        chosen = rng.choice(POINT) if kind == "point-mix" else kind
        query, accept = cheap_query(chosen, places, rng)
        started = time.monotonic()
        try:
            status, _body = _get(conn, path, query, accept)
            errors += status != 200
        except (OSError, http.client.HTTPException):
            errors += 1
            conn.close()
            conn = _connect(base, seed - 1000)
        latencies.append(time.monotonic() - started)
    out.put((latencies, errors))


def descendants(root: int) -> dict[int, int]:
    """pid → depth below *root* (root itself 0) of every live process in *root*'s tree."""
    parents = parent_pids()
    depth = {root: 0}
    changed = True
    while changed:
        changed = False
        for pid, parent in parents.items():
            if pid not in depth and parent in depth:
                depth[pid] = depth[parent] + 1
                changed = True
    return depth


def cpu_seconds(pid: int) -> float:
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except OSError:
        return 0.0
    return (int(fields[11]) + int(fields[12])) / TICK  # utime + stime


def cpu_by_role(root: int, native: bool) -> dict[int, tuple[str, float]]:
    """CPU seconds so far of each process of a server: role "server" (native), "worker"
    (gunicorn workers) or "executor" (fork servers, executors, write processes)."""
    out = {}
    for pid, depth in descendants(root).items():
        if native:
            role = "server"
        elif depth == 0:
            role = "master"
        else:
            role = "worker" if depth == 1 else "executor"
        out[pid] = (role, cpu_seconds(pid))
    return out


def cpu_delta(before: dict, after: dict) -> dict[str, float]:
    roles: dict[str, float] = {}
    for pid, (role, seconds) in after.items():
        roles[role] = roles.get(role, 0.0) + seconds - before.get(pid, (role, 0.0))[1]
    return roles


def drive(base: str, path: str, kind: str, places: list[str], clients: int, seconds: float,
          root: int, native: bool) -> dict:
    out: mp.Queue = mp.Queue()
    procs = [mp.Process(target=_client, args=(base, path, kind, places, 1000 + i, seconds, out))
             for i in range(clients)]
    before = cpu_by_role(root, native)
    for p in procs:
        p.start()
    results = [out.get() for _ in procs]
    for p in procs:
        p.join()
    after = cpu_by_role(root, native)
    latencies = sorted(x for lat, _ in results for x in lat)
    n = len(latencies)
    cpu = cpu_delta(before, after)
    return {"qps": n / seconds, "requests": n, "errors": sum(e for _, e in results),
            "p50_ms": 1000 * statistics.median(latencies) if n else None,
            "p99_ms": 1000 * latencies[min(n - 1, int(n * 0.99))] if n else None,
            "cpu_ms_per_request": {role: round(1000 * s / max(n, 1), 3)
                                   for role, s in cpu.items()}}


def memory(root: int) -> list[dict]:
    """PSS and RSS in MiB of every process of a server, with its depth in the tree."""
    out = []
    for pid, depth in sorted(descendants(root).items(), key=lambda x: (x[1], x[0])):
        try:
            rollup = Path(f"/proc/{pid}/smaps_rollup").read_text()
            cmd = Path(f"/proc/{pid}/cmdline").read_text().replace("\0", " ")[:80]
        except OSError:
            continue
        values = {line.split(":")[0]: int(line.split()[1]) for line in rollup.splitlines()[1:]}
        out.append({"pid": pid, "depth": depth, "cmd": cmd,
                    "pss_mib": round(values.get("Pss", 0) / 1024, 1),
                    "rss_mib": round(values.get("Rss", 0) / 1024, 1),
                    "private_mib": round((values.get("Private_Clean", 0)
                                          + values.get("Private_Dirty", 0)) / 1024, 1)})
    return out


def prepare(store: Path) -> Path:
    """The build folder in *store*, built (with both imports) if there is none yet."""
    from loaders.importers import run_import, save_and_apply
    from loaders.kernel.config import Settings
    from loaders.kernel.store import StoreLocation
    from loaders.pipeline.build import build

    location = StoreLocation(store)
    if location.current() is None:
        settings = Settings.from_env({}).with_overrides(store=store, data=ROOT / "data")
        build(settings, progress=False)
        for kind, name in IMPORTS:
            save_and_apply(settings, run_import(settings, kind, SHARED / name, country="CN"))
    current = location.current()
    assert current is not None
    return current


def places_of(build: Path) -> list[str]:
    import pyoxigraph as ox

    store = ox.Store.read_only(str(build))
    query = ("SELECT DISTINCT ?p WHERE { ?a <https://w3id.org/c2c/ont#hasParty> ?p } "
             "ORDER BY ?p")
    places = [row["p"].value for row in store.query(query)]
    del store
    return places


DEFAULT_STORE = Path(tempfile.gettempdir()) / "c2c-bench-research" / "store"
"""Where the research benchmarks build and keep their store between runs."""


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--store", type=Path, default=DEFAULT_STORE)
    parser.add_argument("--runs", type=int, default=9)
    parser.add_argument("--seconds", type=float, default=3.0)
    parser.add_argument("--clients", default="1,4,16")
    parser.add_argument("--kinds", default=",".join((*CHEAP, "point-mix")))
    parser.add_argument("--skip-research", action="store_true")
    parser.add_argument("--replacement", action="store_true",
                        help="also time a replacement executor, from memory and from disk")
    parser.add_argument("--label", default=time.strftime("%Y%m%dT%H%M%S"))
    parser.add_argument("--env", action="append", default=[],
                        help="NAME=VALUE for c2c's server (e.g. C2C_IN_MEMORY=0)")
    parser.add_argument("--out", type=Path, default=ROOT / "bench" / "results")
    parser.add_argument("--server", choices=("gunicorn", "granian"), default="gunicorn",
                        help="c2c's WSGI server: the repository's gunicorn, or granian (PyPI, "
                        "installed by hand: not a dependency) with as many workers and "
                        "blocking threads, serving the same Flask app")
    args = parser.parse_args(argv)
    build = prepare(args.store)
    places = places_of(build)
    print(f"store {build} ({len(places)} places with agreements)", flush=True)
    bin_dir = Path(sys.executable).parent
    servers: dict[str, tuple[subprocess.Popen, str, str]] = {}
    try:
        port = free_port()
        native = subprocess.Popen(
            [str(bin_dir / "oxigraph"), "serve-read-only", "--location", str(build),
             "--bind", f"127.0.0.1:{port}"],
            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        servers["native"] = (native, f"http://127.0.0.1:{port}", "/query")
        wait_for(f"http://127.0.0.1:{port}/query?query=ASK%7B%7D", native)
        port = free_port()
        env = dict(os.environ, C2C_STORE=str(args.store), C2C_PORT=str(port),
                   C2C_HOST="127.0.0.1", C2C_RESULT_CACHE_BYTES="0", C2C_QUERY_TIMEOUT="60")
        env.update(dict(item.split("=", 1) for item in args.env))
        if args.server == "granian":
            settings = Settings.from_env(env)
            argv_c2c = [str(bin_dir / "granian"), "--interface", "wsgi", "--factory",
                        "--host", "127.0.0.1", "--port", str(port),
                        "--workers", str(settings.workers),
                        "--blocking-threads", str(settings.threads), "--no-access-log",
                        "endpoint.app:create_app"]
        else:
            argv_c2c = [str(bin_dir / "gunicorn"), "-c", "python:endpoint.gunicorn_conf",
                        "endpoint.app:create_app()"]
        c2c = subprocess.Popen(argv_c2c, env=env, cwd=ROOT,
                               stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        servers["c2c"] = (c2c, f"http://127.0.0.1:{port}", "/sparql")
        wait_for(f"http://127.0.0.1:{port}/healthz", c2c, timeout=120)
        report: dict = {"label": args.label, "store": str(build), "env": args.env,
                        "server": args.server,
                        "load_before": os.getloadavg(), "research": {}, "cheap": []}
        if not args.skip_research:
            queries = research_queries()
            timed = {name: time_research(base, path, queries, args.runs)
                     for name, (_p, base, path) in servers.items()}
            for name, _text in queries:
                n, c = timed["native"].get(name, {}), timed["c2c"].get(name, {})
                ratio = (n["median_ms"] / c["median_ms"]
                         if "median_ms" in n and "median_ms" in c else None)
                report["research"][name] = {"native": n, "c2c": c, "ratio": ratio}
                print(f"{name:40} native {n.get('median_ms', '-'):>9} ms {n.get('rows', '-'):>6}"
                      f" | c2c {c.get('median_ms', '-'):>9} ms {c.get('rows', '-'):>6} | "
                      + (f"{ratio:.2f}x" if ratio else f"{n.get('error', '')}{c.get('error', '')}"),
                      flush=True)
        for kind in args.kinds.split(","):
            for clients in (int(c) for c in args.clients.split(",")):
                row: dict = {"kind": kind, "clients": clients}
                for name, (proc, base, path) in servers.items():
                    row[name] = drive(base, path, kind, places, clients, args.seconds,
                                      proc.pid, name == "native")
                row["ratio"] = row["c2c"]["qps"] / max(row["native"]["qps"], 1e-9)
                report["cheap"].append(row)
                cpu = row["c2c"]["cpu_ms_per_request"]
                print(f"{kind:13} {clients:3}: native {row['native']['qps']:7.0f} q/s "
                      f"p99 {row['native']['p99_ms']:6.1f} | c2c {row['c2c']['qps']:7.0f} q/s "
                      f"p99 {row['c2c']['p99_ms']:6.1f} | {row['ratio']:.2f}x | cpu ms/req "
                      f"worker {cpu.get('worker', 0):.3f} executor {cpu.get('executor', 0):.3f} "
                      f"native {row['native']['cpu_ms_per_request'].get('server', 0):.3f}"
                      f" | errors {row['c2c']['errors']}/{row['native']['errors']}", flush=True)
        report["memory"] = {name: memory(proc.pid) for name, (proc, _b, _p) in servers.items()}
        if args.replacement:
            report["replacement"] = replacement_both(args.store)
            print(f"replacement executor: {report['replacement']}", flush=True)
        report["load_after"] = os.getloadavg()
        for name, procs in report["memory"].items():
            print(f"memory {name}: PSS {sum(p['pss_mib'] for p in procs):.0f} MiB in "
                  f"{len(procs)} processes; " + ", ".join(
                      f"d{p['depth']} pss {p['pss_mib']} rss {p['rss_mib']} priv "
                      f"{p['private_mib']}" for p in procs), flush=True)
        args.out.mkdir(parents=True, exist_ok=True)
        (args.out / f"research-{args.label}.json").write_text(json.dumps(report, indent=2))
    finally:
        for proc, _b, _p in servers.values():
            proc.terminate()
        for proc, _b, _p in servers.values():
            try:
                proc.wait(timeout=15)
            except subprocess.TimeoutExpired:
                proc.kill()



def replacement(store: Path, n: int = 8) -> dict:
    """What a replacement executor costs, in this process (run it once per ``C2C_IN_MEMORY``
    value, each in a fresh process: the fork server is per process): the fork server started
    and its copy made first (not counted), then *n* times a new executor forked, warmed up
    (:func:`endpoint.executor.warm`) and given one cheap query; medians of the wall time to the
    answer of that first query and of the executor's CPU."""
    from endpoint.executor import Executor
    from endpoint.jobs import Job
    from loaders.kernel.store import StoreLocation

    build = str(StoreLocation(store).current())
    query = Job("query", build, solution_format="json",
                query="SELECT ?p ?o WHERE { <https://w3id.org/c2c/id/city/cn-harbin> ?p ?o }")
    first = Executor()
    first.conn.send(Job("warm", build))
    first.conn.recv()
    first.kill()
    walls, cpus, first_query = [], [], []
    for _ in range(n):
        started = time.perf_counter()
        executor = Executor()
        executor.conn.send(Job("warm", build))
        executor.conn.recv()
        asked = time.perf_counter()
        executor.conn.send(query)
        answer = executor.conn.recv()
        done = time.perf_counter()
        assert answer.kind == "solutions", answer
        cpus.append(cpu_seconds(executor.process.pid))
        executor.kill()
        walls.append(done - started)
        first_query.append(done - asked)
    return {"ready_and_answered_ms": round(1000 * statistics.median(walls), 2),
            "first_query_ms": round(1000 * statistics.median(first_query), 2),
            "executor_cpu_ms": round(1000 * statistics.median(cpus), 1)}


def replacement_both(store: Path) -> dict:
    """:func:`replacement` with the copy in memory and without, each in a process of its own."""
    out = {}
    for mode in ("1", "0"):
        env = dict(os.environ, C2C_STORE=str(store), C2C_IN_MEMORY=mode,
                   C2C_BENCH_REPLACEMENT="1")
        done = subprocess.run([sys.executable, "-m", "bench.research"], env=env, cwd=ROOT,
                              capture_output=True, text=True, check=True)
        out[f"in_memory={mode}"] = json.loads(done.stdout.strip().splitlines()[-1])
    return out


if __name__ == "__main__":
    if os.environ.get("C2C_BENCH_REPLACEMENT"):
        print(json.dumps(replacement(Path(os.environ["C2C_STORE"]))))
    else:
        main()
