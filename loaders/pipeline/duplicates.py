"""One town, one IRI: the places of a built store that are probably one town under two IRIs.

Two places are *probably one town* when they are of one kind (two cities, or two regions), in
the same country, share a name once folded — a label in any language or a search key of
``graph/search``, which adds GeoNames alternate names (``Aarhus`` is one of Århus's) — and
their centroids lie within :data:`SAME_TOWN_KM` of each other. A Wikidata entity or GeoNames
feature that two places are said to be (``owl:sameAs``, ``dcterms:identifier``,
``gn:geonamesID``) is the other sign. The queries are ``loaders/queries/measure/places.rq`` and
``shared-identifiers.rq``; ``tests/test_one_town.py`` requires both to find nothing over the
default build beyond :data:`KNOWN_APART`, and ``python -m loaders.pipeline.duplicates`` prints them.
"""

from __future__ import annotations

import re
import sys
from collections import defaultdict
from dataclasses import dataclass, field
from itertools import combinations

from loaders.importers.gazetteer import great_circle_km
from loaders.kernel import assets
from loaders.kernel.namespaces import fold

#: two places of one name farther apart than this are two towns, km (the reconciler's MAX_KM)
SAME_TOWN_KM = 30.0

#: pairs of places that share a folded name within SAME_TOWN_KM and are kept apart, each with
#: the reason (the pair as sorted IRI keys, ``kind/key``)
KNOWN_APART: dict[tuple[str, str], str] = {
    ("city/gn-1153671", "city/wd-Q233588"):
        "Wikidata Q233588 is a second item labelled 'Chiang Mai' 5.4 km from the town "
        "(population 1,735,762 in the nodes file, the order of the province's): nothing in "
        "the files shows it is the town that Q52028 and GeoNames 1153671 are",
    ("city/cn-4403", "city/cn-440306"):
        "Shenzhen (NBS 4403) and its district Bao'an (宝安区, NBS 440306): 'Bao'an' is among "
        "Shenzhen's GeoNames alternate names",
    ("city/gn-1859913", "city/gn-1859952"):
        "Kashiwara and Kashihara, two cities 20 km apart: GeoNames gives each the other's "
        "romanisation as an alternate name",
    ("city/gn-2186313", "city/gn-2190224"):
        "Napier and Hastings: 'NPE', the code of the airport they share, is an alternate name "
        "of both in GeoNames",
    ("city/gn-2806654", "city/gn-2945024"):
        "Wolfsburg and Braunschweig: 'BWE', an airport code, is an alternate name of both",
    ("city/gn-3027422", "city/gn-3038350"):
        "Chambéry and Aix-les-Bains: 'CMF', an airport code, is an alternate name of both",
}

_POINT = re.compile(r"POINT\s*\(\s*(-?[\d.]+)\s+(-?[\d.]+)\s*\)", re.IGNORECASE)


@dataclass
class Place:
    iri: str
    country: str
    names: set[str] = field(default_factory=set)
    point: tuple[float, float] | None = None  # (lat, lon)

    @property
    def kind(self) -> str:
        """The IRI's kind: ``city`` or ``region`` (a region and the city of its name, such as
        Sverdlovsk Oblast's alias and its capital, are two places by design)."""
        return self.key.split("/")[0]

    @property
    def key(self) -> str:
        """``kind/key`` of the IRI (``city/gn-1153671``)."""
        return "/".join(self.iri.rstrip("/").split("/")[-2:])


def places(store, base_iri: str | None = None) -> list[Place]:
    """Every place with a country, with its folded labels and its centroid."""
    found: dict[str, Place] = {}
    for row in store.query(assets.query("measure/places.rq"), base_iri=base_iri):
        place = found.setdefault(row["place"].value, Place(row["place"].value,
                                                            row["country"].value))
        if row["label"] is not None and (name := fold(row["label"].value)):
            place.names.add(name)
        if row["wkt"] is not None and (m := _POINT.search(row["wkt"].value)):
            place.point = (float(m.group(2)), float(m.group(1)))
    return sorted(found.values(), key=lambda p: p.iri)


def same_town_pairs(found: list[Place], km: float = SAME_TOWN_KM
                    ) -> list[tuple[Place, Place, str, float]]:
    """Pairs of places of one country sharing a folded label within *km*:
    ``(a, b, shared name, distance)``, sorted."""
    by_name: dict[tuple[str, str], list[Place]] = defaultdict(list)
    for place in found:
        if place.point is not None:
            for name in place.names:
                by_name[(place.country, name)].append(place)
    pairs: dict[tuple[str, str], tuple[Place, Place, str, float]] = {}
    for (_country, name), group in sorted(by_name.items()):
        for a, b in combinations(sorted(group, key=lambda p: p.iri), 2):
            d = great_circle_km(*a.point, *b.point)
            if d <= km and a.kind == b.kind and (a.key, b.key) not in pairs:
                pairs[(a.key, b.key)] = (a, b, name, d)
    return [pairs[k] for k in sorted(pairs)]


def shared_identifiers(store, base_iri: str | None = None) -> list[tuple[str, list[str]]]:
    """``(identifier IRI, [places])`` for every Wikidata entity or GeoNames feature that two or
    more places are said to be."""
    return [(row["id"].value, sorted(row["places"].value.split()))
            for row in store.query(assets.query("measure/shared-identifiers.rq"),
                                   base_iri=base_iri)]


def main(argv: list[str]) -> int:
    """``python -m loaders.pipeline.duplicates``: the probable duplicates of the current store."""
    from loaders.kernel.config import Settings
    from loaders.kernel.store import StoreLocation

    settings = Settings.from_env()
    store = StoreLocation(settings.store).open_current()
    found = places(store, settings.base_iri)
    pairs = same_town_pairs(found)
    print(f"{len(found):,} places with a country")
    for a, b, name, d in pairs:
        apart = KNOWN_APART.get((a.key, b.key))
        print(f"{a.key}\t{b.key}\t{name!r}\t{d:.1f} km" + (f"\tkept apart: {apart}"
                                                           if apart else ""))
    for ident, holders in shared_identifiers(store, settings.base_iri):
        print(f"{ident}\t{' '.join(holders)}")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
