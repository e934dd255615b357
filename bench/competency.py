"""bench/competency: the research queries (ontology/competency/*.rq) and the counting queries of
issue 13, timed over a store built from data/ plus both documented imports (the China-related
rows of the Wikipedia and Wikidata 2022 lists in ../shared/data).

    python -m bench.competency [--runs 20] [--no-imports] [--label NAME]

Each query runs once to warm up, then --runs times through ``OxigraphStore.query`` (what
``c2c query`` and the endpoint's executors call); the median and the row count are printed
and written to ``bench/results/competency-{label}.json``.
"""

from __future__ import annotations

import argparse
import json
import statistics
import tempfile
import time
from pathlib import Path

import pyoxigraph as ox

from loaders.kernel import assets
from loaders.kernel.config import Settings
from loaders.kernel.store import StoreLocation
from loaders.pipeline.build import build

ROOT = Path(__file__).resolve().parent.parent
SHARED = ROOT.parent / "shared" / "data"
IMPORTS = (("wikipedia", "twin_cities_wikipedia_pairs.csv"),
           ("wikidata", "wikidata_p190_cities2022_edges.csv"))
COUNTS = {
    "count-agreements": "SELECT (COUNT(*) AS ?n) WHERE { ?a a c2c:TwinningAgreement }",
    "count-parties": "SELECT (COUNT(*) AS ?n) WHERE { ?a c2c:hasParty ?p }",
    "cn-ru-partner-join": (
        "SELECT (COUNT(*) AS ?n) WHERE { ?a a c2c:TwinningAgreement ; c2c:hasParty ?x , ?y . "
        "?x c2c:inCountry <https://w3id.org/c2c/id/country/cn> . "
        "?y c2c:inCountry <https://w3id.org/c2c/id/country/ru> }"),
}


def rows(result: object) -> int:
    if isinstance(result, ox.QueryBoolean):
        return 1
    return sum(1 for _ in result)  # type: ignore[attr-defined]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=20)
    parser.add_argument("--no-imports", action="store_true")
    parser.add_argument("--label", default="run")
    args = parser.parse_args()
    from loaders.importers import run_import, save_and_apply

    with tempfile.TemporaryDirectory() as tmp:
        settings = Settings.from_env({}).with_overrides(store=Path(tmp) / "store",
                                                        data=ROOT / "data")
        build(settings, progress=False)
        if not args.no_imports:
            for kind, name in IMPORTS:
                save_and_apply(settings, run_import(settings, kind, SHARED / name,
                                                    country="CN"))
        store = StoreLocation(settings.store).open_current()
        queries = [(n.removesuffix(".rq"), t) for n, t in assets.competency_questions()]
        queries += list(COUNTS.items())
        out = {}
        for name, text in queries:
            n = rows(store.query(text))
            if name in COUNTS:
                n = int(next(iter(store.query(text)))["n"].value)
            times = []
            for _ in range(args.runs):
                started = time.perf_counter()
                rows(store.query(text))
                times.append(time.perf_counter() - started)
            out[name] = {"median_ms": round(statistics.median(times) * 1000, 3), "rows": n}
            print(f"{name:45} {out[name]['median_ms']:9.3f} ms  {n:>7} rows")
        total = sum(v["median_ms"] for v in out.values())
        print(f"{'sum of medians':45} {total:9.3f} ms")
        results = ROOT / "bench" / "results"
        results.mkdir(exist_ok=True)
        (results / f"competency-{args.label}.json").write_text(json.dumps(out, indent=2))


if __name__ == "__main__":
    main()
