"""HTTP validators tied to the store's version, and a small per-worker cache of answers.

A representation's ``ETag`` is a hash of the store version and of everything that shapes the
answer (query, dataset, format, page); a new build or an update changes the version and so every
ETag. ``If-None-Match`` is answered with 304 before any query runs. Answers up to
``C2C_RESULT_CACHE_BYTES`` in total are kept in a least-recently-used cache, keyed the same way.
"""

from __future__ import annotations

import hashlib
import threading
from collections import OrderedDict
from dataclasses import dataclass
from email.utils import formatdate


def etag_for(*parts: object) -> str:
    """A strong entity tag for the representation that *parts* determine."""
    digest = hashlib.sha256("\x1f".join(repr(p) for p in parts).encode("utf-8")).hexdigest()
    return f'"{digest[:32]}"'


def http_date(timestamp: float) -> str:
    return formatdate(timestamp, usegmt=True)


def not_modified(header: str | None, etag: str) -> bool:
    """Whether the ``If-None-Match`` *header* names *etag* (or its gzip variant, or ``*``)."""
    if not header:
        return False
    bare = etag.strip('"')
    for candidate in header.split(","):
        tag = candidate.strip().removeprefix("W/").strip('"')
        if tag in ("*", bare, bare + "-gzip"):
            return True
    return False


@dataclass(frozen=True)
class CachedAnswer:
    body: bytes
    content_type: str
    headers: tuple[tuple[str, str], ...]
    rows: int


class ResultCache:
    """Least-recently-used answers, bounded by their total size in bytes."""

    def __init__(self, max_bytes: int) -> None:
        self.max_bytes = max_bytes
        self._items: OrderedDict[str, CachedAnswer] = OrderedDict()
        self._bytes = 0
        self._lock = threading.Lock()

    def get(self, key: str) -> CachedAnswer | None:
        with self._lock:
            answer = self._items.get(key)
            if answer is not None:
                self._items.move_to_end(key)
            return answer

    def put(self, key: str, answer: CachedAnswer) -> None:
        size = len(answer.body)
        if size > self.max_bytes // 8:
            return
        with self._lock:
            if key in self._items:
                return
            self._items[key] = answer
            self._bytes += size
            while self._bytes > self.max_bytes and self._items:
                _, old = self._items.popitem(last=False)
                self._bytes -= len(old.body)
