"""CPU of one write to the served store (``loaders.revise.revise``), per profile.

    python -m bench.write_cost [--tree DIR ...] [--writes N] [--rounds R]

For each checkout given with ``--tree`` (default: this one; give another tree to compare, its
own ``.venv`` is used), a child process of that tree makes a store on ``/dev/shm`` and applies
*N* writes through that tree's ``revise`` — in the research profile a one-triple ``INSERT
DATA`` on the curated build (``C2C_PUBLIC_LISTS=0``, about 17,800 quads), in the conformance
profile a W3C-like ``DROP ALL ; INSERT DATA`` of 20 triples on an empty plain store — and
prints the CPU (user + system of the process, RocksDB's threads included) per write.
``-cold``: every write reads the served version from its folder, as the first write of a
process does (no in-memory copy of the version this process wrote last). The trees
are run in turn, *R* rounds, so that each comparison is made in the same minutes.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

from tests.test_w3c import scratch_folder

ROOT = Path(__file__).resolve().parent.parent

# Run inside the measured tree (its own loaders): make the store, warm up once, then time.
CHILD = r"""
import json, os, sys, time, dataclasses
from pathlib import Path

from tests.test_w3c import scratch_folder
from loaders.kernel.config import Settings
from loaders.revise import revise
import loaders.revise
profile, store, writes = sys.argv[1], Path(sys.argv[2]), int(sys.argv[3])
cold = profile.endswith("-cold")
profile = profile.removesuffix("-cold")
env = dict(os.environ, C2C_STORE=str(store), C2C_PROFILE=profile, C2C_PUBLIC_LISTS="0")
settings = Settings.from_env(env)
if profile == "research":
    from loaders.pipeline.build import build
    build(settings, progress=False)
    def text(i):
        return ('INSERT DATA { <https://w3id.org/c2c/bench/%d> '
                '<http://www.w3.org/2000/01/rdf-schema#label> "bench %d" }' % (i, i))
else:
    from loaders.pipeline.build import build_empty
    build_empty(settings)
    def text(i):
        rows = " ".join('<http://example.org/s%d> <http://example.org/p> "%d-%d" .' % (k, i, k)
                        for k in range(20))
        return "DROP ALL ; INSERT DATA { %s }" % rows
def write(i):
    revise(settings, lambda s: s.update(text(i), base_iri=settings.base_iri))
write(-1)  # imports, compiled shapes, caches
cpu = []
for i in range(writes):
    if cold:  # no copy of the last version kept in this process: read the folder
        loaders.revise._last_written = None
    start = time.process_time()
    write(i)
    cpu.append(time.process_time() - start)
print(json.dumps(cpu))
"""


def measure(tree: Path, profile: str, writes: int) -> list[float]:
    python = tree / ".venv" / "bin" / "python"
    folder = scratch_folder(Path(tempfile.mkdtemp(prefix="c2c-write-cost-")))
    try:
        done = subprocess.run([str(python), "-c", CHILD, profile, str(folder / "store"),
                               str(writes)], cwd=tree, capture_output=True, text=True,
                              check=False, env=dict(os.environ, PYTHONPATH=str(tree)))
        if done.returncode != 0:
            sys.exit(f"{tree} {profile}: {done.stderr.strip().splitlines()[-1:]}")
        return json.loads(done.stdout.strip().splitlines()[-1])
    finally:
        shutil.rmtree(folder, ignore_errors=True)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--tree", type=Path, action="append")
    parser.add_argument("--writes", type=int, default=10)
    parser.add_argument("--rounds", type=int, default=2)
    args = parser.parse_args()
    trees = args.tree or [ROOT]
    for rnd in range(args.rounds):
        for profile in ("research", "research-cold", "conformance", "conformance-cold"):
            for tree in trees:
                cpu = sorted(measure(tree, profile, args.writes))
                print(f"round {rnd + 1} {profile:16s} {tree!s:24s} CPU per write: "
                      f"median {cpu[len(cpu) // 2] * 1000:6.0f} ms, "
                      f"min {cpu[0] * 1000:6.0f} ms, max {cpu[-1] * 1000:6.0f} ms "
                      f"({len(cpu)} writes)", flush=True)


if __name__ == "__main__":
    main()
