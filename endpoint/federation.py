"""SPARQL ``SERVICE`` and ``LOAD`` only to an allowlist (``C2C_SERVICE_ALLOW``), checked before
evaluation.

pyoxigraph follows ``SERVICE`` clauses and ``LOAD`` operations with real HTTP requests, so a
query or an update must be refused *before* it runs when any target is not allowed: a variable
target, or an IRI that no allowed prefix starts. Updates are checked for both: a ``LOAD`` to a
server that never answers would otherwise hold the write lock.

The check reads the query's tokens (skipping strings, IRIs and comments, and expanding prefixed
names with the query's own and c2c's predeclared prefixes).
"""

from __future__ import annotations

import re

from loaders.kernel.namespaces import PREFIXES

_TOKEN = re.compile(r"""
    (?P<comment>\#[^\n]*)
  | (?P<long>'''(?:[^'\\]|\\.|'(?!''))*'''|\"\"\"(?:[^"\\]|\\.|"(?!""))*\"\"\")
  | (?P<string>'(?:[^'\\\n]|\\.)*'|"(?:[^"\\\n]|\\.)*")
  | (?P<iri><[^<>"{}|^`\\\s]*>)
  | (?P<var>[?$][A-Za-z0-9_\u00B7-\uFFFF]+)
  | (?P<name>[A-Za-z_\u00C0-\uFFFF][\w.\-\u00B7-\uFFFF]*)?:(?P<local>[\w.\-:%\u00B7-\uFFFF]*)
  | (?P<word>[A-Za-z_][\w\-]*)
  | (?P<other>\S)
""", re.VERBOSE | re.DOTALL)
TOKEN = _TOKEN
"""The tokenizer of SPARQL text (also used by :mod:`endpoint.guards`)."""


def keywords(text: str) -> list[str]:
    """The bare words of a query or update, upper-cased (strings, IRIs, comments skipped)."""
    return [m.group(0).upper() for m in _TOKEN.finditer(text) if m.lastgroup == "word"]


def service_targets(query: str, operations: tuple[str, ...] = ("SERVICE",)
                    ) -> list[str | None]:
    """The target of every ``SERVICE`` clause (or other *operations*, such as ``LOAD``): an
    IRI, or None for a variable or an unknown prefix (which cannot be checked and is refused)."""
    prefixes = dict(PREFIXES)
    tokens: list[tuple[str, str]] = []
    for match in _TOKEN.finditer(query):
        kind = match.lastgroup
        if kind in ("comment",):
            continue
        if kind == "local":  # a prefixed name: the group that closed the match is 'local'
            kind = "pname"
        tokens.append((kind or "other", match.group(0)))
    targets: list[str | None] = []
    for i, (kind, text) in enumerate(tokens):
        upper = text.upper() if kind == "word" else ""
        if upper == "PREFIX" and i + 2 < len(tokens) and tokens[i + 2][0] == "iri":
            prefixes[tokens[i + 1][1].rstrip(":")] = tokens[i + 2][1][1:-1]
        if upper not in operations:
            continue
        j = i + 1
        if j < len(tokens) and tokens[j][1].upper() == "SILENT":
            j += 1
        if j >= len(tokens):
            targets.append(None)
            continue
        target_kind, target = tokens[j]
        if target_kind == "iri":
            targets.append(target[1:-1])
        elif target_kind == "pname":
            prefix, _, local = target.partition(":")
            targets.append(prefixes[prefix] + local if prefix in prefixes else None)
        else:
            targets.append(None)
    return targets


def refused_targets(query: str, allow: tuple[str, ...], *, update: bool = False) -> list[str]:
    """The ``SERVICE`` targets of *query* (and, for an *update*, its ``LOAD`` sources) that
    *allow* does not permit (readable strings)."""
    operations = ("SERVICE", "LOAD") if update else ("SERVICE",)
    lowered = query.lower()
    if not any(op.lower() in lowered for op in operations):
        return []
    refused = []
    for target in service_targets(query, operations):
        if target is None:
            refused.append("a variable or unresolvable SERVICE or LOAD target")
        elif not any(target.startswith(prefix) for prefix in allow):
            refused.append(target)
    return refused
