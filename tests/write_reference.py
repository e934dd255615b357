"""Where the write algorithm worked before session 10 (``loaders/revise.py`` at 69525c6), kept
only as the reference that ``tests/test_write_equivalence.py`` compares the served write path
against: a RocksDB checkpoint of the current build, with the change applied, carried back,
derived, validated, materialised and described there, on disk
(:func:`loaders.revise.apply_change`, the steps both share), instead of in an in-memory copy
written to a new folder afterwards by difference or whole. It switches nothing: it returns
what the new version would hold."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pyoxigraph as ox

from loaders.kernel.config import Settings
from loaders.kernel.dataset import CONFORMANCE
from loaders.kernel.namespaces import Minter
from loaders.kernel.store import OxigraphStore, StoreLocation
from loaders.revise import apply_change


def reference_write(settings: Settings, change: Callable[[OxigraphStore], object],
                    scratch: Path) -> tuple[set[ox.Quad], set[ox.NamedNode | ox.BlankNode]]:
    """The quads and named graphs (empty ones too) the previous algorithm leaves after
    *change*, computed in *scratch* (a folder that must not exist yet). Raises what it
    raised (:class:`ValidationFailed` for a violating change)."""
    minter = Minter(settings.base_iri)
    conformance = settings.profile == CONFORMANCE
    current = StoreLocation(settings.store).current()
    assert current is not None
    source = OxigraphStore.open(current, read_only=True)
    source.raw.backup(str(scratch))
    del source
    store = OxigraphStore.open(scratch, read_only=False)
    apply_change(store, minter, change, conformance=conformance)
    return set(store.raw), set(store.raw.named_graphs())
