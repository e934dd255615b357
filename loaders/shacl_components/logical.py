"""SHACL §4.6, logical constraint components: ``sh:or``."""

from __future__ import annotations

from rdflib.collection import Collection
from rdflib.namespace import SH

from loaders.shacl_components.registry import Site, component, fails


@component(SH["or"])
def or_(site: Site):
    members = [site.constraints(m, False) for m in Collection(site.shapes, site.parameter)]

    def any_member(f: str, v: str, fresh) -> str:
        failed = [fails(cs, v, fresh) for cs in members]
        return f"{site.values(f, v)} FILTER ({' && '.join(failed) or 'false'})"
    return site.make(any_member)
