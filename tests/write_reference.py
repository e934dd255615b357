"""The write algorithm as it was before session 10 (``loaders/revise.py`` at 69525c6), kept
only as the reference that ``tests/test_write_equivalence.py`` compares the served write path
against: a RocksDB checkpoint of the current build, the change applied to it on disk, the
default graph read into Python sets before and after, carried back, derived, validated,
materialised and described on disk. It switches nothing: it returns what the new version
would hold."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pyoxigraph as ox

from loaders.derive import derive, describe
from loaders.kernel.config import Settings
from loaders.kernel.dataset import CONFORMANCE, EDITS_GRAPH, materialise, metadata_graphs
from loaders.kernel.errors import ValidationFailed
from loaders.kernel.namespaces import Minter
from loaders.kernel.store import OxigraphStore, StoreLocation
from loaders.revise import validated_graphs
from loaders.validate import report_text, validate_store


def _default_triples(store: OxigraphStore) -> set[ox.Triple]:
    return {ox.Triple(q.subject, q.predicate, q.object)
            for q in store.raw.quads_for_pattern(None, None, None, ox.DefaultGraph())}


def _carry_back(store: OxigraphStore, minter: Minter, before: set[ox.Triple]) -> None:
    after = _default_triples(store)
    removed, added = before - after, after - before
    hidden = {ox.NamedNode(g) for g in metadata_graphs(minter)}
    doomed = [q for t in removed
              for q in store.raw.quads_for_pattern(t.subject, t.predicate, t.object, None)
              if isinstance(q.graph_name, ox.NamedNode) and q.graph_name not in hidden]
    for quad in doomed:
        store.raw.remove(quad)
    edits = ox.NamedNode(str(minter.graph(EDITS_GRAPH)))
    store.raw.extend(ox.Quad(t.subject, t.predicate, t.object, edits) for t in added)
    store.raw.clear_graph(ox.DefaultGraph())


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
    before = set() if conformance else _default_triples(store)
    change(store)
    if not conformance:
        _carry_back(store, minter, before)
        derive(store, minter)
    violations = validate_store(store.raw, graphs=validated_graphs(
        store, minter, with_default=conformance))
    if violations:
        raise ValidationFailed(violations, report_text(violations))
    if not conformance:
        materialise(store, minter)
        describe(store, minter)
    return set(store.raw), set(store.raw.named_graphs())
