"""The one error vocabulary: every problem a user can meet has a code, a message and a fix hint here, in
one catalogue (format errors and alerts, record errors and alerts, run-level refusals), and every
refusal raised is a RosterSyncError carrying its code.

Messages name codes, files, lines, columns, ids and counts, never a value of a personal column: they
reach task logs and Airflow's database. A DuckDB error is never passed on as it is (DuckDB quotes the
line it could not read); `from_duckdb` keeps only its kind, file and line.
"""

from __future__ import annotations

import os
import re
from dataclasses import dataclass
from urllib.parse import unquote, urlsplit

import duckdb


@dataclass(frozen=True)
class Entry:
    code: str
    stage: str
    """format (the upload's files), record (one record of the snapshot) or run (the whole run)."""
    severity: str
    """error (format: nothing is processed; record: the record is skipped), alert (reported only), or
    refusal (the run stops, or the step refuses, with nothing changed)."""
    message: str
    fix: str

    @property
    def problem(self) -> str:
        return self.message


CATALOGUE: dict[str, Entry] = {
    e.code: e
    for e in (
        Entry("F001", "format", "error", "missing required file", "Upload every required file together in one upload."),
        Entry(
            "F002",
            "format",
            "error",
            "file is not readable text",
            "Export the file as UTF-8 CSV (not Excel, not UTF-16).",
        ),
        Entry("F003", "format", "error", "file is empty", "Export the file again; it needs a header row."),
        Entry("F004", "format", "error", "missing or misspelled column", "Use the column names of the format exactly."),
        Entry(
            "F005",
            "format",
            "error",
            "wrong number of fields",
            "Quote values that contain commas; remove extra commas.",
        ),
        Entry(
            "F006",
            "format",
            "error",
            "broken quoting",
            "Close every opening double quote; double quotes inside values.",
        ),
        Entry("F007", "format", "error", "missing id", "Fill in the id on every row."),
        Entry(
            "F008", "format", "error", "duplicate id", "Each id may appear once in this file; remove the repeated row."
        ),
        Entry("F009", "format", "error", "value not allowed", "Use one of the values the format allows."),
        Entry("F010", "format", "error", "value too long", "Shorten the value to the format's limit."),
        Entry(
            "F011",
            "format",
            "error",
            "manifest disagrees with the files sent",
            "List every file you send as bulk in manifest.csv, and only those.",
        ),
        Entry(
            "F012",
            "format",
            "error",
            "wrong OneRoster version",
            "Export the OneRoster version your district is set up for.",
        ),
        Entry(
            "F013", "format", "error", "manifest value not allowed", "Use bulk, delta or absent for each file.* row."
        ),
        Entry(
            "F014",
            "format",
            "error",
            "package holds a path outside itself",
            "Zip the CSV files themselves, without paths.",
        ),
        Entry(
            "F015",
            "format",
            "error",
            "package too large when unpacked",
            "Send the CSV files unzipped, or split the export.",
        ),
        Entry(
            "F016",
            "format",
            "error",
            "delta file row without a status",
            "In a delta file every row says active or tobedeleted.",
        ),
        Entry(
            "F017",
            "format",
            "error",
            "mixed line endings",
            "Export the file again in one go; remove line breaks from inside values.",
        ),
        Entry(
            "F018",
            "format",
            "error",
            "control character or byte-order mark inside the file",
            "Remove the invisible character from the value (a copy and paste from another program left it).",
        ),
        Entry("F019", "format", "error", "column named twice in the header", "Keep one column of each name."),
        Entry(
            "F020",
            "format",
            "error",
            "file name twice in the zip",
            "Zip one copy of each file (the zip has it in two folders).",
        ),
        Entry(
            "F022",
            "format",
            "error",
            "header cell is not a column name",
            "Column names are letters, digits, spaces and . _ - only; the first line must be the header.",
        ),
        Entry(
            "F021",
            "format",
            "error",
            "zip member encrypted or compressed in an unsupported way",
            "Zip the files without a password, with ordinary (deflate) compression.",
        ),
        Entry(
            "A301",
            "format",
            "alert",
            "header name matched ignoring spaces or letter case",
            "Write the column name exactly as the format spells it.",
        ),
        Entry(
            "A302",
            "format",
            "alert",
            "optional column not in the file: the sync goes on without it",
            "Add the column to the export if the district has the data.",
        ),
        Entry(
            "A305",
            "format",
            "alert",
            "a column of the format the sync ignores is not in the file: nothing changes",
            "Nothing to do for the sync; other receivers of the export may want the column.",
        ),
        Entry(
            "A303",
            "format",
            "alert",
            "legacy status inactive (OneRoster 1.0): read as tobedeleted, so the record is left out",
            "Export OneRoster 1.1 or 1.2 statuses: active or tobedeleted (blank in a bulk file).",
        ),
        Entry("E101", "record", "error", "teacher without a valid email", "Give the teacher a school email."),
        Entry(
            "E102",
            "record",
            "error",
            "person without a name (guardians: without any name)",
            "Fill in the first and last name.",
        ),
        Entry(
            "E103",
            "record",
            "error",
            "enrollment in a class that is not in the upload",
            "Send the class or drop the enrollment.",
        ),
        Entry(
            "E104",
            "record",
            "error",
            "enrollment of a person who is not in the upload",
            "Send the person or drop the enrollment.",
        ),
        Entry(
            "E105",
            "record",
            "error",
            "guardian without any email or phone",
            "Add an email or a phone for the guardian.",
        ),
        Entry(
            "E106",
            "record",
            "error",
            "email shared with another person in the upload (a teacher, then a parent, then a student keeps it)",
            "Give each person their own email, or leave it blank for those who should not sign in with it.",
        ),
        Entry(
            "E107",
            "record",
            "error",
            "email already used by another person's account",
            "Correct the email in your SIS; if it moved to this person, remove it from the other person first.",
        ),
        Entry(
            "E108",
            "record",
            "error",
            "one source id given to more than one record (a person in two files or with two roles, a class twice)",
            "Give each person and class their own id in your SIS export; until then neither record changes.",
        ),
        Entry(
            "E109",
            "record",
            "error",
            "enrollment whose role is not the person's (a student listed as a class's teacher)",
            "List the class's teacher as a teacher, and students as students.",
        ),
        Entry(
            "E110",
            "record",
            "error",
            "guardianship pairing the wrong roles (a teacher or a student listed as a guardian)",
            "Link each student to their parents or guardians only.",
        ),
        Entry(
            "E111",
            "record",
            "error",
            "person with two primary roles that conflict (a teacher and a student)",
            "Give the person one primary role; other roles may be secondary.",
        ),
        Entry(
            "E113",
            "record",
            "error",
            "record that does not have the shape the API documents (a field of the wrong type, or missing)",
            "Check the record in Clever; the sync keeps what the roster has of it until it is readable.",
        ),
        Entry(
            "A201",
            "record",
            "alert",
            "student without email or phone",
            "Add an email or phone so the student can sign in.",
        ),
        Entry("A202", "record", "alert", "class without students", "Enroll students, or leave it out of the upload."),
        Entry("A203", "record", "alert", "teacher without classes", "Assign the teacher's classes."),
        Entry(
            "A206",
            "record",
            "alert",
            "enrollment or class outside its dates on the data date (ended, or not begun): not synced",
            "Nothing to do if the dates are right; an enrollment or class that is current needs dates around today.",
        ),
        Entry(
            "A204",
            "record",
            "alert",
            "email that is not one usable address (two addresses, spaces, a line break): not stored",
            "Give one address per person in the email column.",
        ),
        Entry(
            "A205",
            "record",
            "alert",
            "phone that is not a phone number (letters, too few or too many digits): not stored",
            "Give one phone number per person, digits with the usual separators.",
        ),
        Entry(
            "R001",
            "run",
            "refusal",
            "the upload has format errors: nothing was processed",
            "Fix the errors listed (file, line, column) and upload again.",
        ),
        Entry("R002", "run", "refusal", "nothing to sync: the package says nothing changed", "Nothing to do."),
        Entry(
            "R003",
            "run",
            "refusal",
            "a fatal expectation failed: the snapshot is not fit to be diffed",
            "Read the expectations results in the run's reports folder.",
        ),
        Entry(
            "R010",
            "run",
            "refusal",
            "a stage's SQL failed on the data",
            "Check the file and line named; the task log never shows the line's content.",
        ),
        Entry(
            "R011",
            "run",
            "refusal",
            "normalize read another row count than the format check",
            "Nothing was changed. Report this with the file: the two reads of it disagree.",
        ),
        Entry(
            "R012",
            "run",
            "refusal",
            "a delta package with no applied snapshot to apply it to",
            "Send a bulk package first (every file.* = bulk in manifest.csv).",
        ),
        Entry(
            "R013",
            "run",
            "refusal",
            "the run has no snapshot to plan from: a later run was applied since (only its snapshot is kept)",
            "Nothing was planned. Clear normalize and the tasks after it to read this run's upload again.",
        ),
        Entry(
            "R020",
            "run",
            "refusal",
            "a school is on hold and the gate has no answer for this plan",
            "Clear the approve task of this run (and the tasks after it): the gate asks again, and an approver "
            "answers it in Airflow's Required Actions. Setting a task's state by hand never releases a hold.",
        ),
        Entry(
            "R021",
            "run",
            "refusal",
            "the roster changed after the plan was computed",
            "Clear detect_holds and the tasks after it to compute and approve a fresh plan.",
        ),
        Entry(
            "R022",
            "run",
            "refusal",
            "a backfill older than data already applied",
            'Trigger the run again with the run conf {"force_backfill": true} to apply it anyway.',
        ),
        Entry(
            "R023",
            "run",
            "refusal",
            "only the last applied run can be rolled back",
            "Roll back the newer runs first, newest first.",
        ),
        Entry(
            "R024",
            "run",
            "refusal",
            "a later run applied after this one was planned: its plan is gone",
            "Clear normalize and the tasks after it to plan this run again.",
        ),
        Entry(
            "R030",
            "run",
            "refusal",
            "an SMTP setting would expose the login or the mail",
            "Use TLS (SMTPS, or STARTTLS: the SMTP connection's default) with a certificate the worker "
            "trusts; for a private CA set the connection extra ca_file to its PEM file.",
        ),
        Entry(
            "R031",
            "run",
            "refusal",
            "the mail server accepted the email, then failed the session",
            "Nothing to do: the email went out and is recorded as sent.",
        ),
        Entry(
            "R040",
            "run",
            "refusal",
            "Clever kept failing, or answered off its API",
            "Check Clever's status and the district's connection, then clear land_files to pull again.",
        ),
        Entry(
            "R050",
            "run",
            "refusal",
            "the district's store stayed in use by another process",
            "Try again when the other task, notify_accounts or the rollback is done.",
        ),
        Entry(
            "R051",
            "run",
            "refusal",
            "the district's store lives on another worker host (ROSTERSYNC_STORES apart from the data)",
            "Run the district on its queue's worker; to move it, pause its DAG and move its store folder first.",
        ),
        Entry(
            "R052",
            "run",
            "refusal",
            "the PostgreSQL roster (ROSTERSYNC_ROSTER_URL) could not be reached or used",
            "Check the URL, the server and the user's rights (CREATE on the database); nothing was changed.",
        ),
        Entry(
            "R053",
            "run",
            "refusal",
            "the district's roster is not where this process looks: the other store (its DuckDB file, or "
            "PostgreSQL), a PostgreSQL schema missing or made for another working file, or a new working file "
            "beside an existing schema",
            "Set ROSTERSYNC_ROSTER_URL as the district needs, or restore its working file; nothing is moved by itself.",
        ),
        Entry(
            "R054",
            "run",
            "refusal",
            "the district's DuckDB file was written by a newer DuckDB than the one installed",
            "EXPORT DATABASE with the DuckDB that wrote it and IMPORT DATABASE with this one; nothing was changed.",
        ),
    )
}


def of(stage: str, severity: str | None = None) -> dict[str, Entry]:
    """The catalogue's entries of one stage (and severity)."""
    return {c: e for c, e in CATALOGUE.items() if e.stage == stage and severity in (None, e.severity)}


class RosterSyncError(RuntimeError):
    """A refusal with a code from the catalogue; str() is the message a log may carry, with the fix."""

    code = "R000"

    def __init__(self, message: str = "", *, code: str | None = None, hint: str | None = None):
        if code:
            self.code = code
        self._hint = hint
        super().__init__(message)

    @property
    def hint(self) -> str:
        entry = CATALOGUE.get(self.code)
        return self._hint if self._hint is not None else (entry.fix if entry else "")

    def __str__(self) -> str:
        text = f"[{self.code}] {super().__str__()}"
        return f"{text} ({self.hint})" if self.hint else text


class StageFailed(RosterSyncError):
    """A stage's SQL failed on the data: what the engine said, with the values left out."""

    code = "R010"


def redact_roster_password(text: str) -> str:
    """`text` with the PostgreSQL rosters' passwords (`$ROSTERSYNC_ROSTER_URL*`) masked: libpq and DuckDB's
    postgres extension quote the connection string, or a piece of it, in their errors."""
    urls = [v.strip() for k, v in os.environ.items() if k.startswith("ROSTERSYNC_ROSTER_URL") and v.strip()]
    if not urls:
        return _mask_password_fields(text)
    import psycopg2.extensions

    found: set[str] = set()
    for url in urls:  # the deployment's, and any district's own
        found |= set(re.findall(r"password\s*=\s*'?([^\s'&]+)", url))  # key=value form, or a URL's query
        try:
            raw = urlsplit(url).password  # URL form, as written (percent-encoded)
        except ValueError:
            raw = None
        if raw:
            found |= {raw, unquote(raw)}
        try:
            found.add(psycopg2.extensions.parse_dsn(url).get("password") or "")
        except psycopg2.ProgrammingError:
            pass  # a URL libpq cannot parse: the forms above still apply
    found.discard("")
    for secret in sorted(found, key=len, reverse=True):
        text = text.replace(secret, "***")
    return _mask_password_fields(text)


_PASSWORD_FIELD = re.compile(r"""(password\s*=\s*)('(?:\\.|[^'])*'|(?:\\.|[^\s&'"])+)""", re.IGNORECASE)
_URL_USERINFO = re.compile(r"(\b[a-z][a-z0-9+.-]*://[^/@\s:]*:)[^@\s]*@", re.IGNORECASE)


def _mask_password_fields(text: str) -> str:
    """Any `password=...` field (key=value or a URL's query) and any URL's `user:password@`, by shape."""
    return _URL_USERINFO.sub(r"\1***@", _PASSWORD_FIELD.sub(r"\1***", text))


def from_duckdb(error: duckdb.Error, stage: str) -> StageFailed:
    """The project's error for a DuckDB error: its kind, and the file and line it names, if any."""
    text = redact_roster_password(str(error))
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


STAGES = {
    "format": "Format errors and alerts (the upload's files; an error stops the run before anything is read)",
    "record": "Record errors and alerts (one record of the snapshot; an error skips that record only)",
    "run": "Run-level refusals (the run, or the command, stops with nothing changed)",
}


def catalogue_markdown() -> str:
    """The catalogue as the README shows it: one table per stage, each code with its fix
    (`python -m rostersync.errors` prints it; tests/test_layout.py keeps the README equal to it)."""

    def cell(text: str) -> str:
        return text.replace("|", "\\|").replace("\n", " ")

    parts = []
    for stage, title in STAGES.items():
        parts += [f"**{title}**", "", "| code | kind | what | what to do |", "|---|---|---|---|"]
        parts += [
            f"| {e.code} | {e.severity} | {cell(e.message)} | {cell(e.fix)} |"
            for e in CATALOGUE.values()
            if e.stage == stage
        ]
        parts.append("")
    return "\n".join(parts).rstrip("\n") + "\n"


if __name__ == "__main__":
    print(catalogue_markdown(), end="")
