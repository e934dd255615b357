"""WKT and SPARQL results as GeoJSON (loaders/kernel/geojson.py): what is parsed, and what is
refused rather than drawn wrong."""

from __future__ import annotations

import json

import pytest

from loaders.kernel.geojson import WKT_LITERAL, from_sparql_json, wkt_geometry


@pytest.mark.parametrize(("wkt", "geometry"), [
    ("POINT(126.63333 45.75)", {"type": "Point", "coordinates": [126.63333, 45.75]}),
    ("<http://www.opengis.net/def/crs/OGC/1.3/CRS84> POINT (1 2)",
     {"type": "Point", "coordinates": [1.0, 2.0]}),
    ("LINESTRING (0 0, 1 1)", {"type": "LineString", "coordinates": [[0.0, 0.0], [1.0, 1.0]]}),
    ("POLYGON ((0 0, 1 0, 1 1, 0 0))",
     {"type": "Polygon", "coordinates": [[[0.0, 0.0], [1.0, 0.0], [1.0, 1.0], [0.0, 0.0]]]}),
    ("MULTIPOINT ((1 2), (3 4))", {"type": "MultiPoint", "coordinates": [[1.0, 2.0],
                                                                        [3.0, 4.0]]}),
])
def test_wkt_is_read_longitude_first(wkt: str, geometry: dict) -> None:
    assert wkt_geometry(wkt) == geometry


@pytest.mark.parametrize("wkt", [
    "<http://www.opengis.net/def/crs/EPSG/0/4326> POINT(45.75 126.63333)",  # latitude first
    "GEOMETRYCOLLECTION (POINT (1 2))", "POINT (1)", "POINT (1 2", "not wkt"])
def test_what_cannot_be_read_safely_has_no_geometry(wkt: str) -> None:
    assert wkt_geometry(wkt) is None


def test_select_results_become_one_feature_per_row() -> None:
    results = {"head": {"vars": ["place", "wkt", "lat", "long", "n"]}, "results": {"bindings": [
        {"place": {"type": "uri", "value": "https://w3id.org/c2c/id/city/cn-harbin"},
         "wkt": {"type": "literal", "value": "POINT(126.63333 45.75)", "datatype": WKT_LITERAL},
         "n": {"type": "literal", "value": "3",
               "datatype": "http://www.w3.org/2001/XMLSchema#integer"}},
        {"lat": {"type": "literal", "value": "20.25"},
         "long": {"type": "literal", "value": "10.5"}},
        {"place": {"type": "uri", "value": "https://w3id.org/c2c/id/source/c21-2018"}}]}}
    collection = json.loads(from_sparql_json(json.dumps(results).encode()))
    features = collection["features"]
    assert collection["type"] == "FeatureCollection" and len(features) == 3
    assert features[0]["geometry"]["coordinates"] == [126.63333, 45.75]
    assert features[0]["properties"]["n"] == 3
    assert features[1]["geometry"] == {"type": "Point", "coordinates": [10.5, 20.25]}
    assert features[2]["geometry"] is None
