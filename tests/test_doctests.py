"""The examples in the docstrings run as tests: every module of loaders/ and endpoint/ that
has one (found by its ``>>>``, so that a new example is never left out)."""

from __future__ import annotations

import doctest
import importlib

import pytest

from tests.conftest import ROOT

MODULES = sorted(
    ".".join(p.relative_to(ROOT).with_suffix("").parts)
    for folder in ("loaders", "endpoint") for p in (ROOT / folder).rglob("*.py")
    if ">>>" in p.read_text(encoding="utf-8"))


def test_the_examples_are_found() -> None:
    assert "endpoint.negotiation" in MODULES and "loaders.kernel.namespaces" in MODULES


@pytest.mark.parametrize("name", MODULES)
def test_docstring_examples(name: str) -> None:
    result = doctest.testmod(importlib.import_module(name), optionflags=doctest.ELLIPSIS)
    assert result.attempted > 0, f"{name} has '>>>' but no example ran"
    assert result.failed == 0
