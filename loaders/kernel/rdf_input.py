"""RDF that a user hands in (a Graph Store upload, a file given to ``c2c validate``) is parsed
within bounds and without any outbound request.

* **No XML entity declarations.** Both parsers c2c uses expand the entities an RDF/XML file
  declares in its DOCTYPE; ten nested entities in 1.3 KB expand to hundreds of megabytes
  ("billion laughs": Oxigraph spun for minutes and stored a 100 MB literal). Neither rdflib nor
  pyoxigraph lets a bounded XML parser (defusedxml) be plugged in, so a document that declares
  an entity is refused before any parser sees it (:func:`refuse_entity_declarations`). RDF/XML
  written by tools uses namespaces, not entities; the limitation is named in the error.
* **No remote JSON-LD contexts.** rdflib's JSON-LD parser fetches a remote ``@context`` (and
  waits as long as the remote server makes it wait); JSON-LD is therefore parsed with
  pyoxigraph, which loads no remote document (a remote context is a syntax error).
"""

from __future__ import annotations

from pathlib import Path

import pyoxigraph as ox

from loaders.kernel.errors import InputError, Location

_DECLARATION = "<!ENTITY"
_ENCODED = tuple(_DECLARATION.encode(codec) for codec in
                 ("utf-8", "utf-16-le", "utf-16-be", "utf-32-le", "utf-32-be"))


def declares_entities(data: bytes) -> bool:
    """Whether *data* (in any encoding XML allows a BOM-less parser to detect) declares an
    XML entity."""
    return any(pattern in data for pattern in _ENCODED)


def refuse_entity_declarations(data: bytes, where: Location) -> None:
    """Raise :class:`InputError` if *data* declares an XML entity (see the module docstring)."""
    if declares_entities(data):
        raise InputError(where, "the XML declares entities, which are refused (nested "
                         "entities expand without bound); write the IRIs out instead",
                         term=_DECLARATION)


def parse_jsonld_offline(data: bytes, where: Location, base_iri: str | None = None
                         ) -> list[ox.Quad]:
    """The quads of a JSON-LD document, parsed by pyoxigraph, which never fetches a remote
    context; a syntax error or a remote context is an :class:`InputError`."""
    try:
        return list(ox.parse(data, format=ox.RdfFormat.JSON_LD, base_iri=base_iri))
    except (SyntaxError, ValueError) as exc:
        raise InputError(where, f"not valid JSON-LD: {str(exc).splitlines()[0][:200]}") \
            from None


def read_bytes(path: Path) -> bytes:
    """The bytes of a file the user named; a missing or unreadable file is an InputError."""
    try:
        return path.read_bytes()
    except FileNotFoundError:
        raise InputError(Location(path), "file not found") from None
    except OSError as exc:
        raise InputError(Location(path), f"cannot be read: {exc.strerror}") from None
