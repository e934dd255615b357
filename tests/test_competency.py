"""Competency questions (ontology/competency/*.rq) answered over a fixture: the curated data plus
one labelled fixture agreement in the 2000s policy period (tests/fixtures/competency/).

Each question's expected answer is tests/fixtures/competency/{name}.json: the rows, in order,
as {variable: value} with values as plain strings.
"""

from __future__ import annotations

import json
import shutil

import pyoxigraph as ox
import pytest

from loaders import assets
from loaders.build import build
from loaders.config import Settings
from loaders.store import StoreLocation
from tests.conftest import DATA, FIXTURES

CQ_FIXTURES = FIXTURES / "competency"
QUESTIONS = assets.competency_questions()


@pytest.fixture(scope="module")
def cq_store(tmp_path_factory: pytest.TempPathFactory):
    root = tmp_path_factory.mktemp("cq")
    data = root / "data"
    shutil.copytree(DATA, data)
    for extra, target in (("extra_sources.csv", "sources.csv"),
                          ("extra_agreements.csv", "agreements.csv")):
        with (data / target).open("a", encoding="utf-8") as f:
            f.write((CQ_FIXTURES / extra).read_text(encoding="utf-8"))
    settings = Settings.from_env({}).with_overrides(store=root / "store", data=data,
                                                    public_lists=False)
    build(settings, progress=False)
    return StoreLocation(settings.store).open_current()


def answer(store, text: str) -> list[dict[str, str]]:
    results = store.query(text)
    if isinstance(results, ox.QueryBoolean):
        return [{"boolean": str(bool(results)).lower()}]
    names = [v.value for v in results.variables]
    return [{n: row[n].value for n in names if row[n] is not None} for row in results]


def test_there_are_at_least_fifteen_questions() -> None:
    assert len(QUESTIONS) >= 15


@pytest.mark.parametrize(("name", "text"), QUESTIONS, ids=[n for n, _ in QUESTIONS])
def test_competency_question(cq_store, name: str, text: str) -> None:
    expected_file = CQ_FIXTURES / f"{name.removesuffix('.rq')}.json"
    expected = json.loads(expected_file.read_text(encoding="utf-8"))
    assert answer(cq_store, text) == expected


def test_2000s_question_over_the_real_data_is_empty_and_says_so(store) -> None:
    """Today's curated data holds no dated Sino-Russian agreement of 2000-2009 (README)."""
    text = dict(QUESTIONS)["cq01-cn-ru-twinnings-2000s-period.rq"]
    assert answer(store, text) == []
