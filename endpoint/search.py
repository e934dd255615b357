"""``/search?q=``: places by any of their names, across languages, scripts and
transliterations (北京 / Beijing / Peking; Санкт-Петербург / Sankt-Peterburg / Pietari), ranked,
as HTML or JSON. It runs ``endpoint/queries/search/search.rq`` over the ``c2c:searchKey``
values the build derives (:mod:`loaders.search`), so SPARQL clients can search the same way."""

from __future__ import annotations

import json

import pyoxigraph as ox
from flask import Blueprint, Response, render_template, request

from endpoint.negotiation import negotiate
from endpoint.problems import not_acceptable
from endpoint.state import state
from loaders.kernel import assets
from loaders.kernel.results import Format
from loaders.search import fold, transliterate

blueprint = Blueprint("search", __name__)
OFFERS = [Format("text/html", ("html",), "text/html; charset=utf-8"),
          Format("application/json", ("json",), "application/json")]


def find(text: str) -> list[dict]:
    """Places matching *text*, best first: ``[{iri, label, rank, href}]``."""
    query = fold(transliterate(text))
    if not query:
        return []
    store = state().store.get()
    base = state().settings.base_iri
    rows = store.query(assets.page_query("search/search.rq"),
                       substitutions={"q": ox.Literal(query)})
    return [{"iri": r["thing"].value,
             "label": r["label"].value if r["label"] is not None else r["thing"].value,
             "rank": int(r["best"].value),
             "href": "/" + r["thing"].value.removeprefix(base)} for r in rows]


def _map(results: list[dict]) -> dict | None:
    """The places found, on a map (for the HTML page)."""
    from endpoint.linked_data import _labels

    places = []
    for r in results[:200]:
        _names, where = _labels(r["iri"])
        if where is not None:
            places.append({"label": r["label"], "lon": where[0], "lat": where[1],
                           "href": r["href"], "focus": not places})
    return {"title": "places found", "places": places, "links": []} if places else None


@blueprint.get("/search")
def search() -> Response:
    text = request.args.get("q", "")
    requested = request.args.get("format")
    fmt = next((f for f in OFFERS if requested in f.names), None) if requested else \
        negotiate(request.headers.get("Accept"), OFFERS)
    if fmt is None:
        return not_acceptable([f.media_type for f in OFFERS])
    results = find(text)
    headers = {"Vary": "Accept", "Cache-Control": "public, max-age=60"}
    if fmt.name == "json":
        body = json.dumps({"query": text, "results": results}, ensure_ascii=False)
        return Response(body, content_type=fmt.content_type, headers=headers)
    return Response(render_template("search.html", q=text, results=results,
                                    map_data=_map(results)),
                    content_type=fmt.content_type, headers=headers)
