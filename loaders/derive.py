"""What the store says beyond its sources: the derived graph, the search keys and the VoID
description, materialised from the source graphs. Run by :func:`loaders.pipeline.build.build` on the
staging store and by :func:`loaders.revise.revise` after every write; a module of its own so
that both read it and neither imports the other."""

from __future__ import annotations

from collections.abc import Callable

import pyoxigraph as ox

from loaders.kernel import assets
from loaders.kernel.namespaces import PREFIXES, Minter
from loaders.kernel.store import OxigraphStore
from loaders.search import search_ntriples

DCTERMS_MODIFIED = ox.NamedNode("http://purl.org/dc/terms/modified")
XSD_DATETIME = ox.NamedNode("http://www.w3.org/2001/XMLSchema#dateTime")
# the graphs derive() and describe() write; every other graph holds a source, and is validated
DERIVED_GRAPHS = ("derived", "search", "void")


def derive(store: OxigraphStore, minter: Minter,
           on_graph: Callable[[ox.NamedNode], None] = lambda graph: None) -> None:
    """Materialise the derived graph anew from the store's agreements, memberships, periods,
    and the search keys of every place (``graph/search``, :mod:`loaders.search`).
    *on_graph* is called with each graph as soon as it is complete (the build writes it to
    disk then)."""
    derived = ox.NamedNode(str(minter.graph("derived")))
    store.raw.remove_graph(derived)
    for _name, text in assets.queries_in("derive"):  # in order: later ones read earlier ones
        triples = store.raw.query(text, base_iri=minter.base, prefixes=PREFIXES)
        # serialised and parsed by Oxigraph, never turned into Python objects
        store.raw.bulk_load(triples.serialize(format=ox.RdfFormat.N_TRIPLES),
                            format=ox.RdfFormat.N_TRIPLES, to_graph=derived)
    on_graph(derived)
    search = ox.NamedNode(str(minter.graph("search")))
    store.raw.remove_graph(search)
    store.raw.bulk_load(search_ntriples(store), format=ox.RdfFormat.N_TRIPLES, to_graph=search)
    on_graph(search)


def describe(store: OxigraphStore, minter: Minter, *, modified: int | None = None) -> None:
    """Write the VoID/DCAT description anew (run after :func:`derive`: it counts every graph).
    *modified* (seconds since the epoch) replaces the clock as ``dcterms:modified``."""
    void = ox.NamedNode(str(minter.graph("void")))
    store.raw.remove_graph(void)
    for _name, text in assets.queries_in("describe"):
        store.update(text, base_iri=minter.base)
    if modified is not None:
        import datetime as dt

        stamp = dt.datetime.fromtimestamp(modified, dt.UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
        for quad in list(store.raw.quads_for_pattern(None, DCTERMS_MODIFIED, None, void)):
            store.raw.remove(quad)
            store.raw.add(ox.Quad(quad.subject, quad.predicate,
                                  ox.Literal(stamp, datatype=XSD_DATETIME), void))
