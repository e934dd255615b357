"""A runner for the W3C SPARQL 1.1 test suites (``../shared/w3c/sparql11/``) over HTTP.

It reads ``manifest-all.ttl`` and the manifests it includes, and runs against one SPARQL
server, given as a :class:`Target` (its query, update and Graph Store URLs and the headers a
write needs):

* query evaluation (``mf:QueryEvaluationTest``, ``mf:CSVResultFormatTest``): the test's data is
  loaded with one update (``DROP ALL ; INSERT DATA {…}``), the query is sent (``BASE`` is its
  file's IRI), and the answer is compared with the expected one as SPARQL 1.1 says: solutions as
  a bag, or as a sequence where the query has ``ORDER BY``, blank nodes matched by a bijection;
  graphs by isomorphism;
* update evaluation (``mf:UpdateEvaluationTest``): data loaded and update applied in one
  request (``DROP ALL ; INSERT DATA {…} ; update``: one write), the whole dataset read back with
  one query and each graph compared by isomorphism with the expected one;
* protocol, Graph Store Protocol and service description tests: the HTTP exchanges their
  manifests describe (``ht:Request``/``ht:Response``), in order, with status classes, result
  formats, booleans, ``Location`` templates and response graphs checked.

The manifests are read with their published IRIs as base
(``http://www.w3.org/2009/sparql/docs/tests/data-sparql11/…``), so the IRIs of the data, the
graphs and the expected results are the ones the suites use.
"""

from __future__ import annotations

import contextlib
import http.client
import io
import json
import re
import urllib.parse
from collections import Counter
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from pathlib import Path

from rdflib import BNode, Graph, Literal, Namespace, URIRef, Variable
from rdflib.collection import Collection
from rdflib.compare import isomorphic
from rdflib.namespace import RDF, RDFS, XSD
from rdflib.query import Result

from loaders.kernel.namespaces import SD

SUITES = Path(__file__).resolve().parent.parent.parent / "shared" / "w3c" / "sparql11"
PUBLISHED = "http://www.w3.org/2009/sparql/docs/tests/data-sparql11/"
MF = Namespace("http://www.w3.org/2001/sw/DataAccess/tests/test-manifest#")
QT = Namespace("http://www.w3.org/2001/sw/DataAccess/tests/test-query#")
UT = Namespace("http://www.w3.org/2009/sparql/tests/test-update#")
HT = Namespace("http://www.w3.org/2011/http#")
CNT = Namespace("http://www.w3.org/2011/content#")
HTS = "http://www.w3.org/2011/http-statusCodes#"
RS = Namespace("http://www.w3.org/2001/sw/DataAccess/tests/result-set#")

DETAIL = 2
"""How many rows a failure message shows."""
VAR_G, VAR_S, VAR_P, VAR_O = (Variable(v) for v in "gspo")
KINDS = {"QueryEvaluationTest": "query", "CSVResultFormatTest": "query",
         "UpdateEvaluationTest": "update", "ProtocolTest": "protocol",
         "GraphStoreProtocolTest": "graph-store", "ServiceDescriptionTest": "service-description",
         "PositiveSyntaxTest11": "syntax", "NegativeSyntaxTest11": "syntax",
         "PositiveUpdateSyntaxTest11": "syntax", "NegativeUpdateSyntaxTest11": "syntax"}
_STATUS = {"OK": {200}, "Created": {201}, "NoContent": {204}, "NotFound": {404},
           "StatusCode2xx": set(range(200, 300)), "StatusCode3xx": set(range(300, 400)),
           "StatusCode4xx": set(range(400, 500))}
_RDF_FORMATS = {".ttl": "turtle", ".nt": "nt", ".rdf": "xml", ".n3": "n3"}


class Failed(AssertionError):  # noqa: N818 - a test failure with its reason
    """The server's behaviour differs from what the test expects."""


@dataclass
class Case:
    """One test of a manifest."""

    iri: str
    name: str
    kind: str  # query, update, protocol, graph-store, service-description, syntax
    suite: str  # the folder of its manifest
    type_name: str = ""  # the mf: class of the test
    node: object = None
    graph: Graph | None = None
    requires: set[str] = field(default_factory=set)

    def operation(self) -> str:
        """The text of the test's query or update file ('' for HTTP exchange tests)."""
        g = self.graph
        action = g.value(self.node, MF.action)
        if self.kind == "syntax":
            return local(str(action)).read_text(encoding="utf-8")
        for predicate in (QT.query, UT.request):
            found = g.value(action, predicate) if action is not None else None
            if found is not None:
                return local(str(found)).read_text(encoding="utf-8")
        return ""

    @property
    def id(self) -> str:
        return f"{self.suite}/{self.iri.rsplit('#', 1)[-1]}"


@dataclass
class Target:
    """The server under test."""

    query_url: str
    update_url: str
    graph_store_url: str
    write_headers: dict[str, str] = field(default_factory=dict)
    timeout: float = 30.0
    loaded: tuple | None = None
    """What the last :func:`load` put in the store, while no test has written since: a query
    test over the same data does not load it again."""


def local(iri: str) -> Path:
    """The file of a published test IRI."""
    if not iri.startswith(PUBLISHED):
        raise Failed(f"{iri} is not a file of the suites")
    return SUITES / iri[len(PUBLISHED):]


def _manifest(path: Path) -> Graph:
    g = Graph()
    g.parse(path, format="turtle", publicID=PUBLISHED + str(path.relative_to(SUITES)))
    return g


def cases() -> list[Case]:
    """Every test of the query, update, protocol, graph store and service description kinds
    that ``manifest-all.ttl`` reaches, in manifest order."""
    found: list[Case] = []
    pending = [SUITES / "manifest-all.ttl"]
    seen: set[Path] = set()
    while pending:
        path = pending.pop(0)
        if path in seen:
            continue
        seen.add(path)
        g = _manifest(path)
        for manifest in g.subjects(RDF.type, MF.Manifest):
            for include in g.objects(manifest, MF.include):
                pending += [local(str(i)) for i in Collection(g, include)]
            for entries in g.objects(manifest, MF.entries):
                for test in Collection(g, entries):
                    type_name = next((str(t).rsplit("#", 1)[-1] for t in
                                      g.objects(test, RDF.type)
                                      if str(t).rsplit("#", 1)[-1] in KINDS), None)
                    if type_name is None:
                        continue
                    found.append(Case(
                        iri=str(test), name=str(g.value(test, MF.name) or test),
                        kind=KINDS[type_name], type_name=type_name,
                        suite=path.parent.name, node=test, graph=g,
                        requires={str(r).rsplit("#", 1)[-1] for r in g.objects(test,
                                                                               MF.requires)}))
    return found


def data_key(case: Case) -> tuple | None:
    """The data a query-evaluation test runs over (its default and named graph files), None
    for the other kinds."""
    if case.kind != "query":
        return None
    g, action = case.graph, case.graph.value(case.node, MF.action)
    return (tuple(sorted(str(d) for d in g.objects(action, QT.data))),
            tuple(sorted(str(n) for n in g.objects(action, QT.graphData))))


def in_load_order(found: list[Case]) -> list[Case]:
    """*found* with the query-evaluation tests over the same data next to each other, at the
    place of the first of them (the others keep their order): a query test over the data the
    previous test loaded and did not change does not load it again (:attr:`Target.loaded`),
    so each load is a write fewer (235 query tests, 126 loads in manifest order, 88 so)."""
    first: dict[tuple, int] = {}
    rank = []
    for index, case in enumerate(found):
        key = data_key(case)
        rank.append((index if key is None else first.setdefault(key, index), index))
    return [case for _, case in sorted(zip(rank, found, strict=True), key=lambda x: x[0])]


# ------------------------------------------------------------------------------------------
# HTTP
# ------------------------------------------------------------------------------------------

@dataclass
class Answer:
    status: int
    headers: dict[str, str]
    body: bytes

    @property
    def media_type(self) -> str:
        return self.headers.get("content-type", "").split(";")[0].strip().lower()


def exchange(method: str, url: str, *, body: bytes | None = None,
         headers: dict[str, str] | None = None, timeout: float = 30.0) -> Answer:
    """One HTTP exchange with exactly the given headers (``urllib`` would add a form
    ``Content-Type`` to a POST without one, which protocol tests send on purpose)."""
    parts = urllib.parse.urlsplit(url)
    connection = http.client.HTTPConnection(parts.hostname, parts.port, timeout=timeout)
    try:
        target = parts.path + (f"?{parts.query}" if parts.query else "")
        connection.request(method, target, body=body, headers=headers or {})
        response = connection.getresponse()
        return Answer(response.status, {k.lower(): v for k, v in response.getheaders()},
                      response.read())
    finally:
        connection.close()


# ------------------------------------------------------------------------------------------
# Loading a test's data
# ------------------------------------------------------------------------------------------

def read_rdf(iri: str) -> Graph:
    path = local(iri)
    g = Graph()
    g.parse(path, format=_RDF_FORMATS.get(path.suffix, "turtle"), publicID=iri)
    return g


def _triples_text(g: Graph) -> str:
    return "\n".join(f"{s.n3()} {p.n3()} {o.n3()} ." for s, p, o in g)


def _load_key(default: list[str], named: dict[str, str]) -> tuple:
    return (tuple(sorted(default)), tuple(sorted(named.items())))


def _load_text(target: Target, default: list[str], named: dict[str, str]) -> str | None:
    """The update that empties the store and loads *default* files into the default graph and
    *named* (graph name → file) into named graphs; None when the store holds exactly that,
    loaded by a test that did not write afterwards."""
    if target.loaded == _load_key(default, named):
        return None
    parts = [_triples_text(read_rdf(iri)) for iri in default]
    parts += [f"GRAPH <{name}> {{\n{_triples_text(read_rdf(iri))}\n}}"
              for name, iri in named.items()]
    return "DROP ALL ;\nINSERT DATA {\n" + "\n".join(parts) + "\n}"


def load(target: Target, default: list[str], named: dict[str, str], *,
         then_writes: bool = True) -> None:
    """Empty the store and load *default* files into the default graph and *named*
    (graph name → file) into named graphs, with one update. *then_writes*: the test writes
    after loading (so the next test must load again)."""
    text = _load_text(target, default, named)
    if text is not None:
        target.loaded = None  # until the load is answered: a failed one may have changed it
        answer = exchange("POST", target.update_url, body=text.encode("utf-8"),
                          headers={"Content-Type": "application/sparql-update",
                                   **target.write_headers}, timeout=target.timeout)
        if answer.status >= 300:
            raise Failed(f"loading the test data failed: {answer.status} "
                         f"{answer.body[:300].decode('utf-8', 'replace')}")
    target.loaded = None if then_writes else _load_key(default, named)


# ------------------------------------------------------------------------------------------
# Comparing answers
# ------------------------------------------------------------------------------------------

_NUMERIC = {str(XSD[t]) for t in ("integer", "decimal", "double", "float", "int", "long",
                                   "short", "byte", "nonNegativeInteger", "positiveInteger",
                                   "negativeInteger", "nonPositiveInteger", "unsignedInt",
                                   "unsignedLong", "unsignedShort", "unsignedByte")}


def _key(term: object) -> object:
    """A term as compared: literals by lexical form, datatype (xsd:string when plain) and
    lower-cased language, numbers of one datatype by value ("1.0" and "1" as xsd:decimal are
    one value); IRIs by their string; blank nodes stay blank nodes."""
    if isinstance(term, Literal):
        lang = term.language.lower() if term.language else None
        datatype = term.datatype or (None if lang else XSD.string)
        lexical: object = str(term)
        if str(datatype) in _NUMERIC:
            with contextlib.suppress(InvalidOperation):
                lexical = Decimal(str(term).strip())
            if isinstance(lexical, Decimal):
                lexical = lexical.normalize() if lexical.is_finite() else str(term)
        return ("literal", lexical, str(datatype) if datatype else None, lang)
    if isinstance(term, URIRef):
        return ("iri", str(term))
    return term


def _rows(result: Result) -> list[dict[str, object]]:
    return [{str(var): _key(value) for var, value in row.items() if value is not None}
            for row in result.bindings]


def _match(expected: list[dict], actual: list[dict], ordered: bool) -> bool:
    """Whether the solutions match, blank nodes by a bijection (backtracking)."""
    if len(expected) != len(actual):
        return False
    has_bnodes = any(isinstance(v, BNode) for row in expected + actual for v in row.values())
    if not has_bnodes:
        if ordered:
            return expected == actual
        return Counter(frozenset(r.items()) for r in expected) == \
            Counter(frozenset(r.items()) for r in actual)

    def fits(e: dict, a: dict, mapping: dict) -> dict | None:
        if e.keys() != a.keys():
            return None
        new = dict(mapping)
        used = set(new.values())
        for var, value in e.items():
            other = a[var]
            if isinstance(value, BNode) != isinstance(other, BNode):
                return None
            if isinstance(value, BNode):
                if value in new:
                    if new[value] != other:
                        return None
                elif other in used:
                    return None
                else:
                    new[value] = other
                    used.add(other)
            elif value != other:
                return None
        return new

    def search(i: int, free: list[int], mapping: dict) -> bool:
        if i == len(expected):
            return True
        candidates = [free[0]] if ordered else free
        for j in candidates:
            new = fits(expected[i], actual[j], mapping)
            if new is not None and search(i + 1, [k for k in free if k != j], new):
                return True
        return False

    return search(0, list(range(len(actual))), {})


def _result_set_graph(path: Path, iri: str) -> tuple[list[dict] | bool, bool]:
    """A result set written in RDF (the DAWG result-set vocabulary)."""
    g = Graph()
    g.parse(path, format=_RDF_FORMATS.get(path.suffix, "turtle"), publicID=iri)
    rs = next(g.subjects(RDF.type, RS.ResultSet))
    boolean = g.value(rs, RS.boolean)
    if boolean is not None:
        return bool(boolean.toPython()), False
    solutions = []
    for solution in g.objects(rs, RS.solution):
        row = {str(g.value(b, RS.variable)): _key(g.value(b, RS.value))
               for b in g.objects(solution, RS.binding)}
        index = g.value(solution, RS.index)
        solutions.append((int(index) if index is not None else 0, row))
    ordered = any(i for i, _ in solutions)
    return [row for _, row in sorted(solutions, key=lambda s: s[0])], ordered


def _ordered(query: str) -> bool:
    text = re.sub(r"#[^\n]*", "", query)
    return bool(re.search(r"\bORDER\s+BY\b", text, re.IGNORECASE))


def check_query(case: Case, target: Target) -> None:
    g, action = case.graph, case.graph.value(case.node, MF.action)
    query_iri = str(g.value(action, QT.query))
    default = [str(d) for d in g.objects(action, QT.data)]
    named = {str(n): str(n) for n in g.objects(action, QT.graphData)}
    load(target, default, named, then_writes=False)
    text = local(query_iri).read_text(encoding="utf-8")
    expected_iri = str(g.value(case.node, MF.result))
    expected_path = local(expected_iri)
    suffix = expected_path.suffix
    accept = {".csv": "text/csv", ".tsv": "text/tab-separated-values"}.get(
        suffix, "application/sparql-results+json, application/n-triples;q=0.9")
    answer = exchange("POST", target.query_url,
                  body=f"BASE <{query_iri}>\n{text}".encode(),
                  headers={"Content-Type": "application/sparql-query", "Accept": accept},
                  timeout=target.timeout)
    if answer.status != 200:
        raise Failed(f"query answered {answer.status}: "
                     f"{answer.body[:300].decode('utf-8', 'replace')}")
    if answer.media_type in ("application/n-triples", "text/turtle"):
        actual_graph = Graph().parse(data=answer.body.decode("utf-8"),
                                     format="nt" if "triples" in answer.media_type else "turtle")
        expected_graph = read_rdf(expected_iri)
        if not isomorphic(_normalised(expected_graph), _normalised(actual_graph)):
            raise Failed(f"graph differs: expected {len(expected_graph)} triples, got "
                         f"{len(actual_graph)}")
        return
    fmt = {"application/sparql-results+json": "json", "text/csv": "csv",
           "text/tab-separated-values": "tsv"}[answer.media_type]
    actual = Result.parse(io.BytesIO(answer.body), format=fmt)
    ordered = _ordered(text)
    if suffix in (".ttl", ".rdf"):
        expected_rows, ordered_rs = _result_set_graph(expected_path, expected_iri)
        ordered = ordered and ordered_rs
    else:
        parsed = Result.parse(expected_path.open("rb"), format={
            ".srx": "xml", ".srj": "json", ".csv": "csv", ".tsv": "tsv"}[suffix])
        expected_rows = parsed.askAnswer if parsed.type == "ASK" else _rows(parsed)
    if isinstance(expected_rows, bool):
        if actual.type != "ASK" or actual.askAnswer != expected_rows:
            raise Failed(f"expected {expected_rows}, got {actual.askAnswer}")
        return
    actual_rows = _rows(actual)
    if not _match(expected_rows, actual_rows, ordered):
        raise Failed(f"solutions differ ({'ordered' if ordered else 'bag'}): expected "
                     f"{len(expected_rows)} rows, got {len(actual_rows)}; first expected "
                     f"{expected_rows[:DETAIL]}, first got {actual_rows[:DETAIL]}")


def _normalised(g: Graph) -> Graph:
    """*g* with xsd:string literals written plain and language tags lower-cased."""
    out = Graph()
    for s, p, o in g:
        if isinstance(o, Literal):
            if o.datatype == XSD.string:
                o = Literal(str(o))
            elif o.language:
                o = Literal(str(o), lang=o.language.lower())
        out.add((s, p, o))
    return out


def _dataset(target: Target) -> dict[str | None, Graph]:
    query = ("SELECT ?g ?s ?p ?o WHERE { { ?s ?p ?o } UNION { GRAPH ?g { ?s ?p ?o } } }")
    answer = exchange("POST", target.query_url, body=query.encode(),
                  headers={"Content-Type": "application/sparql-query",
                           "Accept": "application/sparql-results+json"}, timeout=target.timeout)
    if answer.status != 200:
        raise Failed(f"reading the dataset back answered {answer.status}")
    graphs: dict[str | None, Graph] = {}
    for row in Result.parse(io.BytesIO(answer.body), format="json").bindings:
        name = str(row[VAR_G]) if row.get(VAR_G) is not None else None
        graphs.setdefault(name, Graph()).add((row[VAR_S], row[VAR_P], row[VAR_O]))
    return graphs


_PROLOGUE = re.compile(r"(?:\s+|#[^\n]*(?:\n|$)|(?i:PREFIX)\s+[^\s:]*:\s*<[^>]*>"
                       r"|(?i:BASE)\s*<[^>]*>)*")
"""The prologue (BASE and PREFIX declarations, with comments) an update's text begins with."""


def check_update(case: Case, target: Target) -> None:
    g, action = case.graph, case.graph.value(case.node, MF.action)
    result = g.value(case.node, MF.result)

    def state(node: object) -> tuple[list[str], dict[str, str]]:
        default = [str(d) for d in g.objects(node, UT.data)]
        named = {str(g.value(n, RDFS.label)): str(g.value(n, UT.graph))
                 for n in g.objects(node, UT.graphData)}
        return default, named

    request_iri = str(g.value(action, UT.request))
    text = local(request_iri).read_text(encoding="utf-8")
    update = f"BASE <{request_iri}>\n{text}"
    # the test's data and its update in one request (one write, not two): the operations of
    # a request are applied in order, each to what the ones before it left (SPARQL 1.1
    # Update, 3). The update's prologue goes first: Oxigraph 0.5 reads no prologue after a
    # ";"; the data's operations use full IRIs only, which no BASE or PREFIX changes.
    loading = _load_text(target, *state(action))
    if loading is not None:
        split = _PROLOGUE.match(text).end()
        update = f"BASE <{request_iri}>\n{text[:split]}\n{loading} ;\n{text[split:]}"
    target.loaded = None
    answer = exchange("POST", target.update_url, body=update.encode(),
                      headers={"Content-Type": "application/sparql-update",
                               **target.write_headers}, timeout=target.timeout)
    if answer.status >= 300:
        sent = "update" if loading is None else "the test's data and update"
        raise Failed(f"{sent} answered {answer.status}: "
                     f"{answer.body[:300].decode('utf-8', 'replace')}")
    default, named = state(result)
    expected: dict[str | None, Graph] = {}
    for iri in default:
        expected.setdefault(None, Graph())
        expected[None] += read_rdf(iri)
    for name, iri in named.items():
        expected[name] = read_rdf(iri)
    expected = {k: v for k, v in expected.items() if len(v)}
    actual = _dataset(target)
    if set(expected) != set(actual):
        raise Failed(f"graphs differ: expected {sorted(map(str, expected))}, got "
                     f"{sorted(map(str, actual))}")
    for name, graph in expected.items():
        if not isomorphic(_normalised(graph), _normalised(actual[name])):
            raise Failed(f"graph {name or 'default'} differs: expected {len(graph)} triples, "
                         f"got {len(actual[name])}")


# ------------------------------------------------------------------------------------------
# Protocol, Graph Store Protocol, service description
# ------------------------------------------------------------------------------------------

def _url(target: Target, path: str, content_type: str, body: bytes | None) -> str:
    """The URL of a request the manifest writes against ``/sparql/`` or ``/gsp``."""
    if path.startswith("/sparql/"):
        rest = path[len("/sparql/"):]
        form_update = content_type.startswith("application/x-www-form-urlencoded") \
            and body is not None and b"update=" in body
        is_update = ("update=" in rest or content_type.startswith("application/sparql-update")
                     or form_update)
        return (target.update_url if is_update else target.query_url) + rest
    if path.startswith("/gsp"):
        return target.graph_store_url + path[len("/gsp"):]
    raise Failed(f"unexpected request path {path}")


def check_exchange(case: Case, target: Target) -> None:
    g, action = case.graph, case.graph.value(case.node, MF.action)
    named = {str(g.value(n, RDFS.label)): str(g.value(n, UT.graph))
             for n in g.objects(case.node, UT.graphData)}
    default = [str(d) for d in g.objects(case.node, QT.data)]
    load(target, default, named)
    template: dict[str, str] = {}
    for index, request in enumerate(Collection(g, g.value(action, HT.requests)), 1):
        method = str(g.value(request, HT.methodName))
        path = str(g.value(request, HT.absolutePath))
        headers = {str(g.value(h, HT.fieldName)).lower(): str(g.value(h, HT.fieldValue))
                   for h in Collection(g, g.value(request, HT.headers) or RDF.nil)}
        body_node = g.value(request, HT.body)
        body = None
        if body_node is not None:
            chars = str(g.value(body_node, CNT.chars))
            encoding = str(g.value(body_node, CNT.characterEncoding) or "UTF-8")
            for name, value in template.items():
                chars = chars.replace(name, value)
            body = chars.encode(encoding)
        for name, value in template.items():
            path = path.replace(name, value)
        url = _url(target, path, headers.get("content-type", ""), body)
        if method not in ("GET", "HEAD"):
            headers.update(target.write_headers)
        answer = exchange(method, url, body=body, headers=headers, timeout=target.timeout)
        response = g.value(request, HT.resp)
        statuses = set().union(*(_STATUS[str(s)[len(HTS):]] for s in
                                 g.objects(response, MF.expectedStatus))) or set(range(200, 400))
        where = f"request {index} ({method} {path[:80]})"
        if answer.status not in statuses:
            raise Failed(f"{where}: status {answer.status}, expected one of "
                         f"{sorted(statuses)[:3]}…: {answer.body[:200]!r}")
        location = g.value(response, MF.expectedLocation)
        if location is not None:
            if "location" not in answer.headers:
                raise Failed(f"{where}: no Location header")
            template[str(location)] = answer.headers["location"]
        fmt = g.value(response, MF.expectedFormat)
        if fmt is not None:
            _check_format(str(fmt), answer, where)
        boolean = g.value(response, MF.expectedBoolean)
        if boolean is not None:
            got = json.loads(answer.body)["boolean"] if answer.media_type.endswith("json") \
                else b"<boolean>true</boolean>" in answer.body
            if bool(got) != bool(boolean.toPython()):
                raise Failed(f"{where}: boolean {got}, expected {boolean}")
        for h in Collection(g, g.value(response, HT.headers) or RDF.nil):
            name = str(g.value(h, HT.fieldName)).lower()
            want = str(g.value(h, HT.fieldValue)).split(";")[0].strip().lower()
            got_value = answer.headers.get(name, "").split(";")[0].strip().lower()
            if got_value != want:
                raise Failed(f"{where}: header {name}: {got_value!r}, expected {want!r}")
        expected_body = g.value(response, HT.body)
        if expected_body is not None and method != "HEAD":
            expected_graph = Graph().parse(data=str(g.value(expected_body, CNT.chars)),
                                           format="turtle")
            got_graph = Graph().parse(data=answer.body.decode("utf-8"),
                                      format=_rdflib_format(answer.media_type))
            if not isomorphic(expected_graph, got_graph):
                raise Failed(f"{where}: response graph differs")


def _rdflib_format(media_type: str) -> str:
    return {"text/turtle": "turtle", "application/n-triples": "nt",
            "application/rdf+xml": "xml", "application/ld+json": "json-ld"}.get(media_type,
                                                                                 "turtle")


def _check_format(fmt: str, answer: Answer, where: str) -> None:
    media = answer.media_type
    ok = {"boolean": media in ("application/sparql-results+json",
                               "application/sparql-results+xml"),
          "tabular": media in ("application/sparql-results+json", "application/sparql-results+xml",
                               "text/csv", "text/tab-separated-values"),
          "RDF": media in ("text/turtle", "application/n-triples", "application/rdf+xml",
                           "application/ld+json", "application/trig", "application/n-quads")}
    if not ok.get(fmt, False):
        raise Failed(f"{where}: {media} is not a {fmt} format")


def check_service_description(case: Case, target: Target) -> None:
    answer = exchange("GET", target.query_url, headers={"Accept": "text/turtle"},
                  timeout=target.timeout)
    if answer.status != 200:
        raise Failed(f"GET on the endpoint answered {answer.status}")
    g = Graph().parse(data=answer.body.decode("utf-8"), format=_rdflib_format(answer.media_type))
    local_name = case.iri.rsplit("#", 1)[-1]
    services = set(g.subjects(RDF.type, SD.Service))
    if local_name == "returns-rdf":
        if not len(g):
            raise Failed("the service description is empty")
    elif local_name == "has-endpoint-triple":
        if not any(str(e) == target.query_url for s in services for e in g.objects(s,
                                                                                   SD.endpoint)):
            raise Failed(f"no sd:endpoint <{target.query_url}>")
    elif local_name == "conforms-to-schema" and (
            not services or not all(g.value(s, SD.supportedLanguage) for s in services)):
        raise Failed("no sd:Service with sd:supportedLanguage")


def check_syntax(case: Case, target: Target) -> None:
    """A syntax test over HTTP: a well-formed query or update is not refused as malformed
    (status other than 400; an update is executed, on whatever the store holds), a malformed
    one is answered 400."""
    iri = str(case.graph.value(case.node, MF.action))
    text = local(iri).read_text(encoding="utf-8")
    update = iri.endswith(".ru")
    target.loaded = None if update else target.loaded
    answer = exchange("POST", target.update_url if update else target.query_url,
                      body=f"BASE <{iri}>\n{text}".encode(),
                      headers={"Content-Type": "application/sparql-update" if update
                               else "application/sparql-query",
                               "Accept": "application/sparql-results+json, text/turtle",
                               **(target.write_headers if update else {})},
                      timeout=target.timeout)
    positive = case.type_name.startswith("Positive")
    if positive and answer.status == 400:
        raise Failed(f"well-formed, refused as malformed: {answer.body[:300]!r}")
    if not positive and answer.status != 400:
        raise Failed(f"malformed, answered {answer.status}")


CHECKS = {"syntax": check_syntax, "query": check_query, "update": check_update,
          "protocol": check_exchange, "graph-store": check_exchange,
          "service-description": check_service_description}


def run(case: Case, target: Target) -> None:
    """Run *case* against *target*; raise :class:`Failed` with the reason when it fails."""
    CHECKS[case.kind](case, target)
