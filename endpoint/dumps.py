"""The dump files ``c2c export`` wrote into ``C2C_DUMPS``, as the server offers them."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

MEDIA_TYPES = {
    ".nq.gz": "application/gzip",
    ".trig.gz": "application/gzip",
    ".ttl.gz": "application/gzip",
    ".jsonld.gz": "application/gzip",
    ".csv.gz": "application/gzip",
    ".nq": "application/n-quads",
    ".trig": "application/trig",
    ".ttl": "text/turtle",
    ".jsonld": "application/ld+json",
    ".csv": "text/csv",
    ".sha256": "text/plain",
}


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
    return "application/octet-stream"


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
                if d is not None and not d.name.endswith(".sha256") and d.name != "void.ttl"]
