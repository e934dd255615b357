"""The store as the endpoint sees it: the current build, reopened when a new build is switched in.

Each request asks :meth:`ServedStore.get` for the store; a ``readlink`` tells whether
``c2c build`` switched ``current`` to a new build since, and only then is the new build opened
(read-only, so every gunicorn worker can share it). The previous store keeps answering until the
switch, and a failed build never touches it.
"""

from __future__ import annotations

import threading
from pathlib import Path

from loaders.store import BuildInfo, OxigraphStore, StoreLocation


class ServedStore:
    def __init__(self, root: Path) -> None:
        self.location = StoreLocation(root)
        self._lock = threading.Lock()
        self._path: Path | None = None
        self._store: OxigraphStore | None = None
        self._info: BuildInfo | None = None

    def get(self) -> OxigraphStore:
        """The current store; raises :class:`loaders.errors.StoreError` before any build."""
        current = self.location.current()
        if current is not None and current == self._path and self._store is not None:
            return self._store
        with self._lock:
            if current is None or current != self._path or self._store is None:
                self._store = self.location.open_current()
                self._path = current or self._store.path
                self._info = self.location.info(self._path)
            return self._store

    @property
    def info(self) -> BuildInfo:
        self.get()
        assert self._info is not None
        return self._info
