"""Self-description: the SPARQL service description (``sd:Service``) with VoID counts."""

from __future__ import annotations

from flask import Response, current_app, request
from rdflib import BNode, Graph, Literal, URIRef
from rdflib.namespace import DCTERMS, RDF, VOID

from endpoint.negotiation import negotiate
from loaders.namespaces import SD
from loaders.results import GRAPH_FORMATS, SOLUTION_FORMATS

_RESULT_FORMATS = {
    "application/sparql-results+json": "http://www.w3.org/ns/formats/SPARQL_Results_JSON",
    "application/sparql-results+xml": "http://www.w3.org/ns/formats/SPARQL_Results_XML",
    "text/csv": "http://www.w3.org/ns/formats/SPARQL_Results_CSV",
    "text/tab-separated-values": "http://www.w3.org/ns/formats/SPARQL_Results_TSV",
    "text/turtle": "http://www.w3.org/ns/formats/Turtle",
    "application/n-triples": "http://www.w3.org/ns/formats/N-Triples",
    "application/ld+json": "http://www.w3.org/ns/formats/JSON-LD",
    "application/rdf+xml": "http://www.w3.org/ns/formats/RDF_XML",
    "application/n-quads": "http://www.w3.org/ns/formats/N-Quads",
    "application/trig": "http://www.w3.org/ns/formats/TriG",
}


def service_graph() -> Graph:
    served = current_app.extensions["c2c.store"]
    info = served.info
    g = Graph()
    g.bind("sd", SD)
    g.bind("void", VOID)
    g.bind("dcterms", DCTERMS)
    endpoint = URIRef(request.host_url.rstrip("/") + "/sparql")
    service = endpoint
    g.add((service, RDF.type, SD.Service))
    g.add((service, SD.endpoint, endpoint))
    g.add((service, SD.supportedLanguage, SD.SPARQL11Query))
    for fmt in SOLUTION_FORMATS + GRAPH_FORMATS:
        g.add((service, SD.resultFormat, URIRef(_RESULT_FORMATS[fmt.media_type])))
    g.add((service, SD.feature, SD.UnionDefaultGraph))
    dataset = BNode()
    g.add((service, SD.defaultDataset, dataset))
    g.add((dataset, RDF.type, SD.Dataset))
    g.add((dataset, RDF.type, VOID.Dataset))
    g.add((dataset, VOID.triples, Literal(info.quads)))
    g.add((dataset, VOID.sparqlEndpoint, endpoint))
    for name, count in sorted(info.graphs.items()):
        named = BNode()
        g.add((dataset, SD.namedGraph, named))
        g.add((named, SD.name, URIRef(name)))
        graph = BNode()
        g.add((named, SD.graph, graph))
        g.add((graph, VOID.triples, Literal(count)))
    return g


def service_description() -> Response:
    from flask import render_template

    fmt = negotiate(request.headers.get("Accept"), [*GRAPH_FORMATS[:4]],
                    {"text/html": "text/html"})
    if request.accept_mimetypes.best_match(["text/turtle", "text/html"]) == "text/html" and \
            request.accept_mimetypes["text/html"] > request.accept_mimetypes["text/turtle"]:
        return Response(render_template("home.html", **home_context()),
                        content_type="text/html; charset=utf-8")
    if fmt is None:
        fmt = GRAPH_FORMATS[0]
    rdflib_format = {"ttl": "turtle", "nt": "nt", "jsonld": "json-ld", "rdf": "xml"}[fmt.name]
    body = service_graph().serialize(format=rdflib_format)
    return Response(body, content_type=fmt.content_type, headers={"Vary": "Accept"})


def home_context() -> dict:
    from loaders import assets

    served = current_app.extensions["c2c.store"]
    info = served.info
    examples = [(name.removesuffix(".rq"), text) for name, text in
                assets.competency_questions()]
    return {"info": info, "examples": examples}
