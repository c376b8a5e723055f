"""The format check: the catalogue of format errors, and the runner that finds them in a landed upload.

Nothing is processed until every format error is fixed, so this runs on the files as they landed,
before any SQL reads them. Each error names the file, the line and, where it can, the column.
"""

from __future__ import annotations

import codecs
import csv
import difflib
import io
import os
import re
import shutil
import zipfile
from collections import Counter
from concurrent.futures import ThreadPoolExecutor
from dataclasses import asdict, dataclass, field
from pathlib import Path

import duckdb

from rostersync import csvfile, errors, store
from rostersync.clever import load_page, read_pages
from rostersync.errors import RosterSyncError
from rostersync.formats import FileSpec, Format

CATALOGUE = errors.of("format", "error")
"""Format errors: nothing is processed until every one is fixed (texts in rostersync.errors)."""
FORMAT_ALERTS = errors.of("format", "alert")
"""Format findings that do not stop the run: reported to the admins, listed by `check`."""

MAX_REPORTED_PER_FILE = 200
"""Past this many errors in one file the report stops listing them (the count stays exact)."""
PACKAGE_DIR = "package"
"""Where a zipped upload is unpacked, inside the run's landing folder (the zip itself stays as it came)."""
UNPACKED = ".unpacked"
"""Written last into an unpacked package: a package folder without it is from an attempt that died."""


@dataclass(frozen=True)
class ZipLimits:
    """What a zipped package may unpack to. Real exports compress CSV 5-20 times; these stay far above."""

    total_bytes: int = int(os.environ.get("ROSTERSYNC_ZIP_MAX_BYTES", 4 * 2**30))
    max_ratio: float = float(os.environ.get("ROSTERSYNC_ZIP_MAX_RATIO", 200))
    """Unpacked size over compressed size, per member; only checked past `ratio_floor` bytes."""
    ratio_floor: int = 10 * 2**20
    max_members: int = 1000


@dataclass(frozen=True)
class FormatError:
    code: str
    file: str
    line: int | None
    column: str | None
    message: str
    value: str | None = None
    """The offending value, for the admins' report and email only: never in a log or a task's exception."""

    @property
    def entry(self) -> errors.Entry:
        return errors.CATALOGUE[self.code]

    @property
    def hint(self) -> str:
        return self.entry.fix

    def as_dict(self) -> dict:
        return {**asdict(self), "problem": self.entry.problem, "hint": self.hint}

    def __str__(self) -> str:
        where = (
            self.file + (f" line {self.line}" if self.line else "") + (f" column {self.column}" if self.column else "")
        )
        return f"[{self.code}] {where}: {self.message} ({self.hint})"


@dataclass
class FormatReport:
    format: str
    errors: list[FormatError] = field(default_factory=list)
    error_count: int = 0
    rows: dict[str, int] = field(default_factory=dict)
    alerts: list[FormatError] = field(default_factory=list)
    folder: str = ""
    """Where the checked CSV files are (the unpacked package of a zipped upload)."""
    no_change: bool = False
    """A OneRoster package of its manifest alone, every file absent: the spec's "nothing changed"."""

    @property
    def ok(self) -> bool:
        return self.error_count == 0

    def add(self, error: FormatError, listed: bool = True) -> None:
        if error.code in FORMAT_ALERTS:
            self.alerts.append(error)
            return
        self.error_count += 1
        if listed:
            self.errors.append(error)

    def summary(self) -> str:
        """Codes, files, lines, columns and counts: never a value (this goes to the task log)."""
        if self.no_change:
            return "the package is its manifest alone, every file absent: nothing changed"
        if self.ok:
            text = f"format check passed: {sum(self.rows.values())} rows in {len(self.rows)} files"
            return text + "".join(f"\n  alert {a}" for a in self.alerts)
        lines = [f"format check found {self.error_count} error(s); nothing was processed:"]
        lines += [f"  {e}" for e in self.errors[:50]]
        if self.error_count > 50:
            lines.append(f"  ... and {self.error_count - 50} more (see the format errors CSV)")
        return "\n".join(lines)


class NothingToSync(RosterSyncError):
    """The upload says nothing changed (a OneRoster package of its manifest alone)."""

    code = "R002"


class FormatCheckFailed(RosterSyncError):
    def __init__(self, report: FormatReport):
        super().__init__(report.summary(), code="R001")
        self.report = report


def check_folder(fmt: Format, folder: Path, work: Path | None = None) -> FormatReport:
    """Check every file of `fmt` in `folder`; returns the report (never raises for bad data).

    A zipped upload is unpacked into `work` (default: `folder/package`). Each file is scanned raw, then
    read by DuckDB, strictly, and its row-level rules counted in SQL: the nightly case, a clean file,
    costs seconds for millions of rows. Only a file with a problem is read again line by line, to name
    every problem's line and column exactly."""
    report = FormatReport(format=fmt.name)
    if fmt.json_objects:
        _check_pages(fmt, folder, report)
        report.folder = str(folder)
        return report
    source = unpack_package(fmt, folder, report, work=work)
    report.folder = str(source)
    if not report.ok:
        return report
    modes = manifest_modes(source) if fmt.manifest_version else {}
    if manifest_only(fmt, source, modes):
        report.no_change = True
        return report
    # Each file's raw scan (Python, one core) runs in a thread while DuckDB, which lets go of the GIL,
    # reads the file before it. The scans are queued in the files' order; only one file's bytes are held.
    scanner = ThreadPoolExecutor(max_workers=1, thread_name_prefix="raw-scan")
    sent = [spec.name for spec in fmt.files if (source / spec.name).exists()]
    scans = {name: scanner.submit(csvfile.scan, source / name) for name in sent}
    conn = duckdb.connect(":memory:")
    try:
        for spec in fmt.files:
            if spec.name not in scans:
                if spec.required and not carried_over(modes, spec.name):
                    report.add(FormatError("F001", spec.name, None, None, f"{spec.name} was not in the upload"))
                continue
            _check_csv(conn, spec, source / spec.name, report, scans[spec.name].result())
    finally:
        conn.close()
        scanner.shutdown(cancel_futures=True)
    if fmt.manifest_version and report.ok:
        _check_manifest(fmt, source, report)
    return report


def _check_csv(
    conn: duckdb.DuckDBPyConnection, spec: FileSpec, path: Path, report: FormatReport, raw: csvfile.RawScan
) -> None:
    listed = Counter[str]()

    def add(code: str, line: int | None, column: str | None, message: str, value: str | None = None) -> None:
        listed[spec.name] += 1
        report.add(
            FormatError(code, spec.name, line, column, message, value), listed[spec.name] <= MAX_REPORTED_PER_FILE
        )

    for problem in raw.problems:
        add(problem.code, problem.line, None, problem.message)
    if not raw.readable:
        return
    header = csvfile.read_header(path)
    if header is None:
        _check_lines(spec, path, add, report)  # names the line and byte that cannot be read
        return
    match = csvfile.match_header(spec, header)
    if not _check_header(spec, match, add):
        return  # rows cannot be checked against a header that is wrong
    rows = None if raw.problems else _clean_rows(conn, spec, path, match, add)
    if rows is not None and rows != raw.data_lines:
        rows = None  # the read and the bytes disagree: find the line that made them
    if rows is None:
        rows = _check_lines(spec, path, add, report, match)
        if rows is not None and rows != raw.data_lines and report.ok:
            add("F005", None, None, f"{rows} rows read, but the file has {raw.data_lines} lines of data")
    if rows is not None:
        report.rows[spec.name] = rows


def _check_header(spec: FileSpec, match: csvfile.HeaderMatch, add) -> bool:
    """Header cells are the file's text (a file without a header has a person in its first line): a
    message names the format's columns only; the cell itself goes in the error's value."""
    unreadable = [(n, cell) for n, cell in enumerate(match.header, start=1) if not csvfile.COLUMN_NAME.fullmatch(cell)]
    for position, cell in unreadable:
        add("F022", 1, None, f"header cell {position} holds characters no column name has", cell)
    for cell in match.duplicates:
        known = next((c for c in spec.columns if csvfile.header_key(c) == csvfile.header_key(cell)), None)
        add("F019", 1, known, "a column name appears more than once in the header", None if known else cell)
    for column in match.missing:
        guess = difflib.get_close_matches(column, [u.strip() for u in match.unknown], n=1)
        message = f"column {column!r} is missing from the header"
        if guess:
            message += "; a header cell is close to it: misspelled? (the cell is in the report)"
        add("F004", 1, column, message, guess[0] if guess else None)
    for written, column in match.loose:
        add("A301", 1, column, f"header {written!r} read as {column!r}")
    for column in match.absent:
        if column in spec.used_columns:
            add("A302", 1, column, f"no {column!r} column: read as blank on every row")
        else:
            add("A305", 1, column, f"no {column!r} column: the sync does not read it, nothing changes")
    return not (match.missing or match.duplicates or unreadable)


def _check_pages(fmt: Format, folder: Path, report: FormatReport) -> None:
    """API pages: each one JSON in the API's shape, every record with an id, users and sections there."""
    for obj in fmt.json_objects:
        pages = read_pages(folder, obj)
        if not pages and obj != "schools":
            report.add(FormatError("F001", obj, None, None, f"no {obj} were pulled or sent"))
        rows = 0
        for page in pages:
            try:
                records = load_page(page)["data"]
                missing = sum(1 for r in records if not (r.get("data") or {}).get("id"))
            except (ValueError, KeyError, TypeError, AttributeError, OSError) as exc:
                report.add(FormatError("F002", page.name, None, None, f"not a Clever API page ({type(exc).__name__})"))
                continue
            if missing:
                report.add(FormatError("F007", page.name, None, "id", f"{missing} record(s) without an id"))
            rows += len(records)
        report.rows[obj] = rows


def source_folder(folder: Path) -> Path:
    """Where a landed upload's CSV files are: its unpacked package, if it came zipped."""
    return folder / PACKAGE_DIR if (folder / PACKAGE_DIR).is_dir() else folder


def unpack_package(
    fmt: Format, folder: Path, report: FormatReport, limits: ZipLimits | None = None, work: Path | None = None
) -> Path:
    """A zip sent instead of the files is unpacked (once) into `work` (default `folder/package`); returns
    the files' folder. Members are found by file name in any folder of the zip; a name twice, a path out
    of the package, an encrypted or oddly compressed member, or an implausible size is a format error."""
    limits = limits or ZipLimits()
    zips = sorted(folder.glob("*.zip"))
    if not zips or any((folder / name).exists() for name in fmt.required_files):
        return source_folder(folder)
    target = work or folder / PACKAGE_DIR
    if target.is_dir() and (target / UNPACKED).exists():
        return target
    package = zips[0]
    partial = target.with_name(target.name + ".partial")
    shutil.rmtree(partial, ignore_errors=True)
    partial.mkdir(parents=True)

    def refuse(code: str, message: str) -> None:
        report.add(FormatError(code, package.name, None, None, message))

    try:
        with zipfile.ZipFile(package) as archive:
            members = [m for m in archive.infolist() if not m.is_dir()]
            if len(members) > limits.max_members:
                refuse("F015", f"{len(members)} members, at most {limits.max_members}")
                return folder
            seen: dict[str, str] = {}
            for member in members:
                name = member.filename
                if name.startswith(("/", "\\")) or ".." in re.split(r"[/\\]", name) or ":" in name:
                    refuse("F014", "a member's path points outside the package")
                    continue
                base = re.split(r"[/\\]", name)[-1]
                if not base.lower().endswith(".csv"):
                    continue
                if base.lower() in seen:
                    refuse("F020", f"{base} is in the zip twice (in different folders): send one")
                    continue
                seen[base.lower()] = name
                if member.flag_bits & 0x1:
                    refuse("F021", f"{base} is encrypted: send the package without a password")
                    continue
                if member.compress_type not in (zipfile.ZIP_STORED, zipfile.ZIP_DEFLATED):
                    refuse("F021", f"{base} uses a compression this reader does not support: use plain deflate")
                    continue
                if member.file_size > limits.ratio_floor and member.file_size > limits.max_ratio * max(
                    member.compress_size, 1
                ):
                    refuse("F015", f"{base} claims to unpack {member.file_size // member.compress_size}x its size")
                    continue
            if not report.ok:
                return folder
            written = compressed = 0  # the whole package so far: many small members count together
            for name in seen.values():
                member = archive.getinfo(name)
                base = re.split(r"[/\\]", name)[-1]
                compressed += max(member.compress_size, 1)
                this = 0  # this member: its own ratio, whatever came before it
                with archive.open(member) as source, (partial / base).open("wb") as out:
                    while chunk := source.read(1 << 20):
                        written += len(chunk)
                        this += len(chunk)
                        if (
                            written > limits.total_bytes
                            or (this > limits.ratio_floor and this > limits.max_ratio * max(member.compress_size, 1))
                            or (written > limits.ratio_floor and written > limits.max_ratio * compressed)
                        ):
                            refuse("F015", f"{base} unpacks past {limits.total_bytes // 2**20} MiB or its stated ratio")
                            return folder
                        out.write(chunk)
    except (zipfile.BadZipFile, zipfile.LargeZipFile, NotImplementedError, RuntimeError, OSError, EOFError) as exc:
        refuse("F002", f"not a readable zip file ({type(exc).__name__})")
        return folder
    finally:
        if not report.ok:
            shutil.rmtree(partial, ignore_errors=True)
    (partial / UNPACKED).write_text(package.name)
    shutil.rmtree(target, ignore_errors=True)
    partial.rename(target)
    return target


def _check_manifest(fmt: Format, folder: Path, report: FormatReport) -> None:
    with (folder / "manifest.csv").open(newline="", encoding="utf-8-sig") as handle:
        rows = list(csv.DictReader(handle))
    line_of = {row["propertyName"].strip(): n for n, row in enumerate(rows, start=2)}
    values = {row["propertyName"].strip(): (row["value"] or "").strip() for row in rows}
    version = values.get("oneroster.version")
    if version != fmt.manifest_version:
        report.add(
            FormatError(
                "F012",
                "manifest.csv",
                line_of.get("oneroster.version"),
                "value",
                f"oneroster.version is {version!r}; this district is set up for {fmt.manifest_version}",
            )
        )
    for prop, value in values.items():
        if not prop.startswith("file."):
            continue
        name = prop.removeprefix("file.") + ".csv"
        line = line_of[prop]
        if value.lower() not in ("bulk", "delta", "absent"):
            report.add(FormatError("F013", "manifest.csv", line, "value", f"{prop} is {value!r}"))
        elif value.lower() in ("bulk", "delta") and not (folder / name).exists():
            report.add(
                FormatError("F011", "manifest.csv", line, "value", f"{prop} is {value.lower()} but {name} was not sent")
            )
        elif value.lower() == "delta":
            _check_delta_status(folder / name, report)
        elif value.lower() == "absent" and (folder / name).exists():
            report.add(FormatError("F011", "manifest.csv", line, "value", f"{prop} is absent but {name} was sent"))
    for spec in fmt.files:
        prop = "file." + spec.name.removesuffix(".csv")
        if spec.name != "manifest.csv" and (folder / spec.name).exists() and prop not in values:
            report.add(
                FormatError("F011", "manifest.csv", None, None, f"{spec.name} was sent but {prop} is not listed")
            )


def manifest_modes(folder: Path) -> dict[str, str]:
    """A OneRoster package's `file.<name>` modes (bulk, delta, absent), by file stem."""
    path = source_folder(folder) / "manifest.csv"
    if not path.exists():
        return {}
    with path.open(newline="", encoding="utf-8-sig") as handle:
        rows = list(csv.DictReader(handle))
    return {
        row["propertyName"].strip().removeprefix("file."): (row["value"] or "").strip().lower()
        for row in rows
        if row["propertyName"].strip().startswith("file.")
    }


def manifest_only(fmt: Format, folder: Path, modes: dict[str, str]) -> bool:
    """A package that is its manifest alone, every file.* absent: nothing changed."""
    sent = [spec.name for spec in fmt.files if spec.name != "manifest.csv" and (folder / spec.name).exists()]
    return bool(modes) and not sent and all(mode == "absent" for mode in modes.values())


def carried_over(modes: dict[str, str], name: str) -> bool:
    """In a package with delta files, a file the manifest says is absent is unchanged: it carries over."""
    return "delta" in modes.values() and modes.get(name.removesuffix(".csv")) == "absent"


def _check_delta_status(path: Path, report: FormatReport) -> None:
    with path.open(newline="", encoding="utf-8-sig") as handle:
        for line, row in enumerate(csv.DictReader(handle), start=2):
            if (row.get("status") or "").strip().lower() not in ("active", "tobedeleted", "inactive"):
                report.add(FormatError("F016", path.name, line, "status", "a delta row needs active or tobedeleted"))


def _clean_rows(
    conn: duckdb.DuckDBPyConnection, spec: FileSpec, path: Path, match: csvfile.HeaderMatch, add
) -> int | None:
    """The file's row count if DuckDB reads it strictly and no rule fails, else None. The rules are
    counted over the file's columns by position, in the statement that reads the file (a copy into a
    table first cost 0.5 s more for 6M rows); every name in the SQL is the code's."""

    def col(column: str) -> str:
        return store.identifier(csvfile.positional(match.positions[column]))

    present = [c for c in spec.columns if c in match.positions and spec.length_checked(c)]
    params: dict[str, object] = {}
    enum_checks = []
    for n, (column, allowed) in enumerate(spec.checked_enums.items()):
        if column in match.positions:
            params[f"enum{n}"] = list(allowed)
            enum_checks.append(
                f"(trim({col(column)}) <> '' AND NOT list_contains($enum{n}, lower(trim({col(column)}))))"
            )
    last = store.identifier(csvfile.positional(len(match.header) - 1))
    unique = [c for c in spec.unique_key if c in match.positions]
    query = store.sql_with(
        "format_check/select_file_problems",
        source=csvfile.source(path, match),
        field_count=store.Fragment(f"__extra IS NOT NULL OR {last} IS NULL"),
        blank_id=store.Fragment(
            " OR ".join(f"coalesce(trim({col(c)}), '') = ''" for c in spec.id_columns if c in match.positions)
            or "false"
        ),
        bad_enum=store.Fragment(" OR ".join(enum_checks) or "false"),
        too_long=store.Fragment(
            " OR ".join(f"length({col(c)}) > {int(spec.max_length(c))}" for c in present) or "false"
        ),
        duplicates=store.Fragment(
            "count(*) - count(DISTINCT (" + ", ".join(f"trim({col(c)})" for c in unique) + "))" if unique else "0"
        ),
        inactive=store.Fragment(
            f"lower(trim({col('status')})) = 'inactive'" if "status" in match.positions else "false"
        ),
        every_column=store.Fragment(
            " + ".join(f"count({store.identifier(csvfile.positional(i))})" for i in range(len(match.header)))
        ),
    )
    try:
        cursor = conn.execute(query, params)
        found = dict(zip([d[0] for d in cursor.description], cursor.fetchone() or (), strict=True))
    except duckdb.Error:
        return None  # not read strictly: the file is read again line by line, to name the line
    if any(found[k] for k in ("wrong_field_counts", "blank_ids", "bad_enums", "too_long", "duplicates")):
        return None
    _alert_counts(found["inactive_status"], add)
    return found["rows"]


def _alert_counts(inactive: int, add) -> None:
    if inactive:
        add("A303", None, "status", f"{inactive} row(s) say inactive (OneRoster 1.0): read as tobedeleted")


def _check_lines(spec: FileSpec, path: Path, add, report: FormatReport, match: csvfile.HeaderMatch | None = None):
    """Read the file line by line, naming each problem's line and column; returns the rows read."""
    raw = path.read_bytes()
    try:
        text = codecs.decode(raw, "utf-8-sig")
    except UnicodeDecodeError as exc:
        line = raw[: exc.start].count(b"\n") + 1
        add("F002", line, None, f"byte {raw[exc.start]:#04x} is not UTF-8")
        return None
    del raw
    reader = csv.reader(io.StringIO(text, newline=""), strict=True)
    try:
        next(reader)
    except (StopIteration, csv.Error) as exc:
        add("F006", 1, None, f"the header row cannot be read ({type(exc).__name__})")
        return None
    if match is None:
        return None
    width = len(match.header)
    seen: dict[tuple[str, ...], int] = {}
    rows = inactive = 0
    status = match.positions.get("status")
    line = 1
    try:
        for record in reader:
            start = line + 1
            line = reader.line_num
            if not record or record == [""]:
                continue
            rows += 1
            if len(record) != width:
                # An empty field too many is a trailing comma, or a comma inside a value that pushed every
                # later value one column on: the two look alike, so neither is read.
                why = (
                    " (an empty one past the end: a trailing comma, or an unquoted comma)"
                    if not any(record[width:]) and len(record) > width
                    else ""
                )
                add("F005", start, None, f"{len(record)} fields, the header has {width}{why}")
                continue
            if status is not None and record[status].strip().lower() == "inactive":
                inactive += 1
            _check_values(spec, record, match.positions, start, seen, add)
    except csv.Error:
        add("F006", line + 1, None, "the file cannot be read past here: a double quote is not closed")
        return None
    _alert_counts(inactive, add)
    return rows


def _check_values(spec: FileSpec, record: list[str], position: dict[str, int], line: int, seen, add) -> None:
    for column in spec.id_columns:
        if column in position and not record[position[column]].strip():
            add("F007", line, column, f"{column} is blank")
            return
    for column, allowed in spec.checked_enums.items():
        if column not in position:
            continue
        value = record[position[column]].strip()
        if value and value.lower() not in allowed:
            add("F009", line, column, f"not one of {', '.join(allowed)}", value)
    for column, where in position.items():
        limit = spec.max_length(column)
        if spec.length_checked(column) and len(record[where]) > limit:
            add("F010", line, column, f"{len(record[where])} characters, at most {limit} allowed")
    unique = [c for c in spec.unique_key if c in position]
    if unique:
        key = tuple(record[position[c]].strip() for c in unique)
        first = seen.setdefault(key, line)
        if first != line:
            add("F008", line, ",".join(unique), f"same {'/'.join(unique)} as line {first}")
