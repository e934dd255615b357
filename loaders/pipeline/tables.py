"""Reading the curated CSV tables with errors that name the file, the row and the column.

Row numbers count the header as row 1, as a spreadsheet shows them.
"""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date
from pathlib import Path

from rdflib import Literal
from rdflib.namespace import XSD

from loaders.kernel.errors import InputError, Location

_YEAR = re.compile(r"^\d{4}$")
_YEAR_MONTH = re.compile(r"^(\d{4})-(\d{2})$")
_DAY = re.compile(r"^(\d{4})-(\d{2})-(\d{2})$")


@dataclass(frozen=True)
class Row:
    """One data row of a table, with where it came from."""

    path: Path
    number: int
    values: dict[str, str]

    def where(self, column: str | None = None) -> Location:
        return Location(self.path, row=self.number, column=column)

    def get(self, column: str) -> str:
        """The cell, stripped; empty string when blank."""
        return (self.values.get(column) or "").strip()

    def require(self, column: str) -> str:
        value = self.get(column)
        if not value:
            raise InputError(self.where(column), "a value is required here", term=column)
        return value

    def items(self, column: str) -> list[str]:
        """A ``;``-separated list cell as its non-empty items."""
        return [v.strip() for v in self.get(column).split(";") if v.strip()]

    def date(self, column: str) -> Literal | None:
        """A date at the precision written: ``YYYY``, ``YYYY-MM`` or ``YYYY-MM-DD``."""
        return parse_date(self.get(column), self.where(column))

    def integer(self, column: str) -> int:
        raw = self.require(column)
        try:
            return int(raw)
        except ValueError:
            raise InputError(self.where(column), f"{raw!r} is not a whole number",
                             term=column) from None

    def boolean(self, column: str) -> bool:
        raw = self.require(column).lower()
        if raw not in {"true", "false"}:
            raise InputError(self.where(column), f"{raw!r} is neither 'true' nor 'false'",
                             term=column)
        return raw == "true"


_GYEAR, _GYEAR_MONTH, _DATE = XSD.gYear, XSD.gYearMonth, XSD.date  # looked up once


def parse_date(raw: str, where: Location) -> Literal | None:
    """``YYYY`` → xsd:gYear, ``YYYY-MM`` → xsd:gYearMonth, ``YYYY-MM-DD`` → xsd:date.

    An impossible date (2019-02-30, month 13) is an :class:`InputError`.
    """
    raw = raw.strip()
    if not raw:
        return None
    if _YEAR.match(raw):
        return Literal(raw, datatype=_GYEAR)
    if m := _YEAR_MONTH.match(raw):
        if not 1 <= int(m.group(2)) <= 12:
            raise InputError(where, f"{raw!r} is not a real month", term=raw)
        return Literal(raw, datatype=_GYEAR_MONTH)
    if m := _DAY.match(raw):
        try:
            date(int(m.group(1)), int(m.group(2)), int(m.group(3)))
        except ValueError:
            raise InputError(where, f"{raw!r} is not a real date", term=raw) from None
        return Literal(raw, datatype=_DATE)
    raise InputError(where, f"{raw!r} is not a date of the form YYYY, YYYY-MM or YYYY-MM-DD",
                     term=raw)


def _row_at(data: bytes, offset: int) -> int:
    """The CSV row (the header is row 1) that holds byte *offset* of *data*."""
    prefix = data[:offset].decode("utf-8")
    records = 0
    try:
        records = sum(1 for _ in csv.reader(io.StringIO(prefix, newline="")))
    except csv.Error:
        records = prefix.count("\n") + 1
    at_start = prefix == "" or prefix.endswith(("\n", "\r"))
    return records + 1 if at_start else records


def read_table(path: Path, required: list[str], optional: list[str] = ()) -> Iterator[Row]:
    """The rows of the CSV file *path*, after checking its header.

    A missing required column or a column nobody expects is an :class:`InputError`: a typo in a
    header must not silently drop a column of facts.
    """
    try:
        data = path.read_bytes()
    except OSError as exc:
        raise InputError(Location(path), f"cannot be read: {exc.strerror}") from None
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as exc:  # decoded whole, so the row is where the byte is
        raise InputError(Location(path, row=_row_at(data, exc.start)),
                         f"not UTF-8: byte 0x{data[exc.start]:02x} at byte offset {exc.start}"
                         ) from None
    with io.StringIO(text, newline="") as handle:
        reader = csv.reader(handle, strict=True)
        try:
            header = next(reader)
        except StopIteration:
            raise InputError(Location(path, row=1), "the file is empty; a header row is expected"
                             ) from None
        except (csv.Error, UnicodeDecodeError) as exc:
            raise InputError(Location(path, row=1), f"malformed CSV: {exc}") from None
        header = [h.strip() for h in header]
        known = set(required) | set(optional)
        for name in header:
            if name not in known:
                raise InputError(Location(path, row=1, column=name),
                                 f"unknown column; expected some of {sorted(known)}", term=name)
        for name in required:
            if name not in header:
                raise InputError(Location(path, row=1), "required column is missing", term=name)
        number = 1
        try:
            for number, cells in enumerate(reader, start=2):
                if not any(c.strip() for c in cells):
                    continue
                if len(cells) != len(header):
                    raise InputError(Location(path, row=number),
                                     f"has {len(cells)} cells but the header has {len(header)}")
                yield Row(path, number, dict(zip(header, cells, strict=True)))
        except (csv.Error, UnicodeDecodeError) as exc:
            raise InputError(Location(path, row=number + 1), f"malformed CSV: {exc}") from None
