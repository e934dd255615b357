"""Gazetteer places → RDF, modelled like the curated places of ``data/places.csv``.

A place an import reconciles to is typed at its administrative level (``schema:Country``,
``schema:AdministrativeArea`` for regions, districts and counties, ``schema:City`` for cities)
with ``c2c:administrativeLevel``, linked to its country with ``c2c:inCountry`` and to its parent
with ``schema:containedInPlace`` where the gazetteer gives one (the parent described too),
labelled from the gazetteer, with a centroid, ``gn:geonamesID`` and ``dcterms:identifier``
(QID). ``owl:sameAs`` to GeoNames (always ``http://sws.geonames.org/{id}/``, the form of the
curated data) and Wikidata go to the import's links graph. Curated places are referred to,
never described again. It stays a ``c2c:ListedPlace``: not curated, so it need not carry the
three labels a curated place has.
"""

from __future__ import annotations

from rdflib import Graph, Literal, URIRef
from rdflib.namespace import DCTERMS, OWL, PROV, RDF, RDFS

from loaders.importers.gazetteer import CITY_LEVELS, Entry, Gazetteer
from loaders.kernel.namespaces import C2C, GEO, GEONAMES_FEATURE, GN, SCHEMA, WD, Minter, concept

_CLASS = {"country": SCHEMA.Country, "region": SCHEMA.AdministrativeArea}


class PlaceWriter:
    """Writes each place once into an import's data and links graphs."""

    def __init__(self, data: Graph, links: Graph, minter: Minter, gazetteer: Gazetteer,
                 source: URIRef) -> None:
        self.data, self.links, self.minter = data, links, minter
        self.gazetteer, self.source = gazetteer, source
        self.written: dict[str, URIRef] = {}

    def iri(self, entry: Entry) -> URIRef:
        return self.minter.thing(entry.kind, entry.key)

    def place(self, entry: Entry) -> URIRef:
        node = self.iri(entry)
        if entry.curated or entry.key in self.written:
            return node
        self.written[entry.key] = node
        g = self.data
        cls = _CLASS.get(entry.kind) or (SCHEMA.City if entry.level in CITY_LEVELS
                                         else SCHEMA.AdministrativeArea)
        g.add((node, RDF.type, cls))
        g.add((node, RDF.type, C2C.ListedPlace))
        g.add((node, RDF.type, GEO.Feature))
        g.add((node, RDFS.label, Literal(entry.label_en or entry.name_en, lang="en")))
        if entry.name_zh:
            g.add((node, RDFS.label, Literal(entry.name_zh, lang="zh-Hans")))
        g.add((node, C2C.administrativeLevel, concept("administrative-levels", entry.level)))
        if entry.kind != "country":
            country = self.gazetteer.entry(entry.country.lower())
            if country is not None:
                g.add((node, C2C.inCountry, self.place(country)))
            parent = self.gazetteer.entry(entry.parent) if entry.parent else None
            if parent is not None:
                g.add((node, SCHEMA.containedInPlace, self.place(parent)))
        if entry.latitude is not None and entry.longitude is not None:
            centroid = URIRef(f"{node}/centroid")
            g.add((node, GEO.hasCentroid, centroid))
            g.add((centroid, RDF.type, GEO.Geometry))
            g.add((centroid, GEO.asWKT, Literal(
                f"POINT({entry.longitude:.5f} {entry.latitude:.5f})", datatype=GEO.wktLiteral)))
        if entry.geonameid:
            g.add((node, GN.geonamesID, Literal(str(entry.geonameid))))
            self.links.add((node, OWL.sameAs,
                            URIRef(GEONAMES_FEATURE.format(id=entry.geonameid))))
        if entry.qid:
            g.add((node, DCTERMS.identifier, Literal(entry.qid)))
            self.links.add((node, OWL.sameAs, WD[entry.qid]))
        g.add((node, PROV.wasDerivedFrom, self.source))
        return node


__all__ = ["PlaceWriter"]
