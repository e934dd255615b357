"""The registry of import kinds: the only list of the public-list formats ``c2c import``
reads. Each kind names its reader (a function from a file to pairs of place mentions, in
:mod:`loaders.importers.readers`), the licence of what it imports, the source record it derives
from, and whether ``c2c import KIND FILE`` offers it. Every kind is reconciled
(:mod:`loaders.importers.reconcile`) and reported (``ImportResult.report``) the same way.

A module of its own, outside ``loaders.importers``, so that the command line reads the kinds
without importing the importers (rdflib, the gazetteer) on every call. Adding a kind: a row
here, its reader in ``readers.py``, and a test.
"""

from __future__ import annotations

import importlib
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

CC0 = "https://creativecommons.org/publicdomain/zero/1.0/"
CC_BY_SA = "https://creativecommons.org/licenses/by-sa/4.0/"


@dataclass(frozen=True)
class ImportKind:
    name: str
    read: str
    """The reader as ``module:function``, imported when a file of this kind is read."""
    licence: str
    original_source: str
    """The key of the source record (``data/sources.csv``) the import derives from."""
    from_file: bool = True

    def reader(self) -> Callable[[Path], list]:
        module, _, function = self.read.partition(":")
        return getattr(importlib.import_module(module), function)


KINDS: dict[str, ImportKind] = {kind.name: kind for kind in (
    ImportKind("wikidata", "loaders.importers.readers:read_wikidata", CC0,
               "wikidata-p190-2022"),
    ImportKind("wikipedia", "loaders.importers.readers:read_wikipedia", CC_BY_SA,
               "wikipedia-twin-towns"),
    # the saved answer of a live query (loaders.importers.wikidata_sparql)
    ImportKind("wikidata-sparql", "loaders.importers.readers:read_wikidata", CC0, "wikidata",
               from_file=False),
)}


def file_kinds() -> list[str]:
    """The kinds ``c2c import KIND FILE`` offers."""
    return [kind.name for kind in KINDS.values() if kind.from_file]
