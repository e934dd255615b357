"""``python -m bench.serve``: ``make serve`` on a fresh clone, step by step, to a first answer.

Clones the current commit into a temporary folder and runs the steps ``make serve`` runs there —
``.venv`` and the installs, ``c2c build`` (with ``SOURCE_DATE_EPOCH`` as ``make`` sets it),
``c2c export``, ``c2c serve`` — timing each, then polls ``/sparql`` on 127.0.0.1 with the
China-related agreement count (``loaders/queries/measure/china-agreements.rq``) until it
answers, and prints the times and the answer. The installs use pip's cache and index as
``make`` does; nothing else leaves the machine. Results and what they mean: bench/README.md.
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import tempfile
import time
import urllib.parse
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PORT = 8799


def _run(step: str, argv: list[str], cwd: Path, env: dict, times: dict) -> None:
    started = time.monotonic()
    subprocess.run(argv, cwd=cwd, env=env, check=True, stdout=subprocess.DEVNULL)
    times[step] = time.monotonic() - started


def main() -> int:
    times: dict[str, float] = {}
    with tempfile.TemporaryDirectory(prefix="c2c-fresh-") as folder:
        clone = Path(folder) / "c2c"
        subprocess.run(["git", "clone", "--quiet", str(ROOT), str(clone)], check=True)
        epoch = subprocess.run(["git", "log", "-1", "--format=%ct"], cwd=clone, check=True,
                               capture_output=True, text=True).stdout.strip()
        env = dict(os.environ, SOURCE_DATE_EPOCH=epoch, C2C_PORT=str(PORT),
                   C2C_HOST="127.0.0.1")
        env.pop("C2C_STORE", None)
        env.pop("C2C_DATA", None)
        started = time.monotonic()
        _run("venv and install (make)", ["make", ".venv/.installed-run"], clone, env, times)
        _run("c2c build", [".venv/bin/c2c", "build", "--quiet"], clone, env, times)
        _run("c2c export", [".venv/bin/c2c", "export"], clone, env, times)
        query = (clone / "loaders/queries/measure/china-agreements.rq").read_text()
        url = (f"http://127.0.0.1:{PORT}/sparql?"
               + urllib.parse.urlencode({"query": query}))
        serve_started = time.monotonic()
        server = subprocess.Popen([".venv/bin/c2c", "serve"], cwd=clone, env=env,
                                  stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
                                  start_new_session=True)
        try:
            while True:
                try:
                    request = urllib.request.Request(
                        url, headers={"Accept": "application/sparql-results+json"})
                    with urllib.request.urlopen(request, timeout=30) as response:
                        answer = json.loads(response.read())
                        break
                except OSError:
                    if server.poll() is not None:
                        raise RuntimeError("c2c serve exited before answering") from None
                    time.sleep(0.1)  # polling interval
            times["c2c serve to the first answer"] = time.monotonic() - serve_started
        finally:
            os.killpg(server.pid, signal.SIGTERM)
            server.wait(timeout=30)
        total = time.monotonic() - started
    row = answer["results"]["bindings"][0]
    for step, seconds in times.items():
        print(f"{step:<32} {seconds:6.1f} s")
    print(f"{'total':<32} {total:6.1f} s   (load average {os.getloadavg()[0]:.1f})")
    print(f"China-related agreements: {row['agreements']['value']}, "
          f"of which uncited: {row['uncited']['value']}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
