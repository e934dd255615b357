"""A researcher's sample of imported agreements, checked against the source rows (on demand).

``python -m bench.truth_sample [N] [SEED] [../shared/data]`` imports (without applying) the
public lists of ``data/public`` exactly as the build does, draws N agreements (default 60,
seed 7) at random from the distinct pairs of both lists, and prints for each: the list and
row, both names and countries as the row writes them, the place each became (key, name,
level, country, first-level region), and the distance from the place to the row's own point
(the Wikidata nodes' P625, or the geocoded form of the Wikipedia list in ``../shared/data``).
Flags: ``COUNTRY`` (the place is in another country than the row says; Hong Kong and Macau
are countries of the extract), ``FAR`` (more than 50 km from the row's point), ``NAME`` (the
place's name shares no folded word with the row's). The flagged rows and the judgement of
each sampled row are in README ("The graph's truth").
"""

from __future__ import annotations

import random
import sys
from pathlib import Path

from bench.reconcile import geocodes
from loaders.importers.reconcile import distance
from loaders.kernel.config import Settings
from loaders.kernel.namespaces import fold
from loaders.pipeline.public_data import import_public, public_folder


def sample(n: int = 60, seed: int = 7, shared: Path | None = None) -> list[dict]:
    settings = Settings.from_env()
    points = geocodes(shared, public_folder(settings) / "wikipedia_twin_towns_cn.csv") \
        if shared and (shared / "twin_cities_wikipedia_pairs_geocoded.csv").is_file() else {}
    pairs: dict[tuple[str, str], dict] = {}
    for name, result in import_public(settings):
        for pair, sides in zip(result.pairs, result.sides, strict=True):
            if any(s.iri is None for s in sides) or sides[0].iri == sides[1].iri:
                continue
            key = tuple(sorted(str(s.iri) for s in sides))
            rows = []
            for i, s in enumerate(sides):
                entry, m = s.match.entry, s.mention
                lat, lon = (m.lat, m.lon) if m.lat is not None else \
                    points.get((pair.row, "ab"[i]), (None, None))
                km = distance(entry, lat, lon) if lat is not None else None
                flags = [f for f, bad in (
                    ("COUNTRY", entry.country != m.country and entry.key not in ("hk", "mo")),
                    ("FAR", km is not None and km != float("inf") and km > 50),
                    ("NAME", not set(fold(m.name or "").split()) & set(
                        fold(entry.name_en).split()) and not entry.name_zh)) if bad]
                rows.append({"written": f"{m.name} ({m.country_text})", "key": entry.key,
                             "place": entry.name_en, "level": entry.level,
                             "country": entry.country, "region": entry.region,
                             "km": None if km is None or km == float("inf") else round(km, 1),
                             "flags": flags})
            pairs.setdefault(key, {"list": name, "row": pair.row, "sides": rows})
    keys = sorted(pairs)
    # a reproducible sample for an audit, not a secret: a seeded Mersenne Twister is right
    return [pairs[k] for k in random.Random(seed).sample(keys, min(n, len(keys)))]  # noqa: S311


def main(argv: list[str]) -> int:
    n = int(argv[0]) if argv else 60
    seed = int(argv[1]) if len(argv) > 1 else 7
    shared = Path(argv[2]) if len(argv) > 2 else \
        Path(__file__).resolve().parents[2] / "shared" / "data"
    drawn = sample(n, seed, shared)
    flagged = 0
    for i, p in enumerate(drawn, 1):
        cells = [f"{s['written']} → {s['key']} {s['place']} [{s['level']}, {s['country']}"
                 f"{' ' + s['region'] if s['region'] else ''}]"
                 + (f" {s['km']} km" if s['km'] is not None else "")
                 + (" " + ",".join(s["flags"]) if s["flags"] else "") for s in p["sides"]]
        flagged += any(s["flags"] for s in p["sides"])
        print(f"{i:2} {p['list'].split('_')[0]} row {p['row']}: " + " | ".join(cells))
    print(f"{len(drawn)} agreements drawn (seed {seed}), {flagged} with a flag")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
