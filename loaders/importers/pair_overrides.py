"""Pair-level overrides: one side of one listed pair pinned to a place, where the pair — not
the name alone — says which place is meant (``data/gazetteer/pair_overrides.csv``).

A name override (``place_overrides.csv``) decides a name wherever a list writes it. Some names
mean one place in one pair and another elsewhere: the Wikipedia list's ``Hulunbuir - Chita``
is the tie Chita signed in 1992 with Hailar, a district of Hulunbuir since 2001, while its
``Hulunbuir - Ulan-Ude`` is the prefecture's. A row of the file names the lists it holds for
(file names, ``;``-separated: the extract in ``data/public`` and the files of ``../shared/data``
it was made from), the pair as they write it (either direction matches), the place to use for
the side ``name``, the reason and the address of the evidence.

The import kinds' reconciler (:func:`loaders.importers._reconcile_all`) is the one reader: a
row whose list is being imported and that matches none of its pairs is an error naming this
file and the row, so a stale override cannot silently rot when a list changes.
"""

from __future__ import annotations

import csv
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from loaders.importers.readers import Mention, Pair
from loaders.kernel.errors import InputError, Location
from loaders.kernel.namespaces import fold

FILE = "pair_overrides.csv"
COLUMNS = ("list", "name", "country", "partner", "partner_country", "target", "reason",
           "evidence")


@dataclass(frozen=True)
class PairOverride:
    """One row: in the lists *list* (file names, ``;``-separated), the mention *name*
    (*country*) paired with *partner* (*partner_country*) is the place *target*."""

    path: Path
    row: int
    list: str
    name: str
    country: str
    partner: str
    partner_country: str
    target: str
    reason: str
    evidence: str

    def side(self, pair: Pair) -> Mention | None:
        """The mention of *pair* this row pins (either direction), or None."""
        for this, other in ((pair.a, pair.b), (pair.b, pair.a)):
            if (fold(this.name or ""), this.country) == (fold(self.name), self.country) and \
                    (fold(other.name or ""), other.country) == (fold(self.partner),
                                                                self.partner_country):
                return this
        return None

    @property
    def lists(self) -> set[str]:
        return {name.strip() for name in self.list.split(";") if name.strip()}

    def describe(self) -> str:
        return f"{self.name} ({self.country}) – {self.partner} ({self.partner_country})"


def read(folder: Path, known: Callable[[str], object]) -> list[PairOverride]:
    """The rows of ``{folder}/pair_overrides.csv`` (none when the file is absent). *known*
    returns the place of a key, or None: a target no place has is an error, as is a row
    without its pair, target, reason or an ``http(s)`` evidence address."""
    path = folder / FILE
    if not path.exists():
        return []
    rows: list[PairOverride] = []
    with path.open(encoding="utf-8") as f:
        reader = csv.DictReader(f)
        missing = [c for c in COLUMNS if c not in (reader.fieldnames or ())]
        if missing:
            raise InputError(Location(path, row=1), "missing columns " + ", ".join(missing))
        for number, r in enumerate(reader, start=2):
            values = {c: (r.get(c) or "").strip() for c in COLUMNS}
            for column in COLUMNS:
                if not values[column]:
                    raise InputError(Location(path, row=number, column=column),
                                     "a pair override needs every column", term=values["name"])
            if not values["evidence"].startswith(("https://", "http://")):
                raise InputError(Location(path, row=number, column="evidence"),
                                 "the evidence is the address of a page", term=values["evidence"])
            if known(values["target"]) is None:
                raise InputError(Location(path, row=number, column="target"),
                                 "no place has this key", term=values["target"])
            values["country"] = values["country"].upper()
            values["partner_country"] = values["partner_country"].upper()
            rows.append(PairOverride(path, number, **values))
    return rows


def for_list(overrides: list[PairOverride], list_name: str,
             country: str | None = None) -> list[PairOverride]:
    """The rows for the list *list_name* (a file name) that an import restricted to
    *country* (or not restricted) must match."""
    return [o for o in overrides if list_name in o.lists
            and (country is None or country in (o.country, o.partner_country))]


def require_used(overrides: list[PairOverride], used: set[int], list_name: str) -> None:
    """Raise for the first row of *overrides* that matched no pair of *list_name*."""
    for o in overrides:
        if o.row not in used:
            raise InputError(Location(o.path, row=o.row), f"the pair override matches no pair "
                             f"of {list_name} (a stale override: the list changed?)",
                             term=o.describe())


__all__ = ["COLUMNS", "FILE", "PairOverride", "for_list", "read", "require_used"]
