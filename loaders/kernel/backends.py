"""The store the configuration names, whichever backend it is: the one place that knows both
(:mod:`loaders.kernel.store` for the embedded Oxigraph store, :mod:`loaders.kernel.remote_store` for
a SPARQL 1.1 server), so that neither backend imports the other."""

from __future__ import annotations

from typing import Any

from loaders.kernel.remote_store import RemoteStore
from loaders.kernel.store import GraphStore, StoreLocation


def open_configured(settings: Any) -> GraphStore:
    """The store the configuration names: the remote SPARQL 1.1 server of ``C2C_STORE_URL``
    (:class:`loaders.kernel.remote_store.RemoteStore`), else the current build in ``C2C_STORE``."""
    if settings.store_url:
        return RemoteStore.from_settings(settings)
    return StoreLocation(settings.store).open_current()
