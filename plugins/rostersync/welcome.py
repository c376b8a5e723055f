"""Welcome emails to the new accounts of one school (the `notify_accounts` DAG): teachers first, then
parents, then students; never twice to the same account; those without an email are listed, not failed.

An account is new while a sync has created it and nobody has claimed it yet. Each email sent is recorded
in `account_notifications` as soon as the SMTP server accepts it, so a rerun (or a retry after a crash)
sends only to those not yet notified; at worst the one email in flight when a process dies goes twice.
"""

from __future__ import annotations

import logging
import smtplib
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import NamedTuple

import duckdb

from rostersync import notify, reports, store

log = logging.getLogger(__name__)

KIND = "welcome"
ROLES = {"teachers": "teacher", "parents": "guardian", "students": "student"}
"""The DAG's role names -> the roster's."""


class UnknownSchool(LookupError):
    """The school asked for is not in the district's roster."""


class Recipient(NamedTuple):
    account_id: int
    role: str
    person_sid: str
    given_name: str | None
    family_name: str | None
    email: str | None
    classes: list[str] | None


@dataclass
class WelcomeResult:
    school_id: str
    sent: dict[str, int] = field(default_factory=dict)  # roster role -> emails sent
    without_email: dict[str, int] = field(default_factory=dict)  # roster role -> accounts listed
    refused: int = 0  # addresses the mail server refused (listed in the CSV, tried again next time)
    not_sent_csv: str | None = None

    def as_dict(self) -> dict:
        return {
            "school_id": self.school_id,
            "sent": self.sent,
            "without_email": self.without_email,
            "refused": self.refused,
            "not_sent_csv": self.not_sent_csv,
        }


def send_welcomes(
    conn: duckdb.DuckDBPyConnection,
    smtp: notify.SmtpSettings,
    *,
    district: str,
    school_id: str,
    roles: list[str],
    run_id: str,
    report_folder: Path,
    app_url: str | None = None,
) -> WelcomeResult:
    """Send each new account of `school_id` with one of `roles` (teachers, parents, students) its welcome."""
    unknown = sorted(set(roles) - set(ROLES))
    if unknown or not roles:
        raise ValueError(f"roles must be some of {', '.join(ROLES)}; got {', '.join(roles) or 'none'}")
    rows = store.query(conn, "notify/select_school", {"school_id": school_id})
    if not rows:
        known = [r[0] for r in store.query(conn, "notify/select_school_ids")]
        raise UnknownSchool(
            f"school {school_id!r} is not in the roster of {district}; roster school ids: "
            + (", ".join(known[:50]) or "none (no sync has been applied yet)")
        )
    _, school_name, state = rows[0]
    recipients = store.query_rows(
        conn,
        "notify/select_welcome_recipients",
        Recipient,
        {"school_id": school_id, "roles": [ROLES[r] for r in roles], "kind": KIND},
    )
    result = WelcomeResult(school_id)
    without_email = [r for r in recipients if not r.email]
    for r in without_email:
        result.without_email[r.role] = result.without_email.get(r.role, 0) + 1
    to_send = [r for r in recipients if r.email]
    refused: list[Recipient] = []
    if to_send:
        with notify.connect(smtp) as client:
            for r in to_send:
                rendered = notify.render(
                    f"welcome_{'teacher' if r.role == 'admin' else r.role}",
                    [r.email or ""],
                    district=district,
                    school=school_name or school_id,
                    given_name=r.given_name or "",
                    classes=r.classes or [],
                    app_url=app_url,
                )
                try:
                    client.send_message(notify.message(smtp, rendered))
                except smtplib.SMTPRecipientsRefused:  # this address only; the others still get theirs
                    refused.append(r)
                    continue
                store.execute(
                    conn,
                    "notify/insert_account_notification",
                    {"account_id": r.account_id, "kind": KIND, "run_id": run_id, "notified_at": datetime.now(UTC)},
                )
                result.sent[r.role] = result.sent.get(r.role, 0) + 1
    result.refused = len(refused)
    if without_email or refused:
        path = reports.write_csv(
            report_folder / "welcome_not_sent.csv",
            ["account_id", "source_id", "role", "given_name", "family_name", "reason"],
            [
                (r.account_id, r.person_sid, r.role, r.given_name, r.family_name, reason)
                for group, reason in (
                    (without_email, "no email address"),
                    (refused, "address refused by the mail server"),
                )
                for r in group
            ],
        )
        result.not_sent_csv = str(path)
    log.info(
        "school %s (%s): welcome emails sent %s; without an email address %s; refused %d",
        school_id,
        state or "no state",
        result.sent,
        result.without_email,
        result.refused,
    )
    return result
