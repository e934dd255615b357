"""Namespaces and the deterministic IRIs c2c mints.

IRI patterns (the design card):

* ontology terms   ``https://w3id.org/c2c/ont#{Term}``
* SKOS concepts    ``https://w3id.org/c2c/vocab/{scheme}/{concept}``
* things           ``{base}id/{kind}/{key}``
* named graphs     ``{base}graph/{name}``

Keys are built only from the record's own identifying fields (see :func:`slug` and
:func:`pair_key`), so a reload mints the same IRI for the same thing.
"""

from __future__ import annotations

import re
import unicodedata

import pyoxigraph as ox
from rdflib import Namespace, URIRef
from rdflib.namespace import DCAT, DCTERMS, OWL, PROV, RDF, RDFS, SH, SKOS, VOID, XSD

DEFAULT_BASE = "https://w3id.org/c2c/"

C2C = Namespace(DEFAULT_BASE + "ont#")
ONTOLOGY_IRI = URIRef(DEFAULT_BASE + "ont")
VOCAB = Namespace(DEFAULT_BASE + "vocab/")

SCHEMA = Namespace("https://schema.org/")
GEO = Namespace("http://www.opengis.net/ont/geosparql#")
GN = Namespace("http://www.geonames.org/ontology#")
GEONAMES_FEATURE = "http://sws.geonames.org/{id}/"
WD = Namespace("http://www.wikidata.org/entity/")
ORG = Namespace("http://www.w3.org/ns/org#")
TIME = Namespace("http://www.w3.org/2006/time#")
BIBO = Namespace("http://purl.org/ontology/bibo/")
VANN = Namespace("http://purl.org/vocab/vann/")
SD = Namespace("http://www.w3.org/ns/sparql-service-description#")

#: Prefixes used when c2c writes Turtle, and offered to SPARQL queries.
PREFIXES: dict[str, str] = {
    "c2c": str(C2C),
    "schema": str(SCHEMA),
    "geo": str(GEO),
    "gn": str(GN),
    "wd": str(WD),
    "org": str(ORG),
    "time": str(TIME),
    "bibo": str(BIBO),
    "prov": str(PROV),
    "dcterms": str(DCTERMS),
    "skos": str(SKOS),
    "dcat": str(DCAT),
    "void": str(VOID),
    "owl": str(OWL),
    "rdf": str(RDF),
    "rdfs": str(RDFS),
    "xsd": str(XSD),
    "sh": str(SH),
    "vann": str(VANN),
    "sd": str(SD),
}

_ASCII_WORD = re.compile(r"[a-z0-9]+").findall


def ascii_words(text: str) -> list[str]:
    """The lower-case ASCII words of a name: accents folded, characters outside ASCII dropped,
    any run of other characters a break. Keys (:func:`slug`) and the folded names that
    importers match (:func:`fold`) are made of them.

    >>> ascii_words("Lào Cai"), ascii_words("Frankfurt (Oder)"), ascii_words("北京")
    (['lao', 'cai'], ['frankfurt', 'oder'], [])
    """
    if not text.isascii():  # the common case skips the Unicode decomposition
        text = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode("ascii")
    return _ASCII_WORD(text.lower())  # the runs of letters and digits, in one C call


def fold(name: str) -> str:
    """Lower case, accents removed, punctuation to spaces: the form in which importers match
    names.

    >>> fold("Lào Cai"), fold("Frankfurt (Oder)")
    ('lao cai', 'frankfurt oder')
    """
    return " ".join(ascii_words(name))


def slug(text: str) -> str:
    """A lower-case ASCII key from a name: accents folded, runs of other characters to ``-``.

    >>> slug("Lào Cai")
    'lao-cai'
    >>> slug("Frankfurt (Oder)")
    'frankfurt-oder'
    """
    return "-".join(ascii_words(text))


def pair_key(a: str, b: str) -> str:
    """The key of an unordered pair of keys: sorted, joined by ``--``.

    >>> pair_key("ru-moscow", "cn-beijing")
    'cn-beijing--ru-moscow'
    """
    first, second = sorted((a, b))
    return f"{first}--{second}"


class Minter:
    """Mints thing and graph IRIs under one base IRI (``C2C_BASE_IRI``)."""

    def __init__(self, base: str = DEFAULT_BASE) -> None:
        self.base = base

    def thing(self, kind: str, key: str) -> URIRef:
        """``{base}id/{kind}/{key}``."""
        return URIRef(self.thing_iri(kind, key))

    def thing_iri(self, kind: str, key: str) -> str:
        """The IRI :meth:`thing` mints, as a plain string (for pyoxigraph terms)."""
        return f"{self.base}id/{kind}/{key}"

    def graph(self, name: str) -> URIRef:
        """``{base}graph/{name}``."""
        return URIRef(f"{self.base}graph/{name}")

    def source_graph(self, source_key: str) -> URIRef:
        """The named graph holding what one source says: ``{base}graph/source/{key}``."""
        return self.graph(f"source/{source_key}")


def concept(scheme: str, name: str) -> URIRef:
    """A SKOS concept IRI: ``https://w3id.org/c2c/vocab/{scheme}/{name}``."""
    return URIRef(f"{VOCAB}{scheme}/{name}")


def scheme(name: str) -> URIRef:
    """A SKOS concept scheme IRI: ``https://w3id.org/c2c/vocab/{name}``."""
    return URIRef(f"{VOCAB}{name}")


class OxNamespace:
    """A namespace whose terms are pyoxigraph named nodes (``C2C.theme``, ``WD["Q1"]``), each
    made once: the curated readers build hundreds of thousands of triples from them."""

    def __init__(self, namespace: str) -> None:
        self._base = str(namespace)
        self._terms: dict[str, ox.NamedNode] = {}

    def __getitem__(self, name: str) -> ox.NamedNode:
        node = self._terms.get(name)
        if node is None:
            node = self._terms[name] = ox.NamedNode(self._base + name)
        return node

    def __getattr__(self, name: str) -> ox.NamedNode:
        if name.startswith("_"):
            raise AttributeError(name)
        node = self[name]
        setattr(self, name, node)
        return node
