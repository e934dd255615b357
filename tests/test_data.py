"""data/: every statement the research documents make is in the graph with its source, every
identifier is checked against ../shared/data, and nothing is minted twice."""

from __future__ import annotations

import csv
import math

import pytest

from loaders.kernel.errors import InputError
from loaders.kernel.namespaces import Minter
from loaders.pipeline.curated import read_curated
from loaders.pipeline.public_lists import PublicLists
from loaders.validate import validate_data
from tests import geonames
from tests.conftest import DATA, ask, readme_counts, require_shared_data, rows

ID = "https://w3id.org/c2c/id/"

#: Rough bounding boxes (lon_min, lat_min, lon_max, lat_max) of the countries in places.csv.
COUNTRY_BOXES = {
    "cn": (73.5, 18.0, 135.1, 53.6), "ru": (19.6, 41.1, 180.0, 81.9),
    "fi": (20.5, 59.7, 31.6, 70.1), "se": (11.0, 55.3, 24.2, 69.1),
    "ee": (21.7, 57.5, 28.2, 59.7), "gb": (-8.7, 49.8, 1.8, 60.9),
    "vn": (102.1, 8.5, 109.5, 23.4), "kz": (46.4, 40.5, 87.4, 55.5),
    "jp": (122.9, 24.0, 154.0, 45.6), "nz": (166.4, -47.3, 178.6, -34.4),
    "kr": (124.5, 33.0, 132.0, 38.7), "us": (-180.0, 18.9, -66.9, 71.4),
}


def places() -> list[dict[str, str]]:
    with (DATA / "places.csv").open(encoding="utf-8") as f:
        return list(csv.DictReader(f))


# ------------------------------------------------------------------ the build as a whole

def test_data_loads_with_zero_violations() -> None:
    data = read_curated(DATA, Minter())
    assert validate_data(data.graphs.values(), data.origins) == []


def test_every_relationship_and_claim_has_a_source(store) -> None:
    assert not ask(store, """ASK {
        ?x a ?c . VALUES ?c { c2c:TwinningAgreement c2c:CrossBorderPair c2c:CounterpartPairing
            c2c:CooperationProgramme c2c:ReportedStatistic c2c:Finding c2c:DateClaim
            c2c:PolicyPeriod org:Membership c2c:NetworkMeeting }
        FILTER NOT EXISTS { ?x prov:wasDerivedFrom ?s . ?s dcterms:title|skos:note ?t } }""")


def test_each_fact_lives_in_the_graph_of_its_source(store) -> None:
    assert not ask(store, """ASK { GRAPH ?g { ?x prov:wasDerivedFrom ?s }
        FILTER (STRSTARTS(STR(?g), "https://w3id.org/c2c/graph/source/"))
        FILTER NOT EXISTS { GRAPH ?g2 { ?x prov:wasDerivedFrom ?s }
            FILTER (STRAFTER(STR(?g2), "graph/source/") = STRAFTER(STR(?s), "id/source/")) } }""")


def test_a_key_defined_twice_is_refused(tmp_path) -> None:
    import shutil

    data = tmp_path / "data"
    shutil.copytree(DATA, data)
    first = (DATA / "places.csv").read_text(encoding="utf-8").splitlines()[1]
    with (data / "places.csv").open("a", encoding="utf-8") as f:
        f.write(first + "\n")
    with pytest.raises(InputError, match=r"places.csv, row \d+, column 'key': place key "
                                         r"defined twice \(term: cn\)"):
        read_curated(data, Minter())


def test_reload_mints_the_same_iris() -> None:
    first = read_curated(DATA, Minter())
    second = read_curated(DATA, Minter())
    assert set(first.origins) == set(second.origins)
    assert set(first.graphs) == set(second.graphs)
    assert all(set(first.graphs[g].quads) == set(second.graphs[g].quads) for g in first.graphs)


# ------------------------------------------------------------------ places and identifiers

def test_every_place_has_a_geonames_id_and_cities_a_centroid_in_their_country() -> None:
    for place in places():
        assert place["geonames"].isdigit(), place["key"]
        if place["kind"] == "city":
            assert place["lat"] and place["lon"], place["key"]
        if place["lat"] or place["lon"]:
            lon, lat = float(place["lon"]), float(place["lat"])
            x0, y0, x1, y1 = COUNTRY_BOXES[place["country"]]
            assert x0 <= lon <= x1 and y0 <= lat <= y1, place["key"]


def test_no_province_point_is_the_point_of_a_big_city() -> None:
    """A first-level region's point is not its capital's (Shijiazhuang for Hebei, ...): none lies
    within 10 km of a GeoNames city of a million people or more (municipalities excepted)."""
    big = [c for c in geonames.cities().values() if c["population"] >= 1_000_000]
    for place in places():
        if place["kind"] != "region" or not place["lat"] or \
                place["admin_level"] == "direct-administered-municipality":
            continue
        lat, lon = float(place["lat"]), float(place["lon"])
        for c in big:
            km = 111 * math.dist((lat, lon * math.cos(math.radians(lat))), (
                c["latitude"], c["longitude"] * math.cos(math.radians(c["latitude"]))))
            assert km > 10, (place["key"], c["name"])


def test_every_chinese_prefecture_and_province_and_most_cities_have_a_qid() -> None:
    for place in places():
        if place["source"] == "cn-admin-crosswalk":
            assert place["wikidata"].startswith("Q"), place["key"]
    cities = [p for p in places() if p["kind"] == "city"]
    with_qid = [p for p in cities if p["wikidata"]]
    assert len(with_qid) / len(cities) > 0.7
    assert all(p["wikidata"] for p in places() if p["kind"] == "country")


def _attributions(place: dict[str, str]) -> list[tuple[str, str, str]]:
    """(what, value, source) for every label and identifier of a places.csv row."""
    from loaders.pipeline.curated import LABEL_COLUMNS

    by_column = dict(item.split("=", 1) for item in place["label_sources"].split(";") if item)
    emitted = set()  # the loader writes a local name equal to another label once
    found = []
    for column, lang in LABEL_COLUMNS.items():
        lang = lang or place["local_lang"]
        if place[column] and (place[column], lang) not in emitted:
            emitted.add((place[column], lang))
            found.append((column, place[column], by_column.get(column, place["source"])))
    if place["wikidata"]:
        found.append(("wikidata", place["wikidata"], place["wikidata_source"] or place["source"]))
    found.append(("geonames", place["geonames"], place["source"]))
    return found


@pytest.mark.shared_data
@pytest.mark.parametrize("key", [p["key"] for p in places()])
def test_every_label_and_identifier_is_in_the_file_it_is_attributed_to(key: str) -> None:
    """No label or identifier is attributed to a file that does not hold it for that place;
    labels no file holds are attributed to the editors' record, c2c-editors."""
    from tests.attribution import EDITORS, holds

    shared = require_shared_data()
    place = next(p for p in places() if p["key"] == key)
    for what, value, source in _attributions(place):
        if source == EDITORS:
            assert what.startswith("name_"), (what, value)
            continue
        assert holds(shared, source, place, value), (what, value, source)


def test_each_label_lives_in_the_graph_of_its_source(store) -> None:
    """The label of Nakhodka in Chinese is the editors' (graph/source/c2c-editors); its Russian
    one is the crosswalk's; its QID-less row puts no identifier in the links graph."""
    def graphs(label: str) -> set[str]:
        return {r["g"].rsplit("/", 1)[1] for r in rows(store, f"""SELECT ?g WHERE {{ GRAPH ?g {{
            <https://w3id.org/c2c/id/city/ru-nakhodka> rdfs:label {label} }} }}""")}

    assert graphs('"纳霍德卡"@zh-Hans') == {"c2c-editors"}
    assert graphs('"Находка"@ru') == {"ru-cities-crosswalk"}
    assert graphs('"Nakhodka"@en') == {"ru-cities-crosswalk"}
    assert rows(store, """SELECT ?g WHERE { GRAPH ?g { <https://w3id.org/c2c/id/country/cn>
        dcterms:identifier "Q148" } }""") == [
        {"g": "https://w3id.org/c2c/graph/source/countries-wikidata-csc"}]


@pytest.mark.shared_data
def test_only_confirmed_qids_of_the_round_2_files_are_used() -> None:
    """Countries, regions and border towns take a QID from ../shared/data's round-2 files only
    where SOURCES.md calls it confirmed."""
    shared = require_shared_data()
    with (shared / "countries_wikidata_csc.csv").open(encoding="utf-8") as f:
        countries = {r["wikidata_qid"]: r["qid_check_gcod"] for r in csv.DictReader(f)}
    with (shared / "regions_admin1_wikidata_csc.csv").open(encoding="utf-8") as f:
        regions = {r["wikidata_qid"]: r["qid_status"] for r in csv.DictReader(f)}
    with (shared / "border_towns_wikidata_geonames.csv").open(encoding="utf-8") as f:
        towns = {r["qid_csc"]: r["qid_csc_status"] for r in csv.DictReader(f)}
    with (shared / "cities_wikidata_csc.csv").open(encoding="utf-8") as f:
        # a QID that several rows share is never used (dr5hn copies QIDs in runs)
        cities = {r["wikidata_qid"]: r["qid_status"] for r in csv.DictReader(f)
                  if r["rows_sharing_qid"] == "1"}
    checked = {"countries-wikidata-csc": (countries, "agree"),
               "regions-admin1-wikidata-csc": (regions, "confirmed"),
               "border-towns-wikidata-geonames": (towns, "confirmed"),
               "cities-wikidata-csc": (cities, "confirmed")}
    used = 0
    for place in places():
        source = place["wikidata_source"] or place["source"]
        if place["wikidata"] and source in checked:
            table, status = checked[source]
            assert table[place["wikidata"]] == status, place["key"]
            used += 1
    assert used >= 8 + 12 + 2


@pytest.mark.shared_data
def test_geonames_ids_are_checked_and_near_the_centroid() -> None:
    shared = require_shared_data()
    cities = {str(c["geonameid"]): c for c in geonames.cities().values()}
    countries = {str(c["geonameid"]) for c in geonames.countries().values()}
    admin: set[str] = set()
    with (shared / "subdivisions_admin1_iso3166_2_geonames.csv").open(encoding="utf-8") as f:
        admin |= {r["geonameid"] for r in csv.DictReader(f)}
    with (shared / "cn_admin_province_prefecture_crosswalk.csv").open(encoding="utf-8") as f:
        admin |= {r["geonameid"] for r in csv.DictReader(f)}
    for place in places():
        gid = place["geonames"]
        assert gid in cities or gid in countries or gid in admin, place["key"]
        if place["kind"] == "city" and gid in cities:
            c = cities[gid]
            km = 111 * math.dist((c["latitude"], c["longitude"] * math.cos(math.radians(
                c["latitude"]))), (float(place["lat"]), float(place["lon"]) * math.cos(
                math.radians(float(place["lat"])))))
            assert km < 50, (place["key"], km)


@pytest.mark.shared_data
def test_confirmations_by_public_lists_are_true_and_complete() -> None:
    lists = PublicLists(require_shared_data())
    by_key = {p["key"]: p for p in places()}
    # a list's own name for a place, decided by a name override (Pudong (Shanghai))
    also_named: dict[str, list[str]] = {}
    with (DATA / "gazetteer" / "place_overrides.csv").open(encoding="utf-8") as f:
        for override in csv.DictReader(f):
            also_named.setdefault(override["target"], []).append(override["name"])
    with (DATA / "agreements.csv").open(encoding="utf-8") as f:
        for row in csv.DictReader(f):
            expected = lists.confirming(by_key[row["party_a"]], by_key[row["party_b"]],
                                        also_named)
            recorded = row["confirmed_by"].split(";") if row["confirmed_by"] else []
            assert recorded == expected, (row["party_a"], row["party_b"])


# ------------------------------------------------------------------ the statements

def test_china_sister_city_policy_since_1973_with_more_than_400_cities(store) -> None:
    assert ask(store, """ASK { ?p a c2c:Policy ; schema:startDate "1973"^^xsd:gYear ;
        c2c:policyCountry <https://w3id.org/c2c/id/country/cn> ;
        prov:wasDerivedFrom <https://w3id.org/c2c/id/source/makeeva-2023> .
        ?s c2c:statisticOf ?p ; c2c:statisticValue 400 ; c2c:isLowerBound true ;
           c2c:measure <https://w3id.org/c2c/vocab/measures/participating-cities> }""")


def test_policy_periods_and_their_focus(store) -> None:
    got = rows(store, """SELECT ?b ?focus (GROUP_CONCAT(STR(?t); separator=",") AS ?themes) WHERE {
        ?p c2c:periodOf ?policy ; time:hasBeginning/time:inXSDgYear ?b .
        OPTIONAL { ?p c2c:regionalFocus ?focus }
        ?p c2c:theme ?t } GROUP BY ?b ?focus ORDER BY ?b""")
    assert [r["b"] for r in got] == ["1990", "2000", "2010"]
    assert set(got[0]["themes"].split(",")) == {
        "https://w3id.org/c2c/vocab/themes/humanitarian",
        "https://w3id.org/c2c/vocab/themes/trade-economy"}
    assert got[1]["focus"].endswith("macro-region/cn-central")
    assert {"https://w3id.org/c2c/vocab/themes/culture",
            "https://w3id.org/c2c/vocab/themes/education"} <= set(got[1]["themes"].split(","))
    assert got[2]["focus"].endswith("macro-region/cn-eastern")
    assert set(got[2]["themes"].split(",")) == {
        "https://w3id.org/c2c/vocab/themes/tourism",
        "https://w3id.org/c2c/vocab/themes/trade-economy"}


def test_first_sino_russian_ties_in_1988(store) -> None:
    assert ask(store, """ASK { ?f a c2c:Finding ; c2c:aboutYear "1988"^^xsd:gYear ;
        prov:wasDerivedFrom <https://w3id.org/c2c/id/source/makeeva-2023> }""")
    assert ask(store, """ASK { <https://w3id.org/c2c/id/agreement/cn-sh--ru-saint-petersburg>
        schema:startDate "1988-12-15"^^xsd:date }""")


def test_reported_totals_122_31_91(store) -> None:
    got = {r["v"]: r.get("t", "") for r in rows(store, """SELECT ?v ?t WHERE {
        ?s prov:wasDerivedFrom <https://w3id.org/c2c/id/source/makeeva-2023> ;
           c2c:measure <https://w3id.org/c2c/vocab/measures/agreements> ;
           c2c:statisticValue ?v ; c2c:fromYear "1988"^^xsd:gYear ; c2c:toYear "2023"^^xsd:gYear .
        OPTIONAL { ?s c2c:countsAgreementType ?t } }""")}
    assert got == {"122": "", "31": "https://w3id.org/c2c/vocab/agreement-types/sister-region",
                   "91": "https://w3id.org/c2c/vocab/agreement-types/sister-city"}


def test_c21_network_members_themes_and_meetings(store) -> None:
    themes = {r["t"] for r in rows(store, "SELECT ?t WHERE { ?n a c2c:CityNetwork ; "
                                          "c2c:theme ?t ; dcterms:created \"2018\"^^xsd:gYear }")}
    assert themes == {f"https://w3id.org/c2c/vocab/themes/{t}" for t in
                      ("tourism", "winter-sports", "sustainable-development")}
    assert ask(store, """ASK { ?s c2c:statisticOf ?n ; c2c:statisticValue 21 .
                               ?n a c2c:CityNetwork }""")
    claims = {r["d"] for r in rows(store, """SELECT ?d WHERE {
        <https://w3id.org/c2c/id/meeting/c21-turku-2018> c2c:hasDateClaim/c2c:claimedDate ?d }""")}
    assert claims == {"2018-08-29", "2018-08-09"}
    assert not ask(store, "ASK { <https://w3id.org/c2c/id/meeting/c21-turku-2018> "
                          "schema:startDate ?d }")
    assert ask(store, """ASK { <https://w3id.org/c2c/id/meeting/c21-espoo-2018>
        schema:startDate "2018-11-16"^^xsd:date ;
        schema:location <https://w3id.org/c2c/id/city/fi-espoo> }""")


def test_uk_china_review_findings(store) -> None:
    texts = [r["t"] for r in rows(store, """SELECT ?t WHERE { ?f a c2c:Finding ;
        prov:wasDerivedFrom <https://w3id.org/c2c/id/source/wu-zhang-wang-2015> ;
        dcterms:description ?t }""")]
    assert len(texts) == 10
    assert any("economic collaboration" in t for t in texts)
    assert any("long time" in t and "economically more successful" in t for t in texts)
    assert any("universities" in t and "coordinate" in t for t in texts)
    assert not any("student" in t for t in texts)  # the review says nothing of student flows
    assert not ask(store, """ASK { ?f prov:wasDerivedFrom ?s ; bibo:locator ?l
        FILTER (CONTAINS(?l, "project brief")) }""")


@pytest.mark.parametrize(("a", "b"), [
    ("fi-helsinki", "ee-tallinn"), ("fi-tornio", "se-haparanda"), ("fi-imatra", "ru-svetogorsk"),
    ("cn-heihe", "ru-blagoveshchensk"), ("cn-suifenhe", "ru-pogranichny"),
    ("cn-manzhouli", "ru-zabaykalsk"), ("cn-hekou", "vn-lao-cai"), ("cn-dongxing", "vn-mong-cai"),
])
def test_cross_border_pairs(store, a: str, b: str) -> None:
    assert ask(store, f"""ASK {{ ?p a c2c:CrossBorderPair ; c2c:hasParty ?x , ?y ;
        prov:wasDerivedFrom ?s .
        FILTER (STRENDS(STR(?x), "/{a}") && STRENDS(STR(?y), "/{b}")) }}""")


def test_tornio_haparanda_is_an_integrated_twin_city(store) -> None:
    dims = {r["d"].rsplit("/", 1)[1] for r in rows(store, """SELECT ?d WHERE {
        <https://w3id.org/c2c/id/cross-border-pair/fi-tornio--se-haparanda>
            c2c:pairType <https://w3id.org/c2c/vocab/cross-border-pair-types/twin-city> ;
            c2c:integrationDimension ?d }""")}
    assert dims == {"shared-public-programmes", "labour-market", "shopping", "education"}


def test_heihe_blagoveshchensk_pair_is_formalised_by_its_agreement(store) -> None:
    assert ask(store, """ASK {
    <https://w3id.org/c2c/id/cross-border-pair/cn-heihe--ru-blagoveshchensk>
        c2c:formalisedBy <https://w3id.org/c2c/id/agreement/cn-heihe--ru-blagoveshchensk> }""")


def test_suzhou_suqian_pairing_led_by_jiangsu_with_its_park(store) -> None:
    assert ask(store, """ASK { ?p a c2c:CounterpartPairing ;
        c2c:hasParty <https://w3id.org/c2c/id/city/cn-suzhou-js> ,
                     <https://w3id.org/c2c/id/city/cn-suqian> ;
        c2c:ledBy <https://w3id.org/c2c/id/region/cn-js> ;
        c2c:outcome ?park ; schema:startDate "2001"^^xsd:gYear .
        ?park a c2c:IndustrialPark ;
              schema:containedInPlace <https://w3id.org/c2c/id/city/cn-suqian> }""")


def test_twinned_with_is_symmetric_and_complete(store) -> None:
    assert not ask(store, "ASK { ?a c2c:twinnedWith ?b FILTER NOT EXISTS "
                          "{ ?b c2c:twinnedWith ?a } }")
    assert not ask(store, """ASK { ?g a c2c:TwinningAgreement ; c2c:hasParty ?a , ?b
        FILTER (?a != ?b) FILTER NOT EXISTS { ?a c2c:twinnedWith ?b } }""")


def test_the_readme_counts_query_runs(store) -> None:
    """The query the README shows under 'What the graph holds'."""
    from tests.conftest import ROOT

    text = (ROOT / "README.md").read_text(encoding="utf-8")
    query = text.split("```sparql\n", 1)[1].split("```", 1)[0]
    got = {r["kind"].rsplit("#", 1)[-1].rsplit("/", 1)[-1]: int(r["n"]) for r in rows(store, query)}
    table = readme_counts()
    assert len(table) >= 10
    for kind, number in table.items():
        assert got[kind] == number, kind
