"""SHACL validation with reports a person can act on.

Two engines give the same report (``tests/test_shapes.py`` compares them on every fixture):

* ``oxigraph`` (the default): the shapes compiled to SPARQL (:mod:`loaders.shacl_sparql`) and
  run by Oxigraph — over the store a build is filling (:func:`validate_store`), or over an
  in-memory store of the given graphs (:func:`validate_data`);
* ``pyshacl``: pySHACL over the union of the graphs, the reference.

The ontology and the SKOS schemes are part of what is validated, so subclass axioms and scheme
membership count. Every result becomes a :class:`Violation` that names the source file and
row of its focus node; a value that fails a ``sh:node`` shape is one violation whose
``details`` say what the value failed.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

import pyoxigraph as ox
from rdflib import BNode, Dataset, Graph, Literal, Namespace, URIRef
from rdflib.collection import Collection
from rdflib.namespace import RDF, SH

from loaders import shacl_sparql
from loaders.kernel import assets
from loaders.kernel.errors import Location, StoreError
from loaders.kernel.namespaces import PREFIXES
from loaders.kernel.store import OxigraphStore

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
    details: tuple[str, ...] = ()

    def __str__(self) -> str:
        where = f"{self.location}: " if self.location else ""
        parts = [f"focus {self.focus}"]
        if self.path:
            parts.append(f"path {self.path}")
        if self.value:
            parts.append(f"value {self.value}")
        parts.append(f"shape {self.shape}")
        because = f" — {'; '.join(self.details)}" if self.details else ""
        return f"{where}{self.message}{because} ({', '.join(parts)})"


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


@lru_cache(maxsize=1)
def _default_checks() -> tuple[list[shacl_sparql.Check], dict[str, str]]:
    return shacl_sparql.compile_shapes(load_shapes_graph())


def _short_iri(iri: str) -> str:
    for prefix, ns in PREFIXES.items():
        if iri.startswith(ns):
            return f"{prefix}:{iri[len(ns):]}"
    if iri.startswith(str(SHAPES_NS)):
        return f"c2cs:{iri[len(SHAPES_NS):]}"
    return f"<{iri}>"


def _short(term: object) -> str:
    """A term as the report shows it: a prefixed IRI, a literal's text, ``_:blank``."""
    if term is None:
        return ""
    if isinstance(term, (URIRef, ox.NamedNode)):
        return _short_iri(str(term) if isinstance(term, URIRef) else term.value)
    if isinstance(term, (BNode, ox.BlankNode)):
        return "_:blank"
    if isinstance(term, ox.Literal):
        return term.value
    return str(term)


def _short_path(path: object, graph: Graph | None = None) -> str | None:
    """A SHACL path as ``p`` or ``p1/p2`` (an rdflib path node or the compiler's text)."""
    if path is None:
        return None
    if isinstance(path, tuple):
        return "/".join(_short_iri(step) for step in path)
    if isinstance(path, URIRef):
        return _short(path)
    if graph is not None and (path, RDF.first, None) in graph:
        return "/".join(_short(step) for step in Collection(graph, path))
    return _short(path)


def _shape_name(shape: object, shapes: Graph) -> str:
    """A readable name for a (possibly blank) shape: its IRI, or the IRI of the node shape
    whose property it is."""
    if isinstance(shape, URIRef):
        return _short(shape)
    for owner in shapes.subjects(SH.property, shape):
        if isinstance(owner, URIRef):
            return _short(owner)
    return "(anonymous shape)"


def _location(origins: Mapping[str, Location], focus: object) -> Location | None:
    if isinstance(focus, (URIRef, ox.NamedNode)):
        return origins.get(str(focus) if isinstance(focus, URIRef) else focus.value)
    return None


def graphs_in_nquads(path: Path) -> list[Graph]:
    """The non-empty named graphs of an N-Quads file, as rdflib graphs."""
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


def _sorted(found: list[Violation]) -> list[Violation]:
    return sorted(found, key=lambda v: (str(v.location or ""), v.focus, v.message,
                                        v.value or "", v.details))


def _copy_in_memory(store: ox.Store, graphs: list[ox.NamedNode | ox.DefaultGraph]) -> ox.Store:
    """A new in-memory store holding *graphs* of *store*, each under its own name."""
    copy = OxigraphStore.in_memory("validation").raw
    for graph in graphs:
        copy.bulk_load(store.dump(format=ox.RdfFormat.N_TRIPLES, from_graph=graph),
                       format=ox.RdfFormat.N_TRIPLES, to_graph=graph)
    return copy


def validate_store(store: ox.Store, origins: Mapping[str, Location] | None = None, *,
                   graphs: list[ox.NamedNode | ox.DefaultGraph] | None = None,
                   shapes: Graph | None = None) -> list[Violation]:
    """Validate what *store* holds with the compiled shapes: the union of all its graphs, or
    the merge of *graphs* (include the ontology's and vocabulary's). *graphs* are copied into
    an in-memory store first: Oxigraph evaluates a dataset given as a list of graphs many times
    more slowly than its own union, and its in-memory store faster than its on-disk one (42k
    quads of an on-disk store: 4.2 s over the list, 0.3 s to copy and 0.1 s to validate)."""
    checks, prefixes = (shacl_sparql.compile_shapes(shapes) if shapes is not None
                        else _default_checks())
    if graphs is not None:
        store = _copy_in_memory(store, graphs)
    origins = origins or {}
    found = []
    for hit in shacl_sparql.run(store, checks, prefixes):
        c = hit.constraint
        found.append(Violation(
            focus=_short(hit.focus), path=_short_path(c.path), message=c.message,
            shape=_short_iri(c.shape), severity="sh:Violation",
            value=_short(hit.value) or None, location=_location(origins, hit.focus),
            details=hit.details))
    return _sorted(found)


def as_quads(graph: object) -> Iterable[ox.Quad]:
    """The quads of an rdflib graph or of a :class:`loaders.pipeline.curated.GraphSink`."""
    if hasattr(graph, "quads"):
        return graph.quads
    data = graph.serialize(format="nt", encoding="utf-8")
    name = getattr(graph, "identifier", None)
    target = ox.NamedNode(str(name)) if isinstance(name, URIRef) else ox.DefaultGraph()
    return [ox.Quad(t.subject, t.predicate, t.object, target)
            for t in ox.parse(data, format=ox.RdfFormat.N_TRIPLES)]


def as_rdflib(graph: object) -> Graph:
    if isinstance(graph, Graph):
        return graph
    data = ox.serialize([ox.Triple(q.subject, q.predicate, q.object) for q in as_quads(graph)],
                        format=ox.RdfFormat.N_TRIPLES)
    return Graph().parse(data=data, format="nt")


def validate_data(graphs: Iterable[object], origins: Mapping[str, Location] | None = None,
                  *, shapes: Graph | None = None, ontology: Graph | None = None,
                  engine: str = "oxigraph") -> list[Violation]:
    """Validate the union of *graphs* (rdflib graphs or curated graph sinks) and the ontology;
    return every violation, sorted by file and row. See the module docstring for *engine*."""
    if engine == "oxigraph":
        store = OxigraphStore.in_memory("validation").raw
        if ontology is not None:
            store.extend(as_quads(ontology))
        else:
            for path in assets.ontology_files():
                store.load(path.read_bytes(), format=ox.RdfFormat.TURTLE)
        for g in graphs:
            store.extend(as_quads(g))
        return validate_store(store, origins, shapes=shapes)
    if engine != "pyshacl":
        raise ValueError(f"unknown SHACL engine {engine!r}")
    shapes = shapes if shapes is not None else load_shapes_graph()
    union = Graph()
    union += ontology if ontology is not None else load_ontology_graph()
    for g in graphs:
        union += as_rdflib(g)
    # imported here: only this engine needs pySHACL, and importing it took about 0.3 s of CPU
    # in every process that validates (each write process and fork server of a server)
    from pyshacl import validate as pyshacl_validate

    _conforms, results, _text = pyshacl_validate(
        union, shacl_graph=shapes, inference="none", advanced=True,
        allow_warnings=False, abort_on_first=False,
    )
    if not isinstance(results, Graph):
        raise StoreError(f"the SHACL shapes cannot be used: {results}")
    origins = origins or {}
    nested = set(results.objects(None, SH.detail))
    found: list[Violation] = []
    for result in results.subjects(RDF.type, SH.ValidationResult):
        if result in nested:
            continue
        focus = results.value(result, SH.focusNode)
        details = tuple(sorted({str(results.value(d, SH.resultMessage))
                                for d in results.objects(result, SH.detail)}))
        found.append(Violation(
            focus=_short(focus),
            path=_short_path(results.value(result, SH.resultPath), results),
            message=str(results.value(result, SH.resultMessage) or "violates a shape"),
            shape=_shape_name(results.value(result, SH.sourceShape), shapes),
            severity=_short(results.value(result, SH.resultSeverity)),
            value=_short(results.value(result, SH.value)) or None,
            location=_location(origins, focus), details=details))
    return _sorted(found)


def report_text(violations: list[Violation]) -> str:
    """The violations, one per line."""
    return "\n".join(f"  - {v}" for v in violations)


def report_graph(violations: list[Violation]) -> Graph:
    """The violations as a small Turtle-ready graph (``c2c validate --report FILE``)."""
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
        for detail in v.details:
            g.add((node, SH.detail, Literal(detail)))
    return g
