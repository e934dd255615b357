"""GeoJSON (RFC 7946) from what the graph holds: GeoSPARQL WKT literals and lat/long columns.

One job: turn WKT (``geo:wktLiteral``) into GeoJSON geometries, and SPARQL results into a
``FeatureCollection`` (one Feature per row, its geometry from the row's first WKT literal or
from a pair of latitude/longitude columns; a row without either keeps ``"geometry": null``, so
the collection has as many features as the answer has rows).

WKT without a CRS, or with OGC's CRS84, is longitude latitude, which is GeoJSON's order. A WKT
literal that names another CRS, or that this reader does not parse (anything but POINT,
LINESTRING, POLYGON and their MULTI forms), gives no geometry rather than a wrong one.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterable

WKT_LITERAL = "http://www.opengis.net/ont/geosparql#wktLiteral"
CRS84 = ("http://www.opengis.net/def/crs/OGC/1.3/CRS84",
         "http://www.opengis.net/def/crs/OGC/1.3/CRS84/")
LATITUDE = ("lat", "latitude")
LONGITUDE = ("lon", "long", "lng", "longitude")
_NUMERIC = {"http://www.w3.org/2001/XMLSchema#" + t for t in
            ("integer", "decimal", "double", "float", "int", "long", "short",
             "nonNegativeInteger", "positiveInteger", "negativeInteger", "nonPositiveInteger")}
_CRS = re.compile(r"^\s*<([^>]*)>\s*")
_KINDS = {"POINT": "Point", "LINESTRING": "LineString", "POLYGON": "Polygon",
          "MULTIPOINT": "MultiPoint", "MULTILINESTRING": "MultiLineString",
          "MULTIPOLYGON": "MultiPolygon"}


def _position(text: str) -> list[float]:
    numbers = [float(n) for n in text.split()]
    if len(numbers) not in (2, 3):
        raise ValueError(f"not a position: {text!r}")
    return numbers


def _nested(text: str) -> object:
    """``(1 2, 3 4)`` → [[1, 2], [3, 4]]; ``((…), (…))`` → lists of those."""
    text = text.strip()
    if not text.startswith("("):
        return _position(text)
    inner = text[1:-1] if text.endswith(")") else None
    if inner is None:
        raise ValueError("unbalanced parentheses")
    parts, depth, start = [], 0, 0
    for i, ch in enumerate(inner):
        if ch == "(":
            depth += 1
        elif ch == ")":
            depth -= 1
        elif ch == "," and depth == 0:
            parts.append(inner[start:i])
            start = i + 1
    parts.append(inner[start:])
    return [_nested(p) for p in parts]


def wkt_geometry(wkt: str) -> dict | None:
    """The GeoJSON geometry of a WKT literal's lexical form, or None (other CRS, unparsed)."""
    crs = _CRS.match(wkt)
    if crs:
        if crs.group(1) not in CRS84:
            return None
        wkt = wkt[crs.end():]
    match = re.fullmatch(r"\s*([A-Za-z]+)\s*(?:Z\s*)?(\(.*\))\s*", wkt, re.DOTALL)
    if not match or match.group(1).upper() not in _KINDS:
        return None
    kind = _KINDS[match.group(1).upper()]
    try:
        coordinates = _nested(match.group(2))
    except ValueError:
        return None
    if kind == "Point":
        if not (isinstance(coordinates, list) and len(coordinates) == 1):
            return None
        coordinates = coordinates[0]
    elif kind == "MultiPoint":  # MULTIPOINT ((1 2), (3 4)) and MULTIPOINT (1 2, 3 4)
        coordinates = [c[0] if isinstance(c[0], list) else c for c in coordinates]
    return {"type": kind, "coordinates": coordinates}


def feature(iri: str, wkt: str | None, properties: dict) -> dict:
    """One Feature with the thing's IRI as ``id``."""
    return {"type": "Feature", "id": iri,
            "geometry": wkt_geometry(wkt) if wkt else None, "properties": properties}


def _plain(binding: dict) -> object:
    if binding.get("datatype") in _NUMERIC:
        try:
            number = float(binding["value"])
        except ValueError:
            return binding["value"]
        return int(number) if number.is_integer() and "." not in binding["value"] else number
    return binding["value"]


def _row_geometry(binding: dict[str, dict], variables: list[str]) -> dict | None:
    for name in variables:
        value = binding.get(name)
        if value and value.get("type") == "literal" and value.get("datatype") == WKT_LITERAL:
            geometry = wkt_geometry(value["value"])
            if geometry is not None:
                return geometry
    lat = next((binding[n] for n in variables if n.lower() in LATITUDE and n in binding), None)
    lon = next((binding[n] for n in variables if n.lower() in LONGITUDE and n in binding), None)
    if lat and lon:
        try:
            return {"type": "Point", "coordinates": [float(lon["value"]), float(lat["value"])]}
        except ValueError:
            return None
    return None


def feature_collection(variables: list[str], bindings: Iterable[dict[str, dict]]) -> dict:
    """SPARQL JSON results (``head.vars``, ``results.bindings``) as a FeatureCollection: one
    Feature per row, every bound variable a property (numbers as numbers)."""
    features = []
    for binding in bindings:
        properties = {name: _plain(binding[name]) for name in variables if name in binding}
        features.append({"type": "Feature", "geometry": _row_geometry(binding, variables),
                         "properties": properties})
    return {"type": "FeatureCollection", "features": features}


def from_sparql_json(data: bytes) -> bytes:
    """SPARQL 1.1 JSON results re-written as a GeoJSON FeatureCollection."""
    answer = json.loads(data)
    collection = feature_collection(answer["head"].get("vars", []),
                                    answer["results"]["bindings"])
    return json.dumps(collection, ensure_ascii=False, separators=(",", ":")).encode("utf-8")
