"""The front-end packages from npm the pages use (YASGUI, the map packages): where ``make
assets`` puts them and whether they are there. A module of its own, read by the app factory
and the pages alike."""

from __future__ import annotations

from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
NODE_MODULES = ROOT / "var" / "node" / "node_modules"
"""Where ``make assets`` installs the front-end packages from npm (git-ignored; never copied
into the repository, never loaded from a CDN)."""
YASGUI = NODE_MODULES / "@zazuko" / "yasgui" / "build"
VENDOR = {
    "d3-array.min.js": "d3-array/dist/d3-array.min.js",
    "d3-geo.min.js": "d3-geo/dist/d3-geo.min.js",
    "topojson-client.min.js": "topojson-client/dist/topojson-client.min.js",
    "countries-110m.json": "world-atlas/countries-110m.json",
}
"""The files of the map packages the pages load from ``/assets/vendor/{name}``: d3-geo (and
its d3-array) to project, topojson-client to decode, world-atlas's Natural Earth outlines."""


def maps_available() -> bool:
    return all((NODE_MODULES / path).is_file() for path in VENDOR.values())


def yasgui_available() -> bool:
    return (YASGUI / "yasgui.min.js").is_file() and (YASGUI / "yasgui.min.css").is_file()
