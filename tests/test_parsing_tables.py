"""Table-driven unit tests (after rdflib-endpoint's ``tests/test_parse_accept.py``) for the
small parsers that had no direct tests: curated dates (``loaders.pipeline.tables.parse_date``),
Wikidata times (``loaders.importers.readers._time``) and the SPARQL tokenizer that finds
``SERVICE`` and ``LOAD`` targets (``endpoint.federation``). Negotiation's table is in
``tests/test_formats.py``."""

from __future__ import annotations

from pathlib import Path

import pytest
from rdflib.namespace import XSD

from endpoint.federation import keywords, refused_targets, service_targets
from loaders.importers.readers import _time
from loaders.kernel.errors import InputError, Location
from loaders.pipeline.tables import parse_date

HERE = Location("t.csv", row=2, column="start")


@pytest.mark.parametrize(("raw", "value", "datatype"), [
    ("1993", "1993", XSD.gYear),
    (" 1993 ", "1993", XSD.gYear),
    ("1993-06", "1993-06", XSD.gYearMonth),
    ("1993-06-15", "1993-06-15", XSD.date),
    ("2000-02-29", "2000-02-29", XSD.date),      # a leap day
    ("", None, None),
    ("   ", None, None),
])
def test_parse_date(raw: str, value: str | None, datatype) -> None:
    got = parse_date(raw, HERE)
    assert (str(got) if got is not None else None, got.datatype if got is not None else None) \
        == (value, datatype)


@pytest.mark.parametrize(("raw", "message"), [
    ("1993-13", "not a real month"),
    ("1993-00", "not a real month"),
    ("2019-02-30", "not a real date"),
    ("1900-02-29", "not a real date"),           # not a leap year
    ("93", "not a date of the form"),
    ("1993/06/15", "not a date of the form"),
    ("15.06.1993", "not a date of the form"),
])
def test_parse_date_refuses(raw: str, message: str) -> None:
    with pytest.raises(InputError) as caught:
        parse_date(raw, HERE)
    assert message in str(caught.value) and "t.csv, row 2, column 'start'" in str(caught.value)


@pytest.mark.parametrize(("value", "precision", "expected"), [
    ("1993-06-15T00:00:00Z", "11", ("1993-06-15", XSD.date)),
    ("1993-06-15T00:00:00Z", "10", ("1993-06", XSD.gYearMonth)),
    ("1993-06-15T00:00:00Z", "9", ("1993", XSD.gYear)),
    ("1990-01-01T00:00:00Z", "8", None),         # a decade: no date c2c can state
    ("1993-01-01T00:00:00Z", None, ("1993", XSD.gYear)),   # looks like a year
    ("1993-06-15", None, ("1993-06-15", XSD.date)),
    ("", None, None),
    (None, None, None),
])
def test_wikidata_time(value, precision, expected) -> None:
    got = _time(value, Path("p190.csv"), 3, "start", precision)
    assert ((str(got), got.datatype) if got is not None else None) == expected


@pytest.mark.parametrize(("value", "precision", "message"), [
    ("1993-02-30T00:00:00Z", "11", "impossible date"),
    ("1993-13-01T00:00:00Z", "10", "impossible month"),
    ("June 1993", None, "not a date"),
    ("1993-06-15T00:00:00Z", "day", "not a Wikidata time precision"),
])
def test_wikidata_time_refuses(value, precision, message) -> None:
    with pytest.raises(InputError, match=message):
        _time(value, Path("p190.csv"), 3, "start", precision)


@pytest.mark.parametrize(("text", "targets"), [
    ("SELECT * { SERVICE <http://a.example/sparql> { ?s ?p ?o } }", ["http://a.example/sparql"]),
    ("SELECT * { SERVICE SILENT <http://a.example/> { ?s ?p ?o } }", ["http://a.example/"]),
    ("select * { service ?x { ?s ?p ?o } }", [None]),                     # a variable
    ("PREFIX e: <http://e.example/> SELECT * { SERVICE e:q { ?s ?p ?o } }",
     ["http://e.example/q"]),
    ("SELECT * { SERVICE u:q { ?s ?p ?o } }", [None]),                    # unknown prefix
    ("SELECT * { ?s ?p \"SERVICE <http://a.example/>\" }", []),           # in a string
    ("SELECT * { ?s ?p ?o } # SERVICE <http://a.example/>", []),          # in a comment
    ("SELECT * { ?s <http://x.example/SERVICE> ?o }", []),                # in an IRI
    ("SELECT * { ?s ?p '''SERVICE\n<http://a.example/>''' }", []),        # a long string
    ("SELECT * { SERVICE <http://a/> {} SERVICE <http://b/> {} }", ["http://a/", "http://b/"]),
])
def test_service_targets(text: str, targets: list) -> None:
    assert service_targets(text) == targets


@pytest.mark.parametrize(("text", "allow", "update", "refused"), [
    ("LOAD <http://a.example/x.ttl>", (), True, ["http://a.example/x.ttl"]),
    ("LOAD <http://a.example/x.ttl>", ("http://a.example/",), True, []),
    ("LOAD <http://a.example/x.ttl>", (), False, []),                     # a query has no LOAD
    ("SELECT * { SERVICE ?s { } }", ("http://",), False,
     ["a variable or unresolvable SERVICE or LOAD target"]),
    ("SELECT * { ?s ?p ?o }", (), False, []),
])
def test_refused_targets(text: str, allow: tuple, update: bool, refused: list) -> None:
    assert refused_targets(text, allow, update=update) == refused


@pytest.mark.parametrize(("text", "words"), [
    ("select ?s where { ?s a <http://x/Y> }", ["SELECT", "WHERE", "A"]),
    ("ASK { \"LOAD\" }", ["ASK"]),
    ("# DROP ALL\nCLEAR DEFAULT", ["CLEAR", "DEFAULT"]),
])
def test_keywords(text: str, words: list[str]) -> None:
    assert keywords(text) == words
