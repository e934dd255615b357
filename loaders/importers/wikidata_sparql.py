"""``c2c import wikidata --endpoint URL [--country CN]``: P190 from a live SPARQL endpoint.

1. Page through ``loaders/queries/import/wikidata-p190.rq`` (``LIMIT``/``OFFSET`` in statement
   order; ``C2C_WIKIDATA_PAGE_SIZE`` statements a page) with a descriptive User-Agent, a
   timeout on every request (``C2C_WIKIDATA_TIMEOUT``), and retries with exponential back-off
   after a 429, a 5xx, a timeout or a refused connection (``C2C_WIKIDATA_RETRIES``,
   ``C2C_WIKIDATA_BACKOFF``; a ``Retry-After`` header wins). Anything else — an endpoint that
   stays unreachable, a 4xx, an answer that is not SPARQL results JSON — is a
   :class:`~loaders.kernel.errors.RemoteError` before anything is changed.
2. Write the answer as one canonical SPARQL-results JSON document (sorted by statement, one
   value chosen where Wikidata has several: the earliest start, the latest end, the country
   asked for or else the first ISO code), which the existing Wikidata reader reads
   (:func:`loaders.importers.readers.read_wikidata`): the same pairs, with each time at the
   precision ``wikibase:timePrecision`` gives (year, month, day; coarser times are left out).
3. Import it through the importers' entry points (:func:`loaders.importers.run_import` with the
   kind ``wikidata-sparql``: CC0, derived from the ``wikidata`` source record; an end time
   makes the agreement ``ended``), and keep the answer beside the saved import.
4. Where the served store already has another start date for an agreement (from a curated
   table or another import), Wikidata's is kept beside it as a ``c2c:DateClaim`` of this
   import, never a second ``schema:startDate``: both dates stay, each attributed (as the
   conflicting meeting dates are). Likewise an ``ended`` status is left out where another
   source gives the agreement another status; the summary counts both. The same date or
   status from two sources stays a plain statement in each source's graph.
"""

from __future__ import annotations

import email.utils
import http.client
import json
import re
import sys
import tempfile
import time
import urllib.error
import urllib.parse
import urllib.request
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import pyoxigraph as ox
from rdflib import Literal, URIRef
from rdflib.namespace import PROV, RDF

from loaders import __version__
from loaders.kernel import assets
from loaders.kernel.config import Settings
from loaders.kernel.errors import InputError, Location, RemoteError, StoreError
from loaders.kernel.namespaces import C2C, SCHEMA, Minter

KIND = "wikidata-sparql"
USER_AGENT = (f"c2c/{__version__} (City-to-City Cooperation Knowledge Graph; "
              f"https://w3id.org/c2c/; c2c import wikidata) Python/{sys.version_info.major}."
              f"{sys.version_info.minor} urllib")
RETRY_STATUSES = frozenset({429, 500, 502, 503, 504})
MAX_RETRY_AFTER = 300.0
_ONLY = "VALUES ?only { UNDEF }"
_ENTITY = re.compile(r"^http://www\.wikidata\.org/entity/Q[1-9][0-9]*$")
#: the variables of the canonical answer, the pair first (the reader takes the first two
#: entity variables as the pair)
VARIABLES = ("a", "b", "aLabel", "bLabel", "aCountry", "bCountry", "start", "startPrecision",
             "end", "endPrecision", "statement", "aTypes", "bTypes", "aGeonames", "bGeonames",
             "aCoordinates", "bCoordinates")
PRECISIONS = {9: "year", 10: "month", 11: "day"}


@dataclass
class Fetched:
    """The statements an endpoint gave, and how it went."""

    endpoint: str
    rows: list[dict] = field(default_factory=list)
    pages: int = 0
    requests: int = 0
    claims: int = 0
    """start dates kept as date claims, because another source dates the agreement"""
    statuses_left_out: int = 0
    """'ended' statuses left out, because another source gives the agreement a status"""

    def precisions(self) -> Counter:
        """Start times by precision: year, month, day, or coarser (left out)."""
        found: Counter = Counter()
        for row in self.rows:
            if "startPrecision" in row:
                p = int(row["startPrecision"]["value"])
                found[PRECISIONS.get(p, "day" if p > 11 else "coarser than a year")] += 1
        return found

    def summary(self) -> str:
        p = self.precisions()
        ended = sum(1 for row in self.rows if "end" in row)
        return (f"fetched {len(self.rows)} P190 statements from {self.endpoint} in {self.pages} "
                f"page(s), {self.requests} request(s); start times: {p['day']} to the day, "
                f"{p['month']} to the month, {p['year']} to the year, "
                f"{p['coarser than a year']} coarser (left out); {ended} with an end time; "
                f"{self.claims} start date(s) kept as date claims beside another source's; "
                f"{self.statuses_left_out} 'ended' status(es) left out beside another's")


def query_text(country: str | None) -> str:
    """The query of ``wikidata-p190.rq``, restricted to *country* (an ISO code) if given."""
    text = assets.query("import/wikidata-p190.rq")
    if country is None:
        return text
    if not re.fullmatch(r"[A-Z]{2}", country):
        raise InputError(Location("--country"), "not an ISO 3166-1 alpha-2 code", term=country)
    if _ONLY not in text:
        raise RemoteError(f"loaders/queries/import/wikidata-p190.rq: no '{_ONLY}' to restrict")
    return text.replace(_ONLY, f'VALUES ?only {{ "{country}" }}', 1)


def _retry_after(value: str | None) -> float | None:
    if not value:
        return None
    if value.strip().isdigit():
        return min(float(value.strip()), MAX_RETRY_AFTER)
    try:
        when = email.utils.parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None
    return min(max(when.timestamp() - time.time(), 0.0), MAX_RETRY_AFTER)


def _post(settings: Settings, endpoint: str, text: str, where: str, fetched: Fetched,
          sleep: Callable[[float], None]) -> bytes:
    body = urllib.parse.urlencode({"query": text}).encode("utf-8")
    headers = {"Accept": "application/sparql-results+json",
               "Content-Type": "application/x-www-form-urlencoded", "User-Agent": USER_AGENT}
    attempts = settings.wikidata_retries + 1
    problem = ""
    for attempt in range(attempts):
        delay = settings.wikidata_backoff * 2 ** attempt
        request = urllib.request.Request(endpoint, data=body, headers=headers, method="POST")
        fetched.requests += 1
        try:
            with urllib.request.urlopen(request, timeout=settings.wikidata_timeout) as response:
                return response.read()
        except urllib.error.HTTPError as exc:
            problem = f"HTTP {exc.code} {exc.reason}"
            if exc.code not in RETRY_STATUSES:
                raise RemoteError(f"{endpoint}: {problem} ({where})") from None
            retry_after = _retry_after(exc.headers.get("Retry-After"))
            delay = delay if retry_after is None else retry_after
        except urllib.error.URLError as exc:
            problem = f"endpoint unreachable: {exc.reason}"
        except (TimeoutError, ConnectionError, http.client.HTTPException) as exc:
            problem = f"no complete answer: {exc or type(exc).__name__}"
        if attempt + 1 < attempts:
            sleep(delay)
    raise RemoteError(f"{endpoint}: {problem}, after {attempts} attempt(s) ({where})")


def _bindings(raw: bytes, endpoint: str, where: str, limit: int) -> list[dict]:
    try:
        doc = json.loads(raw.decode("utf-8"))
        bindings = doc["results"]["bindings"]
        if not isinstance(doc["head"]["vars"], list) or not isinstance(bindings, list):
            raise TypeError
    except (UnicodeDecodeError, json.JSONDecodeError, KeyError, TypeError) as exc:
        reason = exc.msg if isinstance(exc, json.JSONDecodeError) else "no head.vars and " \
            "results.bindings"
        raise RemoteError(f"{endpoint}: malformed answer, not SPARQL results JSON: {reason} "
                          f"({where})") from None
    if len(bindings) > limit:
        raise RemoteError(f"{endpoint}: malformed answer, {len(bindings)} rows for LIMIT "
                          f"{limit} ({where})")
    for number, row in enumerate(bindings, start=1):
        for var in ("statement", "a", "b"):
            value = row.get(var) if isinstance(row, dict) else None
            if not isinstance(value, dict) or value.get("type") != "uri" or (
                    var != "statement" and not _ENTITY.match(str(value.get("value")))):
                raise RemoteError(f"{endpoint}: malformed answer, row {number}: ?{var} is not "
                                  f"a Wikidata {'statement' if var == 'statement' else 'item'}"
                                  f" IRI ({where})")
    return bindings


def fetch(settings: Settings, endpoint: str, country: str | None = None, *,
          sleep: Callable[[float], None] = time.sleep) -> Fetched:
    """Every P190 statement the endpoint has (with *country* on a side), paged."""
    parsed = urllib.parse.urlparse(endpoint)
    if parsed.scheme not in ("http", "https") or not parsed.netloc:
        raise InputError(Location("--endpoint"), "not an http(s) URL", term=endpoint)
    text = query_text(country)
    size = settings.wikidata_page_size
    fetched = Fetched(endpoint)
    seen: dict[str, dict] = {}
    offset = 0
    while True:
        where = f"page {fetched.pages + 1}, OFFSET {offset}"
        raw = _post(settings, endpoint, f"{text}LIMIT {size}\nOFFSET {offset}\n", where,
                    fetched, sleep)
        page = _bindings(raw, endpoint, where, size)
        fetched.pages += 1
        for row in page:
            seen.setdefault(row["statement"]["value"], row)
        if len(page) < size:
            break
        offset += size
    fetched.rows = [_canonical(seen[key], country) for key in sorted(seen)]
    return fetched


def _literal(value: str, datatype: str | None = None) -> dict:
    term = {"type": "literal", "value": value}
    if datatype:
        term["datatype"] = datatype
    return term


def _value(row: dict, var: str) -> str:
    return str(row.get(var, {}).get("value", "")).strip()


def _canonical(row: dict, country: str | None) -> dict:
    """One statement with one value per variable (see the module docstring)."""
    out = {var: {"type": "uri", "value": row[var]["value"]} for var in ("statement", "a", "b")}
    for side in ("a", "b"):
        if label := _value(row, f"{side}Label"):
            out[f"{side}Label"] = _literal(label)
        codes = sorted(set(_value(row, f"{side}Country").split()))
        if codes:
            out[f"{side}Country"] = _literal(country if country in codes else codes[0])
        for var in ("Types", "Geonames"):
            if found := " ".join(sorted(set(_value(row, f"{side}{var}").split(" ")) - {""})):
                out[f"{side}{var}"] = _literal(found)
        if point := _value(row, f"{side}Coordinates"):  # one WKT point (MIN in the query)
            out[f"{side}Coordinates"] = _literal(point)
    for var, pick in (("start", min), ("end", max)):
        times = [t.split("|", 1) for t in _value(row, var).split() if "|" in t]
        if times:
            value, precision = pick(times)
            out[var] = _literal(value, "http://www.w3.org/2001/XMLSchema#dateTime")
            out[f"{var}Precision"] = _literal(precision,
                                              "http://www.w3.org/2001/XMLSchema#integer")
    return out


def answer_document(fetched: Fetched) -> bytes:
    """The canonical answer as SPARQL-results JSON (the same bytes for the same statements)."""
    doc = {"head": {"vars": list(VARIABLES), "link": [fetched.endpoint]},
           "results": {"bindings": fetched.rows}}
    return (json.dumps(doc, ensure_ascii=False, sort_keys=True, indent=1) + "\n").encode()


def import_from_endpoint(settings: Settings, endpoint: str, country: str | None = None, *,
                         apply: bool = True, sleep: Callable[[float], None] = time.sleep):
    """Fetch, read and reconcile; if *apply*, validate and apply to the served store and keep
    the answer under ``imports/``. Returns ``(fetched, import result, report path or None)``.
    """
    from loaders.importers import imports_folder, run_import, save_and_apply

    fetched = fetch(settings, endpoint, country, sleep=sleep)
    host = re.sub(r"[^A-Za-z0-9.-]+", "-", urllib.parse.urlparse(endpoint).netloc)
    with tempfile.TemporaryDirectory(prefix="c2c-wikidata-") as folder:
        answer = Path(folder) / f"wikidata-p190-{host}.json"
        answer.write_bytes(answer_document(fetched))
        result = run_import(settings, KIND, answer, country=country)
        fetched.claims, fetched.statuses_left_out = _beside_other_sources(settings, result)
        if not apply:
            return fetched, result, None
        report = save_and_apply(settings, result)
        kept = imports_folder(settings) / f"{result.key}-answer.json"
        kept.write_bytes(answer.read_bytes())
    return fetched, result, report


def _beside_other_sources(settings: Settings, result) -> tuple[int, int]:
    """Turn this import's start dates into date claims where the served store already dates
    the agreement, and drop its status where the store already has one (see step 4)."""
    from loaders.kernel.backends import open_configured

    try:
        store = open_configured(settings)
        store.query("ASK {}")
    except StoreError:  # nothing built or published yet
        return 0, 0
    minter = Minter(settings.base_iri)
    source = minter.thing("source", result.key)
    data = result.graphs[0]

    def other(node: URIRef, prop: URIRef, value) -> bool:
        """Whether the store gives *node* a *prop* other than *value* (the same value from
        two sources is one value, and stays a plain statement of each)."""
        mine = ox.Literal(str(value), datatype=ox.NamedNode(str(value.datatype))) \
            if isinstance(value, Literal) else ox.NamedNode(str(value))
        rows = store.query(assets.query("import/other-value.rq"), substitutions={
            "node": ox.NamedNode(str(node)), "prop": ox.NamedNode(str(prop)), "value": mine})
        return any(True for _row in rows)

    claims = dropped = 0
    for node, date in sorted(data.subject_objects(SCHEMA.startDate)):
        if other(node, SCHEMA.startDate, date):
            local = str(node).rsplit("/", 1)[1]
            claim = minter.thing("date-claim", f"{local}--{date}--{result.key}")
            data.remove((node, SCHEMA.startDate, date))
            data.add((node, C2C.hasDateClaim, claim))
            data.add((claim, RDF.type, C2C.DateClaim))
            data.add((claim, C2C.claimedDate, date))
            data.add((claim, PROV.wasDerivedFrom, source))
            claims += 1
    for node, status in sorted(data.subject_objects(C2C.status)):
        if other(node, C2C.status, status):
            data.remove((node, C2C.status, status))
            dropped += 1
    return claims, dropped


__all__ = ["USER_AGENT", "Fetched", "answer_document", "fetch", "import_from_endpoint"]
