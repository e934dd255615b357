"""The public twinning lists of ``../shared/data`` (read, never copied), for cross-checks.

:class:`PublicLists` answers "does this public list also have this pair?" for the Wikidata P190
extracts (by QID) and the Wikipedia twin-town lists (by folded English name and country).
"""

from __future__ import annotations

import csv
from collections.abc import Iterable, Mapping
from pathlib import Path

from loaders.importers.countries import country_code
from loaders.kernel.namespaces import fold


class PublicLists:
    """Pairs of the public lists in *folder* (``../shared/data``)."""

    def __init__(self, folder: Path) -> None:
        self.folder = folder
        self.p190_2016 = self._qid_pairs("wikidata_p190_2016_statements.tsv", "\t",
                                         "subject_qid", "object_qid")
        self.p190_2022 = self._qid_pairs("wikidata_p190_cities2022_edges.csv", ",",
                                         "qid_a", "qid_b")
        self.wikipedia: set[frozenset[tuple[str, str | None]]] = set()
        with (folder / "twin_cities_wikipedia_pairs.csv").open(encoding="utf-8") as f:
            for row in csv.DictReader(f):
                # the list's country as its ISO code (``England, United Kingdom`` → GB)
                a = (fold(row["city1"]), country_code(row["country1"]))
                b = (fold(row["city2"]), country_code(row["country2"]))
                self.wikipedia.add(frozenset((a, b)))

    def _qid_pairs(self, name: str, delimiter: str, a: str, b: str) -> set[frozenset[str]]:
        with (self.folder / name).open(encoding="utf-8") as f:
            return {frozenset((r[a], r[b])) for r in csv.DictReader(f, delimiter=delimiter)}

    def confirming(self, a: dict[str, str], b: dict[str, str],
                   also_named: Mapping[str, Iterable[str]] | None = None) -> list[str]:
        """The keys of the lists (as in ``data/sources.csv``) that have the pair of places *a*
        and *b* (rows of ``data/places.csv``). *also_named* gives, by place key, the other
        names a list writes for a place (the name overrides of
        ``data/gazetteer/place_overrides.csv``: Wikipedia's ``Pudong (Shanghai)``)."""
        found = []
        qids = frozenset((a.get("wikidata", ""), b.get("wikidata", "")))
        if all(qids) and len(qids) == 2:
            if qids in self.p190_2016:
                found.append("wikidata-p190-2016")
            if qids in self.p190_2022:
                found.append("wikidata-p190-2022")
        if self._in_wikipedia(a, b, also_named or {}):
            found.append("wikipedia-twin-towns")
        return found

    def _in_wikipedia(self, a: dict[str, str], b: dict[str, str],
                      also_named: Mapping[str, Iterable[str]]) -> bool:
        names_a, names_b = ({fold(p["name_en"]), *(fold(n) for n in also_named.get(p["key"], ()))}
                            for p in (a, b))
        code_a, code_b = ((p["country"] or p["key"]).upper() for p in (a, b))
        return any(frozenset(((na, code_a), (nb, code_b))) in self.wikipedia
                   for na in names_a for nb in names_b)
