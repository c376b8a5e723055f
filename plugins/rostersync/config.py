"""District configuration: the pydantic model of one `config/districts/<district_id>.yaml` file.

A typo or a wrong value fails loudly with the file and the field, before any DAG is built.
"""

from __future__ import annotations

import difflib
import hashlib
import re
import zoneinfo
from datetime import date, datetime, time, timedelta
from pathlib import Path
from typing import Annotated, Literal

import yaml
from pydantic import BaseModel, ConfigDict, Field, Strict, StrictBool, ValidationError, field_validator, model_validator

from rostersync.formats import Format, get_format

SftpFormat = Literal["remind_csv_v1", "remind_csv_v2", "oneroster_v1_1", "oneroster_v1_2"]
DISTRICT_ID = re.compile(r"[a-z0-9][a-z0-9_]{0,62}")


class ConfigError(ValueError):
    """A district YAML that cannot be used; the message names the file and the field."""


StrictShare = Annotated[float, Strict(), Field(ge=0, le=1)]
"""A share from 0 to 1: a number, never a boolean or a string (`true` is not 1.0)."""
StrictCount = Annotated[int, Strict(), Field(ge=0)]


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class SftpSource(_Strict):
    kind: Literal["sftp"]
    format: SftpFormat
    conn_id: str = Field(description="Airflow connection of the district's SFTP folder")
    remote_path: str = "/"
    settle_seconds: StrictCount = Field(60, description="a file changed this recently is still being written")
    wait_limit_minutes: Annotated[int, Strict(), Field(ge=1)] = Field(
        120, description="how long land_files waits for a settling upload"
    )
    poke_interval_seconds: Annotated[int, Strict(), Field(ge=5)] = 300


class CleverSource(_Strict):
    kind: Literal["clever"]
    format: Literal["clever"] = "clever"
    conn_id: str = Field(description="Airflow HTTP connection: host = API base URL, password = district token")
    page_size: Annotated[int, Strict(), Field(ge=1, le=10_000)] = Field(
        10_000, description="records per page (Clever allows at most 10,000)"
    )
    max_retries: Annotated[int, Strict(), Field(ge=0, le=20)] = Field(
        5, description="retries of a 429 or 5xx answer before giving up"
    )


class Accounts(_Strict):
    """Which roles get accounts in the app."""

    teachers: StrictBool = True
    students: StrictBool = True
    parents: StrictBool = True


THRESHOLDS = (
    "removal_share",
    "removal_min_count",
    "update_share",
    "update_min_count",
    "addition_share",
    "addition_min_count",
)


class EntityThresholds(_Strict):
    """One entity's own thresholds; what is left out is the district's."""

    removal_share: StrictShare | None = None
    removal_min_count: StrictCount | None = None
    update_share: StrictShare | None = None
    update_min_count: StrictCount | None = None
    addition_share: StrictShare | None = None
    addition_min_count: StrictCount | None = None


class HoldThresholds(_Strict):
    removal_share: StrictShare = 0.10
    removal_min_count: StrictCount = 5
    update_share: StrictShare = 0.75
    update_min_count: StrictCount = 20
    addition_share: StrictShare = Field(0.50, description="new accounts past this share of a school's hold it")
    addition_min_count: StrictCount = Field(50, description="...and at least this many (never on a first sync)")
    accounts: EntityThresholds = EntityThresholds()
    classes: EntityThresholds = EntityThresholds()
    memberships: EntityThresholds = EntityThresholds()

    def rows(self) -> list[tuple]:
        """(entity, removal_share, removal_min_count, update_share, update_min_count, addition_share,
        addition_min_count) per entity: its own value where it has one, else the district's. Additions
        hold a school on new accounts; on new classes or memberships only where their section sets it
        (a new term adds many of both by design)."""

        def value(entity: str, name: str) -> float | int | None:
            own = getattr(getattr(self, entity), name)
            if own is not None or (name == "addition_share" and entity != "accounts"):
                return own
            return getattr(self, name)

        entities = ("accounts", "classes", "memberships")
        return [(entity, *(value(entity, name) for name in THRESHOLDS)) for entity in entities]


WEEKDAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")


class Blackout(_Strict):
    """A window when nothing is applied without an approver: dates (inclusive), weekdays, times of day,
    or any mix (all that are given must match), on the district's clock when the plan is made."""

    start: date | None = None
    end: date | None = None
    weekdays: list[Literal["mon", "tue", "wed", "thu", "fri", "sat", "sun"]] = Field(default_factory=list)
    start_time: time | None = Field(None, description="with end_time: a daily window, may cross midnight")
    end_time: time | None = None
    reason: Annotated[str, Field(min_length=1, max_length=80)] = "blackout"

    @model_validator(mode="after")
    def _a_window(self) -> Blackout:
        if self.start is None and self.end is None and not self.weekdays and self.start_time is None:
            raise ValueError("give dates (start, end), weekdays, or times (start_time, end_time)")
        if (self.start_time is None) != (self.end_time is None):
            raise ValueError("start_time and end_time go together")
        if self.start and self.end and self.start > self.end:
            raise ValueError(f"start {self.start} is after end {self.end}")
        return self

    def covers(self, at: datetime) -> bool:
        """Whether `at` (the district's local time) is inside the window."""
        day, now = at.date(), at.time().replace(tzinfo=None)
        if self.start_time is not None and self.end_time is not None:
            if self.start_time <= self.end_time:
                if not self.start_time <= now < self.end_time:
                    return False
            elif now < self.end_time:
                day -= timedelta(days=1)  # across midnight: the window began the day before
            elif now < self.start_time:
                return False
        if self.start is not None and day < self.start or self.end is not None and day > self.end:
            return False
        return not self.weekdays or WEEKDAYS[day.weekday()] in self.weekdays

    def describe(self) -> str:
        parts = []
        if self.start or self.end:
            parts.append(f"{self.start or '...'} to {self.end or '...'}")
        if self.weekdays:
            parts.append("on " + "/".join(self.weekdays))
        if self.start_time and self.end_time:
            parts.append(f"{self.start_time:%H:%M}-{self.end_time:%H:%M}")
        return " ".join(parts) + f" ({self.reason})"


class School(_Strict):
    """How one source school maps onto the roster: its roster id, and whether it is synced at all."""

    roster_id: str | None = None
    selected: StrictBool = True


class DistrictConfig(_Strict):
    district_id: str
    name: str
    timezone: str = "America/Los_Angeles"
    start_time: time | None = Field(None, description="nightly start, local time, inside 23:00-05:00")
    source: SftpSource | CleverSource = Field(discriminator="kind")
    admin_emails: list[str] = Field(min_length=1)
    approvers: list[str] = Field(default_factory=list, description="Airflow user ids who may approve")
    accounts: Accounts = Accounts()
    holds: HoldThresholds = HoldThresholds()
    schools: dict[str, School] = Field(default_factory=dict)
    smtp_conn_id: str = "smtp_default"
    app_url: str | None = Field(None, description="where new accounts sign in, given in their welcome emails")
    approver_emails: list[str] = Field(default_factory=list, description="told when the gate waits")
    response_timeout_hours: Annotated[int, Strict(), Field(ge=1)] = Field(
        72, description="a gate nobody answers in this time keeps its schools held"
    )
    reminder_after_hours: StrictCount = Field(24, description="approvers reminded once after this (0: never)")
    mode: Literal["full", "additive", "paused"] = Field(
        "full", description="additive: creates and updates only; paused: check and report only"
    )
    blackout: list[Blackout] = Field(default_factory=list, description="windows when nothing applies unasked")
    queue: Annotated[str, Field(pattern=r"^[A-Za-z0-9_.-]{1,64}$")] = Field(
        "default", description="Celery queue of the district's tasks: one worker host per queue (its store)"
    )

    def in_blackout(self, at: datetime) -> Blackout | None:
        """The first blackout window `at` falls in (any time zone: read on the district's clock)."""
        local = at.astimezone(zoneinfo.ZoneInfo(self.timezone)) if at.tzinfo else at
        return next((b for b in self.blackout if b.covers(local)), None)

    def controls(self) -> str:
        """The district's sync controls in one plain sentence (escape it where it goes)."""
        mode = {
            "full": "full",
            "additive": "additive (creates and updates only: removals listed, never applied)",
            "paused": "paused (checked and reported only)",
        }[self.mode]
        h = self.holds
        entities = ("accounts", "classes", "memberships")
        set_per_entity = {e: getattr(h, e).model_dump(exclude_none=True) for e in entities}
        own = [f"{e}: " + ", ".join(f"{k} {v}" for k, v in set_.items()) for e, set_ in set_per_entity.items() if set_]
        return (
            f"mode {mode}; blackout: {', '.join(b.describe() for b in self.blackout) or 'none'}; "
            f"a school is held past {h.removal_share:.0%} removals (at least {h.removal_min_count}), "
            f"{h.update_share:.0%} updates (at least {h.update_min_count}), "
            f"{h.addition_share:.0%} new accounts (at least {h.addition_min_count})"
            + (f"; own thresholds for {'; '.join(own)}" if own else "")
            + f"; unanswered approvals time out after {self.response_timeout_hours} h"
        )

    def settings(self) -> dict:
        """What a run records of the district's controls: the rules it ran under."""
        return self.model_dump(
            mode="json",
            include={"mode", "blackout", "holds", "accounts", "schools", "approvers", "response_timeout_hours"},
        )

    @field_validator("source", mode="before")
    @classmethod
    def _sftp_unless_said(cls, value: object) -> object:
        if isinstance(value, dict) and "kind" not in value:
            return {"kind": "sftp", **value}
        return value

    @field_validator("timezone")
    @classmethod
    def _known_timezone(cls, value: str) -> str:
        try:
            zoneinfo.ZoneInfo(value)
        except (zoneinfo.ZoneInfoNotFoundError, ValueError):
            raise ValueError(f"{value!r} is not a known time zone (e.g. America/Los_Angeles)") from None
        return value

    @field_validator("district_id")
    @classmethod
    def _district_id_shape(cls, value: str) -> str:
        if not DISTRICT_ID.fullmatch(value):
            raise ValueError("must be lowercase letters, digits and underscores, starting with a letter/digit")
        return value

    @field_validator("start_time")
    @classmethod
    def _inside_nightly_window(cls, value: time | None) -> time | None:
        if value is not None and not (value >= time(23, 0) or value < time(5, 0)):
            raise ValueError("must be inside the nightly window 23:00-05:00 (district local time)")
        return value

    @field_validator("admin_emails", "approver_emails")
    @classmethod
    def _emails_look_like_emails(cls, value: list[str]) -> list[str]:
        for address in value:
            if not re.match(r"^[^@\s]+@[^@\s]+\.[^@\s]+$", address):
                raise ValueError(f"{address!r} is not an email address")
        return value

    @property
    def dag_id(self) -> str:
        return f"roster_sync__{self.district_id}"

    def nightly_start(self) -> time:
        """The YAML's start time, or one spread by a stable hash of the district id over 23:00-01:00."""
        if self.start_time is not None:
            return self.start_time
        minutes = int(hashlib.sha256(self.district_id.encode()).hexdigest(), 16) % 120
        return time((23 + minutes // 60) % 24, minutes % 60)

    @property
    def fmt(self) -> Format:
        """The district's source format, as data."""
        return get_format(self.source.format)

    def sftp_source(self) -> SftpSource:
        if not isinstance(self.source, SftpSource):
            raise TypeError(f"district {self.district_id} is not an SFTP district")
        return self.source

    def clever_source(self) -> CleverSource:
        if not isinstance(self.source, CleverSource):
            raise TypeError(f"district {self.district_id} is not a Clever district")
        return self.source

    def school(self, school_sid: str) -> School:
        return self.schools.get(school_sid, School())


def _describe(error: ValidationError, path: Path) -> str:
    lines = []
    for item in error.errors():
        loc = item["loc"]
        if loc[:1] == ("source",) and loc[1:2] in (("sftp",), ("clever",)):
            loc = loc[:1] + loc[2:]  # the union's tag is not a field the district wrote
        field = ".".join(str(p) for p in loc) or "(top level)"
        message = item["msg"]
        if item["type"] == "extra_forbidden":
            known = _known_fields(item["loc"][:-1])
            guess = difflib.get_close_matches(str(loc[-1]), known, n=1)
            message = "unknown field" + (f"; did you mean {guess[0]!r}?" if guess else "")
        lines.append(f"{path}: field {field}: {message}")
    return "\n".join(lines)


def _known_fields(parent: tuple) -> list[str]:
    """The field names at an error's location, to guess a misspelling from."""
    sources: dict[str, type[BaseModel]] = {"sftp": SftpSource, "clever": CleverSource}
    model: type[BaseModel] = DistrictConfig
    for part in parent:
        if part in sources:  # the tag pydantic puts after `source`
            model = sources[str(part)]
            continue
        annotation = model.model_fields[str(part)].annotation
        if isinstance(annotation, type) and issubclass(annotation, BaseModel):
            model = annotation
        elif part != "source":
            return []
    return list(model.model_fields)


def load_district(path: Path) -> DistrictConfig:
    """Read and validate one district YAML; the file's stem must equal its district_id."""
    try:
        raw = yaml.safe_load(path.read_text(encoding="utf-8"))
    except (OSError, yaml.YAMLError) as exc:
        raise ConfigError(f"{path}: cannot read district config: {exc}") from exc
    if not isinstance(raw, dict):
        raise ConfigError(f"{path}: a district config is a mapping of fields, got {type(raw).__name__}")
    try:
        config = DistrictConfig.model_validate(raw)
    except ValidationError as exc:
        raise ConfigError(_describe(exc, path)) from None
    if config.district_id != path.stem:
        raise ConfigError(f"{path}: field district_id: {config.district_id!r} must match the file name {path.stem!r}")
    return config


def load_districts(folder: Path) -> list[DistrictConfig]:
    """Every district in a folder, sorted by id; the first bad file raises ConfigError."""
    return [load_district(p) for p in sorted(folder.glob("*.yaml"))]


def load_each(folder: Path) -> list[tuple[Path, DistrictConfig | ConfigError]]:
    """Every district file in a folder with its config, or the error that makes it unusable: one bad
    file never hides the others."""
    loaded: list[tuple[Path, DistrictConfig | ConfigError]] = []
    for path in sorted(folder.glob("*.yaml")):
        try:
            loaded.append((path, load_district(path)))
        except ConfigError as error:
            loaded.append((path, error))
    return loaded


def broken_dag_id(path: Path) -> str:
    """The DAG id a district file's DAG has, even when the file cannot be read: its stem's."""
    stem = (
        path.stem
        if DISTRICT_ID.fullmatch(path.stem)
        else "invalid_" + hashlib.sha256(path.stem.encode()).hexdigest()[:8]
    )
    return f"roster_sync__{stem}"


def load_valid_districts(folder: Path) -> list[DistrictConfig]:
    """The districts whose files are valid (a bad file is reported once, by its district's placeholder
    DAG, and stops nothing else)."""
    return [config for _path, config in load_each(folder) if isinstance(config, DistrictConfig)]
