"""The page queries (``endpoint/queries/document/…``) run for one thing: each text read and
prepared once per process, and the thing's IRI written into it (``$this``) before Oxigraph
plans the query.

pyoxigraph's ``substitutions`` bind a variable only after the query is planned: the planner
sees ``$this`` unbound and orders the joins for that, so "what points here"'s labels scanned
every label of the store and a country's timeline every agreement, whatever the thing (on the
default build 40 to 80 ms and 240 to 310 ms of CPU for every page; the same queries with the
IRI written in: 0.5 to 3 ms and 1.5 to 47 ms). The IRI is written as the remote store writes a
substitution (:func:`loaders.kernel.remote_store.substitute`: in the ``SELECT`` clause as
``(<iri> AS ?this)``, never inside strings, IRIs or comments), in N-Triples form from
``pyoxigraph.NamedNode``, which refuses any text that is not an IRI (no ``>``, space, quote or
brace can end the token early): the same rows, the same answer.

A query may also name a list of things, ``VALUES ?thing { $things }`` (:func:`rows_for`): the
labels of every thing a page links to in one query instead of one query each. Their label rows
are read one way wherever they are asked (:func:`labels_and_point`).
"""

from __future__ import annotations

from collections.abc import Iterable
from functools import cache
from typing import Any

import pyoxigraph as ox

from loaders.kernel import assets
from loaders.kernel.remote_store import substitute

_MARKER = ox.NamedNode("urn:x-page-query:term")
"""Written where a term goes when a query is prepared; no page query holds it."""


@cache
def text(name: str) -> str:
    """The text of ``endpoint/queries/{name}``, read once."""
    return assets.page_query(name)


@cache
def _pieces(name: str, variable: str) -> tuple[str, ...]:
    """The text of *name* cut where :func:`substitute` writes the term of *variable*."""
    raw = text(name)
    if str(_MARKER) in raw:
        raise ValueError(f"endpoint/queries/{name} holds {_MARKER}")
    return tuple(substitute(raw, {variable: _MARKER}).split(str(_MARKER)))


def bound(name: str, iri: str) -> str:
    """The page query *name* with ``$this`` written as the IRI *iri* (what
    ``substitute(text(name), {"this": NamedNode(iri)})`` gives, without re-reading it)."""
    return str(ox.NamedNode(iri)).join(_pieces(name, "this"))


def rows(store: Any, name: str, iri: str) -> Any:
    """The answer of the page query *name* for the thing *iri* over *store*."""
    return store.query(bound(name, iri))


def rows_for(store: Any, name: str, iris: Iterable[str]) -> Any:
    """The answer of the page query *name* with ``$things`` written as the IRIs *iris*."""
    return store.query(" ".join(str(ox.NamedNode(i)) for i in iris).join(
        _pieces(name, "things")))


def keep_label(labels: dict[str, str], literal: Any) -> None:
    """Add the label *literal* to *labels* (language in lower case → text). Where a thing has
    two labels in one language (a source's ``dcterms:title`` beside an ``rdfs:label``; the
    shapes allow one ``rdfs:label`` and one ``skos:prefLabel`` per language), the smaller text
    is kept, so a page shows the same label whatever order the store gives the rows in.

    >>> first, second = {}, {}
    >>> for text in ("Harbin City", "Harbin"): keep_label(first, ox.Literal(text, language="en"))
    >>> for text in ("Harbin", "Harbin City"): keep_label(second, ox.Literal(text, language="EN"))
    >>> first == second == {"en": "Harbin"}
    True
    """
    language = (literal.language or "").lower()
    if language not in labels or literal.value < labels[language]:
        labels[language] = literal.value


def point(wkt: str | None) -> tuple[float, float] | None:
    """``(lon, lat)`` of a WKT ``POINT``, or None.

    >>> point("POINT(126.63 45.75)"), point(None), point("LINESTRING(1 2, 3 4)")
    ((126.63, 45.75), None, None)
    """
    if not wkt:
        return None
    try:
        lon, lat = wkt.split("(", 1)[1].rstrip(")").split()
        return float(lon), float(lat)
    except (IndexError, ValueError):
        return None


def labels_and_point(rows: Iterable[Any]) -> tuple[dict[str, str], tuple[float, float] | None]:
    """A thing's labels (:func:`keep_label`) and the ``(lon, lat)`` of its first centroid that
    parses, from its rows of ``document/labels.rq`` (or of ``labels-of.rq``)."""
    labels: dict[str, str] = {}
    where = None
    for row in rows:
        if row["label"] is not None:
            keep_label(labels, row["label"])
        if row["wkt"] is not None and where is None:
            where = point(row["wkt"].value)
    return labels, where
