"""bench/profile_worker: where a worker's CPU goes per cheap request (issue 21, session 8).

    python -m bench.profile_worker [--store DIR] [--requests 2000] [--query 'ASK {...}'] [--top 30]

Creates the app (``endpoint.app.create_app``, the ``C2C_*`` environment, the fast path of
``C2C_FAST_PATH`` included, the result cache off unless ``C2C_RESULT_CACHE_BYTES`` is set) with
its real executor pool over the build in ``--store`` (default: bench/research's store), waits
for the executors by polling, then sends ``--requests`` GETs through Flask's test client (or,
``--raw``, straight to the WSGI app) in this process under ``cProfile`` and prints the CPU time
per request of this process (``resource.getrusage``: the request side, without gunicorn) and of
the executors (their ``/proc/{pid}/stat`` ticks), and the functions with the most cumulative
time. gunicorn's own share is what bench/research measures beyond this.
"""

from __future__ import annotations

import argparse
import cProfile
import io
import os
import pstats
import resource
import tempfile
import time
from pathlib import Path
from urllib.parse import quote

from werkzeug.test import EnvironBuilder

from bench.processes import cpu_ticks, descendants


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--store", type=Path,
                        default=Path(tempfile.gettempdir()) / "c2c-bench-research" / "store")
    parser.add_argument("--requests", type=int, default=2000)
    parser.add_argument("--query", default="ASK { ?s ?p ?o }")
    parser.add_argument("--top", type=int, default=30)
    parser.add_argument("--sort", default="cumulative")
    parser.add_argument("--no-profile", action="store_true",
                        help="no cProfile: the plain CPU per request (for A/B runs)")
    parser.add_argument("--no-early", action="store_true",
                        help="without the early answer of cache hits and 304s (A/B)")
    parser.add_argument("--raw", action="store_true",
                        help="call the WSGI app with a prepared environ instead of Flask's test "
                             "client (without the client's own cost)")
    parser.add_argument("--etag", action="store_true",
                        help="send the answer's ETag back (If-None-Match): every request a 304")
    args = parser.parse_args()
    os.environ["C2C_STORE"] = str(args.store)
    os.environ.setdefault("C2C_RESULT_CACHE_BYTES", "0")
    from endpoint.app import create_app
    from endpoint.state import state

    app = create_app()
    if args.no_early:
        from endpoint.sparql import early_answer

        app.before_request_funcs["sparql"].remove(early_answer)
    client = app.test_client()
    url = "/sparql?query=" + quote(args.query)
    headers = {"Accept": "application/sparql-results+json"}
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline:  # polling until the executors answer
        if client.get(url, headers={"Accept": "application/sparql-results+json"}
                      ).status_code == 200:
            break
    for _ in range(50):
        etag = client.get(url, headers=headers).headers.get("ETag")
    if args.etag:
        headers["If-None-Match"] = etag
    children = descendants(os.getpid())
    before, ticks = resource.getrusage(resource.RUSAGE_SELF), cpu_ticks(children)
    profile = cProfile.Profile(time.process_time)  # CPU, not wall
    if not args.no_profile:
        profile.enable()
    if args.raw:
        environ = EnvironBuilder(path="/sparql", query_string=url.partition("?")[2],
                                 headers=headers).get_environ()
        expected = "304" if args.etag else "200"

        def start_response(status: str, _headers: list, _exc_info: object = None) -> None:
            assert status.startswith(expected), status

        for _ in range(args.requests):
            b"".join(app(dict(environ, **{"wsgi.input": io.BytesIO()}), start_response))
    else:
        for _ in range(args.requests):
            response = client.get(url, headers=headers)
            assert response.status_code == (304 if args.etag else 200), response.data
    profile.disable()
    after, ticks_after = resource.getrusage(resource.RUSAGE_SELF), cpu_ticks(children)
    own = (after.ru_utime + after.ru_stime - before.ru_utime - before.ru_stime)
    hz = os.sysconf("SC_CLK_TCK")
    print(f"request side{'' if args.no_profile else ' (profiled, so inflated)'}: "
          f"{own / args.requests * 1000:.3f} ms CPU/req; "
          f"executors {(ticks_after - ticks) / hz / args.requests * 1000:.3f} ms CPU/req")
    if not args.no_profile:
        out = io.StringIO()
        pstats.Stats(profile, stream=out).sort_stats(args.sort).print_stats(args.top)
        print(out.getvalue())
        if os.environ.get("C2C_PROFILE_CALLERS"):
            out = io.StringIO()
            pstats.Stats(profile, stream=out).sort_stats(args.sort).print_callers(
                os.environ["C2C_PROFILE_CALLERS"])
            print(out.getvalue())
    app_state = state(app)
    for pool in (app_state.pool, app_state.health, app_state.writer):
        pool.close()


if __name__ == "__main__":
    main()
