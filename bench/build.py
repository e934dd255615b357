"""bench/build: the whole ``c2c build`` (read → validate → derive → describe → switch)
on seeded synthetic curated tables, beside raw ``pyoxigraph.Store.bulk_load`` of the same
triples and pySHACL's time on them.

    python -m bench.build [--sizes 100000,1000000] [--pyshacl-limit 330]

For each size it writes a synthetic ``data/`` folder (sources.csv, places.csv with countries,
regions and cities in three languages with centroids, agreements.csv), runs the real build
into a temporary store, dumps what the build loaded as N-Quads, times a raw ``bulk_load`` of
that file into an empty store, and runs pySHACL over the same graphs in a child process killed
at ``--pyshacl-limit`` seconds. Results go to stdout and ``bench/results/build-*.json``.
"""

from __future__ import annotations

import argparse
import csv
import itertools
import json
import multiprocessing as mp
import random
import shutil
import tempfile
import time
from pathlib import Path

import pyoxigraph as ox

from bench.synthetic import RU, ZH
from loaders.kernel.config import Settings
from loaders.kernel.store import StoreLocation
from loaders.pipeline.build import build

ROOT = Path(__file__).resolve().parent.parent
COUNTRIES = ["cn", "ru", "fi", "gb", "vn", "kz", "ee", "se"]
TRIPLES_PER_CITY, TRIPLES_PER_AGREEMENT = 13, 11


def write_tables(folder: Path, target_triples: int, seed: int = 7) -> None:
    """Curated tables that give about *target_triples* triples after the build."""
    rng = random.Random(seed)  # noqa: S311 - seeded synthetic data
    folder.mkdir(parents=True)
    with (folder / "sources.csv").open("w", newline="", encoding="utf-8") as f:
        w = csv.writer(f)
        w.writerow(["key", "type", "title", "licence"])
        w.writerow(["synthetic", "Dataset", "Synthetic benchmark data",
                    "https://creativecommons.org/publicdomain/zero/1.0/"])
    n_cities = max(50, target_triples // (2 * TRIPLES_PER_CITY))
    n_agreements = max(20, (target_triples - n_cities * TRIPLES_PER_CITY) // TRIPLES_PER_AGREEMENT)
    cities_by_country: dict[str, list[str]] = {c: [] for c in COUNTRIES}
    with (folder / "places.csv").open("w", newline="", encoding="utf-8") as f:
        w = csv.writer(f)
        w.writerow(["key", "kind", "name_en", "name_zh", "name_ru", "admin_level", "parent",
                    "country", "lat", "lon", "source"])
        for c in COUNTRIES:
            w.writerow([c, "country", c.upper(), f"国{c}", f"Страна {c}", "country", "", c, "",
                        "", "synthetic"])
            for r in range(10):
                w.writerow([f"{c}-r{r}", "region", f"{c.upper()} Region {r}", f"省{c}{r}",
                            f"Регион {c} {r}", "first-level-region", c, c, "", "", "synthetic"])
        for i in range(n_cities):
            c = COUNTRIES[i % len(COUNTRIES)]
            key = f"{c}-city-{i}"
            cities_by_country[c].append(key)
            w.writerow([key, "city", f"City {i}", "".join(rng.choice(ZH) for _ in range(2)) + "市",
                        "".join(rng.choice(RU) for _ in range(6)).title(), "city",
                        f"{c}-r{rng.randrange(10)}", c, f"{rng.uniform(-60, 70):.4f}",
                        f"{rng.uniform(-180, 180):.4f}", "synthetic"])
    seen: set[tuple[str, str]] = set()
    with (folder / "agreements.csv").open("w", newline="", encoding="utf-8") as f:
        w = csv.writer(f)
        w.writerow(["party_a", "party_b", "type", "date", "source"])
        while len(seen) < n_agreements:
            ca, cb = rng.sample(COUNTRIES, 2)
            a, b = rng.choice(cities_by_country[ca]), rng.choice(cities_by_country[cb])
            if (min(a, b), max(a, b)) in seen:
                continue
            seen.add((min(a, b), max(a, b)))
            w.writerow([a, b, "sister-city", str(rng.randint(1973, 2023)), "synthetic"])


def _pyshacl(nquads: Path, out: mp.Queue) -> None:
    from loaders.validate import graphs_in_nquads, validate_data

    graphs = graphs_in_nquads(nquads)
    started = time.monotonic()
    violations = validate_data(graphs, engine="pyshacl")
    out.put((time.monotonic() - started, len(violations)))


def run_size(root: Path, target: int, pyshacl_limit: float) -> dict:
    data = root / f"data-{target}"
    write_tables(data, target)
    settings = Settings.from_env({}).with_overrides(store=root / f"store-{target}", data=data)
    marks: list[tuple[str, float]] = []
    started = time.monotonic()
    summary = build(settings, progress=False,
                    on_step=lambda name: marks.append((name, time.monotonic())))
    build_seconds = time.monotonic() - started
    marks.append(("end", started + build_seconds))
    steps = {name: round(end - begin, 2) for (name, begin), (_, end) in
             itertools.pairwise(marks)}
    store = StoreLocation(settings.store).open_current()
    nquads = root / f"loaded-{target}.nq"
    derived = {f"{settings.base_iri}graph/derived", f"{settings.base_iri}graph/void"}
    with nquads.open("wb") as f:
        store.raw.dump(f, format=ox.RdfFormat.N_QUADS)
    quads = summary.quads
    raw = ox.Store(str(root / f"raw-{target}"))
    started = time.monotonic()
    raw.bulk_load(path=str(nquads), format=ox.RdfFormat.N_QUADS)
    raw.flush()
    bulk_seconds = time.monotonic() - started
    del raw
    # pySHACL over the data graphs (not the derived ones), in a child killed at the limit
    data_only = root / f"data-only-{target}.nq"
    with nquads.open(encoding="utf-8") as src, data_only.open("w", encoding="utf-8") as dst:
        for line in src:
            if not any(f"<{g}>" in line for g in derived):
                dst.write(line)
    out: mp.Queue = mp.Queue()
    child = mp.Process(target=_pyshacl, args=(data_only, out))
    started = time.monotonic()
    child.start()
    child.join(pyshacl_limit)
    if child.is_alive():
        child.kill()
        child.join()
        pyshacl = {"finished": False, "limit_seconds": pyshacl_limit}
    else:
        seconds, violations = out.get()
        pyshacl = {"finished": True, "seconds": seconds, "violations": violations}
    return {"target": target, "quads": quads, "build_seconds": build_seconds,
            "build_triples_per_second": quads / build_seconds,
            "bulk_load_seconds": bulk_seconds, "bulk_load_triples_per_second": quads / bulk_seconds,
            "ratio": (quads / build_seconds) / (quads / bulk_seconds), "pyshacl": pyshacl,
            "steps_seconds": steps,
            "violations": summary.violations}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--sizes", default="100000,1000000")
    parser.add_argument("--pyshacl-limit", type=float, default=330.0)
    parser.add_argument("--out", type=Path, default=ROOT / "bench" / "results")
    args = parser.parse_args()
    root = Path(tempfile.mkdtemp(prefix="c2c-bench-build-"))
    results = []
    try:
        for size in (int(s) for s in args.sizes.split(",")):
            row = run_size(root, size, args.pyshacl_limit)
            results.append(row)
            p = row["pyshacl"]
            shacl = f"{p['seconds']:.1f} s" if p["finished"] else \
                f"did not finish in {p['limit_seconds']:.0f} s"
            print(f"{row['quads']:>9} quads: build {row['build_seconds']:.1f} s "
                  f"({row['build_triples_per_second']:,.0f}/s), bulk_load "
                  f"{row['bulk_load_seconds']:.1f} s ({row['bulk_load_triples_per_second']:,.0f}/s)"
                  f", ratio {row['ratio']:.2f}; pySHACL alone: {shacl}\n"
                  f"           build steps (s): "
                  + ", ".join(f"{k} {v}" for k, v in row["steps_seconds"].items()), flush=True)
    finally:
        shutil.rmtree(root, ignore_errors=True)
    args.out.mkdir(parents=True, exist_ok=True)
    (args.out / f"build-{time.strftime('%Y%m%dT%H%M%S')}.json").write_text(
        json.dumps(results, indent=2))


if __name__ == "__main__":
    main()
