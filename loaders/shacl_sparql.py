"""The SHACL shapes compiled to SPARQL and run in Oxigraph.

pySHACL walks focus nodes one by one in Python; at 100k triples that takes minutes. Here every
constraint of every shape becomes *one* SELECT, run by Oxigraph over the whole store (or over
the data graphs only): the focus nodes of the shape are bound first, then a graph pattern that
matches exactly when the focus node violates the constraint.

What compiles (everything the c2c shapes use; anything else is refused by name, so a shape
never silently goes unchecked) — the constraint components are the registry of
:mod:`loaders.shacl_components`, one module per section of the specification:

* targets ``sh:targetClass`` (with subclasses), ``sh:targetSubjectsOf``, ``sh:targetNode`` and
  ``sh:target`` with a ``sh:SPARQLTarget``;
* paths: an IRI, or a sequence of IRIs;
* ``sh:minCount``, ``sh:maxCount``, ``sh:datatype`` (well-formed lexical form included),
  ``sh:class``, ``sh:hasValue``, ``sh:in``, ``sh:pattern`` (with ``sh:flags``),
  ``sh:languageIn``, ``sh:uniqueLang``, ``sh:minInclusive``/``maxInclusive``/
  ``minExclusive``/``maxExclusive``, ``sh:or``, ``sh:node``, and SPARQL-based constraints
  (``sh:sparql``).

A value that fails a ``sh:node`` shape is reported once, at the outer focus node, with the
messages of what it failed as details — as pySHACL nests them under ``sh:detail``.
``tests/test_shapes.py`` checks that this engine and pySHACL (the reference) report the same
violations on every fixture.
"""

from __future__ import annotations

import itertools
import os
import re
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field

import pyoxigraph as ox
from rdflib import Graph, Literal, URIRef
from rdflib.collection import Collection
from rdflib.namespace import RDF, SH

from loaders.shacl_components import COMPONENTS, NEEDS_PATH, ShapeNotCompiled, Site
from loaders.shacl_components.registry import RDF_TYPE_SUBCLASS
from loaders.shacl_components.registry import nt as _nt

#: Constraint parameters that need no compiling of their own.
_IGNORED = {SH.message, SH.severity, SH.name, SH.description, SH.order, SH.group, SH.path,
            SH.targetClass, SH.targetSubjectsOf, SH.targetNode, SH.target, SH.property,
            SH.deactivated, SH.flags, SH.prefixes, SH.declare, SH.prefix, SH.namespace,
            SH.sparql}


class _Fresh:
    """Fresh variable names, so that nested patterns never capture each other's variables.
    ``nested`` is true while rendering inside an ``EXISTS`` (where MINUS is not used)."""

    def __init__(self, nested: bool = False) -> None:
        self._n = itertools.count()
        self.nested = nested

    def __call__(self) -> str:
        return f"?c2c_{next(self._n)}"


@dataclass(frozen=True)
class Constraint:
    """One constraint component of one shape, as a SPARQL pattern over its focus node.

    ``render(focus, value, fresh)`` gives a graph pattern that matches exactly when the node
    in variable *focus* violates the constraint, binding *value* to the offending value node
    when the component reports one (``reports_value``).
    """

    shape: str
    message: str
    path: tuple[str, ...] | None
    """The IRIs of the steps of the shape's path; None for a node shape."""
    kind: str
    render_body: Callable[[str, str, _Fresh], str]
    reports_value: bool = True
    inner: tuple[Constraint, ...] = ()
    extra: tuple[str, ...] = ()
    """Further variables that tell results apart (``sh:uniqueLang``: one per language)."""

    def render(self, focus: str, value: str, fresh: _Fresh) -> str:
        return self.render_body(focus, value, fresh)


@dataclass(frozen=True)
class Check:
    """A constraint with the focus nodes of its shape: one query, and an ASK that says
    whether the shape has any focus node at all (a check without one is skipped)."""

    constraint: Constraint
    query: str
    any_target: str


@dataclass(frozen=True)
class Hit:
    """One violation found by a :class:`Check`."""

    focus: ox.NamedNode | ox.BlankNode | ox.Literal
    value: ox.NamedNode | ox.BlankNode | ox.Literal | None
    constraint: Constraint
    details: tuple[str, ...] = field(default=())


class Compiler:
    """Compiles a shapes graph into :class:`Check` queries (see the module docstring)."""

    def __init__(self, shapes: Graph) -> None:
        self.shapes = shapes
        self.prefixes = {str(shapes.value(d, SH.prefix)): str(shapes.value(d, SH.namespace))
                         for d in shapes.objects(None, SH.declare)}

    # ------------------------------------------------------------------ naming and paths

    def name(self, shape: object) -> str:
        """A blank property shape is named by the node shape it belongs to."""
        if isinstance(shape, URIRef):
            return str(shape)
        for owner in self.shapes.subjects(SH.property, shape):
            return self.name(owner)
        return "(anonymous shape)"

    def path(self, shape: object) -> tuple[str, tuple[str, ...]] | None:
        """The SPARQL property path of *shape* and its readable form, or None for a node shape."""
        path = self.shapes.value(shape, SH.path)
        if path is None:
            return None
        if isinstance(path, URIRef):
            return f"<{path}>", (str(path),)
        if (path, RDF.first, None) in self.shapes:
            steps = list(Collection(self.shapes, path))
            if all(isinstance(s, URIRef) for s in steps):
                return "/".join(f"<{s}>" for s in steps), tuple(str(s) for s in steps)
        raise ShapeNotCompiled(f"shape {self.name(shape)}: only IRI and sequence paths compile")

    def message(self, shape: object) -> str:
        if (text := self.shapes.value(shape, SH.message)) is not None:
            return str(text)
        raise ShapeNotCompiled(f"shape {self.name(shape)} has a constraint without sh:message; "
                               "every c2c shape says in words what to fix")

    # ------------------------------------------------------------------ targets

    def targets(self, shape: object) -> list[str]:
        """Graph patterns binding ``?this`` to the focus nodes of *shape*."""
        patterns = [f"{{ ?this {RDF_TYPE_SUBCLASS} <{c}> }}"
                    for c in self.shapes.objects(shape, SH.targetClass)]
        patterns += [f"{{ SELECT DISTINCT ?this WHERE {{ ?this <{p}> [] }} }}"
                     for p in self.shapes.objects(shape, SH.targetSubjectsOf)]
        patterns += [f"{{ VALUES ?this {{ {_nt(n)} }} }}"
                     for n in self.shapes.objects(shape, SH.targetNode)]
        for target in self.shapes.objects(shape, SH.target):
            select = self.shapes.value(target, SH.select)
            if select is None:
                raise ShapeNotCompiled(f"shape {self.name(shape)}: only SPARQL-based custom "
                                       "targets compile")
            patterns.append(f"{{ {select} }}")
        return patterns

    # ------------------------------------------------------------------ constraints

    def constraints(self, shape: object, reported: bool = True) -> list[Constraint]:
        """Every constraint of *shape*: its own components and those of its property shapes.
        Constraints that are *reported* need a message; members of ``sh:or`` do not."""
        if self.shapes.value(shape, SH.deactivated) == Literal(True):
            return []
        found: list[Constraint] = []
        path = self.path(shape)
        for predicate in sorted(set(self.shapes.predicates(shape, None))):
            if predicate in _IGNORED or not predicate.startswith(str(SH)):
                continue  # not a constraint parameter (rdfs:comment and the like)
            for parameter in self.shapes.objects(shape, predicate):
                found.append(self.component(shape, path, predicate, parameter, reported))
        for property_shape in self.shapes.objects(shape, SH.property):
            found += self.constraints(property_shape, reported)
        for constraint in self.shapes.objects(shape, SH.sparql):
            found.append(self.sparql(shape, constraint, reported))
        return found

    def component(self, shape: object, path: tuple[str, tuple[str, ...]] | None, predicate: URIRef,
                  parameter: object, reported: bool) -> Constraint:
        """The constraint of one parameter, built by its component's builder in the registry
        (:mod:`loaders.shacl_components`); a parameter with none is refused by name."""
        name = self.name(shape)
        kind = str(predicate).rsplit("#", 1)[-1]
        message = self.message(shape) if reported else ""
        sparql_path, path_text = path if path is not None else (None, None)
        builder = COMPONENTS.get(predicate)
        if builder is None:
            raise ShapeNotCompiled(f"shape {name}: {predicate} is not compiled to SPARQL; "
                                   "use the pySHACL engine for this shape")
        if predicate in NEEDS_PATH and sparql_path is None:
            raise ShapeNotCompiled(f"shape {name}: {predicate} needs sh:path")

        def make(body, reports_value=True, inner=(), extra=()) -> Constraint:
            return Constraint(name, message, path_text, kind, body, reports_value,
                              tuple(inner), tuple(extra))

        return builder(Site(name, shape, self.shapes, predicate, parameter, sparql_path, make,
                            self.constraints, reported))

    def sparql(self, shape: object, constraint: object, reported: bool = True
               ) -> Constraint:
        select = str(self.shapes.value(constraint, SH.select))
        start = select.index("{", select.upper().index("WHERE"))
        head, body = select[:start], select[start + 1:select.rindex("}")]
        reports_value = "?value" in head
        message = self.message(constraint) if reported else ""

        def render(f: str, v: str, fresh: _Fresh) -> str:
            text = re.sub(r"[?$]value\b", v, body) if reports_value else body
            text = re.sub(r"\$this\b", f, text)
            return text if reports_value else f"{text} BIND ({f} AS {v})"
        return Constraint(self.name(shape), message, None, "sparql", render, True)

    # ------------------------------------------------------------------ the checks

    def checks(self) -> list[Check]:
        """One query per constraint of every shape that has targets."""
        found: list[Check] = []
        shapes = {s for s in self.shapes.subjects(RDF.type, SH.NodeShape)} | \
                 {s for p in (SH.targetClass, SH.targetSubjectsOf, SH.targetNode, SH.target)
                  for s in self.shapes.subjects(p, None)}
        for shape in sorted(shapes, key=str):
            targets = self.targets(shape)
            if not targets:
                continue  # reached only through sh:node: checked where it is reached
            for constraint in self.constraints(shape):
                fresh = _Fresh()
                value = "?value" if constraint.reports_value else fresh()
                projection = " ".join(["?this", "?value" if constraint.reports_value else "",
                                       *constraint.extra])
                # the focus nodes in a subquery: Oxigraph then finds them first, instead of
                # walking the constraint's pattern over the whole store
                query = (f"SELECT DISTINCT {projection} WHERE {{\n"
                         f"  {{ SELECT DISTINCT ?this WHERE {{ {' UNION '.join(targets)} }} }}\n"
                         f"  {constraint.render('?this', value, fresh)}\n}}")
                found.append(Check(constraint, query,
                                   f"ASK {{ {' UNION '.join(targets)} }}"))
        return found


def compile_shapes(shapes: Graph) -> tuple[list[Check], dict[str, str]]:
    """The checks of *shapes* and the prefixes their SPARQL uses."""
    compiler = Compiler(shapes)
    return compiler.checks(), compiler.prefixes


def _details(store: ox.Store, hit_value: object, inner: tuple[Constraint, ...],
             prefixes: dict[str, str], kwargs: dict) -> Iterator[str]:
    """The messages of the inner constraints (one level down) that *hit_value* violates, as
    pySHACL lists them under ``sh:detail``."""
    for constraint in inner:
        fresh = _Fresh(nested=True)
        query = f"SELECT ?focus WHERE {{ {constraint.render('?focus', fresh(), fresh)} }} LIMIT 1"
        if list(store.query(query, prefixes=prefixes,
                            substitutions={ox.Variable("focus"): hit_value}, **kwargs)):
            yield constraint.message


def run(store: ox.Store, checks: list[Check], prefixes: dict[str, str]) -> list[Hit]:
    """Every violation of *checks* over the union of all the graphs of *store*. Checks run on
    as many threads as there are cores (Oxigraph releases the GIL while it evaluates); the
    result does not depend on that."""
    kwargs: dict = {"use_default_graph_as_union": True}
    has_targets: dict[str, bool] = {}
    for check in checks:
        if check.any_target not in has_targets:
            has_targets[check.any_target] = bool(
                store.query(check.any_target, prefixes=prefixes, **kwargs))

    def hits_of(check: Check) -> list[Hit]:
        if not has_targets[check.any_target]:
            return []
        c = check.constraint
        found = []
        for row in store.query(check.query, prefixes=prefixes, **kwargs):
            value = row["value"] if c.reports_value else None
            details = tuple(sorted(set(_details(store, value, c.inner, prefixes, kwargs)))) \
                if c.inner and value is not None else ()
            found.append(Hit(row["this"], value, c, details))
        return found

    with ThreadPoolExecutor(max_workers=os.cpu_count() or 2) as pool:
        return [hit for hits in pool.map(hits_of, checks) for hit in hits]
