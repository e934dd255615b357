"""A remote SPARQL 1.1 server behind :class:`loaders.kernel.store.GraphStore`, and the atomic
publish.

:class:`RemoteStore` speaks the SPARQL 1.1 Protocol (queries, updates) and the Graph Store
Protocol (loading staged graphs) over HTTP with a client-side deadline on every request; it
returns pyoxigraph's result objects (``QuerySolutions``, ``QueryBoolean``, a list of
``Triple``), so the endpoint and the pages read its answers as they read the embedded store's.
An engine that cannot be reached, answers 5xx, or does not answer before the deadline raises
:class:`StoreUnavailable` (a :class:`loaders.kernel.errors.StoreError`: 503 problem+json at the
endpoint), never a half answer.

How c2c lays its dataset out on the remote store (engine-independent, see README "Store
backends"):

* every named graph of a build under its own IRI (data graphs, VoID);
* the materialised default graph (the set union of the data graphs, :mod:`loaders.kernel.dataset`)
  as the named graph ``{base}graph/dataset/default``, never in the engine's own default graph:
  every query c2c sends names its dataset explicitly (``default-graph-uri`` that graph,
  ``named-graph-uri`` the data graphs), so whether the engine's default graph is the union of
  all graphs (Virtuoso, ``oxigraph serve --union-default-graph``) or a graph of its own does
  not matter, and staged graphs of a publish are never visible to ``GRAPH ?g``;
* the publication record, ``{base}graph/publication``: the served version and its
  ``BUILD.json`` (:class:`loaders.kernel.store.BuildInfo`) as a literal.

:func:`publish` loads a build's graphs under staging names ``{base}graph/staging/{version}/…``
(Graph Store ``PUT``, one request per graph: a publish killed here leaves only staging graphs,
which the next publish drops), then switches in **one** SPARQL Update request — old graphs
dropped, staged graphs moved to their names, the publication record replaced — which an engine
with ``atomic_update`` applies as one transaction (Oxigraph: readers see the old or the new
dataset, never a mix). An engine without it is refused for publishing.

Engine differences live in :data:`ENGINES`, one :class:`Engine` per engine.
"""

from __future__ import annotations

import http.client
import json
import re
import threading
import time
import urllib.parse
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Any

import pyoxigraph as ox

from loaders.kernel.errors import ConfigError, StoreError
from loaders.kernel.namespaces import PREFIXES
from loaders.kernel.store import BuildInfo, OxigraphStore

_RDFS_COMMENT = "http://www.w3.org/2000/01/rdf-schema#comment"
_OWL_VERSION = "http://www.w3.org/2002/07/owl#versionInfo"
_FROM = re.compile(r"\bFROM\s+(?:NAMED\s+)?(?:<|[A-Za-z_][\w.-]*:|:)", re.IGNORECASE)
_POSITION = re.compile(r"(error at |line )(\d+)")
_GRAPH_FORM = re.compile(r"(?:\s|#[^\n]*\n|BASE\s*<[^>]*>|PREFIX\s+[\w.-]*:\s*<[^>]*>)*"
                         r"(?:CONSTRUCT|DESCRIBE)\b", re.IGNORECASE)
_ACCEPT = "application/sparql-results+json, application/n-triples;q=0.9"

#: headers an answer of the remote store may have. Virtuoso echoes a request's dataset as one
#: ``X-SPARQL-named-graph`` header per graph, and a query over a published build names each
#: of its graphs: with the 101 graphs of session 12's curated build, every answer had 108
#: headers and ``http.client`` (100 at most) refused it. Raised for the process, since
#: ``http.client`` reads the limit from its module; the remote store is the configured one.
MAX_RESPONSE_HEADERS = 10_000
http.client._MAXHEADERS = max(http.client._MAXHEADERS, MAX_RESPONSE_HEADERS)  # type: ignore[attr-defined]


class StoreUnavailable(StoreError):  # noqa: N818 - reads as a sentence where it is raised
    """The remote store cannot be reached, failed (5xx), or did not answer in time."""


class StoreTimeout(StoreUnavailable):
    """The remote store did not answer before the deadline."""


@dataclass(frozen=True)
class Engine:
    """What differs between SPARQL 1.1 servers, in one place per engine."""

    name: str
    query_path: str
    """Query endpoint, relative to ``C2C_STORE_URL``."""
    update_path: str
    """Update endpoint, relative to ``C2C_STORE_URL``."""
    graph_store_path: str
    """Graph Store Protocol endpoint (indirect identification, ``?graph=``)."""
    atomic_update: bool
    """Whether one update request (several operations) is applied as one transaction: the
    publish's switch relies on it."""
    dataset_upload: bool
    """Whether an N-Quads document POSTed to the Graph Store endpoint loads into the graphs it
    names: the staging is then one document, so a blank node shared by several graphs (a
    named graph and the default graph's copy) stays one node. Otherwise each graph is PUT on
    its own and the engine gives each document fresh blank nodes."""
    union_default_graph: str
    """What the engine's own default graph is (documentation: c2c never relies on it)."""
    timeout: str
    """How the query deadline reaches the engine (it is always enforced on the client side)."""
    accept_by_form: bool = False
    """Whether c2c asks for each query form's own format (SPARQL JSON results for SELECT and
    ASK, N-Triples for CONSTRUCT and DESCRIBE) instead of one ``Accept`` for all: Virtuoso 7.2
    answers a CONSTRUCT asked with the usual ``Accept`` in SPARQL JSON *results* (``?s ?p ?o``
    rows, numbers unquoted), and a SELECT asked for N-Triples in the result-set vocabulary."""
    ask_as_select: bool = False
    """Whether the engine answers ASK in JSON as one solution of ``?__ASK_RETVAL`` (1 or 0)
    instead of ``{"boolean": …}``: c2c reads it back as the boolean (Virtuoso 7.2)."""


ENGINES: dict[str, Engine] = {
    "oxigraph": Engine(
        "oxigraph", "query", "update", "store", atomic_update=True, dataset_upload=True,
        union_default_graph="a graph of its own; the union with --union-default-graph",
        timeout="server-wide: start it with --timeout-s at least C2C_QUERY_TIMEOUT"),
    "sparql11": Engine(
        "sparql11", "sparql", "sparql", "rdf-graph-store", atomic_update=False,
        dataset_upload=False,
        union_default_graph="unknown: c2c names the dataset of every query",
        timeout="none: the client-side deadline only"),
    "virtuoso": Engine(
        "virtuoso", "sparql", "sparql", "sparql-graph-crud", atomic_update=False,
        dataset_upload=False,
        union_default_graph="the union of all graphs; c2c names the dataset of every query",
        timeout="server-wide: MaxQueryExecutionTime in virtuoso.ini's [SPARQL]",
        accept_by_form=True, ask_as_select=True),
}
"""Known engines (``C2C_STORE_ENGINE``). ``sparql11`` is any other server: set the three URLs;
it can be read from but not published to (no promise that an update is one transaction).
``virtuoso`` (Debian's ``virtuoso-opensource`` 7.2): updates at ``/sparql`` and the Graph
Store at ``/sparql-graph-crud`` need ``SPARQL_UPDATE`` granted to the ``SPARQL`` user (or the
``-auth`` endpoints); an update request that fails halfway keeps its earlier operations
(checked: ``INSERT DATA … ; DROP GRAPH <missing>`` answers 500 and keeps the insert), so it is
not published to atomically either."""


def engine_named(name: str) -> Engine:
    try:
        return ENGINES[name]
    except KeyError:
        raise ConfigError(f"C2C_STORE_ENGINE={name!r} is not one of "
                          f"{', '.join(sorted(ENGINES))}") from None


def substitute(sparql: str, substitutions: dict[str, Any]) -> str:
    """*sparql* with each variable of *substitutions* (``$this``/``?this``) written as its term
    (pyoxigraph's N-Triples form), as Oxigraph's own ``substitutions`` bind it before
    evaluation; a substituted variable in the SELECT clause becomes ``(term AS ?var)``.
    Strings, IRIs and comments are left alone."""
    token = re.compile(r'"""(?:[^"\\]|\\.|"(?!""))*"""|\'\'\'(?:[^\'\\]|\\.|\'(?!\'\'))*\'\'\''
                       r'|"(?:[^"\\\n]|\\.)*"|\'(?:[^\'\\\n]|\\.)*\'|<[^<>"{}|^`\\\s]*>'
                       r'|#[^\n]*|[?$]([A-Za-z_]\w*)|[{}]|\bGROUP\s+BY\b'
                       r'|\b(?:WHERE|SELECT|ORDER|HAVING|LIMIT|OFFSET|VALUES)\b', re.IGNORECASE)
    out, last, clause = [], 0, ""
    for match in token.finditer(sparql):
        text, name = match.group(0), match.group(1)
        word = re.sub(r"\s+", " ", text.upper())
        if word in ("SELECT", "GROUP BY"):
            clause = word
        elif word in ("{", "}", "WHERE", "ORDER", "HAVING", "LIMIT", "OFFSET", "VALUES"):
            clause = ""
        if name is None or name not in substitutions:
            continue
        term = str(substitutions[name])
        out.append(sparql[last:match.start()])
        # grouping by a constant groups nothing: the variable is dropped from GROUP BY
        out.append({"SELECT": f"({term} AS ?{name})", "GROUP BY": ""}.get(clause, term))
        last = match.end()
    out.append(sparql[last:])
    return _EMPTY_GROUP.sub("", "".join(out))


_EMPTY_GROUP = re.compile(r"\bGROUP\s+BY\s*(?=ORDER\b|HAVING\b|LIMIT\b|OFFSET\b|VALUES\b|\}|$)",
                          re.IGNORECASE)


def _prologue(base_iri: str | None) -> str:
    """c2c's predeclared prefixes and the base, on **one** line (error positions shift by
    one line, which :func:`_unshift` takes back)."""
    parts = [f"PREFIX {p}: <{iri}>" for p, iri in PREFIXES.items()]
    if base_iri:  # first: SPARQL 1.1 allows any order, Virtuoso 7.2 only BASE before PREFIX
        parts.insert(0, f"BASE <{base_iri}>")
    return " ".join(parts) + "\n"


def _unshift(message: str) -> str:
    return _POSITION.sub(lambda m: f"{m.group(1)}{max(1, int(m.group(2)) - 1)}", message)


def _ask_boolean(body: bytes) -> bytes:
    """*body*, or the ASK answer it stands for when it is one solution of ``?__ASK_RETVAL``
    (Virtuoso's form of an ASK answer in JSON)."""
    if b"__ASK_RETVAL" not in body[:200]:
        return body
    answer = json.loads(body)
    if answer.get("head", {}).get("vars") != ["__ASK_RETVAL"]:
        return body
    rows = answer["results"]["bindings"]
    value = bool(rows) and rows[0].get("__ASK_RETVAL", {}).get("value") not in ("0", "false")
    return json.dumps({"head": {}, "boolean": value}).encode()


_local = threading.local()


def _connection(scheme: str, netloc: str) -> tuple[http.client.HTTPConnection, bool]:
    """This thread's kept-alive connection to *netloc*, and whether it was used before."""
    pool = _local.__dict__.setdefault("connections", {})
    conn = pool.get((scheme, netloc))
    if conn is not None:
        return conn, True
    kind = http.client.HTTPSConnection if scheme == "https" else http.client.HTTPConnection
    conn = pool[(scheme, netloc)] = kind(netloc)
    return conn, False


def _drop_connection(scheme: str, netloc: str) -> None:
    conn = _local.__dict__.get("connections", {}).pop((scheme, netloc), None)
    if conn is not None:
        conn.close()


class RemoteStore:
    """A SPARQL 1.1 server as c2c's store; see the module docstring."""

    def __init__(self, url: str, engine: Engine, base_iri: str, *, timeout: float = 30.0,
                 query_url: str | None = None, update_url: str | None = None,
                 graph_store_url: str | None = None, info: BuildInfo | None = None,
                 deadline: float | None = None) -> None:
        root = url if url.endswith("/") else url + "/"
        self.url = root
        self.engine = engine
        self.base_iri = base_iri
        self.timeout = timeout
        self.query_url = query_url or urllib.parse.urljoin(root, engine.query_path)
        self.update_url = update_url or urllib.parse.urljoin(root, engine.update_path)
        self.graph_store_url = graph_store_url or urllib.parse.urljoin(
            root, engine.graph_store_path)
        self.publication = f"{base_iri}graph/publication"
        self.default_graph_iri = f"{base_iri}graph/dataset/default"
        self.staging_prefix = f"{base_iri}graph/staging/"
        self._info = info
        self._deadline = deadline

    @classmethod
    def from_settings(cls, settings: Any) -> RemoteStore:
        return cls(settings.store_url, engine_named(settings.store_engine), settings.base_iri,
                   timeout=settings.query_timeout, query_url=settings.store_query_url or None,
                   update_url=settings.store_update_url or None,
                   graph_store_url=settings.store_graph_store_url or None)

    def bound(self, info: BuildInfo, deadline: float | None = None) -> RemoteStore:
        """This store as one version (*info*), with an absolute *deadline* (monotonic clock)
        for every request made through it."""
        copy = RemoteStore.__new__(RemoteStore)
        copy.__dict__.update(self.__dict__)
        copy._info, copy._deadline = info, deadline
        return copy

    # ---- HTTP ------------------------------------------------------------------------------

    def _remaining(self, timeout: float | None) -> tuple[float, float]:
        """The deadline of a request: the bound deadline (a request's), else *timeout* or the
        store's timeout from now; *timeout* may shorten a bound deadline, never lengthen it."""
        now = time.monotonic()
        own = now + (timeout if timeout is not None else self.timeout)
        deadline = own if self._deadline is None else min(self._deadline, own)
        return deadline, deadline - now

    def _http(self, url: str, *, data: bytes | None = None, method: str = "GET",
              headers: dict[str, str] | None = None, timeout: float | None = None
              ) -> tuple[int, str, bytes]:
        """One request; (status, content type, whole body). 4xx are returned; an unreachable
        server, a 5xx or the deadline raise :class:`StoreUnavailable`. Connections are kept
        alive, one per thread and server (:func:`_connection`); a kept connection the server
        has closed meanwhile is replaced once."""
        deadline, remaining = self._remaining(timeout)
        if remaining <= 0:
            raise StoreTimeout(f"remote store {url}: no time left before the deadline")
        parts = urllib.parse.urlsplit(url)
        target = parts.path + (f"?{parts.query}" if parts.query else "")
        for attempt in (0, 1):
            conn, reused = _connection(parts.scheme, parts.netloc)
            try:
                conn.timeout = max(0.001, deadline - time.monotonic())
                if conn.sock is not None:
                    conn.sock.settimeout(conn.timeout)
                conn.request(method, target or "/", body=data, headers=headers or {})
                response = conn.getresponse()
                status, ctype = response.status, response.getheader("Content-Type", "")
                body = self._read(response, deadline, url)
                if response.will_close:
                    _drop_connection(parts.scheme, parts.netloc)
                break
            except StoreTimeout:
                _drop_connection(parts.scheme, parts.netloc)
                raise
            except TimeoutError as exc:
                _drop_connection(parts.scheme, parts.netloc)
                raise StoreTimeout(f"remote store {url}: no answer within the deadline") from exc
            except (http.client.HTTPException, OSError, ValueError) as exc:
                _drop_connection(parts.scheme, parts.netloc)
                stale = reused and isinstance(exc, (http.client.RemoteDisconnected,
                                                    ConnectionResetError, BrokenPipeError))
                if attempt == 0 and stale:
                    continue  # the server closed the kept connection; one new one
                raise StoreUnavailable(f"remote store {url}: {exc}") from exc
        if status >= 500:
            raise StoreUnavailable(f"remote store {url}: HTTP {status}: "
                                   f"{body[:300].decode('utf-8', 'replace')}")
        return status, ctype, body

    @staticmethod
    def _read(response: Any, deadline: float, url: str) -> bytes:
        chunks = []
        while chunk := response.read(65536):
            chunks.append(chunk)
            if time.monotonic() > deadline:
                raise StoreTimeout(f"remote store {url}: the answer did not arrive in time")
        return b"".join(chunks)

    def _post_query(self, text: str, dataset: tuple[list[str], list[str]] | None,
                    accept: str, timeout: float | None = None) -> tuple[int, str, bytes]:
        form = [("query", text)]
        if dataset is not None:
            form += [("default-graph-uri", g) for g in dataset[0]]
            form += [("named-graph-uri", g) for g in dataset[1]]
        return self._http(self.query_url, data=urllib.parse.urlencode(form).encode(),
                          method="POST", timeout=timeout,
                          headers={"Content-Type": "application/x-www-form-urlencoded",
                                   "Accept": accept})

    # ---- the interface ---------------------------------------------------------------------

    @property
    def info(self) -> BuildInfo:
        if self._info is None:
            self._info = self.published()
        return self._info

    @property
    def version(self) -> str:
        return self.info.version

    @property
    def metadata_graphs(self) -> frozenset[str]:
        return frozenset(self.info.metadata_graphs)

    def published(self, timeout: float | None = None) -> BuildInfo:
        """The :class:`BuildInfo` of the version the remote store serves (one query)."""
        text = (f"SELECT ?info WHERE {{ GRAPH <{self.publication}> {{ <{self.publication}> "
                f"<{_RDFS_COMMENT}> ?info }} }}")
        status, _ctype, body = self._post_query(text, None, "application/sparql-results+json",
                                                timeout)
        if status != 200:
            raise StoreUnavailable(f"remote store {self.query_url}: HTTP {status} for the "
                                   "publication record")
        bindings = json.loads(body)["results"]["bindings"]
        if not bindings:
            raise StoreError(f"remote store {self.url}: nothing has been published yet; run "
                             "'c2c build' with C2C_STORE_URL set")
        data = json.loads(bindings[0]["info"]["value"])
        data["metadata_graphs"] = tuple(data.get("metadata_graphs", ()))
        return BuildInfo(**data)

    def data_graphs(self) -> list[str]:
        return sorted(g for g in self.info.graphs if g not in self.metadata_graphs)

    def named_graphs(self) -> list[str]:
        return sorted(self.info.graphs)

    def _dataset(self, sparql: str, default_graph: list[str] | None,
                 named_graphs: list[str] | None) -> tuple[list[str], list[str]] | None:
        if default_graph is not None or named_graphs is not None:
            return list(default_graph or ()), list(named_graphs or ())
        if self.info.default_graph == "separate":
            return None  # a plain store: the engine's own dataset
        if _FROM.search(sparql):
            return None  # a query that states its dataset keeps it
        named = [g for g in self.metadata_graphs if g in sparql]
        return [self.default_graph_iri], self.data_graphs() + named

    def query(self, sparql: str, *, default_graph: list[str] | None = None,
              named_graphs: list[str] | None = None,
              substitutions: dict[str, Any] | None = None,
              base_iri: str | None = None) -> Any:
        """Run a query over the dataset of :class:`loaders.kernel.store.OxigraphStore` (the
        materialised default graph, the data graphs as named graphs)."""
        text = substitute(sparql, substitutions) if substitutions else sparql
        accept = _ACCEPT
        if self.engine.accept_by_form:
            accept = ("application/n-triples" if _GRAPH_FORM.match(text)
                      else "application/sparql-results+json")
        status, ctype, body = self._post_query(
            _prologue(base_iri) + text, self._dataset(sparql, default_graph, named_graphs),
            accept)
        if status == 400:
            raise SyntaxError(_unshift(body.decode("utf-8", "replace")))
        if status != 200:
            raise StoreUnavailable(f"remote store {self.query_url}: HTTP {status}: "
                                   f"{body[:300].decode('utf-8', 'replace')}")
        media = ctype.split(";")[0].strip().lower()
        if media == "application/sparql-results+json":
            if self.engine.ask_as_select:
                body = _ask_boolean(body)
            return ox.parse_query_results(body, format=ox.QueryResultsFormat.JSON)
        if media == "application/n-triples":
            return list(ox.parse(body, format=ox.RdfFormat.N_TRIPLES))
        raise StoreUnavailable(f"remote store {self.query_url}: unexpected answer type {ctype}")

    def update(self, sparql: str, *, base_iri: str | None = None,
               timeout: float | None = None) -> None:
        status, _ctype, body = self._http(
            self.update_url, data=(_prologue(base_iri) + sparql).encode("utf-8"),
            method="POST", timeout=timeout,
            headers={"Content-Type": "application/sparql-update"})
        if status == 400:
            raise SyntaxError(_unshift(body.decode("utf-8", "replace")))
        if status >= 300:
            raise StoreUnavailable(f"remote store {self.update_url}: HTTP {status}: "
                                   f"{body[:300].decode('utf-8', 'replace')}")

    def load(self, path: Any, *, graph: str | None = None) -> None:
        fmt = ox.RdfFormat.from_extension(str(path).rsplit(".", 1)[-1])
        if fmt is None or graph is None or fmt.supports_datasets:
            raise StoreError(f"{path}: a remote store loads one triple file into one graph")
        with open(path, "rb") as handle:
            self.put_graph(graph, handle.read(), fmt.media_type)

    def put_graph(self, graph: str, data: bytes, media_type: str = "application/n-triples",
                  timeout: float | None = None) -> None:
        """Replace *graph* by *data* (Graph Store Protocol ``PUT``)."""
        url = f"{self.graph_store_url}?{urllib.parse.urlencode({'graph': graph})}"
        status, _ctype, body = self._http(url, data=data, method="PUT", timeout=timeout,
                                          headers={"Content-Type": media_type})
        if status >= 300:
            raise StoreError(f"remote store {url}: HTTP {status} loading <{graph}>: "
                             f"{body[:300].decode('utf-8', 'replace')}")

    def post_dataset(self, nquads: bytes, timeout: float | None = None) -> None:
        """Add an N-Quads document to the graphs it names (engines with ``dataset_upload``)."""
        status, _ctype, body = self._http(self.graph_store_url, data=nquads, method="POST",
                                          timeout=timeout,
                                          headers={"Content-Type": "application/n-quads"})
        if status >= 300:
            raise StoreError(f"remote store {self.graph_store_url}: HTTP {status} loading the "
                             f"staged graphs: {body[:300].decode('utf-8', 'replace')}")

    def contains_graph(self, graph: str) -> bool:
        return graph in self.info.graphs

    def graph_triples(self, graph: str | None) -> list[ox.Triple]:
        """The triples of *graph* (None: the default graph)."""
        target = graph or self.default_graph_iri
        return list(self.query("CONSTRUCT { ?s ?p ?o } WHERE { GRAPH ?g { ?s ?p ?o } }",
                               default_graph=[], named_graphs=[target]))

    def all_graphs(self, timeout: float | None = None) -> list[str]:
        """Every named graph the engine holds, staging and publication included."""
        status, _ctype, body = self._post_query(
            # Virtuoso answers `GRAPH ?g { }` with one row leaving ?g unbound: the union also
            # finds every graph that holds a triple there
            "SELECT DISTINCT ?g WHERE { { GRAPH ?g { } } UNION { GRAPH ?g { ?s ?p ?o } } }",
            None, "application/sparql-results+json", timeout)
        if status != 200:
            raise StoreUnavailable(f"remote store {self.query_url}: HTTP {status}")
        return sorted({b["g"]["value"] for b in json.loads(body)["results"]["bindings"]
                       if "g" in b})


def remote_dataset(remote: RemoteStore, timeout: float | None = None) -> OxigraphStore:
    """The served version of *remote* copied into an in-memory embedded store, laid out as a
    local build (default graph, data and metadata graphs): the copy a remote write changes and
    ``c2c export`` writes from."""
    copy = OxigraphStore.in_memory(remote.version)
    copy.default_graph = remote.info.default_graph
    copy.metadata_graphs = frozenset(remote.info.metadata_graphs)
    if timeout is not None:
        remote = replace_deadline(remote, time.monotonic() + timeout)
    for graph in [*remote.named_graphs(), None]:
        target = ox.NamedNode(graph) if graph else ox.DefaultGraph()
        copy.extend(ox.Quad(t.subject, t.predicate, t.object, target)
                    for t in remote.graph_triples(graph))
    return copy


def publish(remote: RemoteStore, store: OxigraphStore, info: BuildInfo, *,
            timeout: float = 600.0, before_switch: Callable[[], None] | None = None,
            expected_version: str | None = None, first_load: bool = False) -> None:
    """Make *store* (a finished build, *info* its record) the version *remote* serves: stage
    every graph, then switch in one update (module docstring). *before_switch* is a test hook;
    *expected_version*: refuse to switch if the remote store serves another version by then
    (a write that raced another write). *first_load*: an engine without ``atomic_update`` is
    loaded too, but only while it serves nothing (no published version), so that no reader can
    see a mix of two versions (the contract tests load Virtuoso so)."""
    remote = replace_deadline(remote, None)
    if not remote.engine.atomic_update:
        refused = (f"C2C_STORE_ENGINE={remote.engine.name}: this engine does not apply an "
                   "update as one transaction, so c2c cannot publish to it atomically")
        if not first_load:
            raise ConfigError(refused)
        try:
            remote.published(timeout=timeout)
        except StoreUnavailable:
            raise
        except StoreError:
            pass  # nothing published yet: nobody reads a half-loaded store
        else:
            raise ConfigError(f"{refused}; it already serves a version")
    drop_staging(remote, timeout)
    stage = f"{remote.staging_prefix}{info.version}/"
    moves: list[tuple[str, str]] = []
    graphs: Iterable[tuple[str, ox.NamedNode | ox.DefaultGraph]] = [
        *((g, ox.NamedNode(g)) for g in store.named_graphs()),
        (remote.default_graph_iri, ox.DefaultGraph())]
    document: list[bytes] = []
    for index, (live, source) in enumerate(graphs):
        staged = f"{stage}{index}"
        triples = store.dump(source)
        if remote.engine.dataset_upload:
            # N-Triples escapes newlines in literals: every statement ends with " .\n"
            document.append(triples.replace(b" .\n", f" <{staged}> .\n".encode()))
        else:
            remote.put_graph(staged, triples, timeout=timeout)
        moves.append((staged, live))
    if document:
        remote.post_dataset(b"".join(document), timeout=timeout)
    if before_switch is not None:
        before_switch()
    try:
        previous = remote.published(timeout=timeout)
    except StoreUnavailable:
        raise
    except StoreError:
        previous = None
    if expected_version is not None and (previous is None or
                                         previous.version != expected_version):
        drop_staging(remote, timeout)
        raise StoreError(f"remote store {remote.url}: another write switched the store "
                         "meanwhile; nothing was changed, send the write again")
    live = {live for _staged, live in moves}
    old = set(previous.graphs) | {remote.default_graph_iri} if previous else set()
    operations = [f"DROP SILENT GRAPH <{g}>" for g in sorted(old - live)]
    for staged, target in moves:
        operations += [f"DROP SILENT GRAPH <{target}>",
                       f"MOVE SILENT GRAPH <{staged}> TO GRAPH <{target}>"]
    record = ox.Literal(info.to_json())
    operations += [f"DROP SILENT GRAPH <{remote.publication}>",
                   f"INSERT DATA {{ GRAPH <{remote.publication}> {{ <{remote.publication}> "
                   f"<{_OWL_VERSION}> {ox.Literal(info.version)} ; <{_RDFS_COMMENT}> {record} "
                   "} }"]
    remote.update(" ;\n".join(operations), timeout=timeout)


def replace_deadline(remote: RemoteStore, deadline: float | None) -> RemoteStore:
    copy = RemoteStore.__new__(RemoteStore)
    copy.__dict__.update(remote.__dict__)
    copy._deadline = deadline
    return copy


def drop_staging(remote: RemoteStore, timeout: float | None = None) -> list[str]:
    """Drop staging graphs a killed publish left behind (one publisher at a time)."""
    left = [g for g in remote.all_graphs(timeout) if g.startswith(remote.staging_prefix)]
    if left:
        remote.update(" ;\n".join(f"DROP SILENT GRAPH <{g}>" for g in left), timeout=timeout)
    return left




def publish_current(settings: Any, *, before_switch: Callable[[], None] | None = None
                    ) -> BuildInfo:
    """Publish the current build of ``C2C_STORE`` (complete and validated: ``c2c build``
    made it) to the remote store of ``C2C_STORE_URL``; returns what was published."""
    from loaders.kernel.store import StoreLocation

    if not settings.store_url:
        raise ConfigError("set C2C_STORE_URL to the remote store to publish to")
    location = StoreLocation(settings.store)
    build = location.current()
    if build is None:
        raise StoreError(f"{location.root}: no build to publish; run 'c2c build'")
    info = location.info(build)
    publish(RemoteStore.from_settings(settings), OxigraphStore.open(build, read_only=True),
            info, before_switch=before_switch)
    return info
