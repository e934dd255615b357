"""The dataset queries and updates see: one default graph with set semantics.

In the research profile (``C2C_PROFILE=research``, the default) the stored default graph of a
served store is *materialised*: it holds every distinct triple of the data graphs exactly once
(:func:`materialise`, ``loaders/queries/dataset/10-union.rq``), so a triple that several
sources state is counted once, while ``GRAPH ?g`` still says who states what. Queries then run
over the stored default graph, not Oxigraph's union mode, which is a bag.

A write sees the same default graph, and what it does to it is carried back into the data
graphs by :func:`carry_back`: a triple the write removed from the default graph is removed from
every data graph that states it (``DELETE WHERE`` deletes what the matching query shows), and a
triple it added goes to the named graph ``graph/edits``. Then the derived graphs and the default
graph are computed anew (:func:`loaders.revise.revise`).

In the conformance profile (``C2C_PROFILE=conformance``) none of this happens: the default
graph is a graph of its own, as in a plain SPARQL 1.1 store.
"""

from __future__ import annotations

import pyoxigraph as ox

from loaders.kernel import assets
from loaders.kernel.namespaces import Minter
from loaders.kernel.store import OxigraphStore

RESEARCH, CONFORMANCE = "research", "conformance"
PROFILES = (RESEARCH, CONFORMANCE)
METADATA_GRAPHS = ("void",)
"""Graphs that describe the data and are no part of the default graph (names under graph/)."""
EDITS_GRAPH = "edits"
"""Where triples that a write adds to the default graph go."""


def metadata_graphs(minter: Minter) -> tuple[str, ...]:
    return tuple(str(minter.graph(name)) for name in METADATA_GRAPHS)


def materialise(store: OxigraphStore, minter: Minter) -> None:
    """Replace the stored default graph by the distinct triples of the data graphs."""
    for _name, text in assets.queries_in("dataset"):
        store.raw.update(text, base_iri=minter.base)


def default_triples(store: OxigraphStore) -> set[ox.Triple]:
    """The triples of the stored default graph."""
    return {ox.Triple(q.subject, q.predicate, q.object)
            for q in store.raw.quads_for_pattern(None, None, None, ox.DefaultGraph())}


def default_lines(store: OxigraphStore) -> set[bytes]:
    """The triples of the stored default graph as N-Triples lines: one line per triple, the
    same text for the same triple, so sets of them compare like sets of triples, and building
    them costs far less than building :class:`pyoxigraph.Triple` objects."""
    dumped = store.raw.dump(format=ox.RdfFormat.N_TRIPLES, from_graph=ox.DefaultGraph())
    return set(dumped.splitlines())


def carry_back(store: OxigraphStore, minter: Minter, before: set[bytes]) -> tuple[int, int]:
    """Carry what a write did to the default graph (which held *before*, as
    :func:`default_lines`) into the data graphs, then empty the default graph; returns how
    many triples were removed and added."""
    after = default_lines(store)
    removed, added = _triples(before - after), _triples(after - before)
    hidden = {ox.NamedNode(g) for g in metadata_graphs(minter)}
    doomed = [q for t in removed
              for q in store.raw.quads_for_pattern(t.subject, t.predicate, t.object, None)
              if isinstance(q.graph_name, ox.NamedNode) and q.graph_name not in hidden]
    for quad in doomed:
        store.raw.remove(quad)
    edits = ox.NamedNode(str(minter.graph(EDITS_GRAPH)))
    store.raw.extend(ox.Quad(t.subject, t.predicate, t.object, edits) for t in added)
    store.raw.clear_graph(ox.DefaultGraph())
    return len(removed), len(added)


def _triples(lines: set[bytes]) -> list[ox.Triple]:
    """N-Triples lines back to triples (``ox.parse`` keeps blank node labels)."""
    return [q.triple for q in ox.parse(b"\n".join(lines), format=ox.RdfFormat.N_TRIPLES)]
