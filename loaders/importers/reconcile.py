"""One place mention → one place, using every piece of evidence the row has, or no guess.

Order of evidence (the reason of every answer says which decided):

1. the curated overrides (``data/gazetteer/place_overrides.csv``), before anything else, for
   mentions by name, and for a QID the row keyed by it (never by its label);
2. an identifier: a Wikidata QID goes to the place that has it; else, by the list's point for
   it, to the gazetteer's one unit named by its label within :data:`MAX_KM` (:func:`_unit_of`),
   the GeoNames town of its label, or the one town with the label as a unique alternate name
   where no town has it as its name (:func:`_town_of`), or the region its label names as
   written; else to a new place minted for it (``wd-Q…``) — never to a place found by a
   cleaned label (a region word is never dropped), and never to a place another QID of the
   same file reached;
3. the name, read for its parts: the qualifier of ``X, Province``, ``X (Parent)`` and
   ``Parent \N{EN DASH} X`` restricts the candidates to what lies in that region or prefecture;
   a level word (oblast, krai, province, prefecture, county, district …) restricts them to
   regions or to counties and districts, never a same-named city; China's prefecture- and
   county-level units come before GeoNames towns, a city before a region for a bare name,
   primary names before alternate and former names; the list's coordinates, where it has
   them, keep only the candidates within :data:`MAX_KM`.

A bare name that is a region's name, where every town of that name lies in another region
(``Mpumalanga``), is ambiguous between them (:func:`_homonym_regions`); a QID's label that
names a region reaches it when no town of that name lies within :data:`MAX_KM` of the QID's
point (``Quebec``, Q176); a QID labelled ``X Municipality`` or ``X City`` is the town X within
:data:`QID_TOWN_KM` (the municipality's item, ``Limassol Municipality``).

When the evidence leaves more than one candidate the mention is *ambiguous*: it is not
matched, and the report lists the candidates. Population never decides. The one preference
is by level: a bare name (no qualifier, no level word) that names one city-level unit and
otherwise only districts or counties of other cities is that city, since the lists name
districts with their city (``Chaoyang (Beijing)``).
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass, replace

from loaders.importers.gazetteer import (
    CITY_LEVELS,
    SUB_CITY_LEVELS,
    Entry,
    Gazetteer,
    Match,
    great_circle_km,
)
from loaders.importers.readers import Mention
from loaders.kernel.namespaces import fold

#: a candidate town farther than this from the list's own coordinates is not the place, km
MAX_KM = 30.0
#: a Wikidata place is a GeoNames town of its label only within this distance, km
QID_TOWN_KM = 10.0

REGION_WORDS = ("oblast", "krai", "kray", "province", "prefecture", "region", "state",
                "governorate", "autonomous region", "autonomous okrug", "republic")
#: level words of counties and districts → the level they name (vocab/administrative-levels)
SUB_CITY_WORDS = {"county": "county-cn", "district": "district", "subdistrict": "district",
                  "banner": "county-cn"}
CITY_WORDS = ("city", "municipality", "town")
_DASH = re.compile(r"\s+[–—-]\s+|\s*–\s*")


@dataclass(frozen=True)
class Parsed:
    """A listed name read for its parts."""

    whole: str  # folded, as written
    base: str  # folded, qualifier and level word removed
    qualifier: str | None  # folded
    level: str | None  # "region", "county-cn", "district" or None


def parse(name: str) -> Parsed:
    """The parts of a listed name.

    >>> parse("Wujiang (Suzhou)")
    Parsed(whole='wujiang suzhou', base='wujiang', qualifier='suzhou', level=None)
    >>> parse("Suzhou \N{EN DASH} Wujiang").qualifier, parse("Osaka Prefecture").level
    ('suzhou', 'region')
    """
    base, qualifier = name.strip(), None
    if m := re.match(r"^(.*?)\s*\((.*)\)\s*$", base):
        base, qualifier = m.group(1), m.group(2)
    elif "," in base:
        base, qualifier = (part.strip() for part in base.split(",", 1))
    elif len(parts := _DASH.split(base)) == 2 and all(parts):
        qualifier, base = parts
    folded = fold(base)
    level = None
    for words, kind in ((REGION_WORDS, "region"), (SUB_CITY_WORDS, "sub-city")):
        for word in words:
            if folded.endswith(" " + word):
                folded, level = folded[: -len(word) - 1], SUB_CITY_WORDS.get(word) or kind
                break
        if level:
            break
    return Parsed(fold(name), folded, fold(qualifier) if qualifier else None, level)


def km(a: Entry, lat: float, lon: float) -> float | None:
    """How far *a* lies from a point, or None when it has no coordinates."""
    if a.latitude is None or a.longitude is None:
        return None
    return great_circle_km(a.latitude, a.longitude, lat, lon)


def distance(a: Entry, lat: float | None, lon: float | None) -> float:
    """:func:`km`, infinite when either point is missing."""
    d = km(a, lat, lon) if lat is not None and lon is not None else None
    return math.inf if d is None else d


def _allowed(entry: Entry, level: str | None, country: str) -> bool:
    if entry.kind == "country":
        return False
    if level == "region":
        return entry.kind == "region" or (country == "CN" and entry.level ==
                                          "prefecture-level-city")
    if level in SUB_CITY_LEVELS:  # 'X County' is a county, 'X District' a district
        return entry.level == level if country == "CN" else entry.kind == "region"
    return entry.kind == "city"


def _ancestors(gazetteer: Gazetteer, entry: Entry) -> set[str]:
    keys, seen = set(), entry.parent
    while seen and seen not in keys:
        keys.add(seen)
        parent = gazetteer.entries.get(seen)
        seen = parent.parent if parent else ""
    return keys


def _within_qualifier(gazetteer: Gazetteer, candidates: list[Entry], qualifier: str,
                      country: str) -> tuple[list[Entry], bool]:
    """The candidates that lie in what *qualifier* names (a region, or a city whose districts
    they are). Returns (kept, understood): not understood when it names nothing known."""
    regions = {gazetteer.entries[k].region for k in gazetteer.regions_named(qualifier, country)}
    containers = [e for e in gazetteer.named(qualifier, country, True)
                  + gazetteer.named(qualifier, country, False) if e.kind != "country"]
    towns = [e for e in gazetteer.geonames_named(qualifier, country, True)]
    if not regions and not containers and not towns:
        return candidates, False
    keys = {e.key for e in containers}
    kept = []
    for c in candidates:
        if (c.region and c.region in regions) or keys & _ancestors(gazetteer, c):
            kept.append(c)
        elif c.key not in keys and c.kind == "city" and c.level == "city" and any(
                t.region == c.region and c.latitude is not None and t.latitude is not None
                and distance(c, t.latitude, t.longitude) <= MAX_KM
                for t in containers + towns):
            kept.append(c)  # a GeoNames town beside a same-region city of that name
    return kept, True


def _decide(candidates: list[Entry], parsed: Parsed, how: str) -> Match | None:
    unique = list({c.key: c for c in candidates}.values())
    if not unique:
        return None
    if len(unique) == 1:
        return Match.of(unique[0], f"{how}: {_describe(unique[0])}")
    if parsed.qualifier is None and parsed.level is None:
        cities = [c for c in unique if c.level in CITY_LEVELS]
        if len(cities) == 1 and all(c.level in SUB_CITY_LEVELS for c in unique
                                    if c is not cities[0]):
            return Match.of(cities[0], f"{how}: {_describe(cities[0])}, the one city of "
                            f"{len(unique)} units of that name (the others are districts or "
                            "counties; the lists name districts with their city)")
    return Match("ambiguous", f"{how}: {len(unique)} candidates and nothing in the row to "
                 "choose: " + "; ".join(_describe(c) for c in unique), candidates=tuple(unique))


def _describe(e: Entry) -> str:
    where = f" in {e.region}" if e.region else ""
    ident = f"GeoNames {e.geonameid}" if e.geonameid else (e.qid or e.key)
    return f"{e.name_en} ({e.level}{where}, {ident})"


def _forms(parsed: Parsed, name: str) -> list[tuple[str, str | None, str | None]]:
    """(folded form, qualifier, level) to try, in order: the name as written first
    (``Frankfurt (Oder)`` is a name), then its base within the qualifier."""
    if parsed.level is not None:
        written = fold(re.sub(r"\s*\(.*\)\s*$", "", name).split(",")[0])
        if parsed.qualifier and _DASH.search(name):
            written = fold(_DASH.split(name)[-1])
        return list(dict.fromkeys([(written, parsed.qualifier, parsed.level),
                                   (parsed.base, parsed.qualifier, parsed.level)]))
    forms: list[tuple[str, str | None, str | None]] = []
    if parsed.qualifier:
        forms.append((parsed.whole, None, None))
    forms.append((parsed.base, parsed.qualifier, None))
    for word in CITY_WORDS:
        if parsed.base.endswith(" " + word):
            forms.append((parsed.base[: -len(word) - 1], parsed.qualifier, None))
    return [f for f in dict.fromkeys(forms) if f[0]]


def _tiers(gazetteer: Gazetteer, level: str | None) -> list:
    def cities(form: str, country: str, primary: bool) -> list[Entry]:
        return [c for c in gazetteer.named(form, country, primary)
                if gazetteer.city_like(c)]

    def regions(form: str, country: str, primary: bool) -> list[Entry]:
        return [c for c in gazetteer.named(form, country, primary) if c.kind == "region"]

    if level is None:  # a bare name is a city first; a region only when no city has it
        return [("gazetteer", cities), ("GeoNames", gazetteer.geonames_named),
                ("gazetteer region", regions)]
    return [("gazetteer", gazetteer.named)]


def reconcile_name(gazetteer: Gazetteer, name: str, country: str,
                   lat: float | None = None, lon: float | None = None) -> Match:
    """A listed name in *country* → the place the evidence singles out."""
    parsed = parse(name)
    qualifier_note = ""
    for form, qualifier, level in _forms(parsed, name):
        for tier, lookup in _tiers(gazetteer, level):
            for primary in (True, False):
                found = [c for c in lookup(form, country, primary)
                         if level is None or _allowed(c, level, country)]
                if qualifier and found:
                    found, understood = _within_qualifier(gazetteer, found, qualifier, country)
                    if not understood:
                        qualifier_note = f" (qualifier '{qualifier}' names no known place)"
                if lat is not None and lon is not None and found:
                    near = [c for c in found if c.kind != "city"
                            or (d := km(c, lat, lon)) is None or d <= MAX_KM]
                    if not near:
                        far = min(found, key=lambda c: km(c, lat, lon) or 0)
                        return Match("unmatched", f"no {tier} place called '{form}' within "
                                     f"{MAX_KM:.0f} km of the list's coordinates; nearest "
                                     f"{_describe(far)} at {km(far, lat, lon):.0f} km")
                    found = near
                how = (f"{tier} {'name' if primary else 'alternate name'} '{form}'"
                       + (f" in '{qualifier}'" if qualifier else "")
                       + (f" at level {level}" if level else "") + qualifier_note)
                if level is None and qualifier is None and lat is None and found and \
                        (regions := _homonym_regions(gazetteer, found, form, country)):
                    return _decide(found + regions, parsed, how + (
                        ", also the name of a region in which no town of that name lies"))
                if (decided := _decide(found, parsed, how)) is not None:
                    return decided
    if parsed.level == "region" or (parsed.level and country != "CN"):
        return Match("unmatched", f"'{name}' names a region or county, and no region of "
                     f"{country} has that name (a same-named city is not taken)")
    return Match("unmatched", f"no place called '{name}' in {country}{qualifier_note}")


def _outside(town: Entry, region: Entry) -> bool:
    """Whether *town* lies in another first-level region than *region* — both known to
    GeoNames (a region without a GeoNames id, such as Hungary's cities with county rights,
    ``HU-SK`` Szolnok, is the town itself or unknown: not outside)."""
    return bool(town.region and region.region and region.geonameid) and \
        town.region.upper() != region.region.upper()


def _homonym_regions(gazetteer: Gazetteer, towns: list[Entry], form: str,
                     country: str) -> list[Entry]:
    """The regions of *country* whose primary name is *form* when every town found for a bare
    name lies outside all of them: ``Mpumalanga`` is a province of South Africa and a GeoNames
    town in KwaZulu-Natal, and nothing in the row says which is meant (a city named after the
    region it lies in, ``Hiroshima``, is not such a case). Empty otherwise."""
    regions = [e for e in gazetteer.named(form, country, True) if e.kind == "region"]
    cities = [t for t in towns if t.kind == "city"]
    if not regions or not cities or len(cities) != len(towns) or \
            any(r.key in gazetteer.town_regions for r in regions):
        return []  # a unit that is a town itself (``Maputo``, ``Malé``) is the town
    if all(_outside(t, r) for t in cities for r in regions):
        return regions
    return []


def reconcile(mention: Mention, gazetteer: Gazetteer) -> Match:
    """The whole order of evidence for one mention of a listed pair."""
    lat, lon = getattr(mention, "lat", None), getattr(mention, "lon", None)
    if mention.name and mention.country and not mention.qid:
        override = gazetteer.overrides.get((fold(mention.name), mention.country))
        if override is not None:
            if override.target == "none":
                return Match("unmatched", f"override row {override.row}: not a place or "
                             f"unknown ({override.reason})", decided_by="override")
            entry = gazetteer.entry(override.target) or wikidata_entry(
                mention, override.target.removeprefix("wd-"))
            return Match.of(entry, f"override row {override.row}: {override.reason}",
                            decided_by="override")
    if mention.qid:
        override = gazetteer.overrides.get((fold(mention.qid), mention.country or ""))
        if override is not None:
            if override.target == "none":
                return Match("unmatched", f"override row {override.row}: {mention.qid} is not "
                             f"a place or unknown ({override.reason})", decided_by="override")
            entry = gazetteer.entry(override.target) or wikidata_entry(
                mention, override.target.removeprefix("wd-"))
            if not entry.qid and not entry.curated:
                entry = replace(entry, qid=mention.qid)
            return Match.of(entry, f"override row {override.row}: {override.reason}",
                            decided_by="override")
        if (key := gazetteer.by_qid.get(mention.qid)) is not None:
            entry = gazetteer.entries[key]
            return Match.of(entry, f"Wikidata {mention.qid}: {_describe(entry)}")
        found = _unit_of(gazetteer, mention, lat, lon) or _town_of(gazetteer, mention, lat, lon)
        if found is not None:
            place, why = found
            return Match.of(replace(place, qid=mention.qid),
                            f"Wikidata {mention.qid}: {_describe(place)}, {why}")
        region = _region_of(gazetteer, mention)
        if region is not None:
            return Match.of(replace(region, qid=mention.qid), f"Wikidata {mention.qid}: "
                            f"{_describe(region)}, the one region of {mention.country} whose "
                            f"name is the label '{mention.name}' as written")
        entry = wikidata_entry(mention, mention.qid)
        return Match.of(entry, f"Wikidata {mention.qid}: not in the gazetteer; a place minted "
                        "for the QID (its label is not matched to other places)"
                        + ("" if mention.country else f"; country '{mention.country_text}' "
                           "unknown, so it has no c2c:inCountry"))
    if mention.country is None:
        return Match("unmatched", f"unknown country '{mention.country_text}'")
    if not mention.name:
        return Match("unmatched", "no name")
    return reconcile_name(gazetteer, mention.name, mention.country, lat, lon)


#: a trailing word of a QID's label → the levels of the gazetteer's units it may name
_LABEL_LEVEL_WORDS = {"county": SUB_CITY_LEVELS & {"county-cn"}, "district": {"district"},
                      "city": CITY_LEVELS}


def _label_forms(mention: Mention) -> list[tuple[str, frozenset[str] | None]]:
    """(folded form, levels it may name or None for any) a QID's label is looked up by in the
    gazetteer's own units: the label as written, then without a trailing ``County``,
    ``District`` or ``City`` (``Rudong County`` is the county Rudong). A region word
    (``Bratislava Region``, ``Ōsaka Prefecture``) is never removed: the label names the
    region, not its city."""
    whole = fold(mention.name or "")
    forms: list[tuple[str, frozenset[str] | None]] = [(whole, None)]
    for word, levels in _LABEL_LEVEL_WORDS.items():
        if whole.endswith(" " + word):
            forms.append((whole[: -len(word) - 1], frozenset(levels)))
    return forms


def _unit_of(gazetteer: Gazetteer, mention: Mention, lat: float | None,
             lon: float | None) -> tuple[Entry, str] | None:
    """The gazetteer's own place (curated, or China's prefecture- and county-level units of
    the extract) a QID is: the one city-level place, county or district whose name is the
    label within :data:`MAX_KM` of the list's point, holding no QID of its own."""
    if lat is None or lon is None or not mention.name or not mention.country:
        return None
    for form, levels in _label_forms(mention):
        near = {e.key: e for e in gazetteer.named(form, mention.country, True)
                if e.kind == "city" and (levels is None or e.level in levels)
                and distance(e, lat, lon) <= MAX_KM}
        if len(near) == 1:
            unit = next(iter(near.values()))
            if unit.qid or unit.curated:
                return None
            return unit, (f"the one gazetteer place called '{form}' within {MAX_KM:.0f} km "
                          f"of the list's coordinates ({distance(unit, lat, lon):.1f} km)")
        if near:
            return None
    return None


#: trailing words of a QID's label that name a town's municipality or council
_MUNICIPALITY_WORDS = ("municipality", "city", "city council", "municipal council")


def _town_of(gazetteer: Gazetteer, mention: Mention, lat: float | None,
             lon: float | None) -> tuple[Entry, str] | None:
    """The GeoNames town a QID with a label and coordinates is, the first of:

    * the one town whose primary name is the label within :data:`QID_TOWN_KM`;
    * the one town of the country whose primary name is the label, within :data:`MAX_KM`
      (no other town of the country has that name);
    * where no town or gazetteer place of the country has the label as its name: the one town
      of the country with the label among its alternate names, within :data:`QID_TOWN_KM`
      (``Aarhus`` → Århus; no other town of the country has that alternate name).

    A town that holds a QID or is curated is never taken. None when nothing qualifies."""
    if lat is None or lon is None or not mention.name or not mention.country:
        return None
    country, form = mention.country, fold(mention.name)
    if form and not gazetteer.geonames_named(form, country, True):
        for word in _MUNICIPALITY_WORDS:
            if form.endswith(" " + word):
                # the item of a town's municipality or council (``Limassol Municipality``,
                # ``Wellington City``): the one town of the name within QID_TOWN_KM
                towns = {t.key: t for t in gazetteer.geonames_named(
                    form[: -len(word) - 1], country, True) if t.kind == "city"
                    and distance(t, lat, lon) <= QID_TOWN_KM}
                if len(towns) == 1:
                    town = next(iter(towns.values()))
                    return None if town.qid or town.curated else (town, (
                        f"its label without '{word}': the one GeoNames town called "
                        f"'{town.name_en}' within {QID_TOWN_KM:.0f} km of the list's "
                        f"coordinates ({distance(town, lat, lon):.1f} km)"))
    if form:
        # each town's distance from its own GeoNames point (a town that is a municipality,
        # Hanoi, is the municipality's place, which has no point of its own)
        towns: dict[str, tuple[Entry, float]] = {}
        for t, t_lat, t_lon in gazetteer.geonames_named_at(form, country, True):
            if gazetteer.city_like(t):
                d = great_circle_km(lat, lon, t_lat, t_lon)
                towns[t.key] = (t, min(d, towns.get(t.key, (t, d))[1]))
        if towns:
            near = [t for t, d in towns.values() if d <= QID_TOWN_KM]
            if len(near) == 1:
                why = (f"the one GeoNames town called '{form}' within {QID_TOWN_KM:.0f} km of "
                       "the list's coordinates")
            elif not near and len(towns) == 1 and \
                    (only := next(iter(towns.values())))[1] <= MAX_KM:
                near, why = [only[0]], (f"the one GeoNames town of {country} called '{form}', "
                                        f"{only[1]:.1f} km from the list's coordinates")
            else:
                return None
            town = near[0]
            return None if town.qid or town.curated else (town, why)
    if not form or any(e.kind == "city" for primary in (True, False)
                       for e in gazetteer.named(form, country, primary)):
        return None
    towns = {t.key: t for t in gazetteer.geonames_named(form, country, False) if t.kind == "city"}
    if len(towns) != 1:
        return None
    town = next(iter(towns.values()))
    if distance(town, lat, lon) > QID_TOWN_KM or town.qid or town.curated:
        return None
    return town, (f"no town of {country} is called '{form}', and the one GeoNames town with "
                  f"that alternate name lies {distance(town, lat, lon):.1f} km from the list's "
                  "coordinates")


def _region_of(gazetteer: Gazetteer, mention: Mention) -> Entry | None:
    """The region whose name or alias is a QID's label as written (``Lviv Oblast``,
    ``Queensland``) when the label says it is a region (a level word) or no GeoNames town
    of the country has that name — so the label of a city (``Hiroshima``, ``Mykolaiv``)
    never reaches the same-named region."""
    if not mention.name or not mention.country:
        return None
    label = fold(mention.name)
    found = {e.key: e for primary in (True, False)
             for e in gazetteer.named(label, mention.country, primary) if e.kind == "region"}
    if len(found) != 1:
        return None
    region = next(iter(found.values()))
    lat, lon = getattr(mention, "lat", None), getattr(mention, "lon", None)
    towns = [t for primary in (True, False)
             for t in gazetteer.geonames_named(label, mention.country, primary)]
    if parse(mention.name).level != "region" and any(
            lat is None or distance(t, lat, lon) <= MAX_KM for t in towns):
        # a same-named town blocks the region unless it lies far from the QID's point, which
        # a town's item would not (``Mpumalanga``, Q132410, 429 km from the KwaZulu-Natal
        # town; ``Quebec``, Q176, 580 km from Québec city)
        return None
    return None if region.qid or region.curated else region


def wikidata_entry(mention: Mention, qid: str) -> Entry:
    """A place minted for a QID: the list's label, country and coordinates."""
    return Entry(f"wd-{qid}", "city", "city", mention.name or qid, mention.country or "",
                 latitude=getattr(mention, "lat", None), longitude=getattr(mention, "lon", None),
                 qid=qid, source="the list (Wikidata)")


__all__ = ["MAX_KM", "QID_TOWN_KM", "Parsed", "distance", "km", "parse", "reconcile",
           "reconcile_name", "wikidata_entry"]
