"""SHACL validation with reports a person can act on.

:func:`validate_data` runs pySHACL over the union of the given graphs, with the ontology and
the SKOS schemes as ``ont_graph`` (so subclass axioms and scheme membership count), and turns
every result into a :class:`Violation` that names the source file and row of its focus node.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from pathlib import Path

from pyshacl import validate as pyshacl_validate
from rdflib import Dataset, Graph, Namespace, URIRef
from rdflib.namespace import RDF, SH

from loaders import assets, shacl_sparql
from loaders.errors import Location, StoreError
from loaders.namespaces import PREFIXES

SHAPES_NS = Namespace("https://w3id.org/c2c/shapes#")


@dataclass(frozen=True)
class Violation:
    """One SHACL result, with the place in the input that caused it when known."""

    focus: str
    path: str | None
    message: str
    shape: str
    severity: str
    value: str | None
    location: Location | None

    def __str__(self) -> str:
        where = f"{self.location}: " if self.location else ""
        parts = [f"focus {self.focus}"]
        if self.path:
            parts.append(f"path {self.path}")
        if self.value:
            parts.append(f"value {self.value}")
        parts.append(f"shape {self.shape}")
        return f"{where}{self.message} ({', '.join(parts)})"


def load_ontology_graph() -> Graph:
    """The ontology and every SKOS scheme in one graph."""
    g = Graph()
    for path in assets.ontology_files():
        g.parse(data=path.read_text(encoding="utf-8"), format="turtle")
    return g


def load_shapes_graph() -> Graph:
    g = Graph()
    for path in assets.shape_files():
        g.parse(data=path.read_text(encoding="utf-8"), format="turtle")
    return g


def _short(term: object, g: Graph) -> str:
    if isinstance(term, URIRef):
        for prefix, ns in PREFIXES.items():
            if str(term).startswith(ns):
                return f"{prefix}:{str(term)[len(ns):]}"
        if str(term).startswith(str(SHAPES_NS)):
            return f"c2cs:{str(term)[len(SHAPES_NS):]}"
        return f"<{term}>"
    if term is None:
        return ""
    return str(term)


def _shape_name(shape: object, results: Graph, shapes: Graph) -> str:
    """A readable name for a (possibly blank) shape: its IRI, or the IRI of the node shape
    whose property it is."""
    if isinstance(shape, URIRef):
        return _short(shape, results)
    for owner in shapes.subjects(SH.property, shape):
        if isinstance(owner, URIRef):
            return _short(owner, results)
    for owner in shapes.subjects(SH.sparql, shape):
        if isinstance(owner, URIRef):
            return _short(owner, results)
    return "(anonymous shape)"


def graphs_in_nquads(path: Path) -> list[Graph]:
    """The non-empty named graphs of an N-Quads file, as the rdflib graphs
    :func:`validate_data` takes."""
    dataset = Dataset()
    dataset.parse(path, format="nquads")
    graphs: list[Graph] = []
    for g in dataset.graphs():
        if len(g) and str(g.identifier) != "urn:x-rdflib:default":
            copy = Graph(identifier=g.identifier)
            for triple in g:
                copy.add(triple)
            graphs.append(copy)
    return graphs


def validate_data(graphs: Iterable[Graph], origins: Mapping[URIRef, Location] | None = None,
                  *, shapes: Graph | None = None, ontology: Graph | None = None,
                  engine: str = "oxigraph") -> list[Violation]:
    """Validate the union of *graphs*; return every violation, sorted by file and row.

    ``engine="oxigraph"`` (the default) lets pySHACL check the core constraints and runs the
    SPARQL constraints in Oxigraph (:mod:`loaders.shacl_sparql`), one query per constraint;
    ``engine="pyshacl"`` lets pySHACL check everything (the reference the tests compare with).
    """
    shapes = shapes if shapes is not None else load_shapes_graph()
    # pySHACL mixes an ont_graph in only when it runs inference, so the ontology and the SKOS
    # schemes go into the validated union directly: subclass axioms and scheme membership then
    # count, and the schemes themselves are validated too.
    union = Graph()
    union += ontology if ontology is not None else load_ontology_graph()
    for g in graphs:
        union += g
    if engine not in ("oxigraph", "pyshacl"):
        raise ValueError(f"unknown SHACL engine {engine!r}")
    core = shacl_sparql.without_sparql(shapes) if engine == "oxigraph" else shapes
    _conforms, results, _text = pyshacl_validate(
        union, shacl_graph=core, inference="none", advanced=True,
        allow_warnings=False, abort_on_first=False,
    )
    if not isinstance(results, Graph):
        raise StoreError(f"the SHACL shapes cannot be used: {results}")
    origins = origins or {}
    found: list[Violation] = []
    for result in results.subjects(RDF.type, SH.ValidationResult):
        focus = results.value(result, SH.focusNode)
        found.append(Violation(
            focus=_short(focus, results),
            path=_short(results.value(result, SH.resultPath), results) or None,
            message=str(results.value(result, SH.resultMessage) or "violates a shape"),
            shape=_shape_name(results.value(result, SH.sourceShape), results, shapes),
            severity=_short(results.value(result, SH.resultSeverity), results),
            value=_short(results.value(result, SH.value), results) or None,
            location=origins.get(focus) if isinstance(focus, URIRef) else None,
        ))
    if engine == "oxigraph":
        for hit in shacl_sparql.run(shacl_sparql.to_oxigraph(union), shapes):
            focus = shacl_sparql.term_to_rdflib(hit.focus)
            value = shacl_sparql.term_to_rdflib(hit.value) if hit.value is not None else None
            found.append(Violation(
                focus=_short(focus, union), path=_short(hit.path, union) or None,
                message=hit.message, shape=_short(hit.shape, union), severity="sh:Violation",
                value=_short(value, union) or None,
                location=origins.get(focus) if isinstance(focus, URIRef) else None))
    found.sort(key=lambda v: (str(v.location or ""), v.focus, v.message, v.value or ""))
    return found


def report_text(violations: list[Violation]) -> str:
    """The violations, one per line."""
    return "\n".join(f"  - {v}" for v in violations)


def report_graph(violations: list[Violation]) -> Graph:
    """The violations as a small Turtle-ready graph (``c2c validate --report FILE``)."""
    from rdflib import BNode, Literal

    g = Graph()
    g.bind("sh", SH)
    report = BNode()
    g.add((report, RDF.type, SH.ValidationReport))
    g.add((report, SH.conforms, Literal(not violations)))
    for v in violations:
        node = BNode()
        g.add((report, SH.result, node))
        g.add((node, RDF.type, SH.ValidationResult))
        g.add((node, SH.resultMessage, Literal(v.message)))
        g.add((node, SH.focusNode, Literal(v.focus)))
        if v.path:
            g.add((node, SH.resultPath, Literal(v.path)))
        g.add((node, SH.sourceShape, Literal(v.shape)))
        if v.location:
            g.add((node, SH.description, Literal(str(v.location))))
    return g
