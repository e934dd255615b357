"""Reconciliation over all China rows of the public lists (on demand, never in the tests).

``python bench/reconcile.py [../shared/data]`` imports (without applying) the China-related
rows of the Wikipedia list, its geocoded form and the Wikidata 2022 edges, and prints per list:
mention statuses, the share of rows that touch a place more than 50 km from the list's own
coordinates (the geocoded file for Wikipedia, the nodes' P625 for Wikidata), and places with
two or more Wikidata QIDs. Results are reported in ``bench/README.md``.
"""

from __future__ import annotations

import csv
import math
import sys
import tempfile
from collections import Counter, defaultdict
from collections.abc import Callable
from functools import cache
from pathlib import Path

from rdflib.namespace import OWL

from loaders.importers import run_import
from loaders.importers.gazetteer import Gazetteer, geonames_cities
from loaders.importers.reconcile import distance, km, parse
from loaders.kernel.config import Settings

ROOT = Path(__file__).resolve().parent.parent


def geocodes(shared: Path, plain: Path | None = None
             ) -> dict[tuple[int, str], tuple[float, float]]:
    """(row of the plain list, side) → the geocoded file's point, joined on names and
    countries (the geocoded file drops 197 rows, so row numbers differ); only rows the join
    finds once. *plain* is the shared list by default, or an extract of it with its columns
    (data/public/wikipedia_twin_towns_cn.csv)."""
    points: dict[tuple, list] = defaultdict(list)
    with (shared / "twin_cities_wikipedia_pairs_geocoded.csv").open(encoding="utf-8") as f:
        for r in csv.DictReader(f):
            key = (r["city1"], r["country1"], r["city2"], r["country2"])
            points[key].append(((float(r["lat1"]), float(r["lng1"])),
                                (float(r["lat2"]), float(r["lng2"]))))
    out = {}
    with (plain or shared / "twin_cities_wikipedia_pairs.csv").open(encoding="utf-8") as f:
        for number, r in enumerate(csv.DictReader(f), start=2):
            found = points.get((r["city1"], r["country1"], r["city2"], r["country2"]))
            if found and len(found) == 1:
                out[(number, "a")], out[(number, "b")] = found[0]
    return out


def geocode_points(shared: Path, plain: Path | None = None) -> Callable:
    """(pair, side, mention) → the geocoded file's point for that side of the plain list."""
    points = geocodes(shared, plain)
    return lambda pair, side, mention: points.get((pair.row, side))


@cache
def _grid() -> dict[tuple[int, int], list[tuple[float, float, str]]]:
    grid = defaultdict(list)
    for c in geonames_cities().values():  # the gazetteer's copy: parsed once per process
        grid[(int(c["latitude"]), int(c["longitude"]))].append(
            (c["latitude"], c["longitude"], c["countrycode"], c["admin1code"]))
    return grid


def town_at(lat: float, lon: float) -> tuple[str, str] | None:
    """(country, GeoNames admin1 code) of the GeoNames town nearest a point (~100 km)."""
    best, found = 1e9, None
    grid = _grid()
    scale = math.cos(math.radians(lat))  # once per point, not once per town compared
    for dx in (-1, 0, 1):
        for dy in (-1, 0, 1):
            for la, lo, cc, admin1 in grid.get((int(lat) + dx, int(lon) + dy), ()):
                d = (la - lat) ** 2 + ((lo - lon) * scale) ** 2
                if d < best:
                    best, found = d, (cc, f"{cc}.{admin1}")
    return found


def country_at(lat: float, lon: float) -> str | None:
    found = town_at(lat, lon)
    return found[0] if found else None


def geocode_shown_wrong(gazetteer: Gazetteer, mention, entry, point) -> str | None:
    """Why the list's geocode for *mention* cannot be the place, or None. Only what the row
    itself shows: a point in another country, a whole-degree point (a country or region
    point, not a town), a point outside the region the row's qualifier names, or the point
    of the parent the qualifier names."""
    lat, lon = point
    town = town_at(lat, lon)
    if town is None:
        return "no town within about 100 km of the geocode"
    if town[0] != mention.country and {town[0], mention.country} - {"CN", "HK", "MO"}:
        return f"the geocode lies in {town[0]}, not {mention.country}"
    if lat == int(lat) and lon == int(lon):
        return "the geocode is a whole-degree point (a country's or region's, not a town's)"
    qualifier = parse(mention.name or "").qualifier
    if qualifier and entry.region:
        region = gazetteer.admin1.get(town[1])
        if region and region != entry.region:
            return (f"the geocode lies in {region}; the qualifier '{qualifier}' names a place "
                    f"in {entry.region}")
        parent = gazetteer.entry(entry.parent) if entry.parent else None
        if parent is not None and distance(parent, lat, lon) <= 2:
            return f"the geocode is the point of {parent.name_en}, the parent"
        for town in gazetteer.geonames_named(qualifier, mention.country, True):
            if town.region == entry.region and distance(town, lat, lon) <= 2:
                return f"the geocode is the point of {town.name_en}, the qualifier's town"
    return None


def measure(result, points, gazetteer: Gazetteer) -> dict:
    statuses = Counter(status for _, status in result.row_mentions)
    far, checked, far_rows, wrong_geocodes = 0, 0, [], []
    rows = result.pairs
    for pair, recs in zip(rows, result.sides, strict=True):
        touched = False
        compared = False
        for side, mention, rec in (("a", pair.a, recs[0]), ("b", pair.b, recs[1])):
            point = points(pair, side, mention)
            if rec is None or rec.match.entry is None or point is None:
                continue
            d = km(rec.match.entry, *point)
            if d is None or rec.match.entry.kind != "city":
                continue  # a region is larger than 50 km: its level is what was checked
            why = geocode_shown_wrong(gazetteer, mention, rec.match.entry, point)
            if why:
                wrong_geocodes.append((pair.row, mention.name, mention.country, why))
                continue
            compared = True
            if d > 50:
                touched = True
                far_rows.append((pair.row, mention.name, mention.country,
                                 rec.match.entry.key, round(d)))
        checked += compared
        far += touched
    qids = defaultdict(set)
    for g in result.graphs:
        for s, _, o in g.triples((None, OWL.sameAs, None)):
            if "wikidata.org" in str(o):
                qids[s].add(o)
    return {"rows": len(rows), "mentions": dict(statuses),
            "ambiguous_share": statuses["ambiguous"] / max(1, sum(statuses.values())),
            "rows_compared": checked, "rows_far": far,
            "far_share": far / max(1, checked), "far_rows": far_rows,
            "wrong_geocodes": wrong_geocodes,
            "places_with_2_qids": [str(s) for s, q in qids.items() if len(q) > 1],
            "agreements": result.agreements}


def node_points(shared: Path) -> Callable:
    """The coordinates (P625) the Wikidata 2022 nodes file gives each QID."""
    nodes = {}
    with (shared / "wikidata_p190_cities2022_nodes.csv").open(encoding="utf-8") as f:
        for r in csv.DictReader(f):
            nodes[r["qid"]] = (float(r["lat"]), float(r["lon"]))
    return lambda pair, side, mention: nodes.get(mention.qid)


def main(shared: Path) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        settings = Settings.from_env({}).with_overrides(store=Path(tmp), data=ROOT / "data")
        geo = geocode_points(shared)
        gazetteer = Gazetteer(ROOT / "data")
        runs = [("wikipedia", "twin_cities_wikipedia_pairs.csv", geo),
                ("wikipedia", "twin_cities_wikipedia_pairs_geocoded.csv",
                 lambda p, s, m: (m.lat, m.lon) if m.lat is not None else None),
                ("wikidata", "wikidata_p190_cities2022_edges.csv", node_points(shared))]
        for kind, name, points in runs:
            result = run_import(settings, kind, shared / name, country="CN")
            out = measure(result, points, gazetteer)
            print(f"== {name}: {out['rows']} rows, agreements {out['agreements']}, mentions "
                  f"{out['mentions']}, ambiguous {out['ambiguous_share']:.1%}, rows > 50 km "
                  f"{out['rows_far']}/{out['rows_compared']} = {out['far_share']:.2%}, "
                  f"places with 2+ QIDs {len(out['places_with_2_qids'])}")
            print(f"   geocodes shown wrong: "
                  f"{len(out['wrong_geocodes'])}")
            for row in out["far_rows"]:
                print("   far:", *row)
            for row in out["wrong_geocodes"]:
                print("   wrong geocode:", *row)


if __name__ == "__main__":
    main(Path(sys.argv[1]) if len(sys.argv) > 1 else ROOT.parent / "shared" / "data")
