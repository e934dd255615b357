"""Serialising query results: the formats c2c offers, by media type and by short name.

One table (:data:`SOLUTION_FORMATS`, :data:`GRAPH_FORMATS`) serves the endpoint's content
negotiation and the ``c2c query`` command alike.
"""

from __future__ import annotations

import json
from dataclasses import dataclass

import pyoxigraph as ox

from loaders.namespaces import PREFIXES


@dataclass(frozen=True)
class Format:
    """One output format: its media type, short names, and how to write results in it."""

    media_type: str
    names: tuple[str, ...]
    content_type: str

    @property
    def name(self) -> str:
        return self.names[0]


SOLUTION_FORMATS: list[Format] = [
    Format("application/sparql-results+json", ("json", "srj"),
           "application/sparql-results+json"),
    Format("application/sparql-results+xml", ("xml", "srx"), "application/sparql-results+xml"),
    Format("text/csv", ("csv",), "text/csv; charset=utf-8"),
    Format("text/tab-separated-values", ("tsv",), "text/tab-separated-values; charset=utf-8"),
]
GRAPH_FORMATS: list[Format] = [
    Format("text/turtle", ("ttl", "turtle"), "text/turtle; charset=utf-8"),
    Format("application/n-triples", ("nt", "ntriples"), "application/n-triples"),
    Format("application/ld+json", ("jsonld",), "application/ld+json"),
    Format("application/rdf+xml", ("rdf", "rdfxml"), "application/rdf+xml"),
    Format("application/n-quads", ("nq", "nquads"), "application/n-quads"),
    Format("application/trig", ("trig",), "application/trig"),
]
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


def find_format(name: str, formats: list[Format]) -> Format | None:
    """The format called *name* (a short name or a media type), or None."""
    name = name.strip().lower()
    for fmt in formats:
        if name == fmt.media_type or name in fmt.names:
            return fmt
    return None


def is_graph_result(results: object) -> bool:
    return isinstance(results, ox.QueryTriples)


def serialize(results: object, fmt: Format) -> bytes:
    """Write SELECT/ASK results or CONSTRUCT/DESCRIBE triples in *fmt*."""
    if isinstance(results, ox.QueryTriples):
        if fmt.name in ("nq", "trig"):
            quads = [ox.Quad(t.subject, t.predicate, t.object) for t in results]
            return ox.serialize(quads, format=_GRAPH_OX[fmt.name], prefixes=PREFIXES
                                if fmt.name == "trig" else None) or b""
        if fmt.name == "jsonld":
            expanded = json.loads(ox.serialize(results, format=ox.RdfFormat.JSON_LD) or b"[]")
            return json.dumps({"@context": PREFIXES, "@graph": expanded},
                              ensure_ascii=False).encode("utf-8")
        prefixes = PREFIXES if fmt.name in ("ttl", "rdf") else None
        return ox.serialize(results, format=_GRAPH_OX[fmt.name], prefixes=prefixes) or b""
    return results.serialize(format=_SOLUTIONS_OX[fmt.name]) or b""
