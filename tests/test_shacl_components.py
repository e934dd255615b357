"""The SHACL components the SPARQL engine compiles are its registry
(``loaders/shacl_components/``), one module per section of the specification: the compiler
reads no other list, refuses a parameter with no builder by name, and compiles one registered
in a test like any other."""

from __future__ import annotations

import pyoxigraph as ox
import pytest
from rdflib import Graph
from rdflib.namespace import SH

from loaders.shacl_components import COMPONENTS, ShapeNotCompiled, registry
from loaders.shacl_sparql import compile_shapes, run

SHAPES = """
@prefix sh: <http://www.w3.org/ns/shacl#> .
@prefix ex: <https://example.org/> .
ex:S a sh:NodeShape ; sh:targetClass ex:T ;
  sh:property [ sh:path ex:name ; sh:minLength 3 ; sh:message "too short" ] .
"""
DATA = """
<https://example.org/a> a <https://example.org/T> ; <https://example.org/name> "ab" .
<https://example.org/b> a <https://example.org/T> ; <https://example.org/name> "abc" .
"""


def test_each_section_registers_its_components() -> None:
    sections = {builder.__module__.rsplit(".", 1)[-1]: set() for builder in COMPONENTS.values()}
    for predicate, builder in COMPONENTS.items():
        sections[builder.__module__.rsplit(".", 1)[-1]].add(predicate.removeprefix(str(SH)))
    assert sections == {
        "value_type": {"datatype", "class"}, "cardinality": {"minCount", "maxCount"},
        "value_range": {"minInclusive", "maxInclusive", "minExclusive", "maxExclusive"},
        "string_based": {"pattern", "languageIn", "uniqueLang"}, "logical": {"or"},
        "shape_based": {"node"}, "other": {"hasValue", "in"}}


def test_a_parameter_without_a_builder_is_refused_by_name() -> None:
    with pytest.raises(ShapeNotCompiled, match="minLength is not compiled"):
        compile_shapes(Graph().parse(data=SHAPES, format="turtle"))


def test_a_registered_component_is_compiled_and_checked(monkeypatch) -> None:
    def min_length(site: registry.Site):
        n = int(site.parameter)
        return site.make(lambda f, v, fresh:
                         f"{site.values(f, v)} FILTER (STRLEN(STR({v})) < {n})")
    monkeypatch.setitem(COMPONENTS, SH.minLength, min_length)
    checks, prefixes = compile_shapes(Graph().parse(data=SHAPES, format="turtle"))
    store = ox.Store()
    store.load(DATA.encode(), format=ox.RdfFormat.TURTLE)
    hits = run(store, checks, prefixes)
    assert [(h.focus.value, h.value.value, h.constraint.message) for h in hits] == [
        ("https://example.org/a", "ab", "too short")]


def test_a_component_is_registered_once() -> None:
    with pytest.raises(ValueError, match="registered twice"):
        registry.component(SH.datatype)(lambda site: None)
