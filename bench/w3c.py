"""bench/w3c: the W3C SPARQL 1.1 runner of the tests (tests/w3c.py) against c2c's endpoint in
the conformance profile, or against the native ``oxigraph serve`` (PyPI package ``oxigraph``),
with the same skips; prints pass/fail/skip counts and every failure with its reason.

    python -m bench.w3c [--native] [-k SUBSTRING] [--full]

This is how the figures of README's "W3C SPARQL 1.1 conformance" section were compared; the
test suite itself runs only c2c (tests/test_w3c.py).
"""

from __future__ import annotations

import argparse
import shutil
import subprocess
import sys
import tempfile
import time
from collections import Counter
from pathlib import Path

from loaders.kernel.config import Settings
from loaders.pipeline.build import build_empty
from tests import w3c
from tests.conftest import free_port, run_gunicorn, wait_for_http
from tests.test_w3c import TOKEN, _skip_reason, scratch_folder


def run_all(target: w3c.Target, pattern: str, full: bool) -> Counter:
    counts: Counter = Counter()
    for case in w3c.cases():
        if pattern and pattern not in case.id:
            continue
        reason = _skip_reason(case)
        if reason:
            counts["skipped"] += 1
            continue
        try:
            w3c.run(case, target)
        except Exception as exc:
            counts["failed"] += 1
            text = f"{type(exc).__name__}: {exc}"
            print(f"FAIL {case.id}: {text if full else text[:300]}")
        else:
            counts["passed"] += 1
    return counts


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--native", action="store_true", help="run oxigraph serve instead")
    parser.add_argument("-k", default="", help="only tests whose id contains this")
    parser.add_argument("--full", action="store_true", help="print whole failure messages")
    args = parser.parse_args()
    started = time.monotonic()
    with tempfile.TemporaryDirectory(dir=scratch_folder(Path(tempfile.gettempdir()))) as tmp:
        port = free_port()
        if args.native:
            oxigraph = shutil.which("oxigraph") or str(Path(sys.executable).parent / "oxigraph")
            process = subprocess.Popen(
                [oxigraph, "serve", "--location", str(Path(tmp) / "native"), "--bind",
                 f"127.0.0.1:{port}"], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
            base = f"http://127.0.0.1:{port}"
            try:
                wait_for_http(f"{base}/query?query=ASK%7B%7D", process=process)
                target = w3c.Target(f"{base}/query", f"{base}/update", f"{base}/store")
                counts = run_all(target, args.k, args.full)
            finally:
                process.terminate()
                process.wait(timeout=15)
        else:
            settings = Settings.from_env({}).with_overrides(store=Path(tmp) / "store",
                                                            profile="conformance")
            build_empty(settings)
            with run_gunicorn(settings, port, C2C_PROFILE="conformance", C2C_WRITABLE="1",
                              C2C_UPDATE_TOKEN=TOKEN, C2C_WORKERS="1", C2C_THREADS="2",
                              C2C_QUERY_TIMEOUT="20") as base:
                target = w3c.Target(f"{base}/sparql", f"{base}/sparql",
                                    f"{base}/rdf-graph-store",
                                    write_headers={"Authorization": f"Bearer {TOKEN}"})
                counts = run_all(target, args.k, args.full)
    print(f"{'native oxigraph serve' if args.native else 'c2c'}: {counts['passed']} passed, "
          f"{counts['failed']} failed, {counts['skipped']} skipped "
          f"in {time.monotonic() - started:.0f} s")


if __name__ == "__main__":
    main()
