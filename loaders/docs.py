"""HTML documentation of the ontology and each SKOS scheme, rendered with pyLODE 3.3.4."""

from __future__ import annotations

import hashlib
import threading
from pathlib import Path

from loaders.kernel import assets
from loaders.kernel.errors import NotBuiltYet


def render_docs(out: Path, *, progress: bool = False) -> list[Path]:
    """Render ``ontology.html`` (OntPub) and one ``vocab-{scheme}.html`` (VocPub) per scheme;
    *progress* draws a bar over the files (:mod:`loaders.kernel.progress`)."""
    from loaders.kernel.progress import bar

    try:
        from pylode import OntPub, VocPub
    except ImportError:
        raise NotBuiltYet("pyLODE is not installed: pip install 'c2c[docs]'") from None
    out.mkdir(parents=True, exist_ok=True)
    written: list[Path] = []
    for source in bar(assets.ontology_files(), desc="c2c docs", unit="file", enabled=progress):
        text = source.read_text(encoding="utf-8")
        if source.name == "c2c.ttl":
            target = out / "ontology.html"
            html = OntPub(ontology=text).make_html()
        else:
            target = out / f"vocab-{source.name.removesuffix('.ttl')}.html"
            html = VocPub(ontology=text).make_html()
        target.write_text(html, encoding="utf-8")
        written.append(target)
    return written


_ONTOLOGY_HTML: dict[str, str] = {}
_LOCK = threading.Lock()


def ontology_html() -> str | None:
    """pyLODE's page of ``ontology/c2c.ttl`` (table of contents, class hierarchy, domains and
    ranges), rendered once per process and ontology text (cached by its SHA-256; pyLODE reads
    only the text and its bundled background ontologies, never the network), or None when
    pyLODE is not installed."""
    try:
        from pylode import OntPub
    except ImportError:
        return None
    source = next(p for p in assets.ontology_files() if p.name == "c2c.ttl")
    text = source.read_text(encoding="utf-8")
    key = hashlib.sha256(text.encode("utf-8")).hexdigest()
    with _LOCK:
        if key not in _ONTOLOGY_HTML:
            _ONTOLOGY_HTML.clear()
            _ONTOLOGY_HTML[key] = _term_anchors(OntPub(ontology=text).make_html(), text)
        return _ONTOLOGY_HTML[key]


def _term_anchors(html: str, text: str) -> str:
    """pyLODE names some terms' sections after their English label (``twinnedwith`` for
    ``c2c:twinnedWith``); add an anchor with the term's local name to each such section, so that
    every term IRI ``…/ont#{localName}`` lands on its section."""
    import re

    from rdflib import Graph
    from rdflib.namespace import RDFS

    from loaders.kernel.namespaces import C2C

    g = Graph().parse(data=text, format="turtle")
    ids = set(re.findall(r'\bid="([^"]+)"', html))
    for term in sorted({s for s in g.subjects() if str(s).startswith(str(C2C))}):
        local = str(term).removeprefix(str(C2C))
        if not local or local in ids:
            continue
        labels = [str(lit) for lit in g.objects(term, RDFS.label) if lit.language == "en"]
        candidates = [label.replace(" ", "") for label in labels]
        for candidate in [*candidates, *(c.lower() for c in candidates), local.lower()]:
            opening = f'<div class="property entity" id="{candidate}">'
            if opening in html:
                html = html.replace(opening, f'{opening}<span id="{local}"></span>', 1)
                ids.add(local)
                break
    return html
