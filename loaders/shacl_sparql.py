"""The shapes' SPARQL constraints, run in Oxigraph instead of pySHACL.

pySHACL evaluates a ``sh:sparql`` constraint once per focus node with rdflib's SPARQL engine;
on the 25k triples of an import that is about 40 ms a query and a minute in all. Here each
constraint becomes *one* query over an in-memory Oxigraph store of the whole union: the
focus nodes of its shape (``sh:targetClass`` with subclasses, ``sh:targetSubjectsOf``, a
``sh:SPARQLTarget``, or, for a shape reached only through ``sh:node``, the values of the path
that reaches it) are bound first, then the constraint's own pattern runs with ``$this`` as
their variable. pySHACL still checks every core constraint (the shapes graph without
``sh:sparql``), and the tests compare both engines on every fixture.
"""

from __future__ import annotations

from dataclasses import dataclass

import pyoxigraph as ox
from rdflib import Graph, Literal, URIRef
from rdflib.namespace import SH


@dataclass(frozen=True)
class Via:
    """A property shape that reaches a target-less shape through ``sh:node``: a violation of
    the inner shape is also a violation of the outer one, at the outer focus node."""

    owner: URIRef
    path: URIRef
    message: str
    parents_query: str


@dataclass(frozen=True)
class SparqlConstraint:
    shape: URIRef
    message: str
    query: str
    via: tuple[Via, ...] = ()


def _prefixes(shapes: Graph) -> dict[str, str]:
    return {str(shapes.value(d, SH.prefix)): str(shapes.value(d, SH.namespace))
            for d in shapes.objects(None, SH.declare)}


def _targets(shapes: Graph, shape: URIRef) -> list[str]:
    """Graph patterns that bind ``?this`` to the focus nodes of *shape*."""
    patterns = [f"{{ ?this a/<http://www.w3.org/2000/01/rdf-schema#subClassOf>* <{c}> }}"
                for c in shapes.objects(shape, SH.targetClass)]
    patterns += [f"{{ ?this <{p}> ?c2c_any }}" for p in shapes.objects(shape, SH.targetSubjectsOf)]
    for target in shapes.objects(shape, SH.target):
        select = shapes.value(target, SH.select)
        if select is not None:
            patterns.append(f"{{ {select} }}")
    if not patterns:  # reached through sh:node from a property shape: the values of its path
        for property_shape in shapes.subjects(SH.node, shape):
            path = shapes.value(property_shape, SH.path)
            if isinstance(path, URIRef):
                patterns.append(f"{{ ?c2c_any <{path}> ?this }}")
    return patterns


def _via(shapes: Graph, shape: URIRef) -> tuple[Via, ...]:
    if any(shapes.value(shape, p) is not None
           for p in (SH.targetClass, SH.targetSubjectsOf, SH.target)):
        return ()
    found = []
    for property_shape in shapes.subjects(SH.node, shape):
        path = shapes.value(property_shape, SH.path)
        owner = next(iter(shapes.subjects(SH.property, property_shape)), None)
        if not isinstance(path, URIRef) or not isinstance(owner, URIRef):
            continue
        targets = _targets(shapes, owner)
        if not targets:
            continue
        query = (f"SELECT DISTINCT ?this ?inner WHERE {{ {{ {' UNION '.join(targets)} }} "
                 f"?this <{path}> ?inner }}")
        message = str(shapes.value(property_shape, SH.message) or "violates a node shape")
        found.append(Via(owner, path, message, query))
    return tuple(found)


def _body(select: str) -> tuple[str, bool]:
    """The inside of the WHERE braces of a constraint's SELECT, and whether it binds ?value."""
    start = select.index("{", select.upper().index("WHERE"))
    end = select.rindex("}")
    head = select[:start]
    return select[start + 1:end].replace("$this", "?this"), "?value" in head


def sparql_constraints(shapes: Graph) -> list[SparqlConstraint]:
    constraints = []
    for shape, constraint in shapes.subject_objects(SH.sparql):
        if not isinstance(shape, URIRef):
            continue
        select = str(shapes.value(constraint, SH.select))
        message = str(shapes.value(constraint, SH.message) or "violates a SPARQL constraint")
        targets = _targets(shapes, shape)
        if not targets:
            continue
        body, has_value = _body(select)
        query = (f"SELECT DISTINCT ?this {'?value' if has_value else ''} WHERE {{\n"
                 f"  {{ {' UNION '.join(targets)} }}\n{body}\n}}")
        constraints.append(SparqlConstraint(shape, message, query, _via(shapes, shape)))
    return sorted(constraints, key=lambda c: (str(c.shape), c.message))


def without_sparql(shapes: Graph) -> Graph:
    """A copy of *shapes* with every ``sh:sparql`` constraint removed (pySHACL's share)."""
    core = Graph()
    for prefix, ns in shapes.namespaces():
        core.bind(prefix, ns)
    for triple in shapes:
        if triple[1] != SH.sparql:
            core.add(triple)
    return core


@dataclass(frozen=True)
class SparqlResult:
    focus: ox.NamedNode | ox.BlankNode
    value: ox.NamedNode | ox.BlankNode | ox.Literal | None
    shape: URIRef
    message: str
    path: URIRef | None = None


def to_oxigraph(graph: Graph) -> ox.Store:
    """An in-memory Oxigraph store holding the triples of an rdflib graph."""
    store = ox.Store()
    data = graph.serialize(format="nt", encoding="utf-8")
    store.load(data, format=ox.RdfFormat.N_TRIPLES)
    return store


def run(store: ox.Store, shapes: Graph) -> list[SparqlResult]:
    """Every violation of the SPARQL constraints of *shapes* over *store*'s default graph."""
    prefixes = _prefixes(shapes)
    found: list[SparqlResult] = []
    for constraint in sparql_constraints(shapes):
        results = store.query(constraint.query, prefixes=prefixes)
        has_value = "value" in [v.value for v in results.variables]
        for row in results:
            # without ?value, SHACL reports the focus node as the value
            found.append(SparqlResult(row["this"], row["value"] if has_value else row["this"],
                                      constraint.shape, constraint.message))
            for via in constraint.via:
                parents = store.query(via.parents_query, prefixes=prefixes,
                                      substitutions={ox.Variable("inner"): row["this"]})
                found += [SparqlResult(p["this"], row["this"], via.owner, via.message, via.path)
                          for p in parents]
    return found


def term_to_rdflib(term: object):
    if isinstance(term, ox.NamedNode):
        return URIRef(term.value)
    if isinstance(term, ox.Literal):
        if term.language:
            return Literal(term.value, lang=term.language)
        return Literal(term.value, datatype=URIRef(term.datatype.value))
    return None


