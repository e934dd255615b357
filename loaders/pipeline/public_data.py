"""The public twinning lists in ``data/public``, imported by every ``c2c build``.

``data/public`` holds the China-related extracts of the public lists (made by
:mod:`loaders.pipeline.public_extract`; origin, licence and snapshot date in its README). The build
imports each one through the importers' own entry point (:func:`loaders.importers.run_import`,
the same reconciliation as ``c2c import … --country CN``) into its own source graph, with the
list's licence, and its own links graph: :func:`stage_public` is the build's one call.

The reconciliation decisions — every place mention of every list, its status, the reason and
the IRI it became — are the committed table ``data/public/crosswalk.csv``, sorted and
deterministic, so that a diff shows what a changed list or a changed matcher does. The build
recomputes them; ``tests/test_public_data.py`` requires the committed table to be what the
build computes, and ``python -m loaders.pipeline.public_data`` rewrites it.
"""

from __future__ import annotations

import csv
import io
import sys
from collections import Counter
from collections.abc import Callable
from pathlib import Path

import pyoxigraph as ox
from rdflib import Literal, URIRef
from rdflib.namespace import XSD
from rdflib.term import Node

from loaders.importers import ImportResult, run_import
from loaders.kernel import assets
from loaders.kernel.config import Settings
from loaders.kernel.store import OxigraphStore

#: (import kind, file in data/public), in the order the build reads them
PUBLIC_LISTS = (
    ("wikipedia", "wikipedia_twin_towns_cn.csv"),
    ("wikidata", "wikidata_p190_2022_cn_edges.csv"),
)
COUNTRY = "CN"
CROSSWALK = "crosswalk.csv"
CROSSWALK_COLUMNS = ("list", "row", "name", "country", "qid", "status", "iri", "reason")


def public_folder(settings: Settings) -> Path:
    return Path(settings.data) / "public"


def import_public(settings: Settings) -> list[tuple[str, ImportResult]]:
    """``(file name, import)`` of every public list present in ``data/public`` (none when
    ``C2C_PUBLIC_LISTS`` is off)."""
    if not settings.public_lists:
        return []
    folder = public_folder(settings)
    return [(name, run_import(settings, kind, folder / name, country=COUNTRY))
            for kind, name in PUBLIC_LISTS if (folder / name).is_file()]


def _term(term: Node) -> ox.NamedNode | ox.Literal:
    if isinstance(term, URIRef):
        return ox.NamedNode(str(term))
    if isinstance(term, Literal):
        if term.language:
            return ox.Literal(str(term), language=term.language)
        return ox.Literal(str(term), datatype=ox.NamedNode(str(term.datatype or XSD.string)))
    raise TypeError(f"an import holds no blank nodes, found {term!r}")


def quads(result: ImportResult) -> list[ox.Quad]:
    """The import's graphs as pyoxigraph quads, converted term by term (0.4 s for both lists,
    against 1.1 s through rdflib's N-Quads text and back)."""
    return [ox.Quad(_term(s), _term(p), _term(o), ox.NamedNode(str(graph.identifier)))
            for graph in result.graphs for s, p, o in graph]


def stage_public(settings: Settings, stage: Callable[[list[ox.Quad], str], None]
                 ) -> list[tuple[str, ImportResult]]:
    """Import every public list and hand its quads to *stage* (the build's loader)."""
    imported = import_public(settings)
    for name, result in imported:
        stage(quads(result), f"the public list data/public/{name}")
    return imported


def crosswalk_text(imported: list[tuple[str, ImportResult]]) -> str:
    """The reconciliation decisions of *imported* as CSV, one row per distinct place mention,
    sorted by list, row and name."""
    rows = []
    for name, result in imported:
        for place in result.report()["places"]:
            rows.append((name, place["row"], place["name"] or "", place["country"] or "",
                         place["qid"] or "", place["status"], place["iri"] or "",
                         place["reason"]))
    rows.sort(key=lambda r: (r[0], r[1], r[2], r[4]))
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(CROSSWALK_COLUMNS)
    writer.writerows(rows)
    return out.getvalue()


def pair_counts(result: ImportResult) -> Counter:
    """How the pairs of one list fared: both sides matched; a side ambiguous (left out); a side
    unmatched (left out); and, counted apart, pairs left out because both sides are one place."""
    counts: Counter = Counter()
    statuses = [status for _country, status in result.row_mentions]
    for a, b in zip(statuses[::2], statuses[1::2], strict=True):
        if "unmatched" in (a, b):
            counts["unmatched"] += 1
        elif "ambiguous" in (a, b):
            counts["ambiguous"] += 1
        else:
            counts["matched"] += 1
    counts["same place"] = sum(1 for _pair, why in result.skipped
                               if why == "both sides are the same place")
    return counts


def lists_table(imported: list[tuple[str, ImportResult]]) -> str:
    """The README's table of the public lists: pairs read and how they were reconciled."""
    lines = ["| list | pairs (rows) | both sides matched | a side ambiguous (left out) "
             "| a side unmatched (left out) | one place twice (left out) | agreements |",
             "| --- | --- | --- | --- | --- | --- | --- |"]
    for name, result in imported:
        c = pair_counts(result)
        lines.append(f"| `{name}` | {result.pairs_read:,} | {c['matched']:,} | "
                     f"{c['ambiguous']:,} | {c['unmatched']:,} | {c['same place']:,} | "
                     f"{result.agreements:,} |")
    return "\n".join(lines)


def store_table(store: OxigraphStore, base_iri: str) -> str:
    """The README's table of agreements in a built store: by source graph, China-related,
    dated by precision (:mod:`loaders.queries.measure`)."""
    def rows(name: str) -> list:
        return list(store.query(assets.query(f"measure/{name}.rq"), base_iri=base_iri))

    graph_prefix = base_iri + "graph/source/"
    lines = ["| measure | agreements |", "| --- | --- |"]
    for row in rows("agreements-by-source"):
        licence = _LICENCE_NAMES.get(row["licence"].value, "") if row["licence"] else ""
        graph = row["graph"].value.removeprefix(graph_prefix)
        lines.append(f"| stated by `{graph}`{f' ({licence})' if licence else ''} | "
                     f"{int(row['agreements'].value):,} |")
    (china,) = rows("china-agreements")
    lines.append(f"| **with a Chinese party (distinct)** | {int(china['agreements'].value):,} |")
    lines.append(f"| … of which cite no source | {int(china['uncited'].value):,} |")
    for row in rows("dated-by-precision"):
        precision = row["precision"].value
        # over every agreement, the few without a Chinese party too (the measure's query)
        what = "no start date" if precision == "none" else f"start date as `xsd:{precision}`"
        what = f"all agreements: {what}"
        lines.append(f"| {what} | {int(row['agreements'].value):,} |")
    return "\n".join(lines)


_LICENCE_NAMES = {"https://creativecommons.org/publicdomain/zero/1.0/": "CC0",
                  "https://creativecommons.org/licenses/by/4.0/": "CC BY 4.0",
                  "https://creativecommons.org/licenses/by-sa/4.0/": "CC BY-SA 4.0"}


def main(argv: list[str]) -> int:
    """``python -m loaders.pipeline.public_data``: rewrite ``data/public/crosswalk.csv`` and print
    the README's tables (of the lists, and of the current store if there is one)."""
    from loaders.kernel.store import StoreLocation

    settings = Settings.from_env()
    imported = import_public(settings)
    target = public_folder(settings) / CROSSWALK
    target.write_text(crosswalk_text(imported), encoding="utf-8")
    print(f"wrote {target}\n\n{lists_table(imported)}\n")
    if StoreLocation(settings.store).current() is not None:
        print(store_table(StoreLocation(settings.store).open_current(), settings.base_iri))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
