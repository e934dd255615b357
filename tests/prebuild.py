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
from dataclasses import replace
from pathlib import Path

from loaders.importers import ImportResult
from loaders.kernel.collector import collector_paused
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


class LazyGraphs(ImportResult):
    """An :class:`~loaders.importers.ImportResult` read back from the summary's pickle whose
    :attr:`graphs` (rdflib graphs: most of the pickle, and of the time to read it) are unpickled
    when first read, so that a test process that reads the summary but not the graphs (all but
    one) never pays for them. Made by :func:`lazy`, never by its constructor."""

    @property  # type: ignore[override]
    def graphs(self) -> list:
        graphs = self.__dict__.get("_graphs")
        if graphs is None:
            with collector_paused():
                graphs = self.__dict__["_graphs"] = pickle.loads(  # noqa: S301 - ours
                    self.__dict__["_graphs_pickle"])
        return graphs


def lazy(result: ImportResult) -> LazyGraphs:
    """*result* with its graphs as a pickle of their own, unpickled when first read."""
    state = dict(result.__dict__)
    state["_graphs_pickle"] = pickle.dumps(state.pop("graphs"))
    copy = object.__new__(LazyGraphs)
    copy.__dict__.update(state)
    return copy


def make_full_build(root: Path) -> None:
    """The default build into ``root/store``, its summary beside it as a pickle (the import
    results' graphs pickled apart, :class:`LazyGraphs`; the cyclic collector paused while
    pickling, as while reading it back in ``tests/conftest.py``: it would walk every object
    the build left alive)."""
    summary = build(full_build_settings(root), progress=False)
    with collector_paused():
        summary = replace(summary, public=tuple((name, lazy(result))
                                                for name, result in summary.public))
        (root / "summary.pickle").write_bytes(pickle.dumps(summary))


if __name__ == "__main__":
    # the module under its own name, not __main__: the pickle names LazyGraphs by its module
    from tests import prebuild

    prebuild.made_once_in(Path(sys.argv[1]), FULL_BUILD, prebuild.make_full_build)
