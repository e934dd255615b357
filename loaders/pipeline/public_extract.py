"""The China-related extracts of the public twinning lists, made from ``../shared/data``.

A maintainer's tool, never run by the build: ``python -m loaders.pipeline.public_extract SHARED
OUT`` writes into *OUT* (``data/public``) only the rows the graph uses — those with China on a side,
decided exactly as ``c2c import … --country CN`` decides it (the same readers, the same
country normalisation) — unchanged, in the order of the original file:

* ``wikipedia_twin_towns_cn.csv``: rows of ``twin_cities_wikipedia_pairs.csv``;
* ``wikidata_p190_2022_cn_edges.csv`` and ``…_nodes.csv``: the edges of
  ``wikidata_p190_cities2022_edges.csv`` with a Chinese side, and the nodes they name.

``tests/test_public_data.py`` runs it against ``../shared/data`` (when present) and requires
the committed files to be byte-identical, so the extracts cannot drift from their origin.
"""

from __future__ import annotations

import csv
import io
import sys
from pathlib import Path

from loaders.importers.readers import read_wikidata, read_wikipedia

COUNTRY = "CN"
#: extract file in data/public → the file of ../shared/data it is cut from
FILES = {
    "wikipedia_twin_towns_cn.csv": "twin_cities_wikipedia_pairs.csv",
    "wikidata_p190_2022_cn_edges.csv": "wikidata_p190_cities2022_edges.csv",
    "wikidata_p190_2022_cn_nodes.csv": "wikidata_p190_cities2022_nodes.csv",
}


def _rows(path: Path) -> tuple[list[str], list[list[str]]]:
    with path.open(encoding="utf-8", newline="") as f:
        header, *rows = list(csv.reader(f))
    return header, rows


def _text(header: list[str], rows: list[list[str]]) -> str:
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(header)
    writer.writerows(rows)
    return out.getvalue()


def extracts(shared: Path) -> dict[str, str]:
    """File name → text of every extract, cut from the files in *shared*."""
    texts: dict[str, str] = {}

    wikipedia = shared / FILES["wikipedia_twin_towns_cn.csv"]
    keep = {p.row for p in read_wikipedia(wikipedia) if COUNTRY in (p.a.country, p.b.country)}
    header, rows = _rows(wikipedia)
    texts["wikipedia_twin_towns_cn.csv"] = _text(
        header, [r for n, r in enumerate(rows, start=2) if n in keep])

    edges = shared / FILES["wikidata_p190_2022_cn_edges.csv"]
    keep = {p.row for p in read_wikidata(edges) if COUNTRY in (p.a.country, p.b.country)}
    header, rows = _rows(edges)
    kept = [r for n, r in enumerate(rows, start=2) if n in keep]
    texts["wikidata_p190_2022_cn_edges.csv"] = _text(header, kept)
    named = {qid for r in kept for qid in r}
    header, rows = _rows(shared / FILES["wikidata_p190_2022_cn_nodes.csv"])
    texts["wikidata_p190_2022_cn_nodes.csv"] = _text(header, [r for r in rows if r[0] in named])
    return texts


def main(argv: list[str]) -> int:
    if len(argv) != 2:
        print("usage: python -m loaders.pipeline.public_extract SHARED_DATA_FOLDER OUT_FOLDER",
              file=sys.stderr)
        return 2
    shared, out = Path(argv[0]), Path(argv[1])
    out.mkdir(parents=True, exist_ok=True)
    for name, text in extracts(shared).items():
        (out / name).write_text(text, encoding="utf-8")
        print(f"{out / name}: {text.count(chr(10)) - 1} rows")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
