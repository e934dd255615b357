"""Python's cyclic garbage collector, paused for work that keeps many objects alive.

A build or an import holds hundreds of thousands of long-lived objects (quads, gazetteer
entries) and makes little cyclic garbage; every full pass of the collector walks all of them,
which was a third of the default build's CPU (22.1 -> 14.5 s with the collector paused, the
same peak memory, 797 MB; bench/README.md "Test-suite CPU, session 10"). Reference counting
still frees everything that is not in a cycle; what is, is collected when the pause ends.
"""

from __future__ import annotations

import gc
from collections.abc import Iterator
from contextlib import contextmanager


@contextmanager
def collector_paused() -> Iterator[None]:
    """The cyclic collector off inside, and on again after if it was on before."""
    was = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was:
            gc.enable()
