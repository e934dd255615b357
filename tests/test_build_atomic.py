"""A build killed with SIGKILL part-way through loading leaves the previous store serving, and
the next build succeeds and cleans up after the dead one."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

from loaders.build import build
from loaders.config import Settings
from loaders.store import StoreLocation
from tests.conftest import DATA, ROOT

CHILD = """
import sys, time
from pathlib import Path
from loaders.build import build
from loaders.config import Settings

signal_file = Path(sys.argv[2])

def on_step(name):
    if name == "derive":          # the new store folder exists and holds the loaded data
        signal_file.write_text("loading done, deriving next")
        while True:               # wait here to be killed
            time.sleep(0.1)

settings = Settings.from_env({}).with_overrides(store=Path(sys.argv[1]), data=Path(sys.argv[3]))
build(settings, progress=False, on_step=on_step)
"""

QUERY = "SELECT (COUNT(*) AS ?n) WHERE { ?a c2c:twinnedWith ?b }"


def count(store) -> int:
    return int(next(iter(store.query(QUERY)))["n"].value)


def test_sigkill_during_build_leaves_previous_store(tmp_path: Path) -> None:
    settings = Settings.from_env({}).with_overrides(store=tmp_path / "store", data=DATA)
    build(settings, progress=False)
    location = StoreLocation(settings.store)
    before = location.current()
    answer = count(location.open_current())
    assert answer > 0

    flag = tmp_path / "reached"
    child = subprocess.Popen([sys.executable, "-c", CHILD, str(settings.store), str(flag),
                              str(DATA)], cwd=ROOT)
    deadline = time.monotonic() + 120
    while not flag.exists():  # poll for the child to reach the chosen point
        assert child.poll() is None, "the build ended before it could be killed"
        assert time.monotonic() < deadline, "the build never reached the derive step"
        time.sleep(0.05)
    os.kill(child.pid, signal.SIGKILL)
    child.wait(timeout=30)
    assert child.returncode == -signal.SIGKILL

    builds = sorted(p.name for p in location.builds.iterdir())
    assert len(builds) == 2  # the served build and the dead one's half-written folder
    assert location.current() == before
    assert count(location.open_current()) == answer

    summary = build(settings, progress=False)
    assert location.current() == summary.path != before
    assert count(location.open_current()) == answer
    leftovers = {p.name for p in location.builds.iterdir()}
    assert leftovers == {before.name, summary.path.name}
