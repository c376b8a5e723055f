"""Small hand-written districts and a helper that runs every gate up to the apply, without Airflow."""

from __future__ import annotations

import csv
from dataclasses import dataclass, field
from pathlib import Path

from rostersync import apply, gate, holds, plan, quality, snapshot
from rostersync.config import DistrictConfig
from rostersync.formats import get_format

FMT = get_format("remind_csv_v2")


@dataclass
class Upload:
    """A Remind CSV 2.0 upload as Python rows; `write` puts it in a folder."""

    schools: list[tuple] = field(default_factory=list)
    users: list[tuple] = field(default_factory=list)  # id, role, first, last, email, phone, dob, grade, number
    school_enrollments: list[tuple] = field(default_factory=list)
    classes: list[tuple] = field(default_factory=list)  # id, school, name, term, period
    class_enrollments: list[tuple] = field(default_factory=list)  # class, user, role, primary
    relationships: list[tuple] = field(default_factory=list)

    def write(self, folder: Path) -> Path:
        folder.mkdir(parents=True, exist_ok=True)
        for spec in FMT.files:
            rows = getattr(self, spec.name.removesuffix(".csv"))
            with (folder / spec.name).open("w", newline="") as handle:
                out = csv.writer(handle)
                out.writerow(spec.columns)
                out.writerows(rows)
        return folder


def small_district(students_per_school: int = 20, schools: tuple[str, ...] = ("N", "S")) -> Upload:
    """Each school: one teacher, one class, `students_per_school` students, one guardian each."""
    up = Upload()
    for s in schools:
        up.schools.append((s, f"School {s}"))
        teacher = f"T{s}"
        up.users.append((teacher, "teacher", "Tea", f"Cher{s}", f"t{s.lower()}@school.org", "", "", "", ""))
        up.school_enrollments.append((s, teacher))
        up.classes.append((f"C{s}", s, f"Math {s}", "2026", "1"))
        up.class_enrollments.append((f"C{s}", teacher, "teacher", "true"))
        for n in range(students_per_school):
            student, parent = f"S{s}{n:03d}", f"P{s}{n:03d}"
            up.users.append(
                (
                    student,
                    "student",
                    "Stu",
                    f"Dent{n}",
                    f"{student.lower()}@school.org",
                    "",
                    "2014-01-01",
                    "5",
                    "",
                )
            )
            up.users.append((parent, "parent", "Par", f"Ent{n}", f"{parent.lower()}@home.org", "", "", "", ""))
            up.school_enrollments.append((s, student))
            up.class_enrollments.append((f"C{s}", student, "student", "false"))
            up.relationships.append((student, parent, "Mother", "guardian"))
    return up


def config(**overrides) -> DistrictConfig:
    base = {
        "district_id": "unit",
        "name": "Unit District",
        "source": {"format": "remind_csv_v2", "conn_id": "sftp_unit"},
        "admin_emails": ["admin@unit.example.org"],
    }
    base.update(overrides)
    return DistrictConfig.model_validate(base)


def prepare(conn, upload: Upload, folder: Path, run_id: str, cfg: DistrictConfig | None = None):
    """normalize, record issues, plan and holds for one run; returns (plan summary, holds)."""
    cfg = cfg or config()
    snapshot.normalize(conn, FMT, upload.write(folder / run_id), run_id)
    quality.find_record_issues(conn, run_id)
    summary = plan.compute_plan(conn, cfg, run_id)
    return summary, holds.detect_holds(conn, cfg, run_id)


def sync(
    conn,
    upload: Upload,
    folder: Path,
    run_id: str,
    cfg: DistrictConfig | None = None,
    answer: str = "Approve",
):
    """A whole run: prepare, answer the gate if one is needed, apply."""
    summary, found = prepare(conn, upload, folder, run_id, cfg)
    if gate.gate_needed(conn, run_id):
        answer_gate(conn, run_id, answer)
    result = apply.apply_plan(conn, run_id)
    return summary, found, result


def answer_gate(conn, run_id: str, answer: str = "Approve", by: str = "tester") -> None:
    """What the approve task does: open the gate on the run's plan, then record the approver's answer."""
    from datetime import datetime

    gate.open_gate(conn, run_id)
    gate.record_answer(conn, run_id, answer, by, datetime(2026, 11, 23, 8, 0))


def sync_owned_state(conn) -> dict[str, list]:
    """What a sync owns in the roster, by source ids (not the generated ids)."""
    return {
        "accounts": conn.execute(
            "SELECT person_sid, role, school_id, given_name, family_name, grade, status FROM accounts ORDER BY ALL"
        ).fetchall(),
        "classes": conn.execute(
            "SELECT class_sid, school_id, sis_name, term, period, status FROM classes ORDER BY ALL"
        ).fetchall(),
        "memberships": conn.execute(
            "SELECT c.class_sid, a.person_sid, m.role, m.status FROM memberships m "
            "JOIN classes c USING (class_id) JOIN accounts a USING (account_id) ORDER BY ALL"
        ).fetchall(),
    }


def live(state: dict[str, list]) -> dict[str, list]:
    """The rows a user sees: deactivated accounts and removed memberships left out."""
    return {k: [r for r in v if r[-1] not in ("deactivated", "removed", "archived")] for k, v in state.items()}


def full_roster(conn) -> dict[str, list]:
    """Every column of every roster table: what a rollback must restore exactly."""
    return {
        t: conn.execute(f"SELECT * FROM {t} ORDER BY ALL").fetchall()
        for t in ("accounts", "classes", "memberships", "schools")
    }
