"""The one error base: every refusal a user can meet carries a code, a message and a hint.

Messages name codes, files, lines, columns, ids and counts, never a value of a personal column: they
reach task logs and Airflow's database. A DuckDB error is never passed on as it is (DuckDB quotes the
line it could not read); `from_duckdb` keeps only its kind, file and line.
"""

from __future__ import annotations

import re

import duckdb


class RosterSyncError(RuntimeError):
    """A refusal with a code from the catalogue; str() is the message a log may carry."""

    code = "R000"
    hint = ""

    def __init__(self, message: str = "", *, code: str | None = None, hint: str | None = None):
        if code:
            self.code = code
        if hint is not None:
            self.hint = hint
        super().__init__(message)

    def __str__(self) -> str:
        text = f"[{self.code}] {super().__str__()}"
        return f"{text} ({self.hint})" if self.hint else text


class StageFailed(RosterSyncError):
    """A stage's SQL failed on the data: what the engine said, with the values left out."""

    code = "R010"
    hint = "Check the file and line named; the task log never shows the line's content."


def from_duckdb(error: duckdb.Error, stage: str) -> StageFailed:
    """The project's error for a DuckDB error: its kind, and the file and line it names, if any."""
    text = str(error)
    kind = type(error).__name__
    where = []
    path = re.search(r"^\s*file = (.+)$", text, re.MULTILINE)
    if path:
        where.append(path.group(1).strip().rsplit("/", 1)[-1])
    line = re.search(r"Line: (\d+)", text)
    if line:
        where.append(f"line {line.group(1)}")
    message = f"{stage} failed: {kind}" + (f" at {' '.join(where)}" if where else "")
    if isinstance(error, SAFE_TO_QUOTE):  # about the SQL or the machine, not the data: say what
        message += f": {text.splitlines()[0][:500]}"
    return StageFailed(message=message)


SAFE_TO_QUOTE = (
    duckdb.BinderException,
    duckdb.ParserException,
    duckdb.CatalogException,
    duckdb.IOException,
    duckdb.TransactionException,
    duckdb.OutOfMemoryException,
)
"""DuckDB errors about the SQL (a name it cannot bind) or the machine (a full disk, a failed commit, no
memory): they quote SQL and file names, not data, and the cause must reach the user."""
