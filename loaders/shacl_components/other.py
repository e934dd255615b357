"""SHACL §4.8, other constraint components: ``sh:hasValue``, ``sh:in``."""

from __future__ import annotations

from rdflib.collection import Collection
from rdflib.namespace import SH

from loaders.shacl_components.registry import Site, component, nt


@component(SH.hasValue)
def has_value(site: Site):
    value = nt(site.parameter)
    if site.sparql_path is None:
        return site.make(lambda f, v, fresh: f"FILTER (!sameTerm({f}, {value}))",
                         reports_value=False)
    return site.make(lambda f, v, fresh:
                     f"FILTER NOT EXISTS {{ {f} {site.sparql_path} {value} }}",
                     reports_value=False)


@component(SH["in"])
def in_(site: Site):
    members = list(Collection(site.shapes, site.parameter))
    test = " || ".join(f"sameTerm({{v}}, {nt(m)})" for m in members) or "false"
    return site.make(lambda f, v, fresh: f"{site.values(f, v)} FILTER (!({test.format(v=v)}))")
