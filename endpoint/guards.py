"""Checks of a request's SPARQL text before any parser sees it, and short parser messages.

* **Nesting depth and size**: pyoxigraph's parser and planner recurse once per nested group
  and once per element of a chain (``||`` operands, ``UNION``s, ``BIND``s, triple patterns), and
  a few thousand of either overflow the stack of the process that runs them (a segfault: a
  query executor, or the gunicorn worker for an update). :func:`too_deep` measures both with
  the tokenizer of :mod:`endpoint.federation` (brackets and operators inside strings, IRIs and
  comments do not count) so that such a text is refused with 400 before it is parsed.
* **Short syntax errors**: Oxigraph lists every character class its grammar expected (an
  undeclared prefix gives half a kilobyte of Unicode ranges). :func:`short_syntax_error` turns
  its message into one line with line, column and what was expected, and names the undeclared
  prefix when that is the cause.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from endpoint.federation import TOKEN
from loaders.kernel.namespaces import PREFIXES

MAX_NESTING = 128
"""Deepest nesting of ``{ ( [`` accepted; real queries stay far below (the competency
questions reach 6) and pyoxigraph overflows its stack a little above 2,000 in a main thread."""

_OPEN, _CLOSE = "({[", ")}]"


def nesting_depth(text: str) -> int:
    """The deepest nesting of brackets in *text*, outside strings, IRIs and comments."""
    depth = deepest = 0
    for match in TOKEN.finditer(text):
        if match.lastgroup != "other":
            continue
        char = match.group(0)
        if char in _OPEN:
            depth += 1
            deepest = max(deepest, depth)
        elif char in _CLOSE:
            depth = max(0, depth - 1)
    return deepest


MAX_ELEMENTS = 1000
"""Most pattern elements and operators accepted in one query or update (see
:func:`element_count`); pyoxigraph overflowed its stack from 3,000 BINDs or MINUS groups,
5,000 ``(1 AS ?v)`` in a SELECT, 10,000 ``||`` operands or 10,000 triple patterns, at any
nesting depth; the largest query of the repository and the W3C suites has 43."""

_GROUP_WORDS = {"UNION", "OPTIONAL", "MINUS", "FILTER", "BIND", "GRAPH", "SERVICE", "EXISTS",
                "AS"}
_OPERATORS = set("|&+-*/=!<>^")
_SEPARATORS = set(".;,")


def element_count(text: str) -> int:
    """How many pattern elements and operators *text* has: group keywords (``UNION``,
    ``OPTIONAL``, ``FILTER``, ``AS`` …), operator characters, and the separators of triple patterns
    (``.``, ``;``, ``,`` directly inside a ``{`` or ``[``). The contents of ``DATA { … }`` blocks
    and lists in parentheses (``IN (…)``) are not counted: Oxigraph keeps those flat."""
    count = 0
    stack: list[str] = []
    data_depth: int | None = None  # depth of the '{' that opened a DATA block
    after_data = False
    for match in TOKEN.finditer(text):
        kind, part = match.lastgroup, match.group(0)
        if kind == "word":
            upper = part.upper()
            after_data = upper == "DATA"
            if data_depth is None and upper in _GROUP_WORDS:
                count += 1
            continue
        if kind != "other":
            continue
        if part in _OPEN:
            stack.append(part)
            if after_data and part == "{" and data_depth is None:
                data_depth = len(stack)
            after_data = False
            continue
        if part in _CLOSE:
            if data_depth is not None and len(stack) == data_depth:
                data_depth = None
            if stack:
                stack.pop()
            continue
        if data_depth is not None:
            continue
        in_pattern = bool(stack) and stack[-1] in "{["
        if part in _OPERATORS or (part in _SEPARATORS and in_pattern):
            count += 1
    return count


def too_deep(text: str) -> str | None:
    """Why *text* is refused before parsing (nested too deeply, or too many pattern elements
    and operators for the parser's stack), or None."""
    depth = nesting_depth(text)
    if depth > MAX_NESTING:
        return (f"Brackets are nested {depth} deep; at most {MAX_NESTING} levels of "
                "'{', '(' and '[' are accepted.")
    elements = element_count(text)
    if elements > MAX_ELEMENTS:
        return (f"The text has {elements} pattern elements and operators; at most "
                f"{MAX_ELEMENTS} are accepted (write data with INSERT DATA, or split the "
                "operation).")
    return None


@dataclass(frozen=True)
class SyntaxProblem:
    """A parser message made short: ``detail`` is one line; line and column when known."""

    detail: str
    line: int | None = None
    column: int | None = None


_POSITION = re.compile(r"error at (\d+):(\d+): expected (?:one of )?(.*)", re.DOTALL)
_QUOTED = re.compile(r'"(?:[^"\\]|\\.)*"')
_MAX_EXPECTED = 10


def undeclared_prefixes(text: str) -> list[str]:
    """Prefixes used in *text* that neither a ``PREFIX`` line nor c2c's predeclared prefixes
    define, in order of first use."""
    declared = set(PREFIXES)
    tokens = [m for m in TOKEN.finditer(text) if m.lastgroup != "comment"]
    for i, match in enumerate(tokens):
        if match.lastgroup == "word" and match.group(0).upper() == "PREFIX" \
                and i + 1 < len(tokens):
            declared.add(tokens[i + 1].group(0).partition(":")[0])
    found: list[str] = []
    for i, match in enumerate(tokens):
        if match.lastgroup != "local":
            continue
        if i > 0 and tokens[i - 1].group(0).upper() == "PREFIX":
            continue
        prefix = match.group(0).partition(":")[0]
        if prefix not in declared and prefix not in found:
            found.append(prefix)
    return found


def short_syntax_error(text: str, message: str) -> SyntaxProblem:
    """One line for Oxigraph's syntax error *message* about *text*."""
    match = _POSITION.search(message)
    if match is None:
        return SyntaxProblem(" ".join(message.split())[:300])
    line, column, expected = int(match.group(1)), int(match.group(2)), match.group(3)
    where = f"line {line}, column {column}"
    if "Prefix not found" in expected:
        missing = undeclared_prefixes(text)
        if missing:
            names = ", ".join(f"'{p}:'" for p in missing)
            return SyntaxProblem(f"{where}: undeclared prefix {names} (declare it with "
                                 "PREFIX, or use a full <IRI>)", line, column)
        return SyntaxProblem(f"{where}: undeclared prefix", line, column)
    tokens = [t for t in _QUOTED.findall(expected) if t != '"{|"']
    if "[" in expected.replace("[_]", ""):
        tokens.append("a name")
    if "[_]" in expected:
        tokens.append("a term or variable")
    shown = ", ".join(tokens[:_MAX_EXPECTED]) + (", …" if len(tokens) > _MAX_EXPECTED else "")
    if not tokens:
        shown = " ".join(expected.split())[:120]
    near = _near(text, line, column)
    detail = f"{where}: expected {shown or 'something else'}"
    if near:
        detail += f", found {near}"
    return SyntaxProblem(detail, line, column)


def _near(text: str, line: int, column: int) -> str:
    """A few characters of *text* at 1-based *line*, *column* (empty at the end)."""
    lines = text.splitlines()
    if not 0 < line <= len(lines):
        return "the end of the text"
    rest = lines[line - 1][max(0, column - 1):].strip()
    if not rest:
        return "the end of the text" if line == len(lines) else "the end of the line"
    return repr(rest[:20] + ("…" if len(rest) > 20 else ""))
