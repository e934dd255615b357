"""The session's default build (curated data and every list of ``data/public``), made in a
process of its own while the test processes start on the tests that do not need it.

``make test`` passes ``--prebuild``: the pytest-xdist controller then starts
``python -m tests.prebuild ROOT`` before the workers run anything, and the tests that read the
default build (``full_build`` in ``tests/conftest.py``) are ordered last, so that the two cores
are busy with other tests while the build (about a minute on two cores) is made. Whoever comes
first makes it (:func:`made_once_in`: a file lock); the others wait and read it.
"""

from __future__ import annotations

import fcntl
import pickle
import shutil
import sys
from collections.abc import Callable
from pathlib import Path

from loaders.kernel.config import Settings
from loaders.pipeline.build import build

ROOT = Path(__file__).resolve().parent.parent
DATA = ROOT / "data"
FULL_BUILD = "full-build"


def made_once_in(root: Path, name: str, make: Callable[[Path], None]) -> Path:
    """``root/name``, filled by *make* once, by whichever process asks first; the others wait
    on ``root/name.lock`` and then find it made."""
    folder = root / name
    with open(root / f"{name}.lock", "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        if not (folder / ".made").exists():
            shutil.rmtree(folder, ignore_errors=True)
            folder.mkdir()
            make(folder)
            (folder / ".made").touch()
    return folder


def full_build_settings(root: Path) -> Settings:
    return Settings.from_env({}).with_overrides(store=root / "store", data=DATA,
                                                dumps=root / "dumps")


def make_full_build(root: Path) -> None:
    """The default build into ``root/store``, its summary beside it as a pickle."""
    summary = build(full_build_settings(root), progress=False)
    (root / "summary.pickle").write_bytes(pickle.dumps(summary))


if __name__ == "__main__":
    made_once_in(Path(sys.argv[1]), FULL_BUILD, make_full_build)
