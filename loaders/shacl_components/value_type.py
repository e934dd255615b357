"""SHACL §4.1, value type constraint components: ``sh:datatype``, ``sh:class``."""

from __future__ import annotations

from rdflib.namespace import SH

from loaders.shacl_components.registry import RDF_TYPE_SUBCLASS, Site, component, has_datatype, nt


@component(SH.datatype)
def datatype(site: Site):
    return site.make(lambda f, v, fresh:
                     f"{site.values(f, v)} FILTER (!({has_datatype(v, str(site.parameter))}))")


@component(SH["class"])
def class_(site: Site):
    def not_instance(f: str, v: str, fresh) -> str:
        # MINUS finds the instances once; NOT EXISTS walks the subclass path per value
        instance = f"{v} {RDF_TYPE_SUBCLASS} {nt(site.parameter)}"
        keyword = "FILTER NOT EXISTS" if fresh.nested else "MINUS"
        return f"{site.values(f, v)} {keyword} {{ {instance} }}"
    return site.make(not_instance)
