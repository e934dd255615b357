"""The registry of SHACL constraint components the SPARQL engine compiles
(:mod:`loaders.shacl_sparql`), after pySHACL's ``CONSTRAINT_PARAMETERS_MAP``: one builder per
parameter (``sh:minCount`` …), registered with :func:`component` by the module of its section of
the SHACL specification (§4.1 value type, §4.2 cardinality, …). The compiler looks a
parameter up here and nowhere else; a parameter with no builder is refused by name.

A builder receives the :class:`Site` of one parameter of one shape and returns the
``Constraint`` (:meth:`Site.make`): a SPARQL graph pattern that matches exactly when the focus
node violates the constraint. The helpers below are the patterns the builders share.
"""

from __future__ import annotations

import itertools
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from rdflib import Graph, Literal, URIRef

from loaders.kernel.errors import StoreError

RDF_TYPE_SUBCLASS = ("<http://www.w3.org/1999/02/22-rdf-syntax-ns#type>/"
                     "<http://www.w3.org/2000/01/rdf-schema#subClassOf>*")
#: Datatypes whose lexical forms Oxigraph checks by casting (an ill-formed one fails the cast).
CASTABLE = {f"http://www.w3.org/2001/XMLSchema#{t}" for t in (
    "integer", "decimal", "double", "float", "boolean", "date", "dateTime", "gYear",
    "gYearMonth", "time")}


class ShapeNotCompiled(StoreError):  # noqa: N818 - reads as a sentence where it is raised
    """A shape uses SHACL that this engine does not compile (use ``engine="pyshacl"``)."""


@dataclass
class Site:
    """One parameter of one shape, as a builder sees it."""

    name: str
    """The shape's name (a blank property shape: its node shape's)."""
    shape: object
    shapes: Graph
    predicate: URIRef
    parameter: Any
    sparql_path: str | None
    """The shape's path in SPARQL syntax; None for a node shape."""
    make: Callable[..., Any]
    """``make(body, reports_value=True, inner=(), extra=())``: the Constraint of this site."""
    constraints: Callable[[object, bool], list]
    """The compiler's constraints of another shape (for ``sh:node``, ``sh:or``)."""
    reported: bool

    def values(self, focus: str, value: str) -> str:
        """Bind *value* to each value node of *focus* (the focus itself without a path)."""
        if self.sparql_path is None:
            return f"BIND ({focus} AS {value})"
        return f"{focus} {self.sparql_path} {value} ."


Builder = Callable[[Site], Any]
COMPONENTS: dict[URIRef, Builder] = {}
#: Parameters that need a path (a node shape with them is refused).
NEEDS_PATH: set[URIRef] = set()


def component(*predicates: URIRef, needs_path: bool = False) -> Callable[[Builder], Builder]:
    """Register the decorated builder for *predicates*."""
    def register(builder: Builder) -> Builder:
        for predicate in predicates:
            if predicate in COMPONENTS:
                raise ValueError(f"{predicate} is registered twice")
            COMPONENTS[predicate] = builder
            if needs_path:
                NEEDS_PATH.add(predicate)
        return builder
    return register


def nt(term: object) -> str:
    """An rdflib term in SPARQL syntax."""
    if isinstance(term, URIRef):
        return f"<{term}>"
    if isinstance(term, Literal):
        return term.n3()
    raise ShapeNotCompiled(f"a blank node cannot be a constraint value: {term}")


def grouped(keys: str, pattern: str, having: str) -> str:
    """A subquery: the *keys* of the solutions of *pattern* whose group satisfies *having*."""
    return f"{{ SELECT {keys} WHERE {{ {pattern} }} GROUP BY {keys} HAVING ({having}) }}"


def has_datatype(v: str, datatype: str) -> str:
    test = f"isLiteral({v}) && datatype({v}) = <{datatype}>"
    if datatype in CASTABLE:
        test += f" && COALESCE(isLiteral(<{datatype}>({v})), false)"
    return test


def fails(constraints: list, focus: str, fresh: Any) -> str:
    """A SPARQL expression: true when the node in *focus* violates any of *constraints*."""
    if not constraints:
        return "false"
    outer, fresh.nested = fresh.nested, True
    try:
        branches = " UNION ".join(f"{{ {c.render(focus, fresh(), fresh)} }}"
                                  for c in constraints)
    finally:
        fresh.nested = outer
    return f"EXISTS {{ {branches} }}"


def distinct_values(focus: str, path: str, names: list[str]) -> str:
    """A pattern that matches when *focus* has len(names) pairwise distinct values."""
    triples = " ".join(f"{focus} {path} {x} ." for x in names)
    distinct = " && ".join(f"!sameTerm({a}, {b})" for a, b in itertools.combinations(names, 2))
    return f"{triples} FILTER ({distinct})" if distinct else triples
