"""The curated data of ``data/`` → RDF in the c2c vocabulary, one named graph per source.

Each table has one reader function below; :data:`TABLES` lists them in dependency order
(sources and places first, so that other rows can refer to them). Every node remembers the
file and row it came from (:attr:`CuratedData.origins`), so a SHACL violation can be reported
against the row that caused it.

The readers write pyoxigraph terms straight into :class:`GraphSink` lists of quads, which the
build takes table by table (:func:`read_curated`'s *on_table*) into its staging store and its
writer: building rdflib graphs first cost more than loading (see ``bench/README.md``).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path

import pyoxigraph as ox
from rdflib import Literal as RdflibLiteral
from rdflib import URIRef

from loaders.kernel import namespaces as ns
from loaders.kernel.errors import InputError, Location
from loaders.kernel.namespaces import GEONAMES_FEATURE, Minter, OxNamespace, pair_key
from loaders.pipeline.tables import Row, parse_date, read_table

BIBO, C2C, GEO, GN = (OxNamespace(n) for n in (ns.BIBO, ns.C2C, ns.GEO, ns.GN))
ORG, SCHEMA, TIME, WD = (OxNamespace(n) for n in (ns.ORG, ns.SCHEMA, ns.TIME, ns.WD))
DCTERMS, OWL, PROV, RDF = (OxNamespace(n) for n in (ns.DCTERMS, ns.OWL, ns.PROV, ns.RDF))
RDFS, SKOS, XSD = (OxNamespace(n) for n in (ns.RDFS, ns.SKOS, ns.XSD))
@cache
def concept(scheme: str, name: str) -> ox.NamedNode:
    """A SKOS concept IRI (:func:`loaders.kernel.namespaces.concept`) as a pyoxigraph term."""
    return ox.NamedNode(str(ns.concept(scheme, name)))


@cache
def _datatype(iri: str) -> ox.NamedNode:
    return ox.NamedNode(str(iri))


def _literal(value: RdflibLiteral | None) -> ox.Literal | None:
    """A date parsed by :mod:`loaders.pipeline.tables` as a pyoxigraph literal."""
    if value is None:
        return None
    return ox.Literal(str(value), datatype=_datatype(value.datatype))


def _date(row: Row, column: str) -> ox.Literal | None:
    return _literal(row.date(column))


def _iri(row: Row, column: str) -> ox.NamedNode:
    """An IRI written in a table; a malformed one names its row."""
    text = row.require(column)
    try:
        return ox.NamedNode(text)
    except ValueError as exc:
        raise InputError(row.where(column), f"not an IRI: {exc}", term=text) from None


class GraphSink:
    """The triples of one named graph as pyoxigraph quads, handed on table by table."""

    def __init__(self, identifier: URIRef) -> None:
        self.identifier = identifier
        self.name = ox.NamedNode(str(identifier))
        self.quads: list[ox.Quad] = []
        self.handed_on = 0
        """How many of :attr:`quads` :meth:`CuratedData.new_quads` has already returned."""

    def add(self, triple: tuple) -> None:
        subject, predicate, obj = triple
        self.quads.append(ox.Quad(subject, predicate, obj, self.name))

    def __len__(self) -> int:
        return len(self.quads)

SOURCE_TYPES = {
    "AcademicArticle": BIBO.AcademicArticle,
    "Article": BIBO.Article,
    "Report": BIBO.Report,
    "Chapter": BIBO.Chapter,
    "Webpage": BIBO.Webpage,
    "Dataset": ox.NamedNode("http://www.w3.org/ns/dcat#Dataset"),
}
PLACE_CLASSES = {
    "country": SCHEMA.Country,
    "region": SCHEMA.AdministrativeArea,
    "city": SCHEMA.City,
}


@dataclass
class CuratedData:
    """What the curated tables say: named graphs, and where each node came from."""

    minter: Minter
    graphs: dict[URIRef, GraphSink] = field(default_factory=dict)
    origins: dict[str, Location] = field(default_factory=dict)
    """IRI of a node → the file and row that defined it."""
    keys: dict[str, set[str]] = field(default_factory=dict)
    place_country: dict[str, str] = field(default_factory=dict)

    def graph(self, name: URIRef) -> GraphSink:
        if name not in self.graphs:
            self.graphs[name] = GraphSink(name)
        return self.graphs[name]

    def node(self, kind: str, key: str) -> ox.NamedNode:
        """The IRI :meth:`Minter.thing` mints, as a pyoxigraph term."""
        return ox.NamedNode(self.minter.thing_iri(kind, key))

    def new_quads(self) -> list[ox.Quad]:
        """The quads added since the last call (the build hands each table on as it is read)."""
        new = [q for g in self.graphs.values() for q in g.quads[g.handed_on:]]
        for g in self.graphs.values():
            g.handed_on = len(g.quads)
        return new

    def source_graph(self, row: Row, column: str = "source") -> tuple[GraphSink, ox.NamedNode]:
        """The graph of the source a row cites, and that source's node."""
        key = self.ref(row, column, "source")
        found = self._sources.get(key)
        if found is None:
            found = self._sources[key] = (self.graph(self.minter.source_graph(key)),
                                          self.node("source", key))
        return found

    def register(self, kind: str, key: str, row: Row, column: str) -> None:
        """Note that *row* defines thing *key* of *kind*; a second definition is an error."""
        known = self.keys.setdefault(kind, set())
        if key in known:
            raise InputError(row.where(column), f"{kind} key defined twice", term=key)
        known.add(key)

    def ref(self, row: Row, column: str, kind: str, value: str | None = None) -> str:
        """A key in *row* that must name a known thing of *kind*."""
        key = value if value is not None else row.require(column)
        if key not in self.keys.get(kind, set()):
            raise InputError(row.where(column), f"no {kind} has this key", term=key)
        return key

    def place(self, row: Row, column: str, value: str | None = None) -> ox.NamedNode:
        key = self.ref(row, column, "place", value)
        return self.node(self.place_kind[key], key)

    def note_origin(self, node: ox.NamedNode, row: Row) -> None:
        self.origins.setdefault(node.value, row.where())

    place_kind: dict[str, str] = field(default_factory=dict)
    _sources: dict[str, tuple[GraphSink, ox.NamedNode]] = field(default_factory=dict)


def _labels(g: GraphSink, node: ox.NamedNode, row: Row, prop: ox.NamedNode = RDFS.label) -> None:
    """Labels in en, zh-Hans, ru and the local language; a local name equal to one of the
    others in the same language is not repeated."""
    seen: set[tuple[str, str]] = set()
    pairs = [("name_en", "en"), ("name_zh", "zh-Hans"), ("name_ru", "ru")]
    if "name_local" in row.values:
        pairs.append(("name_local", row.get("local_lang") or "und"))
    for column, lang in pairs:
        text = row.get(column)
        if text and (text, lang) not in seen:
            g.add((node, prop, ox.Literal(text, language=lang)))
            seen.add((text, lang))


def _provenance(g: GraphSink, node: ox.NamedNode, source: ox.NamedNode, row: Row) -> None:
    g.add((node, PROV.wasDerivedFrom, source))
    if row.get("locator"):
        g.add((node, BIBO.locator, ox.Literal(row.get("locator"))))
    if row.get("note"):
        g.add((node, SKOS.note, ox.Literal(row.get("note"), language="en")))


def _themes(data: CuratedData, g: GraphSink, node: ox.NamedNode, row: Row,
            column: str = "themes") -> None:
    for theme in row.items(column):
        g.add((node, C2C.theme, concept("themes", theme)))


def read_sources(data: CuratedData, row: Row) -> None:
    key = row.require("key")
    data.register("source", key, row, "key")
    node = data.node("source", key)
    g = data.graph(data.minter.source_graph(key))
    kind = row.require("type")
    if kind not in SOURCE_TYPES:
        raise InputError(row.where("type"), f"unknown source type; expected one of "
                         f"{sorted(SOURCE_TYPES)}", term=kind)
    g.add((node, RDF.type, SOURCE_TYPES[kind]))
    g.add((node, RDF.type, PROV.Entity))
    if row.get("title"):
        g.add((node, DCTERMS.title, ox.Literal(row.get("title"))))
    for author in row.items("authors"):
        g.add((node, DCTERMS.creator, ox.Literal(author)))
    if row.get("venue"):
        venue = ox.NamedNode(f"{node.value}/venue")
        g.add((node, DCTERMS.isPartOf, venue))
        g.add((venue, RDF.type, BIBO.Periodical))
        g.add((venue, DCTERMS.title, ox.Literal(row.get("venue"))))
    issued = _date(row, "issued") or _date(row, "year")
    if issued is not None:
        g.add((node, DCTERMS.issued, issued))
    for column, prop in (("volume", BIBO.volume), ("issue", BIBO.issue), ("doi", BIBO.doi),
                         ("issn", BIBO.issn), ("publisher", DCTERMS.publisher)):
        if row.get(column):
            g.add((node, prop, ox.Literal(row.get(column))))
    for affiliation in row.items("affiliation"):
        g.add((node, C2C.authorAffiliation, ox.Literal(affiliation)))
    for column, prop in (("available", DCTERMS.available), ("prepared_from", C2C.preparedFrom),
                         ("prepared_to", C2C.preparedUntil)):
        if (when := _date(row, column)) is not None:
            g.add((node, prop, when))
    if row.get("pages"):
        start, _, end = row.get("pages").partition("-")
        g.add((node, BIBO.pageStart, ox.Literal(start.strip())))
        if end:
            g.add((node, BIBO.pageEnd, ox.Literal(end.strip())))
    if row.get("url"):
        g.add((node, BIBO.uri, ox.Literal(row.get("url"), datatype=XSD.anyURI)))
    if row.get("licence"):
        g.add((node, DCTERMS.license, _iri(row, "licence")))
    if row.get("note"):
        g.add((node, SKOS.note, ox.Literal(row.get("note"), language="en")))
    data.note_origin(node, row)


def read_places(data: CuratedData, row: Row) -> None:
    key = row.require("key")
    kind = row.require("kind")
    if kind not in PLACE_CLASSES:
        raise InputError(row.where("kind"), f"unknown kind; expected one of "
                         f"{sorted(PLACE_CLASSES)}", term=kind)
    data.register("place", key, row, "key")
    data.place_kind[key] = kind
    node = data.node(kind, key)
    g, source = data.source_graph(row)
    links = data.graph(data.minter.graph("links"))
    g.add((node, RDF.type, PLACE_CLASSES[kind]))
    g.add((node, RDF.type, GEO.Feature))
    _place_labels(data, g, node, row)
    g.add((node, C2C.administrativeLevel, concept("administrative-levels",
                                                  row.require("admin_level"))))
    if kind == "country":
        data.place_country[key] = key
    else:
        country = data.ref(row, "country", "place")
        data.place_country[key] = country
        g.add((node, C2C.inCountry, data.node("country", country)))
        parent = row.require("parent")
        g.add((node, SCHEMA.containedInPlace, data.place(row, "parent", parent)))
    lat, lon = row.get("lat"), row.get("lon")
    if lat or lon:
        try:
            lat_f, lon_f = float(lat), float(lon)
        except ValueError:
            raise InputError(row.where("lat"), f"coordinates {lat!r}, {lon!r} are not numbers",
                             term=key) from None
        centroid = ox.NamedNode(f"{node.value}/centroid")
        g.add((node, GEO.hasCentroid, centroid))
        g.add((centroid, RDF.type, GEO.Geometry))
        g.add((centroid, GEO.asWKT, ox.Literal(f"POINT({lon_f} {lat_f})", datatype=GEO.wktLiteral)))
    if row.get("geonames"):
        g.add((node, GN.geonamesID, ox.Literal(row.get("geonames"))))
        links.add((node, OWL.sameAs, ox.NamedNode(GEONAMES_FEATURE.format(id=row.get("geonames")))))
    if row.get("wikidata"):
        qid = row.get("wikidata")
        qid_graph = data.source_graph(row, "wikidata_source")[0] if row.get("wikidata_source") \
            else g
        qid_graph.add((node, DCTERMS.identifier, ox.Literal(qid)))
        links.add((node, OWL.sameAs, WD[qid]))
    g.add((node, PROV.wasDerivedFrom, source))
    data.note_origin(node, row)


LABEL_COLUMNS = {"name_en": "en", "name_zh": "zh-Hans", "name_ru": "ru", "name_local": None}


def label_sources(row: Row) -> dict[str, str]:
    """The ``label_sources`` cell of a place, ``name_zh=geonames;name_ru=c2c-editors``: which
    source holds which label when it is not the row's own source."""
    found: dict[str, str] = {}
    for item in row.items("label_sources"):
        column, _, key = item.partition("=")
        if column.strip() not in LABEL_COLUMNS or not key.strip():
            raise InputError(row.where("label_sources"), "expected column=source with a column "
                             f"among {sorted(LABEL_COLUMNS)}", term=item)
        found[column.strip()] = key.strip()
    return found


def _place_labels(data: CuratedData, g: GraphSink, node: ox.NamedNode, row: Row) -> None:
    """A place's labels, each in the graph of the source that holds it (``label_sources``),
    else in the graph of the row's source; a local name equal to another label in the same
    language is not repeated."""
    attributed = label_sources(row)
    seen: set[tuple[str, str]] = set()
    for column, lang in LABEL_COLUMNS.items():
        text = row.get(column)
        lang = lang or row.get("local_lang") or "und"
        if not text or (text, lang) in seen:
            continue
        seen.add((text, lang))
        target = g
        if column in attributed:
            key = data.ref(row, "label_sources", "source", attributed[column])
            target = data.graph(data.minter.source_graph(key))
        target.add((node, RDFS.label, ox.Literal(text, language=lang)))


def _relationship(data: CuratedData, row: Row, kind: str, cls: ox.NamedNode
                  ) -> tuple[GraphSink, ox.NamedNode, str]:
    a = data.ref(row, "party_a", "place")
    b = data.ref(row, "party_b", "place")
    key = pair_key(a, b)
    node = data.node(kind, key)
    g, source = data.source_graph(row)
    g.add((node, RDF.type, cls))
    g.add((node, C2C.hasParty, data.place(row, "party_a", a)))
    g.add((node, C2C.hasParty, data.place(row, "party_b", b)))
    _provenance(g, node, source, row)
    data.keys.setdefault(kind, set()).add(key)
    data.note_origin(node, row)
    return g, node, key


def read_agreements(data: CuratedData, row: Row) -> None:
    g, node, _ = _relationship(data, row, "agreement", C2C.TwinningAgreement)
    g.add((node, C2C.agreementType, concept("agreement-types", row.require("type"))))
    if (start := _date(row, "date")) is not None:
        g.add((node, SCHEMA.startDate, start))
    if row.get("status"):
        g.add((node, C2C.status, concept("agreement-status", row.get("status"))))
    _themes(data, g, node, row)
    for listed in row.items("confirmed_by"):
        g.add((node, C2C.confirmedBy, data.node("source",
                                                        data.ref(row, "confirmed_by", "source",
                                                                 listed))))


def read_cross_border_pairs(data: CuratedData, row: Row) -> None:
    g, node, key = _relationship(data, row, "cross-border-pair", C2C.CrossBorderPair)
    if row.get("inferred"):
        g.add((node, C2C.isInferred, ox.Literal(row.boolean("inferred"))))
    if row.get("pair_type"):
        g.add((node, C2C.pairType, concept("cross-border-pair-types", row.get("pair_type"))))
    for dimension in row.items("dimensions"):
        g.add((node, C2C.integrationDimension, concept("integration-dimensions", dimension)))
    if key in data.keys.get("agreement", set()):
        g.add((node, C2C.formalisedBy, data.node("agreement", key)))


def read_industrial_parks(data: CuratedData, row: Row) -> None:
    key = row.require("key")
    data.register("industrial-park", key, row, "key")
    node = data.node("industrial-park", key)
    g, source = data.source_graph(row)
    g.add((node, RDF.type, C2C.IndustrialPark))
    _labels(g, node, row)
    g.add((node, SCHEMA.containedInPlace, data.place(row, "located_in")))
    if (opened := _date(row, "opened")) is not None:
        g.add((node, DCTERMS.created, opened))
    _provenance(g, node, source, row)
    data.note_origin(node, row)


def read_counterpart_pairings(data: CuratedData, row: Row) -> None:
    g, node, _ = _relationship(data, row, "pairing", C2C.CounterpartPairing)
    g.add((node, C2C.agreementType, concept("agreement-types", "counterpart-pairing")))
    if row.get("led_by"):
        g.add((node, C2C.ledBy, data.place(row, "led_by")))
    if (start := _date(row, "date")) is not None:
        g.add((node, SCHEMA.startDate, start))
    if row.get("outcome"):
        park = data.ref(row, "outcome", "industrial-park")
        g.add((node, C2C.outcome, data.node("industrial-park", park)))
    _themes(data, g, node, row)


def read_programmes(data: CuratedData, row: Row) -> None:
    key = row.require("key")
    data.register("programme", key, row, "key")
    node = data.node("programme", key)
    g, source = data.source_graph(row)
    g.add((node, RDF.type, C2C.CooperationProgramme))
    g.add((node, RDFS.label, ox.Literal(row.require("name_en"), language="en")))
    for party in row.items("participants"):
        g.add((node, C2C.hasParty, data.place(row, "participants", party)))
    if row.get("led_by"):
        g.add((node, C2C.ledBy, data.place(row, "led_by")))
    if row.get("pair"):
        pair = data.ref(row, "pair", "cross-border-pair")
        g.add((node, C2C.concernsPair, data.node("cross-border-pair", pair)))
    if (start := _date(row, "start")) is not None:
        g.add((node, SCHEMA.startDate, start))
    _themes(data, g, node, row)
    _provenance(g, node, source, row)
    data.note_origin(node, row)


def read_networks(data: CuratedData, row: Row) -> None:
    key = row.require("key")
    data.register("network", key, row, "key")
    node = data.node("network", key)
    g, source = data.source_graph(row)
    g.add((node, RDF.type, C2C.CityNetwork))
    _labels(g, node, row)
    if (founded := _date(row, "founded")) is not None:
        g.add((node, DCTERMS.created, founded))
    _themes(data, g, node, row)
    _provenance(g, node, source, row)
    data.note_origin(node, row)


def read_memberships(data: CuratedData, row: Row) -> None:
    network = data.ref(row, "network", "network")
    member = data.ref(row, "member", "place")
    node = data.node("membership", f"{network}--{member}")
    g, source = data.source_graph(row)
    g.add((node, RDF.type, ORG.Membership))
    g.add((node, ORG.organization, data.node("network", network)))
    g.add((node, ORG.member, data.place(row, "member", member)))
    g.add((node, C2C.membershipBasis, concept("membership-basis", row.require("basis"))))
    _provenance(g, node, source, row)
    data.note_origin(node, row)


def read_meetings(data: CuratedData, row: Row) -> None:
    key = row.require("key")
    data.register("meeting", key, row, "key")
    node = data.node("meeting", key)
    g, source = data.source_graph(row)
    g.add((node, RDF.type, C2C.NetworkMeeting))
    g.add((node, RDFS.label, ox.Literal(row.require("name_en"), language="en")))
    g.add((node, C2C.meetingOf, data.node("network",
                                                  data.ref(row, "network", "network"))))
    g.add((node, SCHEMA.location, data.place(row, "place")))
    if (day := _date(row, "date")) is not None:
        g.add((node, SCHEMA.startDate, day))
    _provenance(g, node, source, row)
    data.note_origin(node, row)


def read_date_claims(data: CuratedData, row: Row) -> None:
    """A date one source claims for a meeting or an agreement (its key) where sources
    disagree: each claim is kept, attributed, beside the thing's own date."""
    subject = row.require("subject")
    kind = "agreement" if subject in data.keys.get("agreement", set()) else "meeting"
    data.ref(row, "subject", kind)
    claimed = _date(row, "date")
    if claimed is None:
        raise InputError(row.where("date"), "a date claim needs a date", term="date")
    node = data.node("date-claim", f"{subject}--{claimed.value}")
    g, source = data.source_graph(row)
    g.add((node, RDF.type, C2C.DateClaim))
    g.add((node, C2C.claimedDate, claimed))
    g.add((data.node(kind, subject), C2C.hasDateClaim, node))
    _provenance(g, node, source, row)
    data.note_origin(node, row)


def read_macro_regions(data: CuratedData, row: Row) -> None:
    key = row.require("key")
    data.register("macro-region", key, row, "key")
    node = data.node("macro-region", key)
    g, source = data.source_graph(row)
    g.add((node, RDF.type, C2C.MacroRegion))
    _labels(g, node, row)
    _provenance(g, node, source, row)
    data.note_origin(node, row)


def read_macro_region_members(data: CuratedData, row: Row) -> None:
    """A first-level region in a macro-region, as the cited source (a statistical division)
    groups it. The triple lives in that source's graph; the row's ``locator`` (the paragraph
    of the source) stays in the table, since a bare triple has no node to carry it."""
    region = data.place(row, "region")
    macro = data.node("macro-region", data.ref(row, "macro_region", "macro-region"))
    g, _ = data.source_graph(row)
    g.add((region, C2C.inMacroRegion, macro))


def read_policies(data: CuratedData, row: Row) -> None:
    key = row.require("key")
    data.register("policy", key, row, "key")
    node = data.node("policy", key)
    g, source = data.source_graph(row)
    g.add((node, RDF.type, C2C.Policy))
    _labels(g, node, row)
    g.add((node, C2C.policyCountry, data.place(row, "country")))
    if (start := _date(row, "start")) is not None:
        g.add((node, SCHEMA.startDate, start))
    _provenance(g, node, source, row)
    data.note_origin(node, row)


def read_policy_periods(data: CuratedData, row: Row) -> None:
    key = row.require("key")
    data.register("policy-period", key, row, "key")
    node = data.node("policy-period", key)
    g, source = data.source_graph(row)
    source_key = row.require("source")
    scheme = data.node("periodisation", source_key)
    g.add((scheme, RDF.type, SKOS.ConceptScheme))
    g.add((scheme, SKOS.prefLabel, ox.Literal(f"periodisation of {source_key}", language="en")))
    g.add((scheme, DCTERMS.source, source))
    g.add((node, RDF.type, C2C.PolicyPeriod))
    g.add((node, RDF.type, SKOS.Concept))
    g.add((node, SKOS.inScheme, scheme))
    _labels(g, node, row, SKOS.prefLabel)
    g.add((node, RDFS.label, ox.Literal(row.require("name_en"), language="en")))
    g.add((node, C2C.periodOf, data.node("policy", data.ref(row, "policy", "policy"))))
    for end, column, prop in (("begin", "begin", TIME.hasBeginning),
                              ("end", "end", TIME.hasEnd)):
        parsed = parse_date(row.require(column), row.where(column))
        if parsed is None or str(parsed.datatype) != XSD.gYear.value:
            raise InputError(row.where(column), "a policy period is bounded by years (YYYY)",
                             term=row.get(column))
        year = _literal(parsed)
        instant = ox.NamedNode(f"{node.value}/{end}")
        g.add((node, prop, instant))
        g.add((instant, RDF.type, TIME.Instant))
        g.add((instant, TIME.inXSDgYear, year))
    if row.get("partner_country"):
        g.add((node, C2C.towardsCountry, data.place(row, "partner_country")))
    for focus in row.items("focus"):
        g.add((node, C2C.regionalFocus,
               data.node("macro-region", data.ref(row, "focus", "macro-region", focus))))
    _themes(data, g, node, row)
    if row.get("scope_note"):
        g.add((node, SKOS.scopeNote, ox.Literal(row.get("scope_note"), language="en")))
    g.add((node, DCTERMS.source, source))
    _provenance(g, node, source, row)
    data.note_origin(node, row)


def _about(data: CuratedData, row: Row) -> ox.NamedNode:
    """The policy, network, pairing or cross-border pair the ``about`` column of *row* names."""
    about = row.get("about")
    for kind in ("policy", "network", "pairing", "cross-border-pair"):
        if about in data.keys.get(kind, set()):
            return data.node(kind, about)
    raise InputError(row.where("about"), "no policy, network, pairing or cross-border pair has "
                     "this key", term=about)


def read_statistics(data: CuratedData, row: Row) -> None:
    key = row.require("key")
    data.register("statistic", key, row, "key")
    node = data.node("statistic", key)
    g, source = data.source_graph(row)
    g.add((node, RDF.type, C2C.ReportedStatistic))
    g.add((node, RDFS.label, ox.Literal(row.require("name_en"), language="en")))
    g.add((node, C2C.statisticValue, ox.Literal(row.integer("value"))))
    g.add((node, C2C.isLowerBound, ox.Literal(row.boolean("lower_bound"))))
    g.add((node, C2C.measure, concept("measures", row.require("measure"))))
    for country in row.items("countries"):
        g.add((node, C2C.countryInvolved, data.place(row, "countries", country)))
    if row.get("agreement_type"):
        g.add((node, C2C.countsAgreementType,
               concept("agreement-types", row.get("agreement_type"))))
    if row.get("about"):
        g.add((node, C2C.statisticOf, _about(data, row)))
    for column, prop in (("from", C2C.fromYear), ("to", C2C.toYear)):
        year = _date(row, column)
        if year is not None:
            g.add((node, prop, year))
    _provenance(g, node, source, row)
    data.note_origin(node, row)


def read_findings(data: CuratedData, row: Row) -> None:
    key = row.require("key")
    data.register("finding", key, row, "key")
    node = data.node("finding", key)
    g, source = data.source_graph(row)
    g.add((node, RDF.type, C2C.Finding))
    g.add((node, DCTERMS.description, ox.Literal(row.require("text_en"), language="en")))
    if row.get("quote"):
        g.add((node, C2C.quotation, ox.Literal(row.get("quote"), language="en")))
    if row.get("about"):
        g.add((node, DCTERMS.subject, _about(data, row)))
    if (year := _date(row, "year")) is not None:
        g.add((node, C2C.aboutYear, year))
    _themes(data, g, node, row)
    _provenance(g, node, source, row)
    data.note_origin(node, row)


Reader = Callable[[CuratedData, Row], None]

#: file name → (required columns, optional columns, reader); in the order they are read.
TABLES: list[tuple[str, list[str], list[str], Reader]] = [
    ("sources.csv", ["key", "type"], ["title", "authors", "venue", "year", "issued", "volume",
                                      "issue", "pages", "doi", "issn", "url", "publisher",
                                      "licence", "available", "affiliation", "prepared_from",
                                      "prepared_to", "note"], read_sources),
    ("places.csv", ["key", "kind", "name_en", "name_zh", "name_ru", "admin_level", "source"],
     ["name_local", "local_lang", "parent", "country", "lat", "lon", "wikidata", "geonames",
      "label_sources", "wikidata_source"],
     read_places),
    ("macro_regions.csv", ["key", "name_en", "source"], ["name_zh", "name_ru", "locator"],
     read_macro_regions),
    ("macro_region_members.csv", ["region", "macro_region", "source"], ["locator"],
     read_macro_region_members),
    ("agreements.csv", ["party_a", "party_b", "type", "source"],
     ["date", "status", "themes", "locator", "note", "confirmed_by"], read_agreements),
    ("cross_border_pairs.csv", ["party_a", "party_b", "source"],
     ["pair_type", "dimensions", "inferred", "locator", "note"], read_cross_border_pairs),
    ("industrial_parks.csv", ["key", "name_en", "located_in", "source"],
     ["name_zh", "name_ru", "opened", "locator", "note"], read_industrial_parks),
    ("counterpart_pairings.csv", ["party_a", "party_b", "source"],
     ["led_by", "date", "outcome", "themes", "locator", "note"], read_counterpart_pairings),
    ("programmes.csv", ["key", "name_en", "source"],
     ["participants", "led_by", "funded_by", "pair", "themes", "start", "locator", "note"],
     read_programmes),
    ("networks.csv", ["key", "name_en", "source"],
     ["name_zh", "name_ru", "name_local", "local_lang", "founded", "themes", "locator", "note"],
     read_networks),
    ("memberships.csv", ["network", "member", "basis", "source"], ["locator", "note"],
     read_memberships),
    ("meetings.csv", ["key", "name_en", "network", "place", "source"],
     ["date", "locator", "note"], read_meetings),
    ("date_claims.csv", ["subject", "date", "source"], ["locator", "note"], read_date_claims),
    ("policies.csv", ["key", "name_en", "country", "source"],
     ["name_zh", "name_ru", "start", "locator", "note"], read_policies),
    ("policy_periods.csv", ["key", "policy", "name_en", "begin", "end", "source"],
     ["name_zh", "name_ru", "partner_country", "focus", "themes", "locator", "scope_note"],
     read_policy_periods),
    ("statistics.csv", ["key", "name_en", "value", "lower_bound", "measure", "source"],
     ["countries", "agreement_type", "about", "from", "to", "locator", "note"], read_statistics),
    ("findings.csv", ["key", "text_en", "source"],
     ["about", "themes", "year", "quote", "locator", "note"],
     read_findings),
]


def read_curated(folder: Path, minter: Minter,
                 on_table: Callable[[Path, list[ox.Quad]], None] | None = None) -> CuratedData:
    """Read every table of *folder*; a table that is absent is skipped, but ``sources.csv``
    and ``places.csv`` are required because everything else refers to them. *on_table* is
    given each table's file and quads as soon as it is read."""
    data = CuratedData(minter)
    if not folder.is_dir():
        raise InputError(Location(folder), "data folder not found")
    known = {name for name, *_ in TABLES}
    for path in sorted(folder.glob("*.csv")):
        if path.name not in known:
            raise InputError(Location(path), "unknown data file; expected one of "
                             f"{sorted(known)}", term=path.name)
    for name, required, optional, reader in TABLES:
        path = folder / name
        if not path.exists():
            if name in ("sources.csv", "places.csv"):
                raise InputError(Location(path), "required data file is missing")
            continue
        for row in read_table(path, required, optional):
            reader(data, row)
        if on_table is not None:
            on_table(path, data.new_quads())
    return data
