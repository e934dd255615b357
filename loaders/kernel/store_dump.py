"""``python -m loaders.kernel.store_dump FOLDER``: the Oxigraph store in FOLDER on standard output
(:func:`write_folder`), read in a process of its own for
:func:`loaders.kernel.store._memory_copy`, which says why.

It imports pyoxigraph and the standard library only: every fork server of a server that serves
from memory runs it once, and importing :mod:`loaders.kernel.store` (rdflib, through the
namespaces) tripled the process's CPU (about 0.45 s of 0.6 s on the curated build)."""

from __future__ import annotations

import json
import sys
from typing import Any

import pyoxigraph as ox


def write_folder(folder: str, out: Any) -> None:
    """Write the store in *folder* to the binary stream *out* for
    :func:`loaders.kernel.store._memory_copy`: a first line with the JSON list of its named
    graphs (N-Triples terms, empty graphs included), then every quad as N-Quads. Opened
    read-only, so a served folder can be read while it serves."""
    store = ox.Store.read_only(folder)
    out.write(json.dumps([str(graph) for graph in store.named_graphs()]).encode() + b"\n")
    store.dump(out, format=ox.RdfFormat.N_QUADS)
    out.flush()


if __name__ == "__main__":
    try:
        write_folder(sys.argv[1], sys.stdout.buffer)
    except OSError as exc:  # a folder that is not a store: one line, the caller reports it
        sys.exit(f"{sys.argv[1]}: {exc}")
