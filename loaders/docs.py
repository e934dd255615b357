"""HTML documentation of the ontology and each SKOS scheme, rendered with pyLODE 3.3.4."""

from __future__ import annotations

from pathlib import Path

from loaders import assets
from loaders.errors import NotBuiltYet


def render_docs(out: Path) -> list[Path]:
    """Render ``ontology.html`` (OntPub) and one ``vocab-{scheme}.html`` (VocPub) per scheme."""
    try:
        from pylode import OntPub, VocPub
    except ImportError:
        raise NotBuiltYet("pyLODE is not installed: pip install 'c2c[docs]'") from None
    out.mkdir(parents=True, exist_ok=True)
    written: list[Path] = []
    for source in assets.ontology_files():
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
