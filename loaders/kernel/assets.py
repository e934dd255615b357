"""Where the packaged files live: the ontology, the SKOS schemes, the shapes and the queries.

Files are found through the installed packages (:mod:`importlib.resources`), never through the
current directory, so ``c2c`` works from any folder.
"""

from __future__ import annotations

from importlib.resources import files
from importlib.resources.abc import Traversable


def ontology_files() -> list[Traversable]:
    """The OWL ontology and every SKOS scheme, in a stable order."""
    root = files("ontology")
    found = [root / "c2c.ttl"]
    found += sorted((p for p in (root / "vocab").iterdir() if p.name.endswith(".ttl")),
                    key=lambda p: p.name)
    return found


def shape_files() -> list[Traversable]:
    """The SHACL shapes that validate data (not the ontology-quality shapes)."""
    root = files("shapes")
    return sorted((p for p in root.iterdir() if p.name.endswith(".ttl")
                   and not p.name.startswith("ontology-")), key=lambda p: p.name)


def ontology_quality_shapes() -> Traversable:
    """The SHACL shapes that check the ontology itself (the offline OOPS! pitfalls)."""
    return files("shapes") / "ontology-quality.ttl"


def query(name: str) -> str:
    """The text of ``loaders/queries/{name}`` (a ``.rq`` file)."""
    return (files("loaders") / "queries" / name).read_text(encoding="utf-8")


def page_query(name: str) -> str:
    """The text of ``endpoint/queries/{name}``: a query of the pages or the search, which
    only the endpoint runs."""
    return (files("endpoint") / "queries" / name).read_text(encoding="utf-8")


def queries_in(folder: str) -> list[tuple[str, str]]:
    """``(name, text)`` of every ``.rq`` file in ``loaders/queries/{folder}``, sorted by name."""
    root = files("loaders") / "queries" / folder
    return [(p.name, p.read_text(encoding="utf-8"))
            for p in sorted(root.iterdir(), key=lambda p: p.name) if p.name.endswith(".rq")]


def competency_questions() -> list[tuple[str, str]]:
    """``(name, text)`` of every competency question in ``ontology/competency``."""
    root = files("ontology") / "competency"
    return [(p.name, p.read_text(encoding="utf-8"))
            for p in sorted(root.iterdir(), key=lambda p: p.name) if p.name.endswith(".rq")]
