"""The HTML page of a thing (``/doc/{kind}/{key}``): what a researcher comes for, laid out
from the thing's statements and the page queries of ``endpoint/queries/document/``.

* a place's partners, one row per agreement, with date, type, the partner's country and the
  sources (by title, linked), sorted by date (undated last), on a map and a timeline;
* a country's agreements by policy period, both parties named, on a map and a timeline;
* the statements grouped (identity, names, geography, relationships, sources, other) with
  source titles, the internal search keys left out; what points at the thing.

The map and timeline data go into the page as JSON blocks that ``/static/c2c-map.js`` and
``/static/c2c-timeline.js`` draw; the same facts are in the page as lists and tables, so
nothing needs JavaScript to be read.
"""

from __future__ import annotations

import math
from collections.abc import Callable

import pyoxigraph as ox
from flask import render_template, request

from endpoint import page_queries
from endpoint.state import state
from loaders.kernel.namespaces import PREFIXES

PAGE_SIZE = 50
C2C_NS = PREFIXES["c2c"]
TWINNED = C2C_NS + "twinnedWith"
HIDDEN = {C2C_NS + "searchKey"}
"""Internal keys a page does not show (the search graph's folded names)."""
ENDED = "https://w3id.org/c2c/vocab/agreement-status/ended"
PERIOD_COLOURS = ["#1b9e77", "#d95f02", "#7570b3", "#e7298a", "#66a61e", "#e6ab02", "#a6761d"]
OUTSIDE = "outside the policy periods"
OUTSIDE_COLOUR = "#6b7785"

_GROUPS = [
    ("identity", "Identity", {"rdf:type", "owl:sameAs", "dcterms:identifier", "gn:geonamesID",
                              "c2c:administrativeLevel", "skos:inScheme", "skos:notation",
                              "bibo:doi", "bibo:issn", "bibo:uri", "rdfs:isDefinedBy"}),
    ("names", "Names", {"rdfs:label", "skos:prefLabel", "skos:altLabel", "schema:name",
                        "dcterms:title", "schema:alternateName"}),
    ("geography", "Geography", {"geo:hasCentroid", "geo:asWKT", "c2c:inCountry",
                                "schema:containedInPlace", "c2c:inMacroRegion",
                                "schema:location", "c2c:countryInvolved"}),
    ("relationships", "Relationships", {"c2c:hasParty", "org:memberOf", "org:hasMember",
                                        "org:member", "org:organization", "c2c:ledBy",
                                        "c2c:concernsPair", "c2c:meetingOf", "c2c:formalisedBy",
                                        "c2c:inPolicyPeriod", "c2c:periodOf",
                                        "c2c:towardsCountry", "skos:broader", "skos:narrower",
                                        "c2c:statisticOf", "dcterms:isPartOf"}),
    ("sources", "Sources", {"prov:wasDerivedFrom", "dcterms:source", "c2c:confirmedBy",
                            "bibo:locator", "dcterms:license", "dcterms:publisher",
                            "dcterms:creator"}),
]


def _group_of(predicate: str) -> str:
    for key, _title, members in _GROUPS:
        if predicate in members:
            return key
    return "other"


def _store():
    return state().store.get()


def _rows(query: str, iri: str):
    return page_queries.rows(_store(), query, iri)


def _value(term) -> str | None:
    return None if term is None else term.value


class Page:
    """Everything one page render needs: labels (cached), links, the language."""

    def __init__(self, language: str, labels: Callable, local: Callable, pick: Callable,
                 short: Callable, source_of: Callable) -> None:
        self.language = language
        self._labels, self.local, self._pick, self.short = labels, local, pick, short
        self.source_of = source_of
        self._cache: dict[str, str] = {}
        self._points: dict[str, tuple[float, float] | None] = {}

    def label(self, iri: str) -> str:
        if iri not in self._cache:
            found, where = self._labels(iri)
            self._cache[iri] = self._pick(found, self.language, "") or \
                self.source_name(iri) or self.short(iri)
            self._points[iri] = where
        return self._cache[iri]

    def preload(self, iris) -> None:
        """Label many things at once, as :meth:`label` labels each (one query for all those not
        labelled yet instead of one each): called where a loop is about to label them."""
        wanted = [i for i in dict.fromkeys(iris) if i is not None and i not in self._cache]
        if not wanted:
            return
        rows: dict[str, list] = {i: [] for i in wanted}
        for row in page_queries.rows_for(_store(), "document/labels-of.rq", wanted):
            rows[row["thing"].value].append(row)
        for iri, its_rows in rows.items():
            labels, self._points[iri] = page_queries.labels_and_point(its_rows)
            self._cache[iri] = self._pick(labels, self.language, "") or \
                self.source_name(iri) or self.short(iri)

    def prefill(self, query: str, iri: str) -> None:
        """Label many things at once: *query* gives ``?thing ?label`` rows for *iri*'s page."""
        found: dict[str, dict[str, str]] = {}
        for row in _rows(query, iri):
            page_queries.keep_label(found.setdefault(row["thing"].value, {}), row["label"])
        for thing, labels in found.items():
            if thing not in self._cache:
                self._cache[thing] = self._pick(labels, self.language, "") or self.short(thing)

    def source_name(self, iri: str) -> str | None:
        base = state().settings.base_iri
        if not iri.startswith(f"{base}id/source/"):
            return None
        for row in _rows("document/source-name.rq", iri):
            if row["title"] is not None:
                return row["title"].value
            named = ", ".join(v.value for v in (row["publisher"], row["issued"]) if v is not None)
            return named or None
        return None

    def point(self, iri: str) -> tuple[float, float] | None:
        if iri not in self._points:
            self._points[iri] = self._labels(iri)[1]
        return self._points[iri]

    def href(self, iri: str) -> str | None:
        """Where a page links an IRI: this server's path for c2c's own IRIs, the IRI itself
        when it is http(s), and no link for any other scheme (``javascript:``, ``data:`` …
        are shown as text, never as a live link)."""
        local = self.local(iri)
        if local is not None:
            return local
        return iri if iri.lower().startswith(("http://", "https://")) else None

    def link(self, iri: str) -> dict:
        return {"text": self.label(iri), "href": self.href(iri), "iri": iri}


def _periods(names: list[str]) -> list[dict]:
    """Legend entries for period labels in time order, the outside group last."""
    ordered = [n for n in names if n != OUTSIDE]
    out = [{"label": n, "color": PERIOD_COLOURS[i % len(PERIOD_COLOURS)]}
           for i, n in enumerate(ordered)]
    if OUTSIDE in names:
        out.append({"label": OUTSIDE, "color": OUTSIDE_COLOUR})
    return out


def partners(iri: str, page: Page) -> list[dict]:
    """A place's agreements, one per agreement: partner, country, date, type, status, period,
    sources; sorted by date, undated last."""
    found: dict[str, dict] = {}
    answer = list(_rows("document/partners.rq", iri))
    page.preload(_value(row[name]) for row in answer
                 for name in ("other", "other_country", "type", "period"))
    page.preload(row["source"].value for row in answer
                 if row["source"] is not None and row["source_title"] is None)
    for row in answer:
        agreement = row["agreement"].value
        entry = found.setdefault(agreement, {
            "agreement": agreement, "href": page.href(agreement),
            "partner": page.link(row["other"].value), "dates": set(), "year": None,
            "country": None, "type": None, "ended": False, "period": None, "sources": {}})
        if row["other_country"] is not None and entry["country"] is None:
            entry["country"] = page.link(row["other_country"].value)
        if row["date"] is not None:
            entry["dates"].add(row["date"].value)
        if row["year"] is not None:
            entry["year"] = int(row["year"].value)
        if row["type"] is not None:
            entry["type"] = page.label(row["type"].value)
        if row["status"] is not None and row["status"].value == ENDED:
            entry["ended"] = True
        if row["period"] is not None and entry["period"] is None:
            entry["period"] = page.label(row["period"].value)
        if row["source"] is not None:
            source = row["source"].value
            entry["sources"].setdefault(source, {
                "text": _value(row["source_title"]) or page.label(source),
                "href": page.href(source)})
    out = []
    for entry in found.values():
        entry["date"] = " / ".join(sorted(entry.pop("dates")))
        entry["sources"] = sorted(entry["sources"].values(), key=lambda s: s["text"])
        out.append(entry)
    return sorted(out, key=lambda e: (not e["date"], e["date"], e["partner"]["text"]))


def place_figures(iri: str, title: str, here: tuple[float, float] | None, rows: list[dict],
                  page: Page) -> tuple[dict | None, dict]:
    """The map (the place, its partners, a great-circle arc to each) and the timeline of a
    place's agreements, coloured by policy period."""
    names = []
    for r in rows:
        name = r["period"] or OUTSIDE
        if name not in names:
            names.append(name)
    legend = _periods(names)
    colour = {item["label"]: item["color"] for item in legend}
    events = [{"year": r["year"], "group": r["period"] or OUTSIDE, "ended": r["ended"],
               "href": r["href"], "label": f"{title} – {r['partner']['text']}"}
              for r in rows if r["year"] is not None]
    timeline = {"title": f"Agreements of {title}", "groups": legend, "events": events}
    if here is None:
        return None, timeline
    places = [{"label": title, "lon": here[0], "lat": here[1], "focus": True}]
    links, seen = [], set()
    for r in rows:
        where = page.point(r["partner"]["iri"])
        if where is None:
            continue
        if r["partner"]["iri"] not in seen:
            seen.add(r["partner"]["iri"])
            places.append({"label": r["partner"]["text"], "lon": where[0], "lat": where[1],
                           "href": r["partner"]["href"]})
        links.append({"from": list(here), "to": list(where), "partner": r["partner"]["iri"],
                      "color": colour[r["period"] or OUTSIDE], "ended": r["ended"],
                      "title": f"{r['date'] or 'undated'}: {title} – {r['partner']['text']}"})
    return {"title": f"Partners of {title}", "places": places, "links": links,
            "legend": legend}, timeline


def country_figures(iri: str, page: Page, partner_country: str | None) -> dict:
    """A country's agreements (``?with=ru`` keeps one partner country): the grouped list, a
    timeline with both parties named, and a map of every partnership with coordinates."""
    base = state().settings.base_iri
    page.prefill("document/country-labels.rq", iri)
    answer = [row for row in _rows("document/timeline.rq", iri)
              if not partner_country
              or _value(row["other_country"]) == f"{base}id/country/{partner_country}"]
    page.preload(_value(row[name]) for row in answer
                 for name in ("party", "other", "other_country"))
    page.preload(row["period"].value for row in answer
                 if row["period"] is not None and not _value(row["period_label"]))
    seen: dict[tuple, dict] = {}
    for row in answer:
        country = _value(row["other_country"])
        key = (row["agreement"].value, row["party"].value, row["other"].value)
        entry = seen.get(key)
        if entry is None:
            entry = seen[key] = {
                "agreement": page.href(row["agreement"].value),
                "year": int(row["year"].value) if row["year"] is not None else None,
                "party": page.link(row["party"].value), "other": page.link(row["other"].value),
                "country": page.label(country) if country else "",
                "period": _value(row["period_label"]) or (
                    page.label(row["period"].value) if row["period"] is not None else OUTSIDE),
                "ended": False, "from": page_queries.point(_value(row["party_wkt"])),
                "to": page_queries.point(_value(row["other_wkt"]))}
        if row["status"] is not None and row["status"].value == ENDED:
            entry["ended"] = True
    entries = sorted(seen.values(), key=lambda e: (e["year"] is None, e["year"] or 0,
                                                   e["party"]["text"], e["other"]["text"]))
    dated = [e for e in entries if e["year"] is not None]
    names = []
    for e in dated:
        if e["period"] not in names:
            names.append(e["period"])
    legend = _periods(names)
    colour = {item["label"]: item["color"] for item in legend}
    groups: dict[str, dict] = {}
    for e in dated:
        groups.setdefault(e["period"], {"period": e["period"], "color": colour[e["period"]],
                                        "agreements": []})["agreements"].append(e)
    events = [{"year": e["year"], "group": e["period"], "ended": e["ended"],
               "href": e["agreement"],
               "label": f"{e['party']['text']} – {e['other']['text']}"} for e in dated]
    places: dict[str, dict] = {}
    links = []
    map_legend = legend + ([{"label": "undated", "color": OUTSIDE_COLOUR, "dashed": True}]
                           if any(e["year"] is None for e in entries) else [])
    for e in entries:
        if not (e["from"] and e["to"]):
            continue
        for end, where in ((e["party"], e["from"]), (e["other"], e["to"])):
            places.setdefault(end["iri"], {"label": end["text"], "lon": where[0],
                                           "lat": where[1], "href": end["href"]})
        links.append({"from": list(e["from"]), "to": list(e["to"]),
                      "color": colour.get(e["period"], OUTSIDE_COLOUR) if e["year"] else
                      OUTSIDE_COLOUR, "ended": e["ended"] or e["year"] is None,
                      "title": f"{e['year'] or 'undated'}: {e['party']['text']} – "
                               f"{e['other']['text']}"})
    return {"groups": [groups[n] for n in names], "count": len(entries),
            "timeline": {"title": "Agreements over time", "groups": legend, "events": events},
            "map": {"title": "Partnerships", "places": list(places.values()), "links": links,
                    "legend": map_legend} if links else None}


def statement_groups(statements, page: Page) -> list[dict]:
    """The thing's own statements by group, values and sources by label (search keys left
    out, c2c:twinnedWith shown as the partner list)."""
    groups: dict[str, list] = {key: [] for key, _t, _m in _GROUPS}
    groups["other"] = []
    shown_statements = [st for st in statements if st.predicate != TWINNED
                        and st.predicate not in HIDDEN and st.direction in ("out", "part")]
    page.preload([st.value.value for st in shown_statements
                  if isinstance(st.value, ox.NamedNode)]
                 + [page.source_of(graph) for st in shown_statements for graph in st.graphs])
    for st in shown_statements:
        value = st.value
        if isinstance(value, ox.NamedNode):
            shown = page.link(value.value)
            shown["href"] = page.href(value.value)
        else:
            shown = {"text": getattr(value, "value", str(value)), "href": None, "iri": None,
                     "lang": getattr(value, "language", None)}
        sources = []
        for graph in st.graphs:
            source = page.source_of(graph)
            sources.append({"graph": graph, "href": page.href(source) if source else None,
                            "text": page.label(source) if source else page.short(graph)})
        short = page.short(st.predicate)
        shown_predicate = (f"{st.subject.rsplit('/', 1)[-1]}: {short}"  # "centroid: geo:asWKT"
                           if st.direction == "part" else short)
        groups[_group_of(short)].append({"predicate": shown_predicate, "value": shown,
                                         "sources": sources})
    titles = dict((key, title) for key, title, _m in _GROUPS) | {"other": "Other statements"}
    return [{"key": key, "title": titles[key], "rows": rows}
            for key, rows in groups.items() if rows]


def incoming(iri: str, page: Page) -> tuple[list[dict], bool]:
    """What points at the thing (at most 1000 links), by property."""
    page.prefill("document/incoming-labels.rq", iri)
    answer = list(_rows("document/incoming.rq", iri))
    page.preload([row["s"].value for row in answer]
                 + [page.source_of(row["g"].value) for row in answer])
    out = []
    for row in answer:
        source = page.source_of(row["g"].value)
        out.append({"subject": page.link(row["s"].value), "predicate": page.short(row["p"].value),
                    "source": {"text": page.label(source), "href": page.href(source)}
                    if source else None})
    return out[:1000], len(out) > 1000


PLACE_TYPES = {PREFIXES["schema"] + "City", PREFIXES["schema"] + "AdministrativeArea"}
COUNTRY = PREFIXES["schema"] + "Country"


def render(iri: str, path: str, statements, language: str, page_number: int, helpers,
           alternates: list[tuple[str, str]]) -> str:
    """The HTML of a thing's page."""
    page = Page(language, *helpers)
    labels, here = helpers[0](iri)
    title = helpers[2](labels, language, "") or page.source_name(iri) or path.rsplit("/", 1)[-1]
    types = {st.value.value for st in statements if st.predicate == PREFIXES["rdf"] + "type"
             and st.direction == "out" and isinstance(st.value, ox.NamedNode)}
    is_place = bool(types & PLACE_TYPES)
    is_country = COUNTRY in types
    rows = partners(iri, page) if is_place else []
    map_data, timeline = (place_figures(iri, title, here, rows, page) if is_place
                          else (None, None))
    pages = max(1, math.ceil(len(rows) / PAGE_SIZE))
    page_number = min(page_number, pages)
    country = country_figures(iri, page, request.args.get("with")) if is_country else None
    links_in, more_in = incoming(iri, page)
    page.preload(types)
    return render_template(
        "thing.html", iri=iri, path=path, title=title, language=language,
        labels=sorted(labels.items()), types=sorted(page.label(t) for t in types),
        groups=statement_groups(statements, page), is_place=is_place,
        partners=rows[(page_number - 1) * PAGE_SIZE: page_number * PAGE_SIZE],
        partner_count=len(rows), page=page_number, pages=pages, map_data=map_data,
        timeline=timeline, country=country, partner_country=request.args.get("with"),
        incoming=links_in, more_incoming=more_in, here=here, alternates=alternates)
