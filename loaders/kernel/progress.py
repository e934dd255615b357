"""Progress bars for long commands (build, import, export, docs), with counts and rates.

tqdm draws them on stderr, and only when stderr is a terminal: tests, pipes and CI logs get no
bar at all (:func:`wanted`). The bar disappears when its work is done (``leave=False``), so a
terminal keeps only the command's summary.
"""

from __future__ import annotations

import sys
from collections.abc import Iterable
from typing import TypeVar

from tqdm import tqdm

T = TypeVar("T")


def wanted() -> bool:
    """Whether to draw bars: stderr is a terminal."""
    return sys.stderr.isatty()


def bar(iterable: Iterable[T] | None = None, *, desc: str, unit: str, total: int | None = None,
        enabled: bool = False) -> tqdm:
    """A tqdm bar (counts, rate, time left) that draws nothing unless *enabled*."""
    return tqdm(iterable, total=total, desc=desc, unit=unit, disable=not enabled, leave=False,
                dynamic_ncols=True)
