"""Competency questions (ontology/competency/*.rq) answered over the curated data of data/.

Each question's expected answer is tests/fixtures/competency/{name}.json: the rows, in order,
as {variable: value} with values as plain strings.
"""

from __future__ import annotations

import json

import pyoxigraph as ox
import pytest

from loaders.kernel import assets
from tests.conftest import FIXTURES

CQ_FIXTURES = FIXTURES / "competency"
QUESTIONS = assets.competency_questions()


@pytest.fixture(scope="module")
def cq_store(store):
    """The session's build of data/ (``conftest.store``): the questions only read it."""
    return store


def answer(store, text: str) -> list[dict[str, str]]:
    results = store.query(text)
    if isinstance(results, ox.QueryBoolean):
        return [{"boolean": str(bool(results)).lower()}]
    names = [v.value for v in results.variables]
    return [{n: row[n].value for n in names if row[n] is not None} for row in results]


def test_there_are_at_least_fifteen_questions() -> None:
    assert len(QUESTIONS) >= 15


@pytest.fixture
def cq(backend: str, request: pytest.FixtureRequest):
    """The store the questions run on: this module's build, or (contract) the session's build
    of the same data/ published to the remote store."""
    return request.getfixturevalue(
        "cq_store" if backend == "embedded" else f"{backend}_contract_store")


@pytest.mark.contract
@pytest.mark.parametrize(("name", "text"), QUESTIONS, ids=[n for n, _ in QUESTIONS])
def test_competency_question(cq, name: str, text: str) -> None:
    expected_file = CQ_FIXTURES / f"{name.removesuffix('.rq')}.json"
    expected = json.loads(expected_file.read_text(encoding="utf-8"))
    assert answer(cq, text) == expected


def test_2000s_questions_are_answered_from_real_data(store) -> None:
    """The dated Sino-Russian agreements of the 2000s are curated, each from the page that
    dates it: Changchun-Ulan-Ude (27 September 2000, the Jilin provincial government),
    Hohhot-Ulan-Ude (6 December 2000), Hegang-Birobidzhan (2001), Harbin-Yakutsk (2007),
    Kaifeng-Omsk (3 August 2009, RIA Novosti); only Kaifeng is in a Central-region province
    (Henan) by the NBS division, so cq17 answers it alone."""
    questions = dict(QUESTIONS)
    got = answer(store, questions["cq01-cn-ru-twinnings-2000s-period.rq"])
    assert {(r["chineseCity"], r["russianCity"], r["date"]) for r in got} == {
        ("Changchun", "Ulan-Ude", "2000-09-27"),
        ("Hohhot", "Ulan-Ude", "2000-12-06"), ("Hegang", "Birobidzhan", "2001"),
        ("Harbin", "Yakutsk", "2007"), ("Kaifeng", "Omsk", "2009-08-03")}
    assert len(got) == 5  # one source per date: no agreement answered twice
    got = answer(store, questions["cq17-central-region-cn-ru-2000s.rq"])
    assert [(r["chineseCity"], r["russianCity"]) for r in got] == [("Kaifeng", "Omsk")]
