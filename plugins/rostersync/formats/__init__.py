"""Source formats as data: which files a format has, their columns, ids and enums.

A gate never branches on the format; it reads a `Format` from `get_format(name)`.
"""

from __future__ import annotations

from dataclasses import dataclass, field

MAX_LENGTH = 255
"""Every text value's limit unless the format says otherwise (ids, names, emails: all fit)."""
LIST_MAX_LENGTH = 8192
"""Columns holding a list of ids (a parent's children, a class's terms) get more room."""


@dataclass(frozen=True)
class FileSpec:
    """One CSV file of a format: its columns, and which of them the sync needs, uses, or ignores."""

    name: str
    columns: tuple[str, ...]
    """Every column the format defines, in the format's order (what an exporter writes)."""
    required: bool = True
    id_columns: tuple[str, ...] = ()
    """Columns that must be non-blank on every row."""
    unique_key: tuple[str, ...] = ()
    """Columns whose combination must not repeat within the file."""
    enums: dict[str, tuple[str, ...]] = field(default_factory=dict)
    """Columns whose non-blank values must be one of these (compared case-insensitively)."""
    max_lengths: dict[str, int] = field(default_factory=dict)
    """Limits other than MAX_LENGTH."""
    needed: tuple[str, ...] | None = None
    """Columns the sync cannot work without (a missing one is F004); None: every column."""
    ignored: tuple[str, ...] = ()
    """Columns the sync never reads (missing: alert A305); the rest of `columns` are used if present (missing: alert
    A302)."""

    @property
    def needed_columns(self) -> tuple[str, ...]:
        return self.columns if self.needed is None else self.needed

    @property
    def used_columns(self) -> tuple[str, ...]:
        return tuple(c for c in self.columns if c not in self.needed_columns and c not in self.ignored)

    def max_length(self, column: str) -> int:
        return self.max_lengths.get(column, MAX_LENGTH)

    @property
    def checked_enums(self) -> dict[str, tuple[str, ...]]:
        """The allowed-value rules of the columns the sync reads (an ignored column's value is its own)."""
        return {c: allowed for c, allowed in self.enums.items() if c not in self.ignored}

    def length_checked(self, column: str) -> bool:
        return column not in self.ignored


@dataclass(frozen=True)
class Format:
    name: str
    title: str
    files: tuple[FileSpec, ...]
    normalize_sql: tuple[str, ...]
    """SQL files under include/sql/, run in order, that fill the snapshot tables from the src_<file> tables."""
    manifest_version: str | None = None
    """OneRoster: the `oneroster.version` manifest.csv must declare; its `file.*` rows must match the upload."""
    json_objects: tuple[str, ...] = ()
    """Clever: the API objects whose saved pages make the snapshot (the format has no CSV files)."""
    load_pages_sql: str = ""
    """Clever: the SQL that reads one object's pages into its src_<object> table."""

    def file(self, name: str) -> FileSpec:
        return next(f for f in self.files if f.name == name)

    @property
    def required_files(self) -> list[str]:
        return [f.name for f in self.files if f.required]


def all_formats() -> dict[str, Format]:
    from rostersync.formats import clever, oneroster, remind_csv_v1, remind_csv_v2

    return {
        f.name: f
        for f in (
            remind_csv_v1.FORMAT,
            remind_csv_v2.FORMAT,
            oneroster.ONEROSTER_1_1,
            oneroster.ONEROSTER_1_2,
            clever.FORMAT,
        )
    }


def get_format(name: str) -> Format:
    formats = all_formats()
    try:
        return formats[name]
    except KeyError:
        raise ValueError(f"unknown format {name!r}; known formats: {', '.join(sorted(formats))}") from None
