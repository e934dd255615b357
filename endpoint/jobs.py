"""The two messages across the executor hop: a :class:`Job` to an executor (or the write
process) and its :class:`Answer` back (issue 19's typed seams, issue 21's one small message
each way).

Both are slotted dataclasses: pickled (:meth:`Job.__reduce__`), a message is the class once
and its values as one tuple, in field order, not a key string per field as the dicts it
replaces were (an ASK's job: 162 bytes against 271 as a dict, 195 with the dataclass's own
pickling, which also took three times as long); and a misspelt field is an error where a
misspelt key was a silent ``None``.
"""

from __future__ import annotations

import operator
from dataclasses import dataclass, fields
from typing import Any


@dataclass(slots=True, frozen=True)
class GraphWrite:
    """A Graph Store write: PUT, POST or DELETE of *graph* (None: the default graph) with the
    triples of the request as N-Triples."""

    method: str
    graph: str | None
    ntriples: bytes


@dataclass(slots=True, frozen=True)
class Job:
    """What an executor is asked to do.

    ``op``: ``query`` (evaluate ``query`` over the build in ``path``, write the answer in
    ``solution_format`` or ``graph_format``, rows ``offset`` … ``offset + limit``), ``graph``
    (a Graph Store read of ``graph``, sorted), ``warm`` (get ready: ``path`` None imports only;
    ``writer`` imports the write path) or ``revise`` (a write, :mod:`loaders.revise`, with
    ``settings`` and either ``update`` or ``gsp``). ``alarm``: seconds after which the executor
    ends itself should nobody kill it (set by the pool)."""

    op: str
    path: str | None = None
    query: str = ""
    default_graph: list[str] | None = None
    named_graphs: list[str] | None = None
    base_iri: str | None = None
    solution_format: str | None = None
    graph_format: str | None = None
    offset: int = 0
    limit: int = 10_000
    fail_after_rows: int = 0
    graph: str | None = None
    writer: bool = False
    settings: Any = None
    update: str | None = None
    gsp: GraphWrite | None = None
    alarm: int = 0

    def __reduce__(self) -> tuple[type, tuple[Any, ...]]:
        return Job, _JOB_VALUES(self)


@dataclass(slots=True)
class Answer:
    """An executor's answer.

    ``kind``: ``boolean``, ``solutions``, ``graph`` (with ``body`` in ``format``, None when no
    offered format was acceptable; ``rows``, and ``truncated`` at the row cap), ``missing`` (no
    such graph), ``warm``, ``revised``, or ``error`` (``error`` says which: ``syntax`` with
    ``line``/``column`` when known, ``evaluation``, ``memory``, ``internal``, ``warm-up``, and
    for writes ``graph-missing``, ``graph-exists``, ``shacl`` with ``count`` and
    ``violations``, ``store``). ``warmed``: whether the executor had warmed up before
    answering; ``stale_resident``: the build it read from disk because its fork server holds
    another one in memory (:mod:`endpoint.resident`), set once."""

    kind: str
    body: bytes | None = None
    format: str | None = None
    rows: int = 0
    truncated: bool = False
    error: str | None = None
    message: str = ""
    line: int | None = None
    column: int | None = None
    count: int = 0
    violations: tuple[str, ...] = ()
    warmed: bool = False
    stale_resident: str | None = None

    def __reduce__(self) -> tuple[type, tuple[Any, ...]]:
        return Answer, _ANSWER_VALUES(self)


_JOB_VALUES = operator.attrgetter(*(f.name for f in fields(Job)))
_ANSWER_VALUES = operator.attrgetter(*(f.name for f in fields(Answer)))


def failed(error: str, message: str, **extra: Any) -> Answer:
    """An ``error`` answer."""
    return Answer("error", error=error, message=message, **extra)
