"""The vocabulary: parses everywhere, and passes the OOPS! pitfalls that can be checked offline."""

from __future__ import annotations

import re
from pathlib import Path

import pyoxigraph as ox
import pytest
from rdflib import Graph, Literal, URIRef
from rdflib.namespace import OWL, RDF, RDFS, SKOS

from loaders.kernel import assets
from loaders.kernel.namespaces import C2C, ONTOLOGY_IRI, SCHEMA, VANN
from loaders.validate import load_ontology_graph
from tests.conftest import ROOT

ONTOLOGY_FILES = sorted((ROOT / "ontology").rglob("*.ttl"))
TERM_TYPES = (OWL.Class, OWL.ObjectProperty, OWL.DatatypeProperty, OWL.AnnotationProperty)
LANGUAGES = ("en", "zh-Hans", "ru")


@pytest.fixture(scope="module")
def ontology() -> Graph:
    return Graph().parse(ROOT / "ontology" / "c2c.ttl")


def c2c_terms(g: Graph) -> list[URIRef]:
    return sorted({s for t in TERM_TYPES for s in g.subjects(RDF.type, t)
                   if isinstance(s, URIRef) and str(s).startswith(str(C2C))})


@pytest.mark.parametrize("path", ONTOLOGY_FILES, ids=lambda p: p.name)
def test_parses_with_rdflib_and_pyoxigraph(path: Path) -> None:
    assert len(Graph().parse(path)) > 0
    assert len(list(ox.parse(path=str(path), format=ox.RdfFormat.TURTLE))) > 0


def test_every_term_is_labelled_defined_and_attributed(ontology: Graph) -> None:
    terms = c2c_terms(ontology)
    assert len(terms) >= 40
    problems = []
    for term in terms:
        langs = {lbl.language for lbl in ontology.objects(term, RDFS.label)}
        problems += [f"{term}: no rdfs:label@{lang}" for lang in LANGUAGES if lang not in langs]
        if not any(d.language == "en" for d in ontology.objects(term, SKOS.definition)):
            problems.append(f"{term}: no English skos:definition")
        if (term, RDFS.isDefinedBy, ONTOLOGY_IRI) not in ontology:
            problems.append(f"{term}: no rdfs:isDefinedBy")
    assert problems == []


def test_at_most_one_domain_and_range_and_some_domain(ontology: Graph) -> None:
    problems = []
    for term in c2c_terms(ontology):
        if (term, RDF.type, OWL.Class) in ontology or \
                (term, RDF.type, OWL.AnnotationProperty) in ontology:
            continue
        domains = list(ontology.objects(term, RDFS.domain))
        ranges = list(ontology.objects(term, RDFS.range))
        if len(domains) > 1 or len(ranges) > 1:
            problems.append(f"{term}: several domains or ranges (OOPS! P19)")
        if not domains and not list(ontology.objects(term, SCHEMA.domainIncludes)):
            problems.append(f"{term}: no domain (OOPS! P11)")
    assert problems == []


def test_naming_conventions(ontology: Graph) -> None:
    for term in c2c_terms(ontology):
        local = str(term)[len(str(C2C)):]
        if (term, RDF.type, OWL.Class) in ontology:
            assert re.fullmatch(r"[A-Z][A-Za-z0-9]*", local), term
        else:
            assert re.fullmatch(r"[a-z][A-Za-z0-9]*", local), term


def test_header(ontology: Graph) -> None:
    assert (ONTOLOGY_IRI, RDF.type, OWL.Ontology) in ontology
    assert ontology.value(ONTOLOGY_IRI, OWL.versionIRI) is not None
    assert ontology.value(ONTOLOGY_IRI, OWL.versionInfo) is not None
    assert ontology.value(ONTOLOGY_IRI, URIRef("http://purl.org/dc/terms/license")) == \
        URIRef("https://creativecommons.org/licenses/by/4.0/")
    assert ontology.value(ONTOLOGY_IRI, VANN.preferredNamespacePrefix) == Literal("c2c")


def test_derived_terms_are_marked(ontology: Graph) -> None:
    derived = set(ontology.subjects(C2C.isDerived, Literal(True)))
    assert {C2C.twinnedWith, C2C.inPolicyPeriod, C2C.startYear} <= derived
    assert (C2C.twinnedWith, RDF.type, OWL.SymmetricProperty) in ontology


def test_every_concept_is_labelled_and_defined() -> None:
    g = load_ontology_graph()
    concepts = set(g.subjects(RDF.type, SKOS.Concept))
    assert len(concepts) >= 50
    for concept in concepts:
        langs = {lbl.language for lbl in g.objects(concept, SKOS.prefLabel)}
        assert set(LANGUAGES) <= langs, concept
        assert any(d.language == "en" for d in g.objects(concept, SKOS.definition)), concept


_USE = re.compile(r"(?:\bc2c:|\bC2C\.|https://w3id\.org/c2c/ont#)([A-Za-z][A-Za-z0-9]*)")
_SCANNED = (".ttl", ".rq", ".py", ".html")


def test_no_undeclared_c2c_term_is_used_anywhere(ontology: Graph) -> None:
    """OOPS! P40 turned inward: every c2c term in data, shapes, queries and code is declared."""
    declared = {str(t)[len(str(C2C)):] for t in c2c_terms(ontology)}
    undeclared = []
    for path in sorted(ROOT.rglob("*")):
        if path.suffix not in _SCANNED or any(p in path.parts for p in
                                              (".venv", "var", ".git", "node_modules")):
            continue
        for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
            for name in _USE.findall(line):
                if name not in declared:
                    undeclared.append(f"{path.relative_to(ROOT)}:{number}: c2c:{name}")
    assert undeclared == []


def test_docs_render_and_name_every_class(tmp_path: Path) -> None:
    from loaders.docs import render_docs

    written = render_docs(tmp_path)
    assert len(written) == len(assets.ontology_files())
    html = (tmp_path / "ontology.html").read_text(encoding="utf-8")
    g = Graph().parse(ROOT / "ontology" / "c2c.ttl")
    for cls in g.subjects(RDF.type, OWL.Class):
        if str(cls).startswith(str(C2C)):
            label = g.value(cls, RDFS.label)  # any language; pyLODE shows the labels
            assert str(cls)[len(str(C2C)):] in html or str(label) in html, cls
