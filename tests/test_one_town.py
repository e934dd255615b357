"""One town, one IRI, over the repository's default build (curated data and the public lists;
conftest's session build ``full_build``): no identifier on two places, no two places of one
country with one name within 30 km but the listed exceptions, and Harbin's partners each once.
"""

from __future__ import annotations

from loaders.kernel import assets
from loaders.pipeline.duplicates import KNOWN_APART, places, same_town_pairs, shared_identifiers

BASE = "https://w3id.org/c2c/"
HARBIN_PARTNERS = """
SELECT DISTINCT ?partner WHERE { <https://w3id.org/c2c/id/city/cn-harbin> c2c:twinnedWith ?partner }
"""

#: Harbin's partners, each a place under one IRI (search keys of graph/search; SPARQL in a
#: plain string: the test's own question, not a query of the product)
HARBIN_PARTNERS_NAMED = """
SELECT ?key (COUNT(DISTINCT ?partner) AS ?iris) WHERE {
    VALUES ?key { "aarhus" "bucheon" "gomel" "chiang mai" }
    <https://w3id.org/c2c/id/city/cn-harbin> c2c:twinnedWith ?partner .
    ?partner c2c:searchKey ?key .
} GROUP BY ?key
"""


def test_no_wikidata_entity_or_geonames_feature_is_two_places(full_build) -> None:
    _settings, _summary, store, _imported = full_build
    assert shared_identifiers(store, BASE) == []


def test_no_town_stands_twice_but_the_listed_exceptions(full_build) -> None:
    _settings, _summary, store, _imported = full_build
    found = places(store, BASE)
    assert len(found) > 2000
    pairs = {(a.key, b.key): f"{name!r} {d:.1f} km" for a, b, name, d in same_town_pairs(found)}
    assert {k: v for k, v in pairs.items() if k not in KNOWN_APART} == {}
    # every exception is still a pair of the build (the list does not go stale)
    assert set(KNOWN_APART) <= set(pairs)


def test_harbin_has_each_partner_once(full_build) -> None:
    _settings, _summary, store, _imported = full_build
    text = dict(assets.competency_questions())["cq12-partners-of-harbin.rq"]
    rows = [row["partner"].value for row in store.query(text, base_iri=BASE)]
    partners = {row["partner"].value for row in store.query(HARBIN_PARTNERS, base_iri=BASE)}
    assert len(rows) == len(partners)  # one row per partner: one English label each
    named = {row["key"].value: int(row["iris"].value)
             for row in store.query(HARBIN_PARTNERS_NAMED, base_iri=BASE)}
    assert named == {"aarhus": 1, "bucheon": 1, "gomel": 1, "chiang mai": 1}
