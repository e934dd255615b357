"""The graph's truth, measured: the figures of README's section "The graph's truth".

:func:`cn_ru_table` counts the China-Russia agreements of a built store the way a researcher
asks (cities or regions, type, decade, policy period, how many sources state each), to set
beside the seed's 122 = 31 + 91; :func:`same_name_partners` lists two partners of one place
whose English labels agree once folded (one agreement counted twice, or two a reader cannot
tell apart). ``tests/test_truth.py`` recomputes both over the default build and requires
README's table and its list of known pairs. ``python -m loaders.pipeline.truth`` prints them for the
current store (``C2C_STORE``).
"""

from __future__ import annotations

import re
import sys
from collections import Counter, defaultdict

from loaders.kernel import assets
from loaders.kernel.config import Settings
from loaders.kernel.namespaces import fold
from loaders.kernel.store import OxigraphStore, StoreLocation

#: a trailing level word dropped before labels are compared (Ōsaka Prefecture ~ Osaka)
_LEVEL_WORD = re.compile(r" (city|province|prefecture|oblast|krai|county|district|municipality"
                         r"|region|republic)$")
_PERIODS = ("makeeva-1990s", "makeeva-2000s", "makeeva-2010s")


def _rows(store: OxigraphStore, name: str, base_iri: str) -> list:
    return list(store.query(assets.query(f"truth/{name}.rq"), base_iri=base_iri))


def cn_ru_table(store: OxigraphStore, base_iri: str) -> str:
    """README's table of China-Russia agreements (``<!-- truth-cn-ru -->``)."""
    agreements: dict[str, dict] = {}
    for row in _rows(store, "cn-ru-agreements", base_iri):
        a = agreements.setdefault(row["agreement"].value, {"periods": set()})
        a["regions"] = (row["cnRegion"].value == "true", row["ruRegion"].value == "true")
        a["type"] = row["type"].value.rsplit("/", 1)[1] if row["type"] else "none"
        a["year"] = int(row["year"].value) if row["year"] else None
        a["sources"] = int(row["sources"].value)
        if row["period"]:
            a["periods"].add(row["period"].value.rsplit("/", 1)[1])
    n = len(agreements)
    levels = Counter({(False, False): "both cities, counties or districts",
                      (True, True): "both first-level regions"}
                     .get(a["regions"], "a city and a first-level region")
                     for a in agreements.values())
    types = Counter(a["type"] for a in agreements.values())
    dated = [a for a in agreements.values() if a["year"] is not None]
    decades = Counter(a["year"] // 10 * 10 for a in dated)
    periods = Counter(p for a in agreements.values() for p in a["periods"])
    lines = ["| measure | agreements |", "| --- | --- |",
             f"| China–Russia agreements (distinct) | {n:,} |"]
    lines += [f"| … {what} | {levels[what]:,} |" for what in
              ("both cities, counties or districts", "a city and a first-level region",
               "both first-level regions")]
    lines += [f"| … typed `{t}` | {types[t]:,} |" for t in sorted(types)]
    lines.append(f"| … stated by one source graph only | "
                 f"{sum(a['sources'] == 1 for a in agreements.values()):,} |")
    lines.append(f"| … with a start date | {len(dated):,} |")
    lines.append(f"| … dated 1988–2023 (the seed's years) | "
                 f"{sum(1988 <= a['year'] <= 2023 for a in dated):,} |")
    lines += [f"| … dated in the {d}s | {decades[d]:,} |" for d in sorted(decades)]
    lines += [f"| … in policy period `{p}` (derived from the date) | {periods[p]:,} |"
              for p in _PERIODS]
    return "\n".join(lines)


def label_key(label: str) -> str:
    return _LEVEL_WORD.sub("", fold(label)).replace(" ", "")


def same_name_partners(store: OxigraphStore, base_iri: str) -> list[tuple[str, str, str]]:
    """``(place, partner, partner)`` keys (the IRIs' last two segments) of two partners of one
    place, in one country, whose folded English labels agree; sorted."""
    groups: dict[tuple, set[str]] = defaultdict(set)
    for row in _rows(store, "same-name-partners", base_iri):
        groups[(row["place"].value, row["country"].value, label_key(row["label"].value))].add(
            row["partner"].value)

    def short(iri: str) -> str:
        return "/".join(iri.rsplit("/", 2)[1:])

    found = set()
    for (place, _country, _key), partners in groups.items():
        ordered = sorted(partners)
        for i, x in enumerate(ordered):
            for y in ordered[i + 1:]:
                found.add((short(place), short(x), short(y)))
    return sorted(found)


def main(argv: list[str]) -> int:
    settings = Settings.from_env()
    store = StoreLocation(settings.store).open_current()
    print(cn_ru_table(store, settings.base_iri))
    print()
    for place, x, y in same_name_partners(store, settings.base_iri):
        print(f"{place}\t{x}\t{y}")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
