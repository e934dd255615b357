"""Pair-level overrides (``data/gazetteer/pair_overrides.csv``): one side of one listed pair
pinned to a place, read by the import kinds' reconciler; a row of an imported list that
matches no pair of it is an error naming the file and the row (README, "The graph's truth",
2.: Hailar-Chita and Hulunbuir-Chita are one tie)."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from loaders.importers import run_import
from loaders.importers.gazetteer import Gazetteer
from loaders.kernel.config import Settings
from loaders.kernel.errors import InputError
from tests.conftest import DATA

BASE = "https://w3id.org/c2c/"
LIST = "wikipedia_twin_towns_cn.csv"
HEADER = "city1,country1,city2,country2\n"


@pytest.fixture(scope="module")
def settings(tmp_path_factory: pytest.TempPathFactory) -> Settings:
    root = tmp_path_factory.mktemp("pair-overrides")
    return Settings.from_env({}).with_overrides(store=root / "store", data=DATA,
                                                public_lists=False, dumps=root / "dumps")


def a_list(folder: Path, rows: list[str], name: str = LIST) -> Path:
    path = folder / name
    path.write_text(HEADER + "".join(r + "\n" for r in rows), encoding="utf-8")
    return path


def agreement_keys(result) -> set[str]:
    return {str(s).rsplit("/", 1)[1] for g in result.graphs for s in g.subjects()
            if "/agreement/" in str(s)}


def test_the_pair_decides_the_place_in_both_directions_and_nowhere_else(
        settings: Settings, tmp_path: Path) -> None:
    path = a_list(tmp_path, ["Hulunbuir,China,Chita,Russia", "Hulunbuir,China,Ulan-Ude,Russia",
                             "Chita,Russia,Hulunbuir,China"])
    result = run_import(settings, "wikipedia", path)
    # the tie of Chita is Hailar's (the curated 1992 agreement's node); Hulunbuir's tie with
    # Ulan-Ude stays the prefecture's
    assert agreement_keys(result) == {"cn-hailar--ru-chita", "cn-1507--ru-ulan-ude"}
    pinned = [r for r in result.mentions if r.match.decided_by == "override"]
    assert [(r.mention.name, r.match.entry.key) for r in pinned] == [("Hulunbuir", "cn-hailar")]
    assert "pair override row 2" in pinned[0].match.reason
    assert "https://baikal24.ru/" in pinned[0].match.reason
    # the row names the lists the extract was made from too
    source = a_list(tmp_path, ["Hulunbuir,China,Chita,Russia"],
                    name="twin_cities_wikipedia_pairs.csv")
    assert agreement_keys(run_import(settings, "wikipedia", source)) == {"cn-hailar--ru-chita"}


def test_a_stale_pair_override_stops_the_import_naming_file_and_row(
        settings: Settings, tmp_path: Path) -> None:
    path = a_list(tmp_path, ["Hulunbuir,China,Ulan-Ude,Russia"])
    with pytest.raises(InputError) as caught:
        run_import(settings, "wikipedia", path)
    message = str(caught.value)
    assert "pair_overrides.csv, row 2" in message and "matches no pair" in message
    assert "Hulunbuir (CN) – Chita (RU)" in message
    # another list is not this row's: the same pair is reconciled name by name
    other = a_list(tmp_path, ["Hulunbuir,China,Chita,Russia"], name="another_list.csv")
    assert agreement_keys(run_import(settings, "wikipedia", other)) == {"cn-1507--ru-chita"}


@pytest.mark.parametrize(("change", "column", "term"), [
    (("cn-hailar,", "cn-nowhere,"), "target", "cn-nowhere"),
    ((",https://baikal24.ru/text/23-07-2012/delegachiya", ",baikal24"), "evidence", "baikal24"),
])
def test_a_bad_pair_override_row_names_file_row_and_column(
        tmp_path: Path, change: tuple[str, str], column: str, term: str) -> None:
    data = tmp_path / "data"
    shutil.copytree(DATA, data, ignore=shutil.ignore_patterns("public"))
    path = data / "gazetteer" / "pair_overrides.csv"
    text = path.read_text(encoding="utf-8")
    assert change[0] in text
    path.write_text(text.replace(change[0], change[1]), encoding="utf-8")
    with pytest.raises(InputError) as caught:
        Gazetteer(data)
    assert f"pair_overrides.csv, row 2, column '{column}'" in str(caught.value)
    assert f"(term: {term})" in str(caught.value)


def test_the_default_build_has_one_node_for_hailar_and_hulunbuir_chita(full_build) -> None:
    """Hailar-Chita (2004 list, 1992) and the Wikipedia list's Hulunbuir-Chita are one
    agreement node citing both sources; no Hulunbuir-Chita node is left."""
    _settings, _summary, store, _imported = full_build
    graphs = {row["g"].value.removeprefix(BASE + "graph/source/") for row in store.query(
        "SELECT ?g WHERE { GRAPH ?g { <https://w3id.org/c2c/id/agreement/cn-hailar--ru-chita> "
        "c2c:hasParty ?p } }", base_iri=BASE)}
    assert "cn-ru-friendship-cities-2004" in graphs
    assert any(g.startswith("import-wikipedia-") for g in graphs)
    chita = [row["p"].value.rsplit("/", 1)[1] for row in store.query(
        "SELECT ?p WHERE { ?ag a c2c:TwinningAgreement ; c2c:hasParty "
        "<https://w3id.org/c2c/id/city/ru-chita> , ?p FILTER (?p != "
        "<https://w3id.org/c2c/id/city/ru-chita>) }", base_iri=BASE)]
    assert "cn-hailar" in chita and "cn-1507" not in chita
    assert store.query("ASK { ?ag c2c:hasParty <https://w3id.org/c2c/id/city/cn-1507> , "
                       "<https://w3id.org/c2c/id/city/ru-ulan-ude> }", base_iri=BASE)


WIKIDATA_LIST = "wikidata_p190_2022_cn_edges.csv"
NODES = ("qid,label_en,country_label_en,lat,lon,population,degree\n"
         "Q8686,Shanghai,People's Republic of China,31.166666666,121.466666666,24870895,109\n"
         "Q125378,Pudong,People's Republic of China,31.223055555,121.539722222,5187200,1\n"
         "Q162279,Kuopio,Finland,62.8925,27.678333333,120246,18\n"
         "Q47034,Espoo,Finland,60.21,24.66,269802,10\n")


def test_a_wikidata_pair_is_matched_by_its_labels_and_keeps_the_qids_apart(
        settings: Settings, tmp_path: Path) -> None:
    """The 2022 extract's Kuopio-Shanghai (Q8686) and Kuopio-Pudong (Q125378) are one tie,
    Pudong's (README, "The graph's truth", 6.): the override matches the pair by the nodes
    file's labels and countries; Q8686 is not made a QID of Pudong. (The data's other rows for
    the extract, whose pairs this small file lacks, are left out of its copy: they would be
    stale here.)"""
    data = tmp_path / "data"
    shutil.copytree(DATA, data)
    overrides = data / "gazetteer" / "pair_overrides.csv"
    lines = overrides.read_text(encoding="utf-8").splitlines(keepends=True)
    overrides.write_text("".join(line for n, line in enumerate(lines)
                                 if n == 0 or WIKIDATA_LIST not in line or ",Kuopio," in line),
                         encoding="utf-8")
    settings = settings.with_overrides(data=data)
    edges = tmp_path / WIKIDATA_LIST
    edges.write_text("qid_a,qid_b\nQ125378,Q162279\nQ8686,Q162279\n", encoding="utf-8")
    (tmp_path / "wikidata_p190_2022_cn_nodes.csv").write_text(NODES, encoding="utf-8")
    result = run_import(settings, "wikidata", edges)
    assert agreement_keys(result) == {"cn-310115--gn-650224"}
    pinned = [r for r in result.mentions if r.match.decided_by == "override"]
    assert [(r.mention.qid, r.match.entry.key) for r in pinned] == [("Q8686", "cn-310115")]
    assert "pair override row 3" in pinned[0].match.reason
    assert "https://www.businesskuopio.fi/" in pinned[0].match.reason
    links = {str(o) for g in result.graphs for o in g.objects(
        predicate=None, subject=None) if "wikidata.org/entity/" in str(o)}
    assert "http://www.wikidata.org/entity/Q8686" not in links
    # the Shanghai of another pair of the same file stays Shanghai
    edges.write_text("qid_a,qid_b\nQ8686,Q162279\nQ8686,Q47034\n", encoding="utf-8")
    assert agreement_keys(run_import(settings, "wikidata", edges)) == {
        "cn-310115--gn-650224", "cn-sh--fi-espoo"}


def test_the_default_build_has_one_node_for_pudong_and_shanghai_kuopio(full_build) -> None:
    """Kuopio's one Chinese tie is Pudong's, dated 2012 from Business Kuopio's page; no
    Shanghai-Kuopio node is left."""
    _settings, _summary, store, _imported = full_build
    kuopio = "<https://w3id.org/c2c/id/city/gn-650224>"
    partners = sorted(row["p"].value.rsplit("/", 1)[1] for row in store.query(
        f"SELECT ?p WHERE {{ ?ag a c2c:TwinningAgreement ; c2c:hasParty {kuopio} , ?p "
        f"FILTER (?p != {kuopio} && STRSTARTS(STR(?p), 'https://w3id.org/c2c/id/city/cn-')) }}",
        base_iri=BASE))
    assert partners == ["cn-310115"]
    node = "<https://w3id.org/c2c/id/agreement/cn-310115--gn-650224>"
    graphs = {row["g"].value.removeprefix(BASE + "graph/source/") for row in store.query(
        f"SELECT ?g WHERE {{ GRAPH ?g {{ {node} c2c:hasParty ?p }} }}", base_iri=BASE)}
    assert "businesskuopio-shanghai-network" in graphs
    assert any(g.startswith("import-wikidata-") for g in graphs)
    assert any(g.startswith("import-wikipedia-") for g in graphs)
    (row,) = store.query(f"SELECT ?d WHERE {{ {node} schema:startDate ?d }}", base_iri=BASE)
    assert (row["d"].value, row["d"].datatype.value) == (
        "2012", "http://www.w3.org/2001/XMLSchema#gYear")


def test_the_default_build_gives_shanghais_district_ties_to_the_districts(full_build) -> None:
    """Wikidata's Shanghai-Hirakata, Shanghai-Neyagawa and Shanghai-Yao are the ties of
    Changning, Huangpu (then Luwan) and Jiading (README, "The graph's truth", 6.): the first
    two one node each with the Wikipedia list's district row, the third moved; none is left
    on Shanghai."""
    _settings, _summary, store, _imported = full_build

    def graphs(key: str) -> set[str]:
        """The public lists whose import states the agreement (a curated page that dates it,
        README 4., is a graph of its own, not counted here)."""
        names = (row["g"].value.removeprefix(BASE + "graph/source/") for row in store.query(
            f"SELECT DISTINCT ?g WHERE {{ GRAPH ?g {{ <{BASE}id/agreement/{key}> "
            "c2c:hasParty ?p } }", base_iri=BASE))
        return {name.split("-")[1] for name in names if name.startswith("import-")}

    assert graphs("gn-1815611--gn-1862540") == {"wikidata", "wikipedia"}  # Changning–Hirakata
    assert graphs("gn-6697563--gn-8307452") == {"wikidata", "wikipedia"}  # Huangpu–Neyagawa
    assert graphs("cn-310114--gn-1848522") == {"wikidata"}  # Jiading–Yao
    for town in ("gn-1862540", "gn-6697563", "gn-1848522"):
        assert not graphs(f"cn-sh--{town}"), town
