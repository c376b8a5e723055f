"""How a source CSV file is read, the same way by the format check and by normalize.

Three steps, each shared: a raw scan of the bytes (NULs, control characters, byte-order marks past the
start, line endings), the header matched against the format's columns (by position: no header text
ever becomes SQL), and one DuckDB read whose columns are named by the code, never by the file.
"""

from __future__ import annotations

import codecs
import csv
import re
from dataclasses import dataclass, field
from pathlib import Path

import duckdb

from rostersync import store
from rostersync.formats import FileSpec

BOM = b"\xef\xbb\xbf"
CONTROL = re.compile(rb"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]|\xc2[\x80-\x9f]")
"""C0 controls but tab and line ends, DEL, and C1 controls (as UTF-8): never part of roster data."""
_C0_AND_DEL = bytes(range(0x00, 0x09)) + b"\x0b\x0c" + bytes(range(0x0E, 0x20)) + b"\x7f"
_NOT_C0 = bytes(b for b in range(256) if b not in _C0_AND_DEL)
_C1 = re.compile(rb"\xc2[\x80-\x9f]")


COLUMN_NAME = re.compile(r"[\w .:()#/+-]*")
"""What a header cell may hold: no quote, semicolon, backslash or control character (a cell with one is
not a column name; it is refused before anything reads the rows)."""
HEADER_BYTES = 1 << 20
FIELD_LIMIT = 1 << 24
"""Python's csv module refuses fields past 128 KiB with a quoting error; length limits report them instead."""
csv.field_size_limit(FIELD_LIMIT)


@dataclass(frozen=True)
class RawProblem:
    code: str
    line: int | None
    message: str


@dataclass
class RawScan:
    """What the bytes of a file say before it is parsed: its line ending, its data lines, problems."""

    newline: bytes = b"\n"
    data_lines: int = 0
    """Non-blank lines after the header: with line breaks inside values refused, the rows a read must find."""
    problems: list[RawProblem] = field(default_factory=list)

    @property
    def readable(self) -> bool:
        """No NUL and one kind of line ending: the file can be parsed line by line to find the rest."""
        return not any(p.code in ("F002", "F017", "F003") for p in self.problems)


def _line_of(data: bytes, offset: int, newline: bytes) -> int:
    """The line (from 1) of a byte offset, counting the file's own line ends."""
    return data.count(b"\r" if newline == b"\r" else b"\n", 0, offset) + 1


def scan(path: Path, limit: int = 200) -> RawScan:
    """The raw scan: at most `limit` control-character problems are listed (the file fails on the first).
    Each pass over the bytes is C-speed; a clean file takes six (about 0.3 s per 100 MB)."""
    result = RawScan()
    data = path.read_bytes()
    if not data[:HEADER_BYTES].strip():
        result.problems.append(RawProblem("F003", None, "the file has no content"))
        return result
    result.newline, lines = _newline(data, result)
    c0 = data.translate(None, _NOT_C0)  # the C0 controls and DEL in the file, NUL among them
    nul = data.find(b"\x00") if b"\x00" in c0 else -1
    if nul >= 0:
        result.problems.append(RawProblem("F002", _line_of(data, nul, result.newline), "the file holds NUL bytes"))
        return result
    bom = data.find(BOM, len(BOM) if data.startswith(BOM) else 0)
    if bom >= 0:
        line = _line_of(data, bom, result.newline)
        result.problems.append(RawProblem("F018", line, "a byte-order mark in the middle of the file"))
    may_hold_control = bool(c0) or (b"\xc2" in data and _C1.search(data) is not None)
    for n, found in enumerate(CONTROL.finditer(data) if may_hold_control else ()):
        if n >= limit:
            break
        character = found.group().decode("utf-8", "replace")
        line = _line_of(data, found.start(), result.newline)
        result.problems.append(RawProblem("F018", line, f"control character {character!a} in a value"))
    if result.readable:
        newline = result.newline
        lines += 0 if data.endswith(newline) else 1
        blank = 0  # empty lines (each is two line ends in a row); the regex only when there is one
        if newline + newline in data:
            blank = sum(1 for _ in re.finditer(b"(?<=" + re.escape(newline) + b")" + re.escape(newline), data))
        result.data_lines = max(0, lines - 1 - blank - (1 if data.startswith(newline) else 0))
    return result


def _newline(data: bytes, result: RawScan) -> tuple[bytes, int]:
    """The file's line ending and how many it has; mixed ones are F017 (with line breaks inside values
    refused, every line break ends a row, so a file must use one kind throughout)."""
    cr, lf = data.count(b"\r"), data.count(b"\n")
    crlf = data.count(b"\r\n") if cr and lf else 0
    if cr and lf and not (crlf == cr == lf):
        first = min(m.start() for m in (re.search(rb"\r(?!\n)", data), re.search(rb"(?<!\r)\n", data)) if m)
        message = "line endings are mixed (CRLF, LF or CR): a line break inside a value, or two exports joined"
        result.problems.append(RawProblem("F017", _line_of(data, first, b"\n"), message))
    if crlf and crlf == cr:
        return b"\r\n", crlf
    return (b"\n", lf) if lf >= cr else (b"\r", cr)


def read_header(path: Path) -> list[str] | None:
    """The header row's cells, or None if the first line cannot be read as UTF-8 CSV. Any line ending."""
    with path.open("rb") as handle:
        first = handle.read(HEADER_BYTES)
    end = min((i for i in (first.find(b"\r"), first.find(b"\n")) if i >= 0), default=len(first))
    try:
        return next(csv.reader([codecs.decode(first[:end], "utf-8-sig")], strict=True))
    except (UnicodeDecodeError, StopIteration, csv.Error):
        return None


def header_key(name: str) -> str:
    """How a header cell is matched when it is not exact: spaces around it and letter case forgiven."""
    return name.strip().lower()


@dataclass
class HeaderMatch:
    """The file's header against the format's columns: where each column is, and what was off."""

    header: list[str]
    positions: dict[str, int] = field(default_factory=dict)
    """Format column -> its position in the file."""
    loose: list[tuple[str, str]] = field(default_factory=list)
    """(as written, column) matched only once spaces and case were forgiven."""
    missing: list[str] = field(default_factory=list)
    """Columns the sync needs that the header lacks."""
    absent: list[str] = field(default_factory=list)
    """Columns the sync uses if present that the header lacks."""
    duplicates: list[str] = field(default_factory=list)
    unknown: list[str] = field(default_factory=list)


def match_header(spec: FileSpec, header: list[str]) -> HeaderMatch:
    match = HeaderMatch(header=header)
    by_key: dict[str, list[int]] = {}
    for position, cell in enumerate(header):
        by_key.setdefault(header_key(cell), []).append(position)
    for key, positions in by_key.items():
        if key and len(positions) > 1:
            match.duplicates.append(header[positions[0]].strip())
    for column in spec.columns:
        exact = [i for i, cell in enumerate(header) if cell == column]
        found = exact or by_key.get(header_key(column), [])
        if found:
            match.positions[column] = found[0]
            if not exact:
                match.loose.append((header[found[0]], column))
        elif column in spec.needed_columns:
            match.missing.append(column)
        else:
            match.absent.append(column)
    known = set(match.positions.values())
    match.unknown = [cell for i, cell in enumerate(header) if i not in known]
    return match


def positional(position: int) -> str:
    """The name a file's column gets in SQL: its position, never its header text."""
    return f"c{position}"


def source(path: Path, match: HeaderMatch) -> store.Fragment:
    """The read_csv call every reader of a source file uses (csv/read_csv): the file, and its columns by
    position (`c0`... and `__extra`, a field too many; short rows are padded with NULL)."""
    names = [positional(i) for i in range(len(match.header))] + ["__extra"]
    columns = store.Fragment("{" + ", ".join(f"{store.literal(n)}: 'VARCHAR'" for n in names) + "}")
    return store.Fragment(store.sql_with("csv/read_csv", path=store.literal(str(path)), columns=columns))


def read_into(
    conn: duckdb.DuckDBPyConnection, table: str, spec: FileSpec, path: Path, match: HeaderMatch, *, view: bool = False
) -> int:
    """Make `table` of `path`, every value as text, with the format's columns (a column the file lacks is
    NULL), and return its row count. A temp table, or with `view` a temp view that parses the file where
    it is read (for a file read once: no copy of its rows; its count is a parse of its own)."""
    select = store.Fragment(
        ", ".join(
            f"{store.identifier(positional(match.positions[c]))} AS {store.identifier(c)}"
            if c in match.positions
            else f"NULL::VARCHAR AS {store.identifier(c)}"
            for c in spec.columns
        )
    )
    conn.execute(
        store.sql_with("csv/read_file", kind=kind(view), table=table, select=select, source=source(path, match))
    )
    (rows,) = conn.execute(store.sql_with("csv/count_rows", table=table)).fetchone() or (0,)
    return int(rows)


def empty_table(conn: duckdb.DuckDBPyConnection, table: str, spec: FileSpec, *, view: bool = False) -> None:
    """An optional file that was not sent: its table (or view), with the format's columns and no rows."""
    select = store.Fragment(", ".join(f"NULL::VARCHAR AS {store.identifier(c)}" for c in spec.columns))
    conn.execute(store.sql_with("csv/create_empty", kind=kind(view), table=table, select=select))


def drop(conn: duckdb.DuckDBPyConnection, table: str, *, view: bool = False) -> None:
    """A source made by read_into or empty_table, if it is there."""
    conn.execute(store.sql_with("csv/drop_table", kind=kind(view), table=table))


def kind(view: bool) -> store.Fragment:
    return store.Fragment("VIEW" if view else "TABLE")
