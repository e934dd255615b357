"""The page queries with the thing's IRI written into their text (``endpoint/page_queries.py``)
answer what pyoxigraph's ``substitutions`` answered: the same rows (in the same order where the
query orders them), for things of every kind of the curated build; the labels of many things
in one query are each thing's labels; and no text but an IRI can be written in."""

from __future__ import annotations

from collections import defaultdict
from pathlib import Path

import pyoxigraph as ox
import pytest

from endpoint import page_queries
from loaders.kernel.remote_store import substitute

ROOT = Path(__file__).resolve().parent.parent
BASE = "https://w3id.org/c2c/"
NAMES = sorted(f"document/{p.name}" for p in (ROOT / "endpoint/queries/document").glob("*.rq")
               if "$this" in p.read_text(encoding="utf-8"))
THINGS = [f"{BASE}id/{local}" for local in (
    "city/cn-harbin", "city/ru-khabarovsk", "country/cn", "country/ru", "country/fi",
    "region/cn-hl", "source/c21-2018", "policy-period/makeeva-2000s", "network/c21-china-network",
    "city/cn-harbin/centroid", "city/nowhere")] + [f"{BASE}vocab/agreement-types/partner-city"]


def _rows(answer) -> list | bool:
    if isinstance(answer, ox.QueryBoolean):
        return bool(answer)
    return [tuple(None if v is None else str(v) for v in row) for row in answer]


def test_every_page_query_is_cut_where_substitute_writes_the_term() -> None:
    assert len(NAMES) >= 10
    for name in NAMES:
        for iri in THINGS:
            assert page_queries.bound(name, iri) == substitute(
                page_queries.text(name), {"this": ox.NamedNode(iri)}), name


@pytest.mark.parametrize("name", NAMES)
def test_written_in_answers_as_substitutions(store, name: str) -> None:
    text = page_queries.text(name)
    ordered = "ORDER BY" in text
    found = 0
    for iri in THINGS:
        want = _rows(store.query(text, substitutions={"this": ox.NamedNode(iri)}))
        got = _rows(page_queries.rows(store, name, iri))
        if isinstance(want, bool) or ordered:
            assert got == want, iri
        else:
            assert sorted(got, key=str) == sorted(want, key=str), iri
        found += bool(want)
    assert found  # the sample holds things each query finds something for


def test_labels_of_many_things_are_each_things_labels(store) -> None:
    each: dict[str, set] = defaultdict(set)
    for iri in THINGS:
        for row in page_queries.rows(store, "document/labels.rq", iri):
            each[iri].add((str(row["label"]), str(row["wkt"])))
    together: dict[str, set] = defaultdict(set)
    for row in page_queries.rows_for(store, "document/labels-of.rq", THINGS):
        together[row["thing"].value].add((str(row["label"]), str(row["wkt"])))
    assert together == each
    assert len(each) >= 8


@pytest.mark.parametrize("text", ["http://x/a> } DELETE WHERE { ?s ?p ?o", "http://x/a b",
                                  'http://x/"a"', "not an iri"])
def test_only_an_iri_is_written_in(store, text: str) -> None:
    with pytest.raises(ValueError):
        page_queries.bound("document/exists.rq", text)
    with pytest.raises(ValueError):
        page_queries.rows_for(store, "document/labels-of.rq", [f"{BASE}id/city/cn-harbin", text])
