"""What the executors' fork server loads once, so that every executor and write process forked
from it starts ready: pyoxigraph, the result writers, the store, the write path and the shapes
compiled for validation (:func:`loaders.validate._default_checks`: 0.1 s of CPU, now that
pySHACL, which only the reference engine needs, is imported where that engine runs), and, with
``C2C_IN_MEMORY``, the current build copied into memory (:mod:`endpoint.resident`)."""

import pyoxigraph  # noqa: F401

import loaders.kernel.results
import loaders.kernel.store  # noqa: F401
from endpoint import resident
from loaders.validate import _default_checks

_default_checks()
resident.load()
