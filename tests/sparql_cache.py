"""rdflib's SPARQL processor with each query text parsed once per test process.

pySHACL, the reference engine ``tests/test_shapes.py`` compares the compiled shapes with, runs
the shapes' SPARQL constraints through rdflib, which parses the same few query texts again on
every validation (pyparsing: about 0.1 CPU s a text, two thirds of the file's time). Here a
query text, with its base and namespaces, is parsed and translated once and the prepared query
evaluated each time, as rdflib's own ``prepareQuery`` does; the evaluation and its answers are
rdflib's. Registered as rdflib's ``sparql`` processor plugin only inside :func:`prepared_queries`.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from typing import Any

from rdflib import plugin
from rdflib.plugins.sparql.algebra import translateQuery
from rdflib.plugins.sparql.parser import parseQuery
from rdflib.plugins.sparql.processor import SPARQLProcessor
from rdflib.query import Processor

_PREPARED: dict[tuple, Any] = {}


class PreparingSPARQLProcessor(SPARQLProcessor):
    """rdflib's processor; a query given as text is prepared once per (text, base, namespaces)."""

    def query(self, strOrQuery, initBindings=None, initNs: Mapping[str, Any] | None = None,  # noqa: N803
              base: str | None = None, DEBUG: bool = False):  # noqa: N803
        prepared = strOrQuery
        if isinstance(strOrQuery, str):
            key = (strOrQuery, base, tuple(sorted((k, str(v)) for k, v in (initNs or {}).items())))
            if key not in _PREPARED:
                _PREPARED[key] = translateQuery(parseQuery(strOrQuery), base, initNs)
            prepared = _PREPARED[key]
        return super().query(prepared, initBindings, initNs, base, DEBUG)


@contextmanager
def prepared_queries() -> Iterator[None]:
    """rdflib's ``sparql`` processor is :class:`PreparingSPARQLProcessor` while inside."""
    plugin.register("sparql", Processor, __name__, "PreparingSPARQLProcessor")
    try:
        yield
    finally:
        plugin.register("sparql", Processor, "rdflib.plugins.sparql.processor",
                        "SPARQLProcessor")
