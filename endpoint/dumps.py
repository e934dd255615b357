"""The dump files ``c2c export`` wrote into ``C2C_DUMPS``, as the server offers them."""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path

from loaders.kernel.results import media_type_of as format_media_type

INDEX = "index.json"
"""What ``c2c export`` writes beside the dumps: their store version and each file's facts."""

MEDIA_TYPES = {".gz": "application/gzip", ".sha256": "text/plain"}
"""The dump files that are not in an output format; the others' media types come from the
format registry (:func:`loaders.kernel.results.media_type_of`)."""


@dataclass(frozen=True)
class Dump:
    name: str
    path: Path
    size: int
    media_type: str


def media_type_of(name: str) -> str:
    for suffix, media in MEDIA_TYPES.items():
        if name.endswith(suffix):
            return media
    return format_media_type(name) or "application/octet-stream"


class Dumps:
    """The folder of exported dumps (``C2C_DUMPS``)."""

    def __init__(self, folder: Path) -> None:
        self.folder = Path(folder)

    def find(self, name: str) -> Dump | None:
        """The dump file called *name* (no sub-folders, no hidden files), or None."""
        if "/" in name or name.startswith(".") or not self.folder.is_dir():
            return None
        path = self.folder / name
        if not path.is_file():
            return None
        return Dump(name, path, path.stat().st_size, media_type_of(name))

    def listing(self) -> list[Dump]:
        """Every dump file but the checksum sidecars, sorted by name."""
        if not self.folder.is_dir():
            return []
        return [d for d in (self.find(p.name) for p in sorted(self.folder.iterdir()))
                if d is not None and not d.name.endswith(".sha256")
                and d.name not in ("void.ttl", INDEX)]

    def index(self) -> dict | None:
        """``index.json`` as ``c2c export`` wrote it (store version, files with size, SHA-256,
        triples), keeping only the files that are still there with that size; None without
        an index (no export yet, or one made before the index existed)."""
        found = self.find(INDEX)
        if found is None:
            return None
        try:
            index = json.loads(found.path.read_text(encoding="utf-8"))
        except (OSError, ValueError):
            return None
        present = {d.name: d.size for d in self.listing()}
        index["files"] = [f for f in index.get("files", [])
                          if present.get(f.get("name")) == f.get("size")]
        return index
