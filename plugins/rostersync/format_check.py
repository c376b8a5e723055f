"""The format check: the catalogue of format errors, and the runner that finds them in a landed upload.

Nothing is processed until every format error is fixed, so this runs on the files as they landed,
before any SQL reads them. Each error names the file, the line and, where it can, the column.
"""

from __future__ import annotations

import codecs
import csv
import difflib
import io
import shutil
import zipfile
from collections import Counter
from dataclasses import asdict, dataclass, field
from pathlib import Path

import duckdb

from rostersync import store
from rostersync.clever import load_page, read_pages
from rostersync.formats import FileSpec, Format


@dataclass(frozen=True)
class CatalogueEntry:
    code: str
    problem: str
    fix: str


CATALOGUE: dict[str, CatalogueEntry] = {
    e.code: e
    for e in (
        CatalogueEntry("F001", "missing required file", "Upload every required file together in one upload."),
        CatalogueEntry("F002", "file is not readable text", "Export the file as UTF-8 CSV (not Excel, not UTF-16)."),
        CatalogueEntry("F003", "file is empty", "Export the file again; it needs a header row."),
        CatalogueEntry("F004", "missing or misspelled column", "Use the column names of the format exactly."),
        CatalogueEntry("F005", "wrong number of fields", "Quote values that contain commas; remove extra commas."),
        CatalogueEntry("F006", "broken quoting", "Close every opening double quote; double quotes inside values."),
        CatalogueEntry("F007", "missing id", "Fill in the id on every row."),
        CatalogueEntry("F008", "duplicate id", "Each id may appear once in this file; remove the repeated row."),
        CatalogueEntry("F009", "value not allowed", "Use one of the values the format allows."),
        CatalogueEntry("F010", "value too long", "Shorten the value to the format's limit."),
        CatalogueEntry(
            "F011",
            "manifest disagrees with the files sent",
            "List every file you send as bulk in manifest.csv, and only those.",
        ),
        CatalogueEntry("F012", "wrong OneRoster version", "Export the OneRoster version your district is set up for."),
        CatalogueEntry("F013", "manifest value not allowed", "Use bulk, delta or absent for each file.* row."),
        CatalogueEntry("F014", "package holds a path outside itself", "Zip the CSV files themselves, without paths."),
        CatalogueEntry("F015", "package too large when unpacked", "Send the CSV files unzipped, or split the export."),
        CatalogueEntry(
            "F016", "delta file row without a status", "In a delta file every row says active or tobedeleted."
        ),
    )
}

MAX_REPORTED_PER_FILE = 200
"""Past this many errors in one file the report stops listing them (the count stays exact)."""
PACKAGE_DIR = "package"
"""Where a zipped upload is unpacked, inside the run's landing folder (the zip itself stays as it came)."""
UNPACKED_CAP_BYTES = 4 * 2**30


@dataclass(frozen=True)
class FormatError:
    code: str
    file: str
    line: int | None
    column: str | None
    message: str

    @property
    def hint(self) -> str:
        return CATALOGUE[self.code].fix

    def as_dict(self) -> dict:
        return {**asdict(self), "problem": CATALOGUE[self.code].problem, "hint": self.hint}

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

    @property
    def ok(self) -> bool:
        return self.error_count == 0

    def add(self, error: FormatError, listed: bool = True) -> None:
        self.error_count += 1
        if listed:
            self.errors.append(error)

    def summary(self) -> str:
        if self.ok:
            return f"format check passed: {sum(self.rows.values())} rows in {len(self.rows)} files"
        lines = [f"format check found {self.error_count} error(s); nothing was processed:"]
        lines += [f"  {e}" for e in self.errors[:50]]
        if self.error_count > 50:
            lines.append(f"  ... and {self.error_count - 50} more (see the format errors CSV)")
        return "\n".join(lines)


class FormatCheckFailed(RuntimeError):
    def __init__(self, report: FormatReport):
        super().__init__(report.summary())
        self.report = report


def check_folder(fmt: Format, folder: Path) -> FormatReport:
    """Check every file of `fmt` in `folder`; returns the report (never raises for bad data).

    Each file is first read by DuckDB, strictly, and its row-level rules counted in SQL: the nightly
    case, a clean file, costs seconds for millions of rows. Only a file with a problem is read again
    line by line, to name every problem's line and column exactly."""
    report = FormatReport(format=fmt.name)
    if fmt.json_objects:
        _check_pages(fmt, folder, report)
        return report
    folder = unpack_package(fmt, folder, report)
    if not report.ok:
        return report
    modes = manifest_modes(folder) if fmt.manifest_version else {}
    conn = duckdb.connect(":memory:")
    try:
        for spec in fmt.files:
            path = folder / spec.name
            if not path.exists():
                if spec.required and not carried_over(modes, spec.name):
                    report.add(FormatError("F001", spec.name, None, None, f"{spec.name} was not in the upload"))
                continue
            rows = _clean_rows(conn, spec, path)
            if rows is not None:
                report.rows[spec.name] = rows
            else:
                _check_file(spec, path, report)
    finally:
        conn.close()
    if fmt.manifest_version and report.ok:
        _check_manifest(fmt, folder, report)
    return report


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
                report.add(FormatError("F002", page.name, None, None, f"not a Clever API page: {exc}"))
                continue
            if missing:
                report.add(FormatError("F007", page.name, None, "id", f"{missing} record(s) without an id"))
            rows += len(records)
        report.rows[obj] = rows


def source_folder(folder: Path) -> Path:
    """Where a landed upload's CSV files are: its unpacked package, if it came zipped."""
    return folder / PACKAGE_DIR if (folder / PACKAGE_DIR).is_dir() else folder


def unpack_package(fmt: Format, folder: Path, report: FormatReport, cap: int = UNPACKED_CAP_BYTES) -> Path:
    """A zip sent instead of the files is unpacked (once) into `folder/package`; returns the files' folder."""
    zips = sorted(folder.glob("*.zip"))
    if not zips or any((folder / name).exists() for name in fmt.required_files):
        return source_folder(folder)
    target = folder / PACKAGE_DIR
    if target.is_dir():
        return target
    partial = folder / (PACKAGE_DIR + ".partial")
    shutil.rmtree(partial, ignore_errors=True)
    partial.mkdir()
    written = 0
    try:
        with zipfile.ZipFile(zips[0]) as archive:
            for member in archive.infolist():
                name = member.filename
                if name.startswith(("/", "\\")) or ".." in Path(name).parts or ":" in name:
                    report.add(FormatError("F014", zips[0].name, None, None, f"{name!r} points outside the package"))
                    continue
                if member.is_dir() or not name.lower().endswith(".csv"):
                    continue
                with archive.open(member) as source, (partial / Path(name).name).open("wb") as out:
                    while chunk := source.read(1 << 20):
                        written += len(chunk)
                        if written > cap:
                            report.add(
                                FormatError("F015", zips[0].name, None, None, f"unpacks past {cap // 2**20} MiB")
                            )
                            return folder
                        out.write(chunk)
    except zipfile.BadZipFile as exc:
        report.add(FormatError("F002", zips[0].name, None, None, f"not a readable zip file: {exc}"))
        return folder
    finally:
        if not report.ok:
            shutil.rmtree(partial, ignore_errors=True)
    if report.ok:
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


def carried_over(modes: dict[str, str], name: str) -> bool:
    """In a package with delta files, a file the manifest says is absent is unchanged: it carries over."""
    return "delta" in modes.values() and modes.get(name.removesuffix(".csv")) == "absent"


def _check_delta_status(path: Path, report: FormatReport) -> None:
    with path.open(newline="", encoding="utf-8-sig") as handle:
        for line, row in enumerate(csv.DictReader(handle), start=2):
            if (row.get("status") or "").strip().lower() not in ("active", "tobedeleted"):
                report.add(FormatError("F016", path.name, line, "status", "a delta row needs active or tobedeleted"))


def read_header(path: Path) -> list[str] | None:
    """The header row's column names, or None if the first line cannot be read as UTF-8 CSV."""
    with path.open("rb") as handle:
        first = handle.readline(1 << 20)
    try:
        return [h.strip() for h in next(csv.reader([codecs.decode(first, "utf-8-sig")]))]
    except (UnicodeDecodeError, StopIteration, csv.Error):
        return None


def _clean_rows(conn: duckdb.DuckDBPyConnection, spec: FileSpec, path: Path) -> int | None:
    """The file's row count if DuckDB reads it strictly and no rule fails, else None."""
    with path.open("rb") as handle:
        head = handle.read(65536)
    header = read_header(path)
    if not head.strip() or b"\x00" in head or header is None or any(c not in header for c in spec.columns):
        return None
    if len(set(header)) != len(header):
        return None
    try:
        conn.execute(
            store.sql("format_check/read_file_checked").format(table="candidate"),
            {"path": str(path), "columns": {**dict.fromkeys(header, "VARCHAR"), "__extra": "VARCHAR"}},
        )
    except duckdb.Error:
        return None
    params: dict[str, object] = {}
    enum_checks = []
    for n, (column, allowed) in enumerate(spec.enums.items()):
        params[f"enum{n}"] = list(allowed)
        enum_checks.append(f"""(trim("{column}") <> '' AND NOT list_contains($enum{n}, lower(trim("{column}"))))""")
    query = store.sql("format_check/select_file_problems").format(
        table="candidate",
        field_count=f"""__extra IS NOT NULL OR "{header[-1]}" IS NULL""",
        blank_id=" OR ".join(f"""coalesce(trim("{c}"), '') = ''""" for c in spec.id_columns) or "false",
        bad_enum=" OR ".join(enum_checks) or "false",
        too_long=" OR ".join(f"""length("{c}") > {limit}""" for c, limit in spec.max_lengths.items()) or "false",
        duplicates=(
            "count(*) - count(DISTINCT (" + ", ".join(f"""trim("{c}")""" for c in spec.unique_key) + "))"
            if spec.unique_key
            else "0"
        ),
    )
    rows, *problems = conn.execute(query, params).fetchone() or (0, 1)
    conn.execute("DROP TABLE candidate")
    if any(problems):
        return None
    return rows


def _check_file(spec: FileSpec, path: Path, report: FormatReport) -> None:
    raw = path.read_bytes()
    if not raw.strip():
        report.add(FormatError("F003", spec.name, None, None, "the file has no content"))
        return
    if b"\x00" in raw[:65536]:
        report.add(FormatError("F002", spec.name, None, None, "the file looks binary (it holds NUL bytes)"))
        return
    try:
        text = codecs.decode(raw, "utf-8-sig")
    except UnicodeDecodeError as exc:
        line = raw[: exc.start].count(b"\n") + 1
        report.add(FormatError("F002", spec.name, line, None, f"byte {raw[exc.start]:#04x} is not UTF-8"))
        return
    del raw
    reader = csv.reader(io.StringIO(text, newline=""), strict=True)
    listed = Counter[str]()

    def add(code: str, line: int | None, column: str | None, message: str) -> None:
        listed[spec.name] += 1
        report.add(FormatError(code, spec.name, line, column, message), listed[spec.name] <= MAX_REPORTED_PER_FILE)

    try:
        header = [h.strip() for h in next(reader)]
    except (StopIteration, csv.Error) as exc:
        add("F006", 1, None, f"the header row cannot be read: {exc}")
        return
    missing = [c for c in spec.columns if c not in header]
    extra = [h for h in header if h not in spec.columns]
    for column in missing:
        guess = difflib.get_close_matches(column, extra, n=1)
        message = f"column {column!r} is missing from the header"
        if guess:
            message += f"; found {guess[0]!r}: is it misspelled?"
        add("F004", 1, column, message)
    if missing:
        return  # rows cannot be checked against a header that is wrong
    position = {c: header.index(c) for c in spec.columns}
    seen: dict[tuple[str, ...], int] = {}
    rows = 0
    line = 1
    try:
        for record in reader:
            start = line + 1
            line = reader.line_num
            if not record or record == [""]:
                continue
            rows += 1
            if len(record) != len(header):
                add("F005", start, None, f"{len(record)} fields, the header has {len(header)}")
                continue
            _check_values(spec, record, position, start, seen, add)
    except csv.Error as exc:
        add("F006", line + 1, None, f"the file cannot be read past here: {exc}")
    report.rows[spec.name] = rows


def _check_values(spec: FileSpec, record: list[str], position: dict[str, int], line: int, seen, add) -> None:
    for column in spec.id_columns:
        if not record[position[column]].strip():
            add("F007", line, column, f"{column} is blank")
            return
    for column, allowed in spec.enums.items():
        value = record[position[column]].strip()
        if value and value.lower() not in allowed:
            add("F009", line, column, f"{value!r} is not one of {', '.join(allowed)}")
    for column, limit in spec.max_lengths.items():
        if len(record[position[column]]) > limit:
            add("F010", line, column, f"{len(record[position[column]])} characters, at most {limit} allowed")
    if spec.unique_key:
        key = tuple(record[position[c]].strip() for c in spec.unique_key)
        first = seen.setdefault(key, line)
        if first != line:
            add("F008", line, ",".join(spec.unique_key), f"same {'/'.join(spec.unique_key)} as line {first}")
