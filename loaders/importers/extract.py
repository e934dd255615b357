"""Write the gazetteer extract ``data/gazetteer/*.csv`` from ``../shared/data`` (run by hand).

``python -m loaders.importers.extract ../shared/data data/gazetteer``

The reconciler reads only the extract at run time (users do not have ``../shared``). What is
taken, and what is left out, follows ``../shared/data/SOURCES.md``:

* ``countries.csv`` — every country of ``countries_wikidata_csc.csv``; its QID only where the
  knowledge-graph check agrees (``qid_check_gcod = agree``).
* ``regions.csv`` — first-level subdivisions of ``subdivisions_admin1_iso3166_2_geonames.csv``
  (ISO 3166-2 code, GeoNames admin1 code and id, name, type, Latin-script aliases) with the QID
  and point of ``regions_admin1_wikidata_csc.csv`` where its ``qid_status`` is confirmed.
* ``cn_places.csv`` — China below the provinces: the prefecture-level units of
  ``cn_admin_province_prefecture_crosswalk.csv`` (QID from the P442 snapshot) and the
  county-level units of ``cn_admin_counties_nbs.csv`` that ``cities_wikidata_csc.csv`` gives an
  English name and a point for (same Chinese name in the same province); a city QID only where
  ``qid_status`` is confirmed and no other unit carries it, the point only where it lies
  within 200 km of the prefecture's, and the border towns' QIDs as
  ``border_towns_wikidata_geonames.csv`` recommends (the P442 snapshot first).
"""

from __future__ import annotations

import csv
import re
import sys
from collections import Counter
from pathlib import Path

from loaders.importers.gazetteer import geonames_cities, great_circle_km

#: a county (index 0) or a city's district (index 1) lies within this distance of its
#: prefecture's point, km
MAX_KM_FROM_PARENT = (200.0, 80.0)

_LATIN = re.compile(r"^[\x20-\x7e\u00c0-\u024f\u1e00-\u1eff’']+$")
# Chinese unit suffixes, longest first, to compare NBS names with the shorter forms elsewhere
_ZH_SUFFIXES = ("自治县", "自治旗", "林区", "特区", "矿区", "新区", "地区", "自治州", "盟", "市",
                "县",
                "区", "旗")


def _rows(path: Path) -> list[dict[str, str]]:
    with path.open(encoding="utf-8") as f:
        return list(csv.DictReader(f))


def _write(path: Path, header: list[str], rows: list[dict]) -> None:
    with path.open("w", encoding="utf-8", newline="") as f:
        w = csv.DictWriter(f, header, lineterminator="\n")
        w.writeheader()
        for row in rows:
            w.writerow({k: row.get(k, "") for k in header})


def _zh_stem(name: str) -> str:
    for suffix in _ZH_SUFFIXES:
        if name.endswith(suffix) and len(name) > len(suffix) + 1:
            return name[: -len(suffix)]
    return name


def countries(shared: Path) -> list[dict]:
    out = []
    for r in _rows(shared / "countries_wikidata_csc.csv"):
        out.append({"iso2": r["iso2"], "name_en": r["name_en"],
                    "wikidata": r["wikidata_qid"] if r["qid_check_gcod"] == "agree" else "",
                    "geonames": r["geonameid"], "lat": r["lat"], "lon": r["lon"]})
    return sorted(out, key=lambda r: r["iso2"])


def regions(shared: Path) -> list[dict]:
    csc = {r["iso_3166_2"]: r for r in _rows(shared / "regions_admin1_wikidata_csc.csv")
           if r["snapshot"] == "csc-2026-04" and r["csc_level"] in ("1", "2", "3")
           and not r["parent_iso_3166_2"]}
    out = []
    for r in _rows(shared / "subdivisions_admin1_iso3166_2_geonames.csv"):
        if not r["iso_3166_2"] and not r["geonameid"]:
            continue
        c = csc.get(r["iso_3166_2"], {})
        aliases = [a for a in r["aliases"].split("|") if a and _LATIN.match(a)]
        if r["country_iso2"] == "CN":  # the Chinese names, for the crosswalk's provinces
            aliases += [a for a in r["aliases"].split("|") if re.fullmatch(r"[\u4e00-\u9fff]+", a)]
        if c.get("name_en") and c["name_en"] not in aliases:
            aliases.insert(0, c["name_en"])
        confirmed = c.get("qid_status") == "confirmed"
        out.append({"country": r["country_iso2"], "iso_3166_2": r["iso_3166_2"],
                    "admin1": r["geonames_admin1_code"], "geonames": r["geonameid"],
                    "name_en": c.get("name_en") or r["name"], "type": (c.get("type") or r["type"]),
                    "wikidata": c["wikidata_qid"] if confirmed else "",
                    "lat": c.get("lat", ""), "lon": c.get("lon", ""),
                    "aliases": "|".join(dict.fromkeys(aliases))})
    return sorted(out, key=lambda r: (r["country"], r["iso_3166_2"], r["geonames"]))


def cn_places(shared: Path) -> list[dict]:
    for r in _rows(shared / "subdivisions_admin1_iso3166_2_geonames.csv"):
        if r["country_iso2"] == "CN" and r["geonames_admin1_code"]:
            _ADMIN1[r["geonames_admin1_code"].split(".")[1]] = r["iso_3166_2"]
    crosswalk = _rows(shared / "cn_admin_province_prefecture_crosswalk.csv")
    province_iso = {r["nbs_code"]: r["province_iso_3166_2"] for r in crosswalk
                    if r["level"] == "province"}
    csc_by_zh: dict[tuple[str, str], list[dict]] = {}
    for r in _rows(shared / "cities_wikidata_csc.csv"):
        if r["country_iso2"] == "CN":
            csc_by_zh.setdefault((r["state_code"], _zh_stem(r["name_native"])), []).append(r)
    out = []
    for r in crosswalk:
        if r["level"] == "province":
            continue
        iso = r["province_iso_3166_2"]
        name_en = r["name_en_geonames"]
        found = csc_by_zh.get((iso.split("-")[1], _zh_stem(r["name_zh"])), [])
        if not name_en and found:
            name_en = found[0]["name_en"]
        if not name_en:
            continue
        out.append({"nbs": r["nbs_code"], "level": "prefecture-level-city", "name_en": name_en,
                    "name_zh": r["name_zh"], "province": iso, "parent": r["province_code"],
                    "lat": r["wd_lat"] or r["gn_lat"], "lon": r["wd_lon"] or r["gn_lon"],
                    "wikidata": r["wikidata_qid"], "geonames": r["geonameid"],
                    "source": "cn_admin_province_prefecture_crosswalk.csv"})
    prefectures = {r["nbs"] for r in out}
    border = {r["cn_division_code"]: r for r in _rows(shared / "border_towns_wikidata_geonames.csv")
              if r["cn_division_code"]}
    for r in _rows(shared / "cn_admin_counties_nbs.csv"):
        iso = province_iso.get(r["provinceCode"], "")
        if not iso:
            continue
        found = csc_by_zh.get((iso.split("-")[1], _zh_stem(r["name"])), [])
        # one English name and point: several csc rows for one Chinese name must agree
        names = {f["name_en"] for f in found if f["type"] != "prefecture"}
        if len(names) != 1:
            continue
        rows = [f for f in found if f["type"] != "prefecture"]
        best = rows[0]
        qids = {f["wikidata_qid"] for f in rows if f["qid_status"] == "confirmed"}
        qid = qids.pop() if len(qids) == 1 else ""
        geonames = ""
        if r["code"] in border:
            b = border[r["code"]]
            qid = b["qid_p442_snapshot"] or (b["qid_csc"] if b["qid_csc_status"] == "confirmed"
                                             else "")
            geonames = b["geonameid"]
        name = r["name"]
        level = ("district" if name.endswith("区") else
                 "county-level-city" if name.endswith("市") else "county-cn")
        parent = r["cityCode"] if r["cityCode"] in prefectures else r["provinceCode"]
        out.append({"nbs": r["code"], "level": level, "name_en": best["name_en"],
                    "name_zh": name, "province": iso, "parent": parent,
                    "lat": best["lat"], "lon": best["lon"], "wikidata": qid,
                    "geonames": geonames, "source": "cn_admin_counties_nbs.csv + "
                    "cities_wikidata_csc.csv" + (" + border_towns_wikidata_geonames.csv"
                                                 if r["code"] in border else "")})
    return _plausible(sorted(out, key=lambda r: r["nbs"]))


def _plausible(rows: list[dict]) -> list[dict]:
    """Drop what the measured flaws of ``cities_wikidata_csc.csv`` make wrong: a county's QID
    that another unit also carries (copied rows: Ninghai carried Ningbo's), and a county's
    point farther than :data:`MAX_KM_FROM_PARENT` from its prefecture's or nearer a town of
    another province (the point of a homonym: Chaoyang of Changchun carried that of a
    Chaoyang town 140 km away, Fengxian of Shanghai that of Feng County in Jiangsu)."""
    qids = Counter(r["wikidata"] for r in rows if r["wikidata"])
    by_nbs = {r["nbs"]: r for r in rows}
    for r in rows:
        if r["wikidata"] and qids[r["wikidata"]] > 1 and len(r["nbs"]) == 6:
            r["wikidata"] = ""
        if len(r["nbs"]) != 6 or not r["lat"]:
            continue
        lat, lon = float(r["lat"]), float(r["lon"])
        parent = by_nbs.get(r["parent"])
        limit = MAX_KM_FROM_PARENT[r["level"] == "district"]
        if (parent and parent["lat"] and great_circle_km(lat, lon, float(parent["lat"]),
                                            float(parent["lon"])) > limit) \
                or _province_at(lat, lon) not in (None, r["province"]):
            r["lat"] = r["lon"] = ""
    return rows


def _province_at(lat: float, lon: float) -> str | None:
    """The ISO code of the province of the GeoNames town nearest a point (within ~50 km)."""
    global _TOWNS
    if _TOWNS is None:
        _TOWNS = [(c["latitude"], c["longitude"], c["admin1code"])
                  for c in geonames_cities().values() if c["countrycode"] == "CN"]
    best = min(_TOWNS, key=lambda t: (t[0] - lat) ** 2 + (t[1] - lon) ** 2)
    if great_circle_km(lat, lon, best[0], best[1]) > 50:
        return None
    return _ADMIN1.get(best[2])


_TOWNS: list | None = None
_ADMIN1: dict[str, str] = {}


def main(argv: list[str]) -> None:
    shared, target = Path(argv[0]), Path(argv[1])
    target.mkdir(parents=True, exist_ok=True)
    _write(target / "countries.csv", ["iso2", "name_en", "wikidata", "geonames", "lat", "lon"],
           countries(shared))
    _write(target / "regions.csv", ["country", "iso_3166_2", "admin1", "geonames", "name_en",
                                    "type", "wikidata", "lat", "lon", "aliases"],
           regions(shared))
    _write(target / "cn_places.csv", ["nbs", "level", "name_en", "name_zh", "province",
                                      "parent", "lat", "lon", "wikidata", "geonames", "source"],
           cn_places(shared))


if __name__ == "__main__":  # pragma: no cover - a maintenance command
    main(sys.argv[1:])
