"""Self-description: the SPARQL service description (``sd:Service``) with VoID counts."""

from __future__ import annotations

import re

from flask import Response, request
from rdflib import BNode, Graph, Literal, Namespace, URIRef
from rdflib.namespace import DCAT, DCTERMS, RDF, RDFS, VOID, XSD

from endpoint.negotiation import negotiate
from endpoint.state import state
from loaders.kernel.namespaces import C2C, PREFIXES, SD
from loaders.kernel.results import FORMATS, GRAPH_FORMATS

SPDX = Namespace("http://spdx.org/rdf/terms#")


def _endpoint_iri() -> URIRef:
    return URIRef(state().settings.public_url + "sparql")


def service_graph() -> Graph:
    """``sd:Service``: endpoint, languages, result formats, features, limits, the dataset."""
    settings = state().settings
    served = state().store
    info = served.info
    g = Graph()
    for prefix, namespace in (("sd", SD), ("void", VOID), ("dcterms", DCTERMS), ("c2c", C2C),
                              ("xsd", XSD)):
        g.bind(prefix, namespace)
    endpoint = _endpoint_iri()
    service = endpoint
    g.add((service, RDF.type, SD.Service))
    g.add((service, SD.endpoint, endpoint))
    g.add((service, SD.supportedLanguage, SD.SPARQL11Query))
    if settings.writable:
        g.add((service, SD.supportedLanguage, SD.SPARQL11Update))
    for fmt in FORMATS:
        g.add((service, SD.resultFormat, URIRef(fmt.w3c)))
    if settings.profile == "research":  # the default graph is the set union of the data graphs
        g.add((service, SD.feature, SD.UnionDefaultGraph))
    if settings.service_allow:
        g.add((service, SD.feature, SD.BasicFederatedQuery))
    g.add((service, C2C.queryTimeoutSeconds,
           Literal(f"{settings.query_timeout:.3f}", datatype=XSD.decimal)))
    g.add((service, C2C.resultRowLimit, Literal(settings.max_rows)))
    g.add((service, C2C.requestBodyLimitBytes, Literal(settings.max_body_bytes)))
    g.add((service, C2C.requestURILimitBytes, Literal(settings.max_url_bytes)))
    dataset = BNode()
    g.add((service, SD.defaultDataset, dataset))
    g.add((dataset, RDF.type, SD.Dataset))
    g.add((dataset, RDF.type, VOID.Dataset))
    g.add((dataset, VOID.triples, Literal(info.default_triples)))
    g.add((dataset, VOID.sparqlEndpoint, endpoint))
    g.add((dataset, DCTERMS.modified,
           Literal(_iso(info.finished), datatype=XSD.dateTime)))
    for name, count in sorted(info.graphs.items()):
        if name in info.metadata_graphs:  # not part of the data: at /.well-known/void
            continue
        named = BNode()
        g.add((dataset, SD.namedGraph, named))
        g.add((named, SD.name, URIRef(name)))
        graph = BNode()
        g.add((named, SD.graph, graph))
        g.add((graph, VOID.triples, Literal(count)))
    return g


def void_graph() -> Graph:
    """The VoID/DCAT description: what the build wrote into its VoID graph, plus how to reach
    the data from here (SPARQL endpoint, dumps when exported)."""
    from loaders.kernel.namespaces import Minter

    settings = state().settings
    served = state().store
    minter = Minter(settings.base_iri)
    store = served.get()
    g = Graph()
    for prefix, namespace in PREFIXES.items():
        g.bind(prefix, namespace)
    g.bind("spdx", SPDX)
    data = store.query(f"CONSTRUCT {{ ?s ?p ?o }} WHERE {{ GRAPH <{minter.graph('void')}> "
                       "{ ?s ?p ?o } }")
    import pyoxigraph as ox

    g.parse(data=ox.serialize(data, format=ox.RdfFormat.N_TRIPLES) or b"", format="nt")
    dataset = minter.thing("dataset", "c2c")
    endpoint = _endpoint_iri()
    g.add((dataset, VOID.sparqlEndpoint, endpoint))
    service = URIRef(str(endpoint))
    g.add((dataset, DCAT.distribution, URIRef(str(endpoint) + "#distribution")))
    g.add((URIRef(str(endpoint) + "#distribution"), RDF.type, DCAT.Distribution))
    g.add((URIRef(str(endpoint) + "#distribution"), DCAT.accessService, service))
    g.add((service, RDF.type, DCAT.DataService))
    g.add((service, DCAT.endpointURL, endpoint))
    g.add((service, DCAT.servesDataset, dataset))
    dumps = state().dumps
    index = dumps.index()
    version = served.info.version
    if index is not None and index.get("store_version") != version:
        g.add((dataset, RDFS.comment, Literal(
            f"The files at /dumps/latest/ are dumps of store version {index['store_version']}"
            f", not of the served version {version}; they are not listed here until "
            "'c2c export' is run again.", lang="en")))
        index = None
    for entry in (index or {}).get("files", []):
        found = dumps.find(entry["name"])
        url = URIRef(state().settings.public_url + "dumps/latest/"
                     + found.name)
        g.add((dataset, VOID.dataDump, url))
        g.add((dataset, DCAT.distribution, url))
        g.add((url, RDF.type, DCAT.Distribution))
        g.add((url, DCAT.downloadURL, url))
        g.add((url, DCAT.byteSize, Literal(found.size, datatype=XSD.nonNegativeInteger)))
        g.add((url, DCAT.mediaType, URIRef(
            "https://www.iana.org/assignments/media-types/" + found.media_type)))
        g.add((url, DCAT.version, Literal(version)))  # the store version it is a dump of
        checksum = URIRef(f"{url}#sha256")
        g.add((url, SPDX.checksum, checksum))
        g.add((checksum, SPDX.algorithm, SPDX.checksumAlgorithm_sha256))
        g.add((checksum, SPDX.checksumValue, Literal(entry["sha256"])))
    return g


def _iso(timestamp: float) -> str:
    import datetime as dt

    return dt.datetime.fromtimestamp(timestamp, tz=dt.UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def graph_response(g: Graph, *, vary: str = "Accept") -> Response:
    """*g* as Turtle (default), N-Triples, JSON-LD or RDF/XML by ``Accept``; 406 otherwise."""
    from endpoint.problems import not_acceptable

    offers = [*GRAPH_FORMATS[:4]]
    fmt = negotiate(request.headers.get("Accept"), offers,
                    {"application/json": "application/ld+json"})
    if fmt is None:
        return not_acceptable([f.media_type for f in offers])
    rdflib_format = {"ttl": "turtle", "nt": "nt", "jsonld": "json-ld", "rdf": "xml"}[fmt.name]
    body = g.serialize(format=rdflib_format)
    return Response(body, content_type=fmt.content_type, headers={"Vary": vary})


def service_description() -> Response:
    """A bare GET on /sparql: the query page for browsers, ``sd:Service`` for everyone else."""
    from flask import render_template

    accept = request.accept_mimetypes
    if accept["text/html"] > accept["text/turtle"] and accept["text/html"] > 0:
        response = Response(render_template("query.html", text="", answer=None,
                                            yasgui=_yasgui(), **home_context()),
                            content_type="text/html; charset=utf-8")
        response.headers["Vary"] = "Accept"
        return response
    return graph_response(service_graph())


def _yasgui() -> bool:
    from endpoint.vendor import yasgui_available

    return yasgui_available()


def home_context() -> dict:
    from loaders.kernel import assets

    served = state().store
    info = served.info
    return {"info": info, "examples": [example(name, text)
                                       for name, text in assets.competency_questions()]}


_PREFIXED = re.compile(r"(?<![\w-])([A-Za-z][\w-]*):")
_IRIS_AND_STRINGS = re.compile(r"<[^<>\s]*>|\"[^\"\n]*\"|'[^'\n]*'")
_DECLARED = re.compile(r"^\s*PREFIX\s+([\w-]*):", re.IGNORECASE | re.MULTILINE)


def example(name: str, text: str) -> dict:
    """A competency question for the query page's gallery: ``{name, title, text}``, the title
    its leading comment and the text with a ``PREFIX`` line for every c2c prefix it uses (the
    endpoint predeclares them, but YASGUI's parser marks undeclared ones as errors)."""
    lines = text.splitlines()
    comment = [line.lstrip("# ").rstrip() for line in lines if line.startswith("#")]
    joined = " ".join(comment) if lines and lines[0].startswith("#") else ""
    title = joined[:joined.index("?") + 1] if "?" in joined else (joined or name)
    body = "\n".join(line for line in lines if not line.startswith("#"))
    declared = set(_DECLARED.findall(text))
    names = _PREFIXED.findall(_IRIS_AND_STRINGS.sub(" ", body))
    used = sorted({p for p in names if p in PREFIXES and p not in declared})
    head = []
    for line in lines:
        if not line.startswith("#"):
            break
        head.append(line)
    prefixes = [f"PREFIX {p}: <{PREFIXES[p]}>" for p in used]
    rest = lines[len(head):]
    return {"name": name.removesuffix(".rq"), "title": title,
            "text": "\n".join([*head, *prefixes, *rest]).strip() + "\n"}
