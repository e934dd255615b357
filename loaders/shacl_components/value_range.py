"""SHACL §4.3, value range constraint components: ``sh:minInclusive``, ``sh:maxInclusive``,
``sh:minExclusive``, ``sh:maxExclusive``."""

from __future__ import annotations

from rdflib.namespace import SH

from loaders.shacl_components.registry import Site, component, nt

COMPARISONS = {SH.minInclusive: ">=", SH.maxInclusive: "<=", SH.minExclusive: ">",
               SH.maxExclusive: "<"}


@component(*COMPARISONS)
def comparison(site: Site):
    op = COMPARISONS[site.predicate]
    return site.make(lambda f, v, fresh: f"{site.values(f, v)} FILTER (!COALESCE({v} {op} "
                                         f"{nt(site.parameter)}, false))")
