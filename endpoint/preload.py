"""What the executors' fork server loads once, so that every executor and write process forked
from it starts ready: pyoxigraph, the result writers, the store, and, with ``C2C_IN_MEMORY``,
the current build copied into memory (:mod:`endpoint.resident`). On a writable deployment also
the write path's shapes compiled for validation (:func:`loaders.validate._default_checks`); a
read-only one never validates, and importing pySHACL for it cost each of its fork servers about
0.35 s of CPU (the write process of a writable one compiles them itself if they are missing)."""

import pyoxigraph  # noqa: F401

import loaders.kernel.results
import loaders.kernel.store  # noqa: F401
from endpoint import resident

if resident.writes_possible():
    from loaders.validate import _default_checks

    _default_checks()
resident.load()
