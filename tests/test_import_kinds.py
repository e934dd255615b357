"""The registry of import kinds (``loaders/pipeline/import_kinds.py``) is the only list: the command
line offers its file kinds, :func:`loaders.importers.run_import` reads with the kind's reader
and writes the kind's licence and source; an unknown kind stops with its name (it was read as a
Wikidata file by the branch of a conditional)."""

from __future__ import annotations

from pathlib import Path

import pytest
from rdflib import URIRef
from rdflib.namespace import DCTERMS, PROV

from loaders.importers import run_import
from loaders.kernel.config import Settings
from loaders.kernel.errors import InputError
from loaders.pipeline.cli import parser
from loaders.pipeline.import_kinds import KINDS, ImportKind, file_kinds
from tests.conftest import DATA

ID = "https://w3id.org/c2c/id/"
READ: list[Path] = []


def read_nothing(path: Path) -> list:
    """The reader of the kind registered by the test: records what it was given."""
    READ.append(path)
    return []


@pytest.fixture
def settings(tmp_path: Path) -> Settings:
    return Settings.from_env({}).with_overrides(store=tmp_path / "store", data=DATA,
                                                public_lists=False)


def test_the_command_line_offers_the_file_kinds_of_the_registry() -> None:
    assert file_kinds() == ["wikidata", "wikipedia"]
    for kind in file_kinds():
        assert parser().parse_args(["import", kind, "f.csv"]).kind == kind
    with pytest.raises(SystemExit):  # a kind read from a live answer only, not from a FILE
        parser().parse_args(["import", "wikidata-sparql", "f.csv"])


def test_an_unknown_kind_stops_with_its_name(settings: Settings, tmp_path: Path) -> None:
    path = tmp_path / "list.csv"
    path.write_text("city1,country1,city2,country2\n", encoding="utf-8")
    with pytest.raises(InputError) as caught:
        run_import(settings, "wikipedia-2", path)
    assert "unknown import kind" in str(caught.value)
    assert "(term: wikipedia-2)" in str(caught.value)
    assert all(kind in str(caught.value) for kind in KINDS)


def test_a_registered_kind_is_read_by_its_reader(settings: Settings, tmp_path: Path,
                                                 monkeypatch) -> None:
    kind = ImportKind("test-list", f"{__name__}:read_nothing", KINDS["wikipedia"].licence,
                      "wikipedia-twin-towns")
    monkeypatch.setitem(KINDS, kind.name, kind)
    path = tmp_path / "list.txt"
    path.write_text("anything\n", encoding="utf-8")
    result = run_import(settings, "test-list", path)
    assert READ[-1] == path
    assert (result.pairs_read, result.agreements) == (0, 0)
    found = {t for g in result.graphs for t in g}
    source = URIRef(ID + f"source/{result.key}")
    assert result.key.startswith("import-test-list-")
    assert (source, DCTERMS.license, URIRef(kind.licence)) in found
    assert (source, PROV.wasDerivedFrom, URIRef(ID + "source/wikipedia-twin-towns")) in found
    assert "test-list" in file_kinds()
