"""SHACL §4.4, string-based constraint components: ``sh:pattern`` (with ``sh:flags``),
``sh:languageIn``, ``sh:uniqueLang``."""

from __future__ import annotations

from rdflib import Literal
from rdflib.collection import Collection
from rdflib.namespace import SH

from loaders.shacl_components.registry import Site, component, grouped, nt


@component(SH.pattern)
def pattern(site: Site):
    flags = site.shapes.value(site.shape, SH.flags)
    args = f"{nt(Literal(str(site.parameter)))}" + \
        (f", {nt(Literal(str(flags)))}" if flags is not None else "")
    return site.make(lambda f, v, fresh: f"{site.values(f, v)} FILTER (isBlank({v}) || "
                                         f"!REGEX(STR({v}), {args}))")


@component(SH.languageIn)
def language_in(site: Site):
    tags = [str(t) for t in Collection(site.shapes, site.parameter)]
    test = " || ".join(f"langMatches(lang({{v}}), {nt(Literal(t))})" for t in tags)
    return site.make(lambda f, v, fresh: f"{site.values(f, v)} FILTER (!isLiteral({v}) || "
                                         f"!({test.format(v=v) or 'false'}))")


@component(SH.uniqueLang, needs_path=True)
def unique_lang(site: Site):
    if site.parameter != Literal(True):
        return site.make(lambda f, v, fresh: "FILTER (false)", reports_value=False)
    path = site.sparql_path

    def body(f: str, v: str, fresh) -> str:
        if not fresh.nested:
            x = fresh()
            tagged = (f"{f} {path} {x} . FILTER (lang({x}) != \"\") "
                      f"BIND (LCASE(lang({x})) AS ?lang)")
            return grouped(f"{f} ?lang", tagged, f"COUNT(DISTINCT {x}) > 1")
        a, b = fresh(), fresh()
        return (f"{f} {path} {a} . {f} {path} {b} . "
                f"FILTER (!sameTerm({a}, {b}) && lang({a}) != \"\" && "
                f"LCASE(lang({a})) = LCASE(lang({b}))) BIND (LCASE(lang({a})) AS ?lang)")
    return site.make(body, reports_value=False, extra=("?lang",))
