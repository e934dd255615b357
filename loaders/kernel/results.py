"""Serialising query results: the formats c2c offers, by media type and by short name.

The registry of output formats: one table (:data:`SOLUTION_FORMATS`, :data:`GRAPH_FORMATS`)
that the endpoint's content negotiation, its service description (``sd:resultFormat``), the
dump files' media types and the ``c2c query`` command all read (``tests/test_formats.py``
checks that they do). A new format is one :class:`Format` row here, its writer below, and a
test.
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from dataclasses import dataclass

import pyoxigraph as ox

from loaders.kernel.namespaces import PREFIXES


@dataclass(frozen=True)
class Format:
    """One output format: its media type, short names, and how to write results in it."""

    media_type: str
    names: tuple[str, ...]
    content_type: str
    w3c: str = ""
    """The format's IRI in the W3C formats registry (``http://www.w3.org/ns/formats/``), or its
    IANA registration where it has none there; named by the service description."""
    extension: str = ""
    """The file name suffix (a dump of this format is served with its media type)."""

    @property
    def name(self) -> str:
        return self.names[0]


W3C_FORMATS = "http://www.w3.org/ns/formats/"
SOLUTION_FORMATS: list[Format] = [
    Format("application/sparql-results+json", ("json", "srj"),
           "application/sparql-results+json", W3C_FORMATS + "SPARQL_Results_JSON", ".srj"),
    Format("application/sparql-results+xml", ("xml", "srx"), "application/sparql-results+xml",
           W3C_FORMATS + "SPARQL_Results_XML", ".srx"),
    Format("text/csv", ("csv",), "text/csv; charset=utf-8", W3C_FORMATS + "SPARQL_Results_CSV",
           ".csv"),
    Format("text/tab-separated-values", ("tsv",), "text/tab-separated-values; charset=utf-8",
           W3C_FORMATS + "SPARQL_Results_TSV", ".tsv"),
    # SELECT only: one Feature per row, its geometry from a WKT literal or lat/long columns
    # (loaders/kernel/geojson.py); last, so that it is never a default. Not in the W3C formats
    # registry: its IANA registration (RFC 7946)
    Format("application/geo+json", ("geojson",), "application/geo+json",
           "https://www.iana.org/assignments/media-types/application/geo+json", ".geojson"),
]
GEOJSON = SOLUTION_FORMATS[-1]
GRAPH_FORMATS: list[Format] = [
    # The names after the first are the values SPARQL clients send as ``format=`` for a graph
    # answer (SPARQLWrapper: xml, json, n3, json-ld, rdf+xml); N3 clients read Turtle.
    Format("text/turtle", ("ttl", "turtle", "n3"), "text/turtle; charset=utf-8",
           W3C_FORMATS + "Turtle", ".ttl"),
    Format("application/n-triples", ("nt", "ntriples"), "application/n-triples",
           W3C_FORMATS + "N-Triples", ".nt"),
    Format("application/ld+json", ("jsonld", "json-ld", "json"), "application/ld+json",
           W3C_FORMATS + "JSON-LD", ".jsonld"),
    Format("application/rdf+xml", ("rdf", "rdfxml", "rdf+xml", "xml"), "application/rdf+xml",
           W3C_FORMATS + "RDF_XML", ".rdf"),
    Format("application/n-quads", ("nq", "nquads"), "application/n-quads",
           W3C_FORMATS + "N-Quads", ".nq"),
    Format("application/trig", ("trig",), "application/trig", W3C_FORMATS + "TriG", ".trig"),
]
FORMATS: list[Format] = SOLUTION_FORMATS + GRAPH_FORMATS
"""Every output format, solutions first. The three lists are changed in place only, by
:func:`register` (every module holds the same list objects)."""


def register(fmt: Format, *, graph: bool) -> None:
    """Offer *fmt* for graph answers (CONSTRUCT, DESCRIBE) or for solutions (SELECT, ASK)."""
    (GRAPH_FORMATS if graph else SOLUTION_FORMATS).append(fmt)
    FORMATS.append(fmt)


def unregister(fmt: Format) -> None:
    for formats in (SOLUTION_FORMATS, GRAPH_FORMATS, FORMATS):
        if fmt in formats:
            formats.remove(fmt)
_SOLUTIONS_OX = {
    "json": ox.QueryResultsFormat.JSON,
    "xml": ox.QueryResultsFormat.XML,
    "csv": ox.QueryResultsFormat.CSV,
    "tsv": ox.QueryResultsFormat.TSV,
}
_GRAPH_OX = {
    "ttl": ox.RdfFormat.TURTLE,
    "nt": ox.RdfFormat.N_TRIPLES,
    "jsonld": ox.RdfFormat.JSON_LD,
    "rdf": ox.RdfFormat.RDF_XML,
    "nq": ox.RdfFormat.N_QUADS,
    "trig": ox.RdfFormat.TRIG,
}


def media_type_of(file_name: str) -> str | None:
    """The media type of a file named with a format's extension (``graph-x.ttl`` → Turtle;
    solution formats win where both lists share one), or None."""
    for fmt in FORMATS:
        if file_name.endswith(fmt.extension):
            return fmt.media_type
    return None


def find_format(name: str, formats: list[Format]) -> Format | None:
    """The format called *name* (a short name or a media type), or None."""
    name = name.strip().lower()
    for fmt in formats:
        if name == fmt.media_type or name in fmt.names:
            return fmt
    return None


def serialize(results: object, fmt: Format) -> bytes:
    """Write SELECT/ASK results or CONSTRUCT/DESCRIBE triples in *fmt*, uncapped."""
    if isinstance(results, ox.QueryBoolean):
        return write_boolean(bool(results), fmt)
    if not isinstance(results, ox.QuerySolutions):  # triples, from either store backend
        return write_triples(results, fmt)
    return write_solutions([v.value for v in results.variables], results, fmt)


def _term_json(term: object) -> dict:
    """One RDF term as a SPARQL 1.1 JSON results binding (with SPARQL 1.2 triple terms)."""
    if isinstance(term, ox.NamedNode):
        return {"type": "uri", "value": term.value}
    if isinstance(term, ox.BlankNode):
        return {"type": "bnode", "value": term.value}
    if isinstance(term, ox.Literal):
        out: dict = {"type": "literal", "value": term.value}
        if term.language:
            out["xml:lang"] = term.language
        elif term.datatype.value != "http://www.w3.org/2001/XMLSchema#string":
            out["datatype"] = term.datatype.value
        return out
    if isinstance(term, ox.Triple):
        return {"type": "triple", "value": {"subject": _term_json(term.subject),
                                            "predicate": _term_json(term.predicate),
                                            "object": _term_json(term.object)}}
    raise TypeError(f"not an RDF term: {term!r}")


def solutions_json(variables: list[str], rows: Iterable[ox.QuerySolution]) -> bytes:
    """SELECT results as SPARQL 1.1 Query Results JSON, from any iterable of solutions (so a
    capped slice can be written, which pyoxigraph's own serializer cannot do)."""
    bindings = []
    for row in rows:
        binding = {}
        for name in variables:
            value = row[name]
            if value is not None:
                binding[name] = _term_json(value)
        bindings.append(binding)
    return json.dumps({"head": {"vars": variables}, "results": {"bindings": bindings}},
                      ensure_ascii=False, separators=(",", ":")).encode("utf-8")


def write_solutions(variables: list[str], rows: Iterable[ox.QuerySolution], fmt: Format
                    ) -> bytes:
    """SELECT results in *fmt*. JSON is written here; the other formats are pyoxigraph's own
    serializers, fed by re-reading that JSON, so their syntax is the reference one."""
    return _from_json(solutions_json(variables, rows), fmt)


def write_boolean(value: bool, fmt: Format) -> bytes:
    """ASK results in *fmt* (not GeoJSON: a boolean has no features)."""
    if fmt is GEOJSON:
        raise ValueError("an ASK answer has no GeoJSON form")
    return _from_json(json.dumps({"head": {}, "boolean": bool(value)}).encode("utf-8"), fmt)


def _from_json(data: bytes, fmt: Format) -> bytes:
    """SPARQL JSON results re-written in *fmt* by pyoxigraph's own serializer."""
    if fmt.name == "json":
        return data
    if fmt is GEOJSON:
        from loaders.kernel.geojson import from_sparql_json

        return from_sparql_json(data)
    parsed = ox.parse_query_results(data, format=ox.QueryResultsFormat.JSON)
    return parsed.serialize(format=_SOLUTIONS_OX[fmt.name]) or b""


def write_triples(triples: Iterable[ox.Triple], fmt: Format) -> bytes:
    """CONSTRUCT/DESCRIBE triples in *fmt*: Turtle and RDF/XML with the c2c prefixes, JSON-LD
    with an ``@context``, N-Quads/TriG in the default graph."""
    triples = list(triples)
    if fmt.name in ("nq", "trig"):
        quads = [ox.Quad(t.subject, t.predicate, t.object) for t in triples]
        return ox.serialize(quads, format=_GRAPH_OX[fmt.name],
                            prefixes=PREFIXES if fmt.name == "trig" else None) or b""
    if fmt.name == "jsonld":
        expanded = json.loads(ox.serialize(triples, format=ox.RdfFormat.JSON_LD) or b"[]")
        return json.dumps({"@context": PREFIXES, "@graph": expanded},
                          ensure_ascii=False).encode("utf-8")
    prefixes = PREFIXES if fmt.name in ("ttl", "rdf") else None
    return ox.serialize(triples, format=_GRAPH_OX[fmt.name], prefixes=prefixes) or b""
