"""``using-graph-uri`` and ``using-named-graph-uri`` of an update request (SPARQL 1.1 Protocol
§2.2.3): they act as ``USING`` and ``USING NAMED`` clauses of every operation of the request
that has a ``WHERE`` clause, so they are written into the update's text before each of its
top-level ``WHERE`` keywords (Oxigraph takes no dataset beside an update). A ``DELETE WHERE``
shorthand cannot carry ``USING`` in SPARQL and is left as it is; an update that has its own
``USING`` or ``WITH`` is refused by the caller, as the protocol says.
"""

from __future__ import annotations

from endpoint.federation import _TOKEN


def _iri(value: str) -> str:
    return "<" + value.replace(">", "%3E") + ">"


def with_using(text: str, default_graphs: list[str], named_graphs: list[str]) -> str:
    """*text* with ``USING <g>`` for each of *default_graphs* and ``USING NAMED <g>`` for
    each of *named_graphs* before every top-level ``WHERE`` (not ``DELETE WHERE``)."""
    clause = " ".join([f"USING {_iri(g)}" for g in default_graphs]
                      + [f"USING NAMED {_iri(g)}" for g in named_graphs]) + " "
    out: list[str] = []
    depth, last, previous = 0, 0, ""
    for match in _TOKEN.finditer(text):
        kind, word = match.lastgroup, match.group(0)
        if kind == "comment":
            continue
        if word == "{":
            depth += 1
        elif word == "}":
            depth -= 1
        elif kind == "word" and word.upper() == "WHERE" and depth == 0 \
                and previous != "DELETE":
            out += [text[last:match.start()], clause]
            last = match.start()
        previous = word.upper() if kind == "word" else word
    out.append(text[last:])
    return "".join(out)
