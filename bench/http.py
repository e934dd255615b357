"""bench/http: c2c's endpoint against ``oxigraph serve-read-only`` on the same store, same run.

Generates seeded synthetic data (bench/synthetic.py), bulk-loads it into a c2c store folder
(on disk), starts both servers on 127.0.0.1 over that one folder, and drives each with the
same query mix at 1, 4 and 16 concurrent clients (separate processes with keep-alive
connections) for a fixed time per cell. Reports queries per second and p50/p99 latency per
query kind and for the mix, and the ratio c2c / native. c2c runs twice: with its result cache
(the default) and with the cache off, so the effect of caching is visible.

    python -m bench.http [--triples 100000] [--seconds 3] [--out bench/results] [--remote]

``--remote`` adds c2c over a remote store (issue 18): the same build published to an
``oxigraph serve`` (read-write, its own folder) and c2c started with ``C2C_STORE_URL``, result
cache off, so its ratio to "c2c no cache" is the cost of the remote store path.

``python -m bench.http --research [options of bench/research]`` runs bench/research instead:
the competency questions, the China-Russia joins and cheap queries over the real data
(curated, public lists and both documented imports), uncached, against ``oxigraph serve`` on
the same build, with CPU per request of each process (issue 21).

Only 127.0.0.1 is contacted. Needs the ``bench`` extra (the ``oxigraph`` server from PyPI).
"""

from __future__ import annotations

import argparse
import http.client
import json
import multiprocessing as mp
import os
import random
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.parse
import urllib.request
from pathlib import Path

import pyoxigraph as ox

from bench.synthetic import COUNTRIES, generate
from loaders.kernel.dataset import materialise
from loaders.kernel.namespaces import Minter
from loaders.kernel.store import BuildInfo, OxigraphStore, StoreLocation

ROOT = Path(__file__).resolve().parent.parent
P = ("PREFIX c2c: <https://w3id.org/c2c/ont#> PREFIX schema: <https://schema.org/> "
     "PREFIX rdfs: <http://www.w3.org/2000/01/rdf-schema#> ")
KINDS = ("iri-lookup", "neighbourhood", "aggregate", "region-path", "label-search")


def queries(cities: list[str], rng: random.Random, kind: str) -> tuple[str, str]:
    """One query of *kind* with seeded parameters, and the Accept header to send."""
    city = rng.choice(cities)
    country = rng.choice(COUNTRIES)
    if kind == "iri-lookup":
        return f"SELECT ?p ?o WHERE {{ <{city}> ?p ?o }}", "application/sparql-results+json"
    if kind == "neighbourhood":
        return (P + f"CONSTRUCT {{ <{city}> c2c:twinnedWith ?b . ?b rdfs:label ?l }} WHERE {{ "
                f"<{city}> c2c:twinnedWith ?b . ?b rdfs:label ?l }}", "text/turtle")
    if kind == "aggregate":
        return (P + "SELECT ?ca ?cb ?decade (COUNT(*) AS ?n) WHERE { "
                "?ag a c2c:TwinningAgreement ; c2c:hasParty ?a , ?b ; c2c:startYear ?y . "
                "?a c2c:inCountry ?ca . ?b c2c:inCountry ?cb . "
                f"FILTER (?ca = <https://w3id.org/c2c/id/country/{country}> && ?ca != ?cb) "
                "BIND (FLOOR(?y / 10) * 10 AS ?decade) } GROUP BY ?ca ?cb ?decade",
                "application/sparql-results+json")
    if kind == "region-path":
        return (P + f"SELECT ?place WHERE {{ <{city}> schema:containedInPlace+ ?place }}",
                "application/sparql-results+json")
    prefix = rng.choice(["Bei", "Shan", "Ko", "Grad", "Lin", "Wu", "Ta", "Mir"])
    return (P + "SELECT ?c ?l WHERE { ?c a schema:City ; rdfs:label ?l . "
            f'FILTER (STRSTARTS(?l, "{prefix}")) }} LIMIT 20',
            "application/sparql-results+json")


def _client(base: str, path: str, kind: str, cities: list[str], seed: int, seconds: float,
            out: mp.Queue) -> None:
    rng = random.Random(seed)  # noqa: S311 - seeded workload, not cryptography
    parsed = urllib.parse.urlsplit(base)
    conn = http.client.HTTPConnection(parsed.hostname, parsed.port, timeout=60)
    latencies: list[float] = []
    errors = 0
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        chosen = rng.choice(KINDS) if kind == "mix" else kind
        query, accept = queries(cities, rng, chosen)
        target = f"{path}?{urllib.parse.urlencode({'query': query})}"
        started = time.monotonic()
        try:
            conn.request("GET", target, headers={"Accept": accept})
            response = conn.getresponse()
            response.read()
            if response.status != 200:
                errors += 1
        except (OSError, http.client.HTTPException):
            errors += 1
            conn.close()
            conn = http.client.HTTPConnection(parsed.hostname, parsed.port, timeout=60)
        latencies.append(time.monotonic() - started)
    out.put((latencies, errors))


def drive(base: str, path: str, kind: str, cities: list[str], clients: int,
          seconds: float) -> dict:
    out: mp.Queue = mp.Queue()
    procs = [mp.Process(target=_client, args=(base, path, kind, cities, 1000 + i, seconds, out))
             for i in range(clients)]
    for p in procs:
        p.start()
    results = [out.get() for _ in procs]
    for p in procs:
        p.join()
    latencies = sorted(x for lat, _ in results for x in lat)
    errors = sum(e for _, e in results)
    n = len(latencies)
    return {"qps": n / seconds, "p50_ms": 1000 * statistics.median(latencies) if n else None,
            "p99_ms": 1000 * latencies[min(n - 1, int(n * 0.99))] if n else None,
            "requests": n, "errors": errors}


def wait_for(url: str, process: subprocess.Popen, timeout: float = 60) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"server exited with {process.returncode}")
        try:
            with urllib.request.urlopen(url, timeout=2):
                return
        except OSError:
            time.sleep(0.05)  # polling interval
    raise TimeoutError(url)


def free_port() -> int:
    import socket

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def prepare_store(root: Path, triples: int) -> tuple[Path, list[str], int]:
    lines = generate(triples)
    data = root / "synthetic.nq"
    data.write_text("\n".join(lines) + "\n", encoding="utf-8")
    location = StoreLocation(root / "store")
    build = location.new_build()
    store = ox.Store(str(build))
    store.bulk_load(path=str(data), format=ox.RdfFormat.N_QUADS)
    count = len(store)
    # the default graph a c2c build serves: the distinct triples of the data graphs (issue 13);
    # without it c2c, which queries the stored default graph, answered every query empty here
    materialise(OxigraphStore(store, build, build.name), Minter("https://w3id.org/c2c/"))
    default = len(store) - count
    store.flush()
    del store
    location.mark_complete(build, BuildInfo(build.name, time.time(), count, {},
                                            default_triples=default))
    location.swap(build)
    cities = sorted({line.split(" ")[0][1:-1] for line in lines
                     if line.startswith("<https://w3id.org/c2c/id/city/") and
                     "#" not in line.split(" ")[0]})
    return build, cities, count


def start_remote(root: Path, build: Path, bin_dir: Path) -> tuple[str, subprocess.Popen]:
    """`oxigraph serve` on a folder of its own, with *build* published to it by c2c's publish
    (staged, switched in one update); its base URL and process."""
    from loaders.kernel.remote_store import RemoteStore, engine_named, publish
    from loaders.kernel.store import OxigraphStore

    port = free_port()
    process = subprocess.Popen(
        [str(bin_dir / "oxigraph"), "serve", "--location", str(root / "remote"), "--bind",
         f"127.0.0.1:{port}", "--timeout-s", "30"],
        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    url = f"http://127.0.0.1:{port}/"
    wait_for(f"{url}query?query=ASK%7B%7D", process)
    location = StoreLocation(root / "store")
    publish(RemoteStore(url, engine_named("oxigraph"), "https://w3id.org/c2c/"),
            OxigraphStore.open(build, read_only=True), location.info(build))
    return url, process


def main() -> None:
    if "--research" in sys.argv[1:]:  # the research queries and cheap ones on the real data
        from bench import research

        research.main([a for a in sys.argv[1:] if a != "--research"])
        return
    parser = argparse.ArgumentParser(description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--triples", type=int, default=100_000)
    parser.add_argument("--seconds", type=float, default=3.0)
    parser.add_argument("--clients", default="1,4,16")
    parser.add_argument("--kinds", default=",".join((*KINDS, "mix")),
                        help="the queries to drive, comma-separated")
    parser.add_argument("--floor", action="store_true",
                        help="also drive bench/floor.py: gunicorn with c2c's settings answering "
                             "a constant body, the ceiling of any Python front here")
    parser.add_argument("--remote", action="store_true",
                        help="also drive c2c over the same data published to `oxigraph serve` "
                             "as a remote store (C2C_STORE_URL), result cache off")
    parser.add_argument("--out", type=Path, default=ROOT / "bench" / "results")
    args = parser.parse_args()
    levels = [int(c) for c in args.clients.split(",")]
    kinds = args.kinds.split(",")
    root = Path(tempfile.mkdtemp(prefix="c2c-bench-http-"))
    servers: list[subprocess.Popen] = []
    try:
        build, cities, count = prepare_store(root, args.triples)
        print(f"store: {count} quads on disk, {len(cities)} cities", flush=True)
        bin_dir = Path(sys.executable).parent
        native_port = free_port()
        native = subprocess.Popen(
            [str(bin_dir / "oxigraph"), "serve-read-only", "--location", str(build),
             "--bind", f"127.0.0.1:{native_port}"],  # the same stored default graph
            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        servers.append(native)
        wait_for(f"http://127.0.0.1:{native_port}/query?query=ASK%7B%7D", native)
        targets = {"native": (f"http://127.0.0.1:{native_port}", "/query")}
        fronts = [("c2c", str(64 * 1024 * 1024), "endpoint.app:create_app()", ""),
                  ("c2c-nocache", "0", "endpoint.app:create_app()", "")]
        if args.floor:
            fronts.append(("floor", "0", "bench.floor:app", ""))
        if args.remote:
            remote_url, remote = start_remote(root, build, bin_dir)
            servers.append(remote)
            fronts.append(("c2c-remote", "0", "endpoint.app:create_app()", remote_url))
        for name, cache, wsgi, store_url in fronts:
            port = free_port()
            env = dict(os.environ, C2C_STORE=str(root / "store"), C2C_PORT=str(port),
                       C2C_HOST="127.0.0.1", C2C_WORKERS="2", C2C_THREADS="8",
                       C2C_RESULT_CACHE_BYTES=cache, C2C_QUERY_TIMEOUT="30",
                       C2C_STORE_URL=store_url)
            proc = subprocess.Popen(
                [str(bin_dir / "gunicorn"), "-c", "python:endpoint.gunicorn_conf", wsgi],
                env=env, cwd=ROOT, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
            servers.append(proc)
            wait_for(f"http://127.0.0.1:{port}/healthz", proc)
            targets[name] = (f"http://127.0.0.1:{port}", "/sparql")
        if args.remote:  # the same answers, or the ratio means nothing
            for kind in KINDS:
                query, accept = queries(cities, random.Random(7), kind)  # noqa: S311
                bodies = [urllib.request.urlopen(urllib.request.Request(
                    f"{targets[n][0]}/sparql?{urllib.parse.urlencode({'query': query})}",
                    headers={"Accept": accept}), timeout=60).read()
                    for n in ("c2c-nocache", "c2c-remote")]
                if kind != "neighbourhood" and bodies[0] != bodies[1]:
                    raise SystemExit(f"{kind}: c2c over the remote store answers otherwise")
                print(f"{kind}: same answer over both stores ({len(bodies[0])} bytes)")
        results: list[dict] = []
        for kind in kinds:
            for clients in levels:
                row = {"kind": kind, "clients": clients}
                for name, (base, path) in targets.items():
                    row[name] = drive(base, path, kind, cities, clients, args.seconds)
                for name in targets:
                    if name != "native":
                        row[f"{name}/native"] = row[name]["qps"] / max(row["native"]["qps"], 1e-9)
                results.append(row)
                floor = (f" | floor {row['floor']['qps']:8.1f} ({row['floor/native']:.2f}x)"
                         if "floor" in row else "")
                if "c2c-remote" in row:
                    row["c2c-remote/c2c-nocache"] = row["c2c-remote"]["qps"] / max(
                        row["c2c-nocache"]["qps"], 1e-9)
                    floor += (f" | remote {row['c2c-remote']['qps']:8.1f} "
                              f"({row['c2c-remote/c2c-nocache']:.2f}x of no cache)")
                print(f"{kind:13s} {clients:3d} clients: native {row['native']['qps']:8.1f} q/s"
                      f" | c2c {row['c2c']['qps']:8.1f} ({row['c2c/native']:.2f}x)"
                      f" | no cache {row['c2c-nocache']['qps']:8.1f} "
                      f"({row['c2c-nocache/native']:.2f}x){floor}", flush=True)
        args.out.mkdir(parents=True, exist_ok=True)
        stamp = time.strftime("%Y%m%dT%H%M%S")
        report = {"triples": count, "seconds_per_cell": args.seconds, "cpus": os.cpu_count(),
                  "results": results}
        (args.out / f"http-{stamp}.json").write_text(json.dumps(report, indent=2))
        print(markdown(results))
    finally:
        for proc in servers:
            proc.terminate()
        for proc in servers:
            try:
                proc.wait(timeout=15)
            except subprocess.TimeoutExpired:
                proc.kill()
        shutil.rmtree(root, ignore_errors=True)


def markdown(results: list[dict]) -> str:
    lines = ["| query | clients | native q/s (p50/p99 ms) | c2c q/s (p50/p99 ms) | ratio | "
             "c2c no cache q/s | ratio |", "|---|---:|---:|---:|---:|---:|---:|"]
    def cell(r: dict, name: str) -> str:
        x = r[name]
        return f"{x['qps']:.0f} ({x['p50_ms']:.1f}/{x['p99_ms']:.1f})"

    remote = any("c2c-remote" in r for r in results)
    if remote:
        lines[0] += " c2c over remote q/s (p50/p99 ms) | remote / no cache |"
        lines[1] += "---:|---:|"
    for r in results:
        lines.append(f"| {r['kind']} | {r['clients']} | {cell(r, 'native')} | {cell(r, 'c2c')} | "
                     f"{r['c2c/native']:.2f}x | {r['c2c-nocache']['qps']:.0f} | "
                     f"{r['c2c-nocache/native']:.2f}x |" + (
                         f" {cell(r, 'c2c-remote')} | {r['c2c-remote/c2c-nocache']:.2f}x |"
                         if remote else ""))
    return "\n".join(lines)


if __name__ == "__main__":
    main()
