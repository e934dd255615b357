"""``python -m loaders.kernel.store_dump FOLDER``: the Oxigraph store in FOLDER on standard output
(:func:`loaders.kernel.store.write_folder`), read in a process of its own for
:func:`loaders.kernel.store._memory_copy`, which says why."""

from __future__ import annotations

import sys

from loaders.kernel.store import write_folder

if __name__ == "__main__":
    try:
        write_folder(sys.argv[1], sys.stdout.buffer)
    except OSError as exc:  # a folder that is not a store: one line, the caller reports it
        sys.exit(f"{sys.argv[1]}: {exc}")
