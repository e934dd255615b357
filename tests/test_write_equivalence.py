"""A write to the served store (:func:`loaders.revise.revise`: staged in memory, written as a
difference or whole) leaves, quad for quad, the store the previous algorithm leaves
(:mod:`tests.write_reference`: the change applied to a copy of the served version): every
named graph, empty ones too, the default graph, blank node labels, and the VoID graph but its
``dcterms:modified`` stamp. Each row is applied to the same served version by both; a row the
reference refuses (a shape violated) must be refused alike, with the same violations, and
change nothing. The reference runs on a RocksDB checkpoint of the served folder in the
conformance profile (the store is small: there every SPARQL graph operation is checked against
RocksDB's own semantics) and, in the research profile, on an in-memory store holding the quads
and named graphs read from the served folder, read once per version: after the row before
compared them with its reference, or just before (:func:`served`). Rows run in order on one
store per profile, so each starts from the version the row before wrote; ``staged`` says
whether the write starts from the in-memory copy this process kept of the version it wrote last
(else from the folder), ``whole`` whether the new version is written whole into a fresh folder
(else into a checkpoint by the difference)."""

from __future__ import annotations

from pathlib import Path
from typing import NamedTuple

import pyoxigraph as ox
import pytest

import loaders.revise
from loaders.kernel.config import Settings
from loaders.kernel.errors import ValidationFailed
from loaders.kernel.store import StoreLocation
from loaders.pipeline.build import build_empty
from loaders.revise import revise
from tests.conftest import copy_of_built
from tests.write_reference import Read, reference_write

MODIFIED = ox.NamedNode("http://purl.org/dc/terms/modified")
VOID = ox.NamedNode("https://w3id.org/c2c/graph/void")


class Row(NamedTuple):
    id: str
    update: str
    staged: bool
    whole: bool
    refused: bool = False
    """the write fails (a shape violated, a missing graph): refused by both alike, nothing
    changed, and the copy kept in memory is kept only if it is still the served version"""


RESEARCH = [
    Row("insert-data-default", 'INSERT DATA { <id/city/cn-harbin> rdfs:comment "a note"@en }',
        staged=False, whole=False),
    Row("delete-data-default", 'DELETE DATA { <id/city/cn-harbin> rdfs:comment "a note"@en }',
        staged=True, whole=False),
    Row("delete-insert-where-default",
        'DELETE { ?c rdfs:label "Harbin"@en } INSERT { ?c rdfs:label "Harbin City"@en } '
        'WHERE { ?c rdfs:label "Harbin"@en }', staged=True, whole=True),
    Row("delete-where-derived", "DELETE WHERE { ?a c2c:startYear ?y }", staged=False, whole=True),
    Row("insert-data-graph-create",
        'INSERT DATA { GRAPH <graph/source/wikidata> { <id/city/cn-harbin> rdfs:comment "g" } } ;'
        " CREATE GRAPH <graph/empty>", staged=True, whole=False),
    Row("add-copy-move", "ADD <graph/source/wikidata> TO <graph/source/omsk-admin-kaifeng> ;"
        " COPY <graph/source/wikidata> TO <graph/copied> ; MOVE <graph/copied> TO <graph/moved>",
        staged=True, whole=False),
    Row("drop-clear", "DROP GRAPH <graph/moved> ; CLEAR GRAPH <graph/source/sipac-2006-ssip> ;"
        " DROP GRAPH <graph/empty>", staged=False, whole=False),
    Row("violating", "INSERT DATA { <id/agreement/x> a c2c:TwinningAgreement }",
        staged=True, whole=False, refused=True),
    Row("clear-default", "CLEAR DEFAULT", staged=False, whole=False),
]

CONFORMANCE = [
    Row("seed", "INSERT DATA { <http://e/s> <http://e/p> 1 , _:b . _:b <http://e/p> 2 . "
        "GRAPH <http://e/g1> { <http://e/s> <http://e/q> _:b , 'x' } "
        "GRAPH <http://e/g2> { <http://e/t> <http://e/q> 3 } }", staged=False, whole=True),
    Row("insert-data-default", "INSERT DATA { <http://e/u> <http://e/p> 4 }",
        staged=True, whole=True),
    Row("delete-data-default", "DELETE DATA { <http://e/s> <http://e/p> 1 }",
        staged=True, whole=False),
    Row("delete-insert-where", "DELETE { ?s <http://e/p> ?o } INSERT { ?o <http://e/r> ?s } "
        "WHERE { ?s <http://e/p> ?o }", staged=False, whole=True),
    Row("insert-data-graph", "INSERT DATA { GRAPH <http://e/g3> { <http://e/v> <http://e/p> 5 } }",
        staged=True, whole=False),
    Row("add", "ADD <http://e/g1> TO <http://e/g2>", staged=True, whole=True),
    Row("copy", "COPY <http://e/g2> TO DEFAULT", staged=False, whole=False),
    Row("move", "MOVE <http://e/g3> TO <http://e/g4>", staged=True, whole=True),
    Row("create", "CREATE GRAPH <http://e/empty>", staged=True, whole=True),
    Row("drop-missing", "DROP GRAPH <http://e/missing>", staged=True, whole=True, refused=True),
    Row("create-existing", "CREATE GRAPH <http://e/empty>", staged=True, whole=False,
        refused=True),
    Row("insert-then-drop-missing", "INSERT DATA { <http://e/w> <http://e/p> 6 } ; "
        "DROP GRAPH <http://e/missing>", staged=True, whole=False, refused=True),
    Row("clear", "CLEAR GRAPH <http://e/g1>", staged=True, whole=False),
    Row("drop", "DROP GRAPH <http://e/g2>", staged=True, whole=True),
    Row("clear-default", "CLEAR DEFAULT", staged=False, whole=True),
    Row("drop-all", "DROP ALL", staged=True, whole=False),
]


@pytest.fixture(scope="module")
def research_store(built: Settings, tmp_path_factory: pytest.TempPathFactory) -> Settings:
    return copy_of_built(built, tmp_path_factory.mktemp("write-equivalence"))


@pytest.fixture(scope="module")
def conformance_store(tmp_path_factory: pytest.TempPathFactory) -> Settings:
    root = tmp_path_factory.mktemp("write-equivalence-conformance")
    settings = Settings.from_env({}).with_overrides(store=root / "store", profile="conformance")
    build_empty(settings)
    return settings


_last_read: tuple[Path, set[ox.Quad], set[ox.NamedNode | ox.BlankNode]] | None = None
"""The version :func:`served` read last: a finished version's folder never changes, and reading
a RocksDB store whole costs about 0.35 s of CPU for the curated build."""


def served(settings: Settings, *, fresh: bool = False
           ) -> tuple[set[ox.Quad], set[ox.NamedNode | ox.BlankNode]]:
    """The served version's quads and named graphs, as read from its folder (read again if
    *fresh*: after a refused write, which must have left the folder as it was)."""
    global _last_read
    current = StoreLocation(settings.store).current()
    assert current is not None
    if not fresh and _last_read is not None and _last_read[0] == current:
        return _last_read[1], _last_read[2]
    store = ox.Store.read_only(str(current))
    try:
        quads, graphs = set(store), set(store.named_graphs())
    finally:
        del store
    _last_read = (current, quads, graphs)
    return quads, graphs


def unstamped(quads: set[ox.Quad], *, fresh_blank: bool = False) -> set[ox.Quad]:
    """*quads* without VoID's ``dcterms:modified``; *fresh_blank*: the one blank node the
    update made (a new label in each run) under one fixed label."""
    kept = {q for q in quads if not (q.predicate == MODIFIED and q.graph_name == VOID)}
    if not fresh_blank:
        return kept
    blanks = {t for q in kept for t in (q.subject, q.object) if isinstance(t, ox.BlankNode)}
    assert len(blanks) == 1, blanks
    one = ox.BlankNode("fresh")

    def term(t):
        return one if isinstance(t, ox.BlankNode) else t
    return {ox.Quad(term(q.subject), q.predicate, term(q.object), q.graph_name) for q in kept}


def check(settings: Settings, row: Row, scratch: Path, monkeypatch: pytest.MonkeyPatch, *,
          reference_on_disk: bool) -> None:
    def change(store) -> None:
        store.update(row.update, base_iri=settings.base_iri)

    location = StoreLocation(settings.store)
    if row.staged:
        kept = loaders.revise._last_written
        if kept is None or kept.build != location.current():
            revise(settings, lambda store: None)  # a version this process wrote: kept in memory
        assert loaders.revise._last_written is not None
        assert loaders.revise._last_written.build == location.current()
    else:
        loaders.revise._last_written = None
    monkeypatch.setattr(loaders.revise, "WHOLE_BELOW", 10**9 if row.whole else 0)
    before = location.current()
    start: Read | None = None if reference_on_disk else served(settings)
    try:
        expected = reference_write(settings, change, scratch, start=start)
    except (ValidationFailed, RuntimeError) as refused:
        assert row.refused, refused
        with pytest.raises(type(refused)) as caught:
            revise(settings, change)
        assert str(caught.value) == str(refused)
        if isinstance(refused, ValidationFailed):
            assert caught.value.violations == refused.violations
        assert location.current() == before
        kept = loaders.revise._last_written
        # a failed operation changes nothing in the copy (Oxigraph rolls the update back), so
        # the copy is kept; a violating write had changed it, so it is not
        assert (kept is not None) == isinstance(refused, RuntimeError)
        if kept is not None:  # it must hold the served version itself
            assert kept.build == before
            quads, graphs = served(settings, fresh=True)
            assert set(kept.memory) == quads
            assert set(kept.memory.named_graphs()) == graphs
        return
    assert not row.refused, "the reference wrote what the row says it refuses"
    _result, info = revise(settings, change)
    assert location.current() != before and location.current().name == info.version
    quads, graphs = served(settings)
    assert graphs == expected[1]
    fresh_blank = "_:" in row.update
    assert (unstamped(quads, fresh_blank=fresh_blank)
            == unstamped(expected[0], fresh_blank=fresh_blank))
    assert len(quads) == len(expected[0])


@pytest.mark.parametrize("row", RESEARCH, ids=[r.id for r in RESEARCH])
def test_research_write_leaves_the_reference_store(research_store: Settings, row: Row,
                                                   tmp_path: Path,
                                                   monkeypatch: pytest.MonkeyPatch) -> None:
    check(research_store, row, tmp_path / "reference", monkeypatch, reference_on_disk=False)


@pytest.mark.parametrize("row", CONFORMANCE, ids=[r.id for r in CONFORMANCE])
def test_conformance_write_leaves_the_reference_store(conformance_store: Settings, row: Row,
                                                      tmp_path: Path,
                                                      monkeypatch: pytest.MonkeyPatch) -> None:
    check(conformance_store, row, tmp_path / "reference", monkeypatch, reference_on_disk=True)
