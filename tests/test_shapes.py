"""Each SHACL rule with one conforming and one violating fixture (small inline Turtle)."""

from __future__ import annotations

import pytest
from rdflib import Graph

from loaders.validate import load_ontology_graph, load_shapes_graph, validate_data
from tests.sparql_cache import prepared_queries

PREFIXES = """
@prefix c2c: <https://w3id.org/c2c/ont#> . @prefix schema: <https://schema.org/> .
@prefix prov: <http://www.w3.org/ns/prov#> . @prefix xsd: <http://www.w3.org/2001/XMLSchema#> .
@prefix geo: <http://www.opengis.net/ont/geosparql#> . @prefix time: <http://www.w3.org/2006/time#> .
@prefix skos: <http://www.w3.org/2004/02/skos/core#> . @prefix dcterms: <http://purl.org/dc/terms/> .
@prefix rdfs: <http://www.w3.org/2000/01/rdf-schema#> .
@prefix id: <https://w3id.org/c2c/id/> . @prefix lvl: <https://w3id.org/c2c/vocab/administrative-levels/> .
@prefix at: <https://w3id.org/c2c/vocab/agreement-types/> .
"""
BASE = PREFIXES + """
id:src a prov:Entity ; dcterms:title "a source" .
id:cn a schema:Country ; rdfs:label "China"@en , "中国"@zh-Hans , "Китай"@ru ;
    c2c:administrativeLevel lvl:country ; prov:wasDerivedFrom id:src .
id:ru a schema:Country ; rdfs:label "Russia"@en , "俄罗斯"@zh-Hans , "Россия"@ru ;
    c2c:administrativeLevel lvl:country ; prov:wasDerivedFrom id:src .
id:a a schema:City ; rdfs:label "A"@en , "甲"@zh-Hans , "А"@ru ; c2c:inCountry id:cn ;
    c2c:administrativeLevel lvl:prefecture-level-city ; prov:wasDerivedFrom id:src ;
    geo:hasCentroid id:a-c . id:a-c geo:asWKT "POINT(126.6 45.7)"^^geo:wktLiteral .
id:b a schema:City ; rdfs:label "B"@en , "乙"@zh-Hans , "Б"@ru ; c2c:inCountry id:ru ;
    c2c:administrativeLevel lvl:city-ru ; prov:wasDerivedFrom id:src .
id:c a schema:City ; rdfs:label "C"@en , "丙"@zh-Hans , "В"@ru ; c2c:inCountry id:cn ;
    c2c:administrativeLevel lvl:prefecture-level-city ; prov:wasDerivedFrom id:src .
"""

CASES = {
    "agreement": (
        "id:g a c2c:TwinningAgreement ; c2c:hasParty id:a , id:b ; c2c:agreementType at:sister-city ;"
        " schema:startDate \"1993-06-15\"^^xsd:date ; prov:wasDerivedFrom id:src .",
        "id:g a c2c:TwinningAgreement ; c2c:hasParty id:a , id:b ; c2c:agreementType at:sister-city ;"
        " schema:startDate \"1993-06-15\"^^xsd:string ; prov:wasDerivedFrom id:src .",
        "start date"),
    "distinct parties": (
        "id:g a c2c:TwinningAgreement ; c2c:hasParty id:a , id:b ; c2c:agreementType at:sister-city ;"
        " prov:wasDerivedFrom id:src .",
        "id:g a c2c:TwinningAgreement ; c2c:hasParty id:a ; c2c:agreementType at:sister-city ;"
        " prov:wasDerivedFrom id:src .",
        "distinct"),
    "source required": (
        "id:g a c2c:TwinningAgreement ; c2c:hasParty id:a , id:b ; c2c:agreementType at:sister-city ;"
        " prov:wasDerivedFrom id:src .",
        "id:g a c2c:TwinningAgreement ; c2c:hasParty id:a , id:b ; c2c:agreementType at:sister-city .",
        "cite a source"),
    "cross-border countries": (
        "id:p a c2c:CrossBorderPair ; c2c:hasParty id:a , id:b ; prov:wasDerivedFrom id:src .",
        "id:p a c2c:CrossBorderPair ; c2c:hasParty id:a , id:c ; prov:wasDerivedFrom id:src .",
        "different countries"),
    "period order": (
        "id:pol a c2c:Policy ; prov:wasDerivedFrom id:src . id:per a c2c:PolicyPeriod , skos:Concept ;"
        " skos:prefLabel \"p\"@en ; skos:inScheme id:s ; c2c:periodOf id:pol ;"
        " time:hasBeginning [ time:inXSDgYear \"1990\"^^xsd:gYear ] ;"
        " time:hasEnd [ time:inXSDgYear \"1999\"^^xsd:gYear ] ; prov:wasDerivedFrom id:src .",
        "id:pol a c2c:Policy ; prov:wasDerivedFrom id:src . id:per a c2c:PolicyPeriod , skos:Concept ;"
        " skos:prefLabel \"p\"@en ; skos:inScheme id:s ; c2c:periodOf id:pol ;"
        " time:hasBeginning [ time:inXSDgYear \"2000\"^^xsd:gYear ] ;"
        " time:hasEnd [ time:inXSDgYear \"1999\"^^xsd:gYear ] ; prov:wasDerivedFrom id:src .",
        "begin before it ends"),
    "twinnedWith justified": (
        "id:g a c2c:TwinningAgreement ; c2c:hasParty id:a , id:b ; c2c:agreementType at:sister-city ;"
        " prov:wasDerivedFrom id:src . id:a c2c:twinnedWith id:b .",
        "id:a c2c:twinnedWith id:c .",
        "never asserted by hand"),
    "wkt range": (
        "",
        "id:c geo:hasCentroid id:c-c . id:c-c geo:asWKT \"POINT(45.7 226.6)\"^^geo:wktLiteral .",
        "latitude"),
    "labels in three languages": (
        "",
        "id:d a schema:City ; rdfs:label \"D\"@en ; c2c:inCountry id:cn ;"
        " c2c:administrativeLevel lvl:prefecture-level-city ; prov:wasDerivedFrom id:src .",
        "label"),
    "agreement type in scheme": (
        "id:g a c2c:TwinningAgreement ; c2c:hasParty id:a , id:b ; c2c:agreementType at:sister-city ;"
        " prov:wasDerivedFrom id:src .",
        "id:g a c2c:TwinningAgreement ; c2c:hasParty id:a , id:b ;"
        " c2c:agreementType <https://w3id.org/c2c/vocab/themes/tourism> ; prov:wasDerivedFrom id:src .",
        "agreement type"),
    "listed place": (
        "id:l a schema:City , c2c:ListedPlace ; rdfs:label \"L\"@en ; schema:addressCountry \"CN\" ;"
        " prov:wasDerivedFrom id:src .",
        "id:l a schema:City , c2c:ListedPlace ; rdfs:label \"L\"@en ; schema:addressCountry \"China\" ;"
        " prov:wasDerivedFrom id:src .",
        "ISO 3166-1"),
}


@pytest.fixture(scope="module")
def shapes_and_ontology():
    """The shapes and the ontology; while this file runs, rdflib (pySHACL's SPARQL constraints)
    parses each query text once, not on every validation (:mod:`tests.sparql_cache`)."""
    with prepared_queries():
        yield load_shapes_graph(), load_ontology_graph()


def check(turtle: str, shapes_and_ontology) -> list:
    shapes, ontology = shapes_and_ontology
    g = Graph().parse(data=BASE + PREFIXES + turtle, format="turtle")
    return validate_data([g], shapes=shapes, ontology=ontology)


@pytest.mark.parametrize("rule", CASES)
def test_conforming_fixture_conforms(rule: str, shapes_and_ontology) -> None:
    good, _bad, _message = CASES[rule]
    assert check(good, shapes_and_ontology) == []


@pytest.mark.parametrize("rule", CASES)
def test_violating_fixture_is_caught_with_a_readable_message(rule: str,
                                                             shapes_and_ontology) -> None:
    _good, bad, message = CASES[rule]
    violations = check(bad, shapes_and_ontology)
    assert violations, rule
    assert any(message in v.message or any(message in d for d in v.details)
               for v in violations), [(v.message, v.details) for v in violations]


@pytest.mark.parametrize("rule", CASES)
def test_oxigraph_engine_finds_what_pyshacl_finds(rule: str, shapes_and_ontology) -> None:
    """The SPARQL constraints run in Oxigraph give exactly pySHACL's violations (the reference)
    on the conforming and the violating fixture of every rule."""
    shapes, ontology = shapes_and_ontology
    for fixture in CASES[rule][:2]:
        g = Graph().parse(data=BASE + PREFIXES + fixture, format="turtle")
        fast = validate_data([g], shapes=shapes, ontology=ontology, engine="oxigraph")
        reference = validate_data([g], shapes=shapes, ontology=ontology, engine="pyshacl")
        assert sorted(map(_key, fast)) == sorted(map(_key, reference))


def _key(v) -> tuple:
    return (v.focus, v.path or "", v.message, v.value or "", v.shape, v.details)


#: One violating fixture per core constraint component the shapes use, for the engine
#: comparison below (the rules above already cover the SPARQL-based constraints).
CORE_CASES = {
    "maxCount": "id:g a c2c:TwinningAgreement ; c2c:hasParty id:a , id:b , id:c ;"
                " c2c:agreementType at:sister-city ; prov:wasDerivedFrom id:src .",
    "minCount 3": "id:e a schema:City ; rdfs:label \"E\"@en , \"戊\"@zh-Hans ; c2c:inCountry id:cn ;"
                  " c2c:administrativeLevel lvl:prefecture-level-city ; prov:wasDerivedFrom id:src .",
    "uniqueLang": "id:a rdfs:label \"A2\"@en .",
    "class": "id:g a c2c:TwinningAgreement ; c2c:hasParty id:a , id:src ;"
             " c2c:agreementType at:sister-city ; prov:wasDerivedFrom id:src .",
    "class of source": "id:a prov:wasDerivedFrom id:cn .",
    "datatype ill-typed": "id:g a c2c:TwinningAgreement ; c2c:hasParty id:a , id:b ;"
                          " c2c:agreementType at:sister-city ; prov:wasDerivedFrom id:src ;"
                          " schema:startDate \"2019-02-30\"^^xsd:date .",
    "datatype and minInclusive": "id:s a c2c:ReportedStatistic ; prov:wasDerivedFrom id:src ;"
                                 " c2c:statisticValue -3 , \"x\" ; c2c:measure id:m .",
    "hasValue through sh:node": "id:g a c2c:TwinningAgreement ; c2c:hasParty id:a , id:b ;"
                                " c2c:agreementType at:sister-city ; prov:wasDerivedFrom id:src ;"
                                " c2c:status at:sister-city ; c2c:theme at:sister-city .",
    "pattern": "id:a <http://www.geonames.org/ontology#geonamesID> \"12a\" ;"
               " dcterms:identifier \"X1\" , \"Q2\" .",
    "centroid shape": "id:b geo:hasCentroid id:b-c , id:b-d . id:b-c geo:asWKT \"POINT(1 2)\" ."
                      " id:b-d geo:asWKT \"POINT(1 2)\"^^geo:wktLiteral ,"
                      " \"POINT(3 4)\"^^geo:wktLiteral .",
    "node-level or": "id:src2 a prov:Entity .",
    "languageIn": "id:k a skos:Concept ; skos:inScheme id:s ; skos:prefLabel \"k\"@de , \"k\" .",
    "sequence path": "id:pol a c2c:Policy ; prov:wasDerivedFrom id:src . id:per a c2c:PolicyPeriod ,"
                     " skos:Concept ; skos:prefLabel \"p\"@en ; c2c:periodOf id:pol ;"
                     " time:hasBeginning [ time:inXSDgYear \"1990\" ] ; prov:wasDerivedFrom id:src .",
}


@pytest.mark.parametrize("case", CORE_CASES)
def test_engines_agree_on_every_core_constraint(case: str, shapes_and_ontology) -> None:
    """Each fixture violates at least one core constraint, and the compiled SPARQL reports
    exactly what pySHACL reports — focus, path, message, value, shape and details."""
    shapes, ontology = shapes_and_ontology
    g = Graph().parse(data=BASE + PREFIXES + CORE_CASES[case], format="turtle")
    fast = validate_data([g], shapes=shapes, ontology=ontology, engine="oxigraph")
    reference = validate_data([g], shapes=shapes, ontology=ontology, engine="pyshacl")
    assert reference, case
    assert sorted(map(_key, fast)) == sorted(map(_key, reference))


def test_a_shape_the_compiler_cannot_handle_is_refused_by_name() -> None:
    from loaders.shacl_sparql import ShapeNotCompiled, compile_shapes

    shapes = Graph().parse(data="""
        @prefix sh: <http://www.w3.org/ns/shacl#> . @prefix ex: <http://example.org/> .
        ex:S a sh:NodeShape ; sh:targetClass ex:C ; ex:note "not a constraint" ;
            sh:property [ sh:path ex:p ; sh:equals ex:q ; sh:message "p equals q" ] .""",
                           format="turtle")
    with pytest.raises(ShapeNotCompiled, match="equals"):
        compile_shapes(shapes)
