"""The home page (``/``) and the query page (``/query``).

The query page is YASGUI (npm, ``make assets``) with c2c's own result views
(``/static/c2c-query.js``: map, timeline, chart), a gallery of the competency questions, and a
plain form that works without JavaScript: it runs the query through ``/sparql`` itself (same
limits, same cache, same log) and shows the answer as an HTML table.
"""

from __future__ import annotations

import json

import pyoxigraph as ox
from flask import Blueprint, Response, current_app, render_template, request

from endpoint.service import home_context
from endpoint.state import state
from loaders.kernel import assets

blueprint = Blueprint("front", __name__)
SHOWN_ROWS = 1000
"""Rows the no-JavaScript result table shows (the whole answer is one link away)."""


def _html(body: str) -> Response:
    return Response(body, content_type="text/html; charset=utf-8")


@blueprint.get("/")
def home() -> Response:
    from endpoint.vendor import yasgui_available

    store = state().store.get()
    base = state().settings.base_iri
    countries = [{"label": r["label"].value if r["label"] is not None else r["country"].value,
                  "href": "/" + r["country"].value.removeprefix(base),
                  "agreements": int(r["agreements"].value)}
                 for r in store.query(assets.page_query("document/countries.rq"))]
    return _html(render_template("home.html", countries=countries, yasgui=yasgui_available(),
                                 **home_context()))


def _run(text: str) -> dict:
    """The answer of ``/sparql`` to *text* for the page: ``{status, vars, rows, boolean,
    truncated, problem}``; SELECT/ASK as SPARQL JSON, CONSTRUCT/DESCRIBE as N-Triples."""
    app = current_app._get_current_object()
    accept = "application/sparql-results+json, application/n-triples;q=0.9"
    with app.test_request_context("/sparql", method="GET", query_string={"query": text},
                                  headers={"Accept": accept},
                                  environ_base={"REMOTE_ADDR": request.remote_addr or ""}):
        response = app.full_dispatch_request()
        body = response.get_data()
        status, media = response.status_code, response.mimetype
    answer = {"status": status, "vars": [], "rows": [], "boolean": None, "problem": None,
              "truncated": False}
    if status != 200:
        try:
            problem = json.loads(body)
            answer["problem"] = problem.get("detail") or problem.get("title")
        except ValueError:
            answer["problem"] = body.decode("utf-8", "replace")[:2000]
        return answer
    if media == "application/n-triples":
        answer["vars"] = ["subject", "predicate", "object"]
        for triple in ox.parse(body, format=ox.RdfFormat.N_TRIPLES):
            answer["rows"].append([_cell(triple.subject), _cell(triple.predicate),
                                   _cell(triple.object)])
    else:
        data = json.loads(body)
        if "boolean" in data:
            answer["boolean"] = data["boolean"]
        else:
            answer["vars"] = data["head"]["vars"]
            for binding in data["results"]["bindings"]:
                answer["rows"].append([_json_cell(binding.get(v)) for v in answer["vars"]])
    answer["truncated"] = len(answer["rows"]) > SHOWN_ROWS
    answer["total"] = len(answer["rows"])
    answer["rows"] = answer["rows"][:SHOWN_ROWS]
    return answer


def _local(iri: str) -> str:
    from endpoint.linked_data import _local as local_path

    return local_path(iri) or iri


def _cell(term) -> dict:
    if isinstance(term, ox.NamedNode):
        return {"text": term.value, "href": _local(term.value)}
    if isinstance(term, ox.Literal):
        return {"text": term.value, "lang": term.language}
    return {"text": str(term)}


def _json_cell(value: dict | None) -> dict:
    if value is None:
        return {"text": ""}
    if value["type"] == "uri":
        return {"text": value["value"], "href": _local(value["value"])}
    return {"text": value["value"], "lang": value.get("xml:lang")}


@blueprint.get("/query")
def query_page() -> Response:
    from endpoint.vendor import yasgui_available

    text = request.args.get("query", "")
    answer = _run(text) if text.strip() else None
    return _html(render_template("query.html", yasgui=yasgui_available(), text=text,
                                 answer=answer, **home_context()))
