"""data/public: the public lists in the repository, built by default; their crosswalk; the
README's measured numbers; and two builds of one repository giving byte-identical dumps.

The full default build (curated data + every public list) runs once, in the module fixture;
the reproducibility test builds twice from a small cut of the lists."""

from __future__ import annotations

import csv
import gzip
import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from loaders.kernel import assets
from loaders.kernel.config import Settings
from loaders.kernel.store import StoreLocation
from loaders.pipeline.build import build
from loaders.pipeline.export import export
from loaders.pipeline.public_data import (
    CROSSWALK,
    PUBLIC_LISTS,
    crosswalk_text,
    lists_table,
    store_table,
)
from loaders.pipeline.public_extract import extracts
from tests.conftest import DATA, ROOT, require_shared_data

PUBLIC = DATA / "public"
BASE = "https://w3id.org/c2c/"


@pytest.mark.shared_data
def test_extracts_are_the_china_rows_of_the_shared_lists() -> None:
    shared = require_shared_data()
    made = extracts(shared)
    assert set(made) == {p.name for p in PUBLIC.glob("*.csv")} - {CROSSWALK}
    for name, text in made.items():
        assert (PUBLIC / name).read_text(encoding="utf-8") == text, \
            f"data/public/{name} differs from its cut of ../shared/data"
    assert made["wikipedia_twin_towns_cn.csv"].count("\n") - 1 == 1916  # as SOURCES.md counts


@pytest.fixture(scope="module")
def full(full_build, other_process):
    """The repository's default build: curated data and every list of data/public (conftest's
    session build; the reproducibility test's other process builds beside it)."""
    return full_build


def select(store, text: str) -> list[dict[str, str]]:
    results = store.query(text, base_iri=BASE)
    names = [v.value for v in results.variables]
    return [{n: row[n].value for n in names if row[n] is not None} for row in results]


def test_default_build_holds_thousands_of_cited_china_related_agreements(full) -> None:
    _settings, summary, store, _imported = full
    (china,) = select(store, assets.query("measure/china-agreements.rq"))
    assert int(china["agreements"]) >= 1000
    assert int(china["uncited"]) == 0
    # each list in a source graph of its own, with its licence, beside its own links graph
    licences = {row["graph"].rsplit("/", 1)[1].split("-")[1]: row["licence"]
                for row in select(store, assets.query("measure/agreements-by-source.rq"))
                if "/source/import-" in row["graph"]}
    assert licences == {"wikipedia": "https://creativecommons.org/licenses/by-sa/4.0/",
                        "wikidata": "https://creativecommons.org/publicdomain/zero/1.0/"}
    links = [g for g in summary.graphs if "/graph/links/import-" in g]
    assert len(links) == len(PUBLIC_LISTS)


def test_committed_crosswalk_is_what_the_build_computes(full) -> None:
    _settings, _summary, _store, imported = full
    computed = crosswalk_text(imported)
    assert (PUBLIC / CROSSWALK).read_text(encoding="utf-8") == computed, (
        "data/public/crosswalk.csv is stale: run `python -m loaders.pipeline.public_data` and "
        "review "
        "the diff")
    header, *rows = computed.splitlines()
    assert header.startswith("list,row,name,country,qid,status,iri,reason")
    assert {row.split(",")[5] for row in rows} >= {"matched", "ambiguous", "unmatched"}


def test_readme_numbers_are_the_measured_ones(full) -> None:
    settings, _summary, store, imported = full
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    for marker, table in (("public-lists", lists_table(imported)),
                          ("public-store", store_table(store, settings.base_iri))):
        block = readme.split(f"<!-- {marker} -->", 2)[1].strip()
        assert block == table, f"README block {marker} is stale; the measured table is\n{table}"


#: competency questions that have no answer over the repository's data, and why (README);
#: none today: cq01 and cq17 (the 2000s) are answered by curated agreements dated from their
#: pages (Kaifeng–Omsk for both; Changchun–Ulan-Ude, Hohhot–Ulan-Ude, Hegang–Birobidzhan,
#: Harbin–Yakutsk for cq01)
EMPTY_OVER_THE_DATA: set[str] = set()


def test_competency_questions_over_the_full_build(full) -> None:
    """Every competency question but those listed above has an answer over the full build."""
    _settings, _summary, store, _imported = full
    empty = set()
    for name, text in assets.competency_questions():
        results = store.query(text, base_iri=BASE)  # the materialised default graph
        if not (len(list(results)) if hasattr(results, "variables") else bool(results)):
            empty.add(name)
    assert empty <= EMPTY_OVER_THE_DATA


def _small_data(target: Path) -> Path:
    """data/ with only the rows of each public list whose two sides are curated places (as
    the committed crosswalk says): public lists that reconcile without the GeoNames index, so
    that the other process builds in seconds. (Cross-process identity of the full default
    build, GeoNames places included, was checked by hand: bench/README.md.)"""
    from loaders.importers.countries import country_code

    shutil.copytree(DATA, target)
    with (PUBLIC / CROSSWALK).open(encoding="utf-8") as f:
        rows = list(csv.DictReader(f))
    with (DATA / "places.csv").open(encoding="utf-8") as f:
        curated_keys = {r["key"] for r in csv.DictReader(f)}
    curated = [r for r in rows if r["iri"].rsplit("/", 1)[-1] in curated_keys]
    qids = {r["qid"] for r in curated if r["qid"]}
    names = {(r["name"], r["country"]) for r in curated if r["list"].startswith("wikipedia")}
    keep = {
        "wikipedia_twin_towns_cn.csv": lambda r: all(
            (r[f"city{i}"], country_code(r[f"country{i}"])) in names for i in "12"),
        "wikidata_p190_2022_cn_edges.csv": lambda r: r["qid_a"] in qids and r["qid_b"] in qids,
    }
    for _kind, name in PUBLIC_LISTS:
        text = (PUBLIC / name).read_text(encoding="utf-8")
        rows = list(csv.DictReader(text.splitlines()))
        lines = text.splitlines(keepends=True)
        kept = [line for line, row in zip(lines[1:], rows, strict=True) if keep[name](row)]
        assert len(kept) >= 10, name
        (target / "public" / name).write_text(lines[0] + "".join(kept), encoding="utf-8")
    # the pair overrides of pairs cut away would be stale: kept only where both sides are
    # mentions that reach curated places
    mentions = {(r["name"], r["country"]) for r in curated}
    overrides = target / "gazetteer" / "pair_overrides.csv"
    text = overrides.read_text(encoding="utf-8")
    lines, rows = text.splitlines(keepends=True), list(csv.DictReader(text.splitlines()))
    overrides.write_text(lines[0] + "".join(
        line for line, row in zip(lines[1:], rows, strict=True)
        if (row["name"], row["country"]) in mentions
        and (row["partner"], row["partner_country"]) in mentions), encoding="utf-8")
    return target


CHILD = ("from loaders.pipeline.cli import main; import sys; "
         "sys.exit(main(['build', '--quiet']) or main(['export']))")
EPOCH = "1764547200"


@pytest.fixture(scope="module")
def other_process(tmp_path_factory: pytest.TempPathFactory):
    """`c2c build` + `c2c export` of a small cut of the data in another process, with another
    hash seed — started when the module starts, so that it runs beside the full build."""
    root = tmp_path_factory.mktemp("reproducible")
    data = _small_data(root / "data")
    env = dict(os.environ, C2C_STORE=str(root / "store"), C2C_DATA=str(data),
               C2C_DUMPS=str(root / "dumps"), PYTHONHASHSEED="12345", SOURCE_DATE_EPOCH=EPOCH)
    child = subprocess.Popen([sys.executable, "-c", CHILD], env=env, cwd=ROOT,
                             stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
    yield data, root / "dumps", child
    if child.poll() is None:
        child.kill()
        child.wait()


def test_two_builds_of_one_repository_give_byte_identical_dumps(other_process,
                                                                tmp_path: Path) -> None:
    """`c2c build` + `c2c export` in another process (another hash seed) and the same here,
    over the same data, public lists included, write the same bytes; the share-alike list
    stays in the CC BY-SA dump only."""
    data, dumps, child = other_process
    settings = Settings.from_env({"SOURCE_DATE_EPOCH": EPOCH}).with_overrides(
        store=tmp_path / "store", data=data, dumps=tmp_path / "dumps")
    build(settings, progress=False)
    export(settings, settings.dumps)
    _out, err = child.communicate(timeout=300)
    assert child.returncode == 0, err
    files = sorted(p.name for p in dumps.iterdir())
    assert files == sorted(p.name for p in settings.dumps.iterdir())
    assert "all.nq.gz" in files and "twinning-pairs.csv" in files
    for name in files:
        if name == "index.json":  # the same files, of two store versions (two builds)
            ours, theirs = (json.loads((d / name).read_text()) for d in (dumps, settings.dumps))
            assert ours.pop("store_version") != theirs.pop("store_version")
            assert ours == theirs
            continue
        assert (dumps / name).read_bytes() == (settings.dumps / name).read_bytes(), name
    by_sa = gzip.decompress((dumps / "licence-cc-by-sa-4.0.nq.gz").read_bytes())
    cc0 = gzip.decompress((dumps / "licence-cc0-1.0.nq.gz").read_bytes())
    assert b"/graph/source/import-wikipedia-" in by_sa
    assert b"/graph/source/import-wikipedia-" not in cc0
    assert b"/graph/source/import-wikidata-" in cc0
    # the flat CSV shows on each source's row only what that source says: the lists no dates
    with (dumps / "twinning-pairs.csv").open(encoding="utf-8") as f:
        rows = list(csv.DictReader(f))
    listed = [r for r in rows if "/source/import-" in r["source"]]
    assert listed and not any(r["start_date"] for r in listed)
    assert any(r["agreement"].endswith("cn-harbin--ru-khabarovsk") for r in listed)
    assert any(r["start_date"] for r in rows if "/source/import-" not in r["source"])


def test_a_bad_public_list_stops_the_build_and_names_file_and_row(tmp_path: Path) -> None:
    from loaders.kernel.errors import InputError

    data = tmp_path / "data"
    shutil.copytree(DATA, data)
    lists = data / "public" / "wikipedia_twin_towns_cn.csv"
    lines = lists.read_text(encoding="utf-8").splitlines(keepends=True)
    lists.write_text("".join(lines[:3]) + "Harbin,China,Khabarovsk\n", encoding="utf-8")
    settings = Settings.from_env({}).with_overrides(store=tmp_path / "store", data=data)
    with pytest.raises(InputError) as caught:
        build(settings, progress=False)
    assert "wikipedia_twin_towns_cn.csv, row 4" in str(caught.value)
    location = StoreLocation(settings.store)
    assert location.current() is None
    assert not any(location.builds.iterdir())  # the half-written folder is gone


def test_the_2000s_question_cites_the_source_of_the_date(full) -> None:
    """Over curated and public data, cq01 cites the source that dates the agreement, not the
    Wikipedia list that names the pair without a date (it did before the question read the
    date from its source's graph)."""
    _settings, _summary, store, _imported = full
    text = dict(assets.competency_questions())["cq01-cn-ru-twinnings-2000s-period.rq"]
    got = [{k: v.value for k, v in zip(("c", "r", "d", "s"), (row[0], row[1], row[2], row[3]),
                                       strict=True)}
           for row in store.query(text, base_iri=BASE)]
    assert sorted(tuple(r.values()) for r in got) == sorted([
        ("Kaifeng", "Omsk", "2009-08-03", "中国开封与俄罗斯鄂木斯克市建立伙伴关系"),
        ("Changchun", "Ulan-Ude", "2000-09-27", "Sister Cities: Ulan-ude"),
        ("Hohhot", "Ulan-Ude", "2000-12-06",
         "Протокол двустороннего сотрудничества подписали главы Улан-Удэ и Хух-Хото"),
        ("Hegang", "Birobidzhan", "2001",
         "Города-побратимы Биробиджан и Хэган продолжат сотрудничать"),
        ("Harbin", "Yakutsk", "2007", "Якутск и Харбин укрепляют братские связи")])
