"""bench/fastpath_ab: the worker's CPU per cheap request with the fast path on and off, the
servers side by side and the cells interleaved, so that both see the same minutes of a shared
machine (issue 21, session 9).

    python -m bench.fastpath_ab [--rounds 5] [--seconds 3] [--kinds ask,point-mix]
                                [--clients 1,4] [--before DIR]

Starts c2c's gunicorn twice over bench/research's store (as bench/research does: the
repository's configuration, the result cache off), once with ``C2C_FAST_PATH=1`` and once with
``0``, and with ``--before DIR`` a third from another checkout (for example ``git archive`` of an
earlier commit: its own code and its own worker class). Then, *rounds* times, for each kind and
number of clients, drives each server for *seconds* (bench/research's clients: uncached cheap
queries on seeded real IRIs, one keep-alive connection per client), the servers' order rotated
each round. Prints each cell (q/s, p99, CPU ms per request of the gunicorn workers and of the
executors, from ``/proc``) and, per server, the median over the rounds; writes the JSON to
``--out``.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import time
from pathlib import Path

from bench.http import free_port, wait_for
from bench.research import DEFAULT_STORE, ROOT, drive, memory, places_of, prepare


def start(store: Path, root: Path, **env: str) -> tuple[subprocess.Popen, str]:
    port = free_port()
    environ = dict(os.environ, C2C_STORE=str(store), C2C_PORT=str(port), C2C_HOST="127.0.0.1",
                   C2C_RESULT_CACHE_BYTES="0", C2C_QUERY_TIMEOUT="60", **env)
    process = subprocess.Popen(
        [str(Path(sys.executable).parent / "gunicorn"), "-c", "python:endpoint.gunicorn_conf",
         "endpoint.app:create_app()"], env=environ, cwd=root,
        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    base = f"http://127.0.0.1:{port}"
    wait_for(f"{base}/healthz", process, timeout=180)
    return process, base


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--store", type=Path, default=DEFAULT_STORE)
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--seconds", type=float, default=3.0)
    parser.add_argument("--kinds", default="ask,point-mix")
    parser.add_argument("--clients", default="1,4")
    parser.add_argument("--before", type=Path, help="a checkout of an earlier commit")
    parser.add_argument("--out", type=Path, default=ROOT / "bench" / "results")
    args = parser.parse_args(argv)
    build = prepare(args.store)
    places = places_of(build)
    servers: dict[str, tuple[subprocess.Popen, str]] = {}
    report: dict = {"load_before": os.getloadavg(), "cells": []}
    try:
        servers["fast"] = start(args.store, ROOT, C2C_FAST_PATH="1")
        servers["flask"] = start(args.store, ROOT, C2C_FAST_PATH="0")
        if args.before:
            servers["before"] = start(args.store, args.before.resolve())
        names = list(servers)
        for round_ in range(args.rounds):
            order = names[round_ % len(names):] + names[:round_ % len(names)]
            for kind in args.kinds.split(","):
                for clients in (int(c) for c in args.clients.split(",")):
                    for name in order:
                        process, base = servers[name]
                        cell = drive(base, "/sparql", kind, places, clients, args.seconds,
                                     process.pid, False)
                        cpu = cell["cpu_ms_per_request"]
                        report["cells"].append({"round": round_, "server": name, "kind": kind,
                                                "clients": clients, "load": os.getloadavg(),
                                                **cell})
                        print(f"round {round_} {name:6} {kind:10} {clients:2}: "
                              f"{cell['qps']:6.0f} q/s p99 {cell['p99_ms']:6.1f} ms | cpu ms/req "
                              f"worker {cpu.get('worker', 0):.3f} executor "
                              f"{cpu.get('executor', 0):.3f} | errors {cell['errors']} | load "
                              f"{os.getloadavg()[0]:.1f}", flush=True)
        report["load_after"] = os.getloadavg()
        report["memory"] = {name: memory(process.pid) for name, (process, _) in servers.items()}
        print("medians over the rounds (worker / executor CPU ms per request, q/s):")
        for kind in args.kinds.split(","):
            for clients in (int(c) for c in args.clients.split(",")):
                for name in names:
                    cells = [c for c in report["cells"] if c["server"] == name
                             and c["kind"] == kind and c["clients"] == clients]
                    worker = statistics.median(c["cpu_ms_per_request"].get("worker", 0)
                                               for c in cells)
                    executor = statistics.median(c["cpu_ms_per_request"].get("executor", 0)
                                                 for c in cells)
                    qps = statistics.median(c["qps"] for c in cells)
                    print(f"  {kind:10} {clients:2} {name:6}: worker {worker:.3f} / executor "
                          f"{executor:.3f} ms, {qps:.0f} q/s", flush=True)
        args.out.mkdir(parents=True, exist_ok=True)
        (args.out / f"fastpath-ab-{time.strftime('%Y%m%dT%H%M%S')}.json").write_text(
            json.dumps(report, indent=2))
    finally:
        for process, _ in servers.values():
            process.terminate()
        for process, _ in servers.values():
            try:
                process.wait(timeout=15)
            except subprocess.TimeoutExpired:
                process.kill()


if __name__ == "__main__":
    main()
