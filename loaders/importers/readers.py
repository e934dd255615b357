"""The public list formats → pairs of place mentions, with the file's row for every error.

* Wikipedia twin-town list CSV: ``city1,country1,city2,country2``.
* Wikidata P190, as the query service exports it: SPARQL-results JSON, or CSV with entity IRIs;
  the first two entity columns are the pair, ``…Label`` columns their labels, and columns
  named for P580/P582 (``start``, ``startTime``, ``p580`` …; ``end``, ``p582`` …) the dates.
* Plain QID pair lists (CSV or TSV, two QID columns); an ``*_edges.csv`` takes labels and
  countries from the ``*_nodes.csv`` beside it (``qid,label_en,country_label_en,…``).
"""

from __future__ import annotations

import csv
import json
import math
import re
from dataclasses import dataclass
from pathlib import Path

from rdflib import Literal
from rdflib.namespace import XSD

from loaders.importers.countries import country_code
from loaders.kernel.errors import InputError, Location

_QID = re.compile(r"^(?:https?://www\.wikidata\.org/entity/)?(Q[1-9][0-9]*)$")
_START = {"start", "starttime", "start_time", "p580", "since", "startdate", "start_date"}
_END = {"end", "endtime", "end_time", "p582", "until", "enddate", "end_date"}


@dataclass(frozen=True)
class Mention:
    """One side of a listed pair, as the list gives it."""

    name: str | None
    country_text: str | None
    country: str | None
    qid: str | None
    row: int
    lat: float | None = None
    lon: float | None = None


@dataclass(frozen=True)
class Pair:
    a: Mention
    b: Mention
    row: int
    start: Literal | None = None
    end: Literal | None = None


def _csv_rows(path: Path, delimiter: str | None = None) -> tuple[list[str], list[dict]]:
    try:
        text = path.read_text(encoding="utf-8")
    except UnicodeDecodeError as exc:
        raise InputError(Location(path), f"not UTF-8 text: {exc.reason}") from None
    if delimiter is None:
        first = text.split("\n", 1)[0]
        delimiter = "\t" if first.count("\t") > first.count(",") else ","
    reader = csv.DictReader(text.splitlines(), delimiter=delimiter)
    if not reader.fieldnames:
        raise InputError(Location(path, row=1), "empty file: no header row")
    try:
        rows = list(reader)
    except csv.Error as exc:
        raise InputError(Location(path, row=reader.line_num), f"malformed CSV: {exc}") from None
    for number, row in enumerate(rows, start=2):
        if None in row or any(v is None for v in row.values()):
            raise InputError(Location(path, row=number), "wrong number of fields for the "
                             "header")
    return list(reader.fieldnames), rows


def _coordinate(value: str, path: Path, row: int, column: str, limit: float) -> float | None:
    if not value.strip():
        return None
    try:
        number = float(value)
    except ValueError:
        number = math.inf
    if not -limit <= number <= limit:
        raise InputError(Location(path, row=row, column=column), "not a coordinate",
                         term=value)
    return number


_WKT_POINT = re.compile(r"^\s*Point\s*\(\s*(\S+)\s+(\S+)\s*\)\s*$", re.IGNORECASE)


def _point(value: str | None, path: Path, row: int, column: str
           ) -> tuple[float | None, float | None]:
    """``(lat, lon)`` of a Wikidata coordinate (P625) as the query service writes it,
    ``Point(lon lat)``; none for no value or a point on another globe (``<…Q405> Point(…)``,
    the Moon)."""
    if not value or not value.strip() or value.strip().startswith("<"):
        return None, None
    m = _WKT_POINT.match(value)
    if not m:
        raise InputError(Location(path, row=row, column=column), "not a WKT point",
                         term=value)
    return (_coordinate(m.group(2), path, row, column, 90),
            _coordinate(m.group(1), path, row, column, 180))


def read_wikipedia(path: Path) -> list[Pair]:
    """The Wikipedia list CSV, or its geocoded form (``city1,country1,lat1,lng1,city2,…``),
    whose coordinates the reconciler uses as evidence."""
    header, rows = _csv_rows(path, ",")
    expected = ["city1", "country1", "city2", "country2"]
    geocoded = ["city1", "country1", "lat1", "lng1", "city2", "country2", "lat2", "lng2"]
    if header != expected and header != geocoded:
        unknown = [h for h in header if h not in expected]
        raise InputError(Location(path, row=1), f"expected the columns {expected}, found "
                         f"{header}", term=", ".join(unknown) or None)
    pairs = []
    for number, row in enumerate(rows, start=2):
        sides = []
        for i in ("1", "2"):
            name = row[f"city{i}"].strip()
            country_text = row[f"country{i}"].strip()
            if not name:
                raise InputError(Location(path, row=number, column=f"city{i}"), "empty city")
            lat = lon = None
            if header == geocoded:
                lat = _coordinate(row[f"lat{i}"], path, number, f"lat{i}", 90)
                lon = _coordinate(row[f"lng{i}"], path, number, f"lng{i}", 180)
            sides.append(Mention(name, country_text, country_code(country_text), None, number,
                                 lat, lon))
        pairs.append(Pair(sides[0], sides[1], number))
    return pairs


def _qid(value: str, path: Path, row: int, column: str) -> str:
    m = _QID.match(value.strip())
    if not m:
        raise InputError(Location(path, row=row, column=column), "not a Wikidata QID or "
                         "entity IRI", term=value)
    return m.group(1)


def _time(value: str | None, path: Path, row: int, column: str,
          precision: str | None = None) -> Literal | None:
    """A Wikidata time as precise as Wikidata says (*precision*: ``wikibase:timePrecision``,
    9 year, 10 month, 11 day or finer; less than a year gives no date), or, when the file
    does not give the precision, as precise as it looks: a 1 January becomes a year, any other
    day a date."""
    if not value:
        return None
    m = re.match(r"^(-?\d{4})-(\d{2})-(\d{2})(?:T.*)?$", value.strip())
    if not m:
        raise InputError(Location(path, row=row, column=column), "not a date", term=value)
    year, month, day = m.groups()
    if precision:
        if not precision.strip().isdigit():
            raise InputError(Location(path, row=row, column=f"{column}Precision"),
                             "not a Wikidata time precision", term=precision)
        if int(precision) < 9:
            return None  # a decade or a century is not a date c2c can state
        if int(precision) == 9:
            return Literal(year, datatype=XSD.gYear)
        if int(precision) == 10:
            if not 1 <= int(month) <= 12:
                raise InputError(Location(path, row=row, column=column), "impossible month",
                                 term=value)
            return Literal(f"{year}-{month}", datatype=XSD.gYearMonth)
    elif (month, day) == ("01", "01"):
        return Literal(year, datatype=XSD.gYear)
    if not (1 <= int(month) <= 12 and 1 <= int(day) <= 31):
        raise InputError(Location(path, row=row, column=column), "impossible date", term=value)
    import datetime as dt

    try:
        dt.date(int(year), int(month), int(day))
    except ValueError:
        raise InputError(Location(path, row=row, column=column), "impossible date",
                         term=value) from None
    return Literal(f"{year}-{month}-{day}", datatype=XSD.date)


def _nodes_beside(path: Path) -> dict[str, tuple[str, str, float | None, float | None]]:
    if not path.name.endswith("_edges.csv"):
        return {}
    nodes = path.with_name(path.name.removesuffix("_edges.csv") + "_nodes.csv")
    if not nodes.exists():
        return {}
    _, rows = _csv_rows(nodes, ",")
    nodes = {}
    for number, r in enumerate(rows, start=2):
        lat = _coordinate(r.get("lat") or "", path, number, "lat", 90)
        lon = _coordinate(r.get("lon") or "", path, number, "lon", 180)
        nodes[r["qid"]] = (r.get("label_en") or "", r.get("country_label_en") or "", lat, lon)
    return nodes


def _mention(qid: str, label: str | None, country_text: str | None, row: int,
             lat: float | None = None, lon: float | None = None) -> Mention:
    return Mention(label or None, country_text or None,
                   country_code(country_text) if country_text else None, qid, row, lat, lon)


def read_wikidata(path: Path) -> list[Pair]:
    if path.suffix.lower() == ".json":
        return _read_wikidata_json(path)
    header, rows = _csv_rows(path)
    lowered = {h.lower(): h for h in header}
    entity_columns = [h for h in header if rows and all(_QID.match(r[h].strip() or "-")
                                                        for r in rows[:50])]
    if len(entity_columns) < 2:
        raise InputError(Location(path, row=1), "expected two columns of Wikidata QIDs or "
                         f"entity IRIs, found {header}")
    a_col, b_col = entity_columns[:2]
    start_col = next((lowered[k] for k in lowered if k in _START), None)
    end_col = next((lowered[k] for k in lowered if k in _END), None)
    nodes = _nodes_beside(path)
    pairs = []
    for number, row in enumerate(rows, start=2):
        sides = []
        for column in (a_col, b_col):
            qid = _qid(row[column], path, number, column)
            label, country, lat, lon = nodes.get(qid, ("", "", None, None))
            label = row.get(f"{column}Label") or label
            sides.append(_mention(qid, label, country, number, lat, lon))
        pairs.append(Pair(sides[0], sides[1], number,
                          _time(row.get(start_col) if start_col else None, path, number,
                                start_col or ""),
                          _time(row.get(end_col) if end_col else None, path, number,
                                end_col or "")))
    return pairs


def _read_wikidata_json(path: Path) -> list[Pair]:
    try:
        doc = json.loads(path.read_text(encoding="utf-8"))
    except json.JSONDecodeError as exc:
        raise InputError(Location(path, line=exc.lineno), f"not valid JSON: {exc.msg} "
                         f"(column {exc.colno})") from None
    except UnicodeDecodeError as exc:
        raise InputError(Location(path), f"not UTF-8 text: {exc.reason}") from None
    try:
        variables = doc["head"]["vars"]
        bindings = doc["results"]["bindings"]
    except (KeyError, TypeError):
        raise InputError(Location(path), "not SPARQL results JSON: no head.vars and "
                         "results.bindings") from None
    entity_vars = [v for v in variables if not v.lower().endswith("label") and any(
        b.get(v, {}).get("type") == "uri" and _QID.match(b[v]["value"]) for b in bindings[:50])]
    if len(entity_vars) < 2:
        raise InputError(Location(path), f"expected two variables bound to Wikidata entities, "
                         f"found {variables}")
    a_var, b_var = entity_vars[:2]
    start_var = next((v for v in variables if v.lower() in _START), None)
    end_var = next((v for v in variables if v.lower() in _END), None)
    pairs = []
    for number, b in enumerate(bindings, start=1):
        def value(var: str | None, b: dict = b) -> str | None:
            return b.get(var, {}).get("value") if var else None
        sides = []
        for var in (a_var, b_var):
            if var not in b:
                raise InputError(Location(path, row=number, column=var), "unbound entity")
            qid = _qid(b[var]["value"], path, number, var)
            lat, lon = _point(value(f"{var}Coordinates"), path, number, f"{var}Coordinates")
            sides.append(_mention(qid, value(f"{var}Label"),
                                  value(f"{var}CountryLabel") or value(f"{var}Country"),
                                  number, lat, lon))
        pairs.append(Pair(sides[0], sides[1], number,
                          _time(value(start_var), path, number, start_var or "",
                                value(f"{start_var}Precision") if start_var else None),
                          _time(value(end_var), path, number, end_var or "",
                                value(f"{end_var}Precision") if end_var else None)))
    return pairs
