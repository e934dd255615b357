"""Where the write algorithm worked before session 10 (``loaders/revise.py`` at 69525c6), kept
only as the reference that ``tests/test_write_equivalence.py`` compares the served write path
against: a copy of the current build, with the change applied, carried back, derived,
validated, materialised and described there (:func:`loaders.revise.apply_change`, the steps
both share), instead of in the in-memory copy the write path keeps between writes and writes to
a new folder afterwards by difference or whole. The copy is a RocksDB checkpoint of the served
folder, on disk, or an in-memory store holding the quads and named graphs already read from
that folder (the same steps on the same version; four times less CPU for the curated build,
where the steps on RocksDB cost about 1.2 s a write). It switches nothing: it returns what the
new version would hold."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from pathlib import Path

import pyoxigraph as ox

from loaders.kernel.config import Settings
from loaders.kernel.dataset import CONFORMANCE
from loaders.kernel.namespaces import Minter
from loaders.kernel.store import OxigraphStore, StoreLocation
from loaders.revise import apply_change

Read = tuple[Iterable[ox.Quad], Iterable[ox.NamedNode | ox.BlankNode]]
"""A store version's quads and named graphs (empty ones too), as read from its folder."""


def reference_write(settings: Settings, change: Callable[[OxigraphStore], object],
                    scratch: Path, *, start: Read | None = None
                    ) -> tuple[set[ox.Quad], set[ox.NamedNode | ox.BlankNode]]:
    """The quads and named graphs (empty ones too) the previous algorithm leaves after
    *change*: on a RocksDB checkpoint of the current version in *scratch* (a folder that must
    not exist yet), or, given *start* (the current version as read from its folder, blank node
    labels kept), on an in-memory store holding it. Raises what it raised
    (:class:`ValidationFailed` for a violating change)."""
    minter = Minter(settings.base_iri)
    conformance = settings.profile == CONFORMANCE
    if start is None:
        current = StoreLocation(settings.store).current()
        assert current is not None
        source = OxigraphStore.open(current, read_only=True)
        source.raw.backup(str(scratch))
        del source
        store = OxigraphStore.open(scratch, read_only=False)
    else:
        quads, graphs = start
        memory = ox.Store()
        memory.bulk_extend(quads)  # terms handed over: blank node labels kept
        for graph in graphs:
            memory.add_graph(graph)
        store = OxigraphStore(memory, None, "reference")
    apply_change(store, minter, change, conformance=conformance)
    return set(store.raw), set(store.raw.named_graphs())
