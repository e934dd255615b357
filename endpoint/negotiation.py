"""Content negotiation per RFC 9110: Accept with q-values, where q=0 excludes a type."""

from __future__ import annotations

from dataclasses import dataclass

from loaders.kernel.results import Format


@dataclass(frozen=True)
class Preference:
    media_range: str
    q: float
    specificity: int


def parse_accept(header: str | None) -> list[Preference]:
    """The media ranges of an Accept header with their q-values (absent header → ``*/*``).

    >>> [(p.media_range, p.q) for p in parse_accept("text/csv;q=0.5, */*;q=0.1")]
    [('text/csv', 0.5), ('*/*', 0.1)]
    """
    if not header or not header.strip():
        return [Preference("*/*", 1.0, 0)]
    prefs: list[Preference] = []
    for part in header.split(","):
        fields = [f.strip() for f in part.split(";")]
        media = fields[0].lower()
        if not media:
            continue
        q = 1.0
        for param in fields[1:]:
            name, _, value = param.partition("=")
            if name.strip().lower() == "q":
                try:
                    q = max(0.0, min(1.0, float(value)))
                except ValueError:
                    q = 0.0
        if media == "*/*":
            specificity = 0
        elif media.endswith("/*"):
            specificity = 1
        else:
            specificity = 2
        prefs.append(Preference(media, q, specificity))
    return prefs


def _quality(media_type: str, prefs: list[Preference]) -> float:
    """The q-value the most specific matching range gives *media_type* (0 if none matches)."""
    best: Preference | None = None
    major = media_type.split("/")[0]
    for p in prefs:
        if p.media_range in (media_type, "*/*", f"{major}/*") and (
                best is None or p.specificity > best.specificity):
            best = p
    return best.q if best else 0.0


def negotiate(header: str | None, offers: list[Format],
              aliases: dict[str, str] | None = None) -> Format | None:
    """The offered format the client prefers most, or None when none is acceptable.

    Ties keep the server's order of *offers* (its default first). *aliases* map a requested
    media type onto an offered one (``application/json`` → SPARQL JSON or JSON-LD).
    """
    prefs = parse_accept(header)
    if aliases:
        prefs = prefs + [Preference(aliases[p.media_range], p.q, p.specificity - 1)
                         for p in prefs if p.media_range in aliases]
    best: tuple[float, int] | None = None
    chosen: Format | None = None
    for index, fmt in enumerate(offers):
        q = _quality(fmt.media_type, prefs)
        if q <= 0:
            continue
        key = (q, -index)
        if best is None or key > best:
            best, chosen = key, fmt
    return chosen
