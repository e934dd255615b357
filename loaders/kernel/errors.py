"""The one error hierarchy of c2c.

Every error a user can cause is a :class:`C2CError`. Its message names the file, the line or
row, and the term involved, so the command line prints it as one line and exits non-zero
without a traceback. The exit codes live here, one per class (``exit_code``), and
:func:`loaders.pipeline.cli.main` is the one place that maps an error to its code:

====  ==========================================================================
1     :class:`InputError`, :class:`ValidationFailed`, :class:`StoreError`,
      :class:`GraphStateError` (and an OSError on a path the user gave)
2     :class:`ConfigError`
3     :class:`NotBuiltYet`
4     :class:`RemoteError`
5     :class:`ServeError`
130   Ctrl-C
====  ==========================================================================
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path


class C2CError(Exception):
    """Base of every error a user can cause. ``exit_code`` is what the ``c2c`` command returns."""

    exit_code = 1


class ConfigError(C2CError):
    """A ``C2C_*`` setting is malformed."""

    exit_code = 2


class NotBuiltYet(C2CError):  # noqa: N818 - reads as a sentence at the raise site
    """A subcommand or feature that a later issue will build."""

    exit_code = 3


@dataclass
class Location:
    """Where in the input something went wrong: a file and, when known, a line or a row."""

    path: Path | str
    line: int | None = None
    row: int | None = None
    column: str | None = None

    def __str__(self) -> str:
        text = str(self.path)
        if self.row is not None:
            text += f", row {self.row}"
        if self.line is not None:
            text += f", line {self.line}"
        if self.column:
            text += f", column '{self.column}'"
        return text


class InputError(C2CError):
    """Bad input: a file that cannot be read, parsed or understood.

    The message reads ``<file>, row <n>, column '<c>': <what> (term: <term>)``.
    """

    def __init__(self, location: Location, message: str, term: str | None = None) -> None:
        self.location = location
        self.term = term
        suffix = f" (term: {term})" if term else ""
        super().__init__(f"{location}: {message}{suffix}")


class ValidationFailed(C2CError):  # noqa: N818 - reads as a sentence where it is raised
    """The data does not conform to the SHACL shapes. ``report`` holds the readable report."""

    def __init__(self, violations: list, report_text: str) -> None:
        self.violations = violations
        self.report_text = report_text
        super().__init__(
            f"{len(violations)} SHACL violation(s); nothing was loaded\n{report_text}"
        )


class RemoteError(C2CError):
    """A remote service (a SPARQL endpoint) cannot be reached or gives an unusable answer.

    The message reads ``<url>: <what> (<where in the paging>)``."""

    exit_code = 4


class GraphStateError(C2CError):
    """An update names a graph that does not exist (``DROP``, ``CLEAR``, ``MOVE`` without
    ``SILENT``) or creates one that already exists; ``missing`` tells which."""

    def __init__(self, message: str, *, missing: bool) -> None:
        self.missing = missing
        super().__init__(message)


class ServeError(C2CError):
    """``c2c serve`` cannot serve: the port is taken or out of range, or gunicorn failed."""

    exit_code = 5


class StoreError(C2CError):
    """The store cannot be opened, built or switched."""
