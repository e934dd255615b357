"""A seeded generator of synthetic c2c data, as N-Quads, for the benchmarks.

Countries contain regions, regions contain cities (labels in en, zh-Hans and ru, a centroid),
and twinning agreements join cities of different countries with a start date, a type and a
source, each in its source's named graph; ``c2c:twinnedWith`` is materialised both ways in the
derived graph, as the build would. The same seed and size always give the same file.
"""

from __future__ import annotations

import argparse
import random
from pathlib import Path

BASE = "https://w3id.org/c2c/"
C2C = "https://w3id.org/c2c/ont#"
SCHEMA = "https://schema.org/"
RDF_TYPE = "http://www.w3.org/1999/02/22-rdf-syntax-ns#type"
RDFS_LABEL = "http://www.w3.org/2000/01/rdf-schema#label"
GEO = "http://www.opengis.net/ont/geosparql#"
PROV = "http://www.w3.org/ns/prov#"
XSD = "http://www.w3.org/2001/XMLSchema#"
COUNTRIES = ["cn", "ru", "fi", "gb", "vn", "kz", "ee", "se", "de", "fr", "us", "jp", "kr",
             "mn", "no", "pl", "it", "es", "br", "in"]
SYLLABLES = ["an", "bei", "chang", "da", "feng", "guang", "hai", "jin", "kun", "lan", "ming",
             "nan", "ping", "qing", "shan", "tai", "wu", "xi", "yang", "zhou", "ko", "vo",
             "grad", "sk", "mir", "ta", "lin", "ber", "ka", "ru"]
ZH = "北南东西中安长大丰广海金昆兰明宁平青山太武夏阳州"
RU = "абвгдежзиклмнопрстуфхцчшэюя"


def _iri(path: str) -> str:
    return f"<{BASE}{path}>"


def _lit(text: str, lang: str | None = None, datatype: str | None = None) -> str:
    escaped = text.replace("\\", "\\\\").replace('"', '\\"')
    if lang:
        return f'"{escaped}"@{lang}'
    if datatype:
        return f'"{escaped}"^^<{datatype}>'
    return f'"{escaped}"'


def generate(target_triples: int, seed: int = 1) -> list[str]:
    """N-Quads lines of about *target_triples* triples."""
    rng = random.Random(seed)  # noqa: S311 - seeded synthetic data, not cryptography
    lines: list[str] = []
    places = _iri("graph/source/synthetic-gazetteer")
    derived = _iri("graph/derived")

    def quad(s: str, p: str, o: str, g: str) -> None:
        lines.append(f"{s} <{p}> {o} {g} .")

    cities_by_country: dict[str, list[str]] = {c: [] for c in COUNTRIES}
    n_cities = max(40, target_triples // 20)
    n_agreements = max(20, (target_triples - n_cities * 10) // 12)
    for country in COUNTRIES:
        node = _iri(f"id/country/{country}")
        quad(node, RDF_TYPE, f"<{SCHEMA}Country>", places)
        quad(node, RDFS_LABEL, _lit(country.upper(), "en"), places)
        for r in range(8):
            region = _iri(f"id/region/{country}-r{r}")
            quad(region, RDF_TYPE, f"<{SCHEMA}AdministrativeArea>", places)
            quad(region, f"{SCHEMA}containedInPlace", node, places)
            quad(region, RDFS_LABEL, _lit(f"{country.upper()} Region {r}", "en"), places)
    for i in range(n_cities):
        country = COUNTRIES[i % len(COUNTRIES)]
        name = "".join(rng.choice(SYLLABLES) for _ in range(rng.randint(2, 3))).title()
        key = f"{country}-{name.lower()}-{i}"
        city = _iri(f"id/city/{key}")
        cities_by_country[country].append(city)
        quad(city, RDF_TYPE, f"<{SCHEMA}City>", places)
        quad(city, RDFS_LABEL, _lit(name, "en"), places)
        quad(city, RDFS_LABEL, _lit("".join(rng.choice(ZH) for _ in range(2)) + "市",
                                    "zh-hans"), places)
        quad(city, RDFS_LABEL, _lit("".join(rng.choice(RU) for _ in range(6)).title(), "ru"),
             places)
        quad(city, f"{SCHEMA}containedInPlace",
             _iri(f"id/region/{country}-r{rng.randrange(8)}"), places)
        quad(city, f"{C2C}inCountry", _iri(f"id/country/{country}"), places)
        quad(city, f"{GEO}hasGeometry", _iri(f"id/city/{key}#centroid"), places)
        quad(_iri(f"id/city/{key}#centroid"), f"{GEO}asWKT",
             _lit(f"POINT({rng.uniform(-180, 180):.4f} {rng.uniform(-60, 70):.4f})",
                  datatype=f"{GEO}wktLiteral"), places)
        quad(city, f"{PROV}wasDerivedFrom", _iri("id/source/synthetic-gazetteer"), places)
    seen: set[tuple[str, str]] = set()
    made = 0
    while made < n_agreements:
        ca, cb = rng.sample(COUNTRIES, 2)
        if "cn" not in (ca, cb) and rng.random() < 0.6:
            ca = "cn"
            if cb == "cn":
                continue
        a, b = rng.choice(cities_by_country[ca]), rng.choice(cities_by_country[cb])
        pair = (min(a, b), max(a, b))
        if pair in seen:
            continue
        seen.add(pair)
        made += 1
        source = rng.randrange(50)
        graph = _iri(f"graph/source/synthetic-{source}")
        agreement = _iri(f"id/agreement/s{made}")
        quad(agreement, RDF_TYPE, f"<{C2C}TwinningAgreement>", graph)
        quad(agreement, f"{C2C}hasParty", a, graph)
        quad(agreement, f"{C2C}hasParty", b, graph)
        year = rng.randint(1973, 2023)
        quad(agreement, f"{SCHEMA}startDate", _lit(str(year), datatype=f"{XSD}gYear"), graph)
        quad(agreement, f"{C2C}agreementType",
             f"<{BASE}vocab/agreement-types/sister-city>", graph)
        quad(agreement, f"{PROV}wasDerivedFrom", _iri(f"id/source/synthetic-{source}"), graph)
        quad(a, f"{C2C}twinnedWith", b, derived)
        quad(b, f"{C2C}twinnedWith", a, derived)
        quad(agreement, f"{C2C}startYear", _lit(str(year), datatype=f"{XSD}integer"), derived)
    return lines


def write(path: Path, target_triples: int, seed: int = 1) -> int:
    lines = generate(target_triples, seed)
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return len(lines)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("triples", type=int)
    parser.add_argument("out", type=Path)
    parser.add_argument("--seed", type=int, default=1)
    args = parser.parse_args()
    print(write(args.out, args.triples, args.seed), "quads written to", args.out)


if __name__ == "__main__":
    main()
