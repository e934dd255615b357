"""SHACL §4.7, shape-based constraint components: ``sh:node`` (``sh:property`` is walked by
the compiler itself). A value that fails the node shape is reported once, at the outer focus
node, with the messages of what it failed as details."""

from __future__ import annotations

from rdflib.namespace import SH

from loaders.shacl_components.registry import Site, component, fails


@component(SH.node)
def node(site: Site):
    inner = site.constraints(site.parameter, site.reported)
    return site.make(lambda f, v, fresh: f"{site.values(f, v)} FILTER ({fails(inner, v, fresh)})",
                     inner=inner)
