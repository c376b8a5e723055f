"""The synthetic district generator: a deterministic district of N students, and next-day variants.

Ratios follow real districts: about 1 teacher per 15 students, 1.5 guardians per student (some shared
by siblings), 6 class enrollments per student in classes of about 25. Used by tests, the demo and
the benchmark. `python -m rostersync.synth --help` for the command line.
"""

from __future__ import annotations

import argparse
import csv
import json
import random
from dataclasses import dataclass, field
from pathlib import Path

FIRST = (
    "Ava Ben Cleo Dev Emma Finn Gia Hugo Ines Jude Kai Lena Milo Nora Omar Pia Quinn Rosa Sami Tess "
    "Uma Vik Wren Xavi Yara Zane Aria Bo Cora Dax Elle Fox"
).split()
LAST = (
    "Abbott Baker Chen Diaz Evans Fischer Garcia Hughes Ito Jensen Khan Lopez Moreau Nguyen Ortiz "
    "Patel Quinn Rossi Silva Tanaka Usman Varga Weber Xu Young Zhou"
).split()
STUDENTS_PER_TEACHER = 15
STUDENTS_PER_SCHOOL = 400
CLASS_SIZE = 25
CLASSES_PER_STUDENT = 6


@dataclass
class District:
    """A district in the canonical shape, as plain rows."""

    schools: list[tuple[str, str]] = field(default_factory=list)  # school_sid, name
    # person_sid, role, given, family, email, phone, birth_date, grade, student_number, school_sid
    people: dict[str, tuple] = field(default_factory=dict)
    classes: dict[str, tuple] = field(default_factory=dict)  # class_sid -> (school_sid, name, term, period)
    memberships: set[tuple[str, str, str]] = field(default_factory=set)  # class_sid, person_sid, role
    guardianships: set[tuple[str, str, str, str]] = field(default_factory=set)  # student, guardian, rel, type


def _name(rng: random.Random) -> tuple[str, str]:
    return rng.choice(FIRST), rng.choice(LAST)


def _person(sid: str, role: str, school: str, rng: random.Random, grade: str = "") -> tuple:
    given, family = _name(rng)
    email = f"{given}.{family}.{sid}@example.org".lower()
    phone = f"+1555{int(sid[1:]) % 10_000_000:07d}"
    if role == "student":
        birth = f"{2024 - 6 - int(grade or 0)}-{rng.randint(1, 12):02d}-{rng.randint(1, 28):02d}"
        number = sid[1:]
        # A few students have neither email nor phone: a real alert in real districts.
        if int(sid[1:]) % 50 == 7:
            email, phone = "", ""
        return (sid, role, given, family, email, phone, birth, grade, number, school)
    return (sid, role, given, family, email, phone, "", "", "", school)


def generate(students: int, seed: int = 1) -> District:
    """A district of `students` students; the same arguments always give the same district."""
    rng = random.Random(seed)
    district = District()
    n_schools = max(1, round(students / STUDENTS_PER_SCHOOL))
    district.schools = [(f"SCH{s:04d}", f"{LAST[s % len(LAST)]} School {s}") for s in range(1, n_schools + 1)]
    school_ids = [s for s, _ in district.schools]
    n_teachers = max(n_schools, round(students / STUDENTS_PER_TEACHER))
    teachers_by_school: dict[str, list[str]] = {s: [] for s in school_ids}
    for t in range(1, n_teachers + 1):
        school = school_ids[t % n_schools]
        sid = f"T{t:07d}"
        district.people[sid] = _person(sid, "teacher", school, rng)
        teachers_by_school[school].append(sid)
    classes_by_school: dict[str, list[str]] = {s: [] for s in school_ids}
    for school, teachers in teachers_by_school.items():
        enrolled = students // n_schools
        n_classes = max(CLASSES_PER_STUDENT, -(-enrolled * CLASSES_PER_STUDENT // CLASS_SIZE))
        for c in range(n_classes):
            sid = f"C{school[3:]}{c:05d}"
            teacher = teachers[c % len(teachers)] if teachers else None
            subject = ("Math", "Science", "English", "History", "Art", "Music")[c % 6]
            district.classes[sid] = (school, f"{subject} {c // 6 + 1}", "2026-2027", str(c % 8 + 1))
            if teacher:
                district.memberships.add((sid, teacher, "teacher"))
            classes_by_school[school].append(sid)
    guardian_no = 0
    previous_guardian = None
    for n in range(1, students + 1):
        school = school_ids[n % n_schools]
        sid = f"S{n:07d}"
        district.people[sid] = _person(sid, "student", school, rng, grade=str(n % 12 + 1))
        classes = classes_by_school[school]
        for k in range(CLASSES_PER_STUDENT):
            district.memberships.add(
                (
                    classes[(n * 7 + k * (len(classes) // CLASSES_PER_STUDENT or 1)) % len(classes)],
                    sid,
                    "student",
                )
            )
        # 1.5 guardians per student; every tenth student is a sibling of the one before.
        if n % 10 == 0 and previous_guardian:
            district.guardianships.add((sid, previous_guardian, "Parent", "guardian"))
            continue
        for g in range(1 if n % 2 else 2):
            guardian_no += 1
            gid = f"G{guardian_no:07d}"
            district.people[gid] = _person(gid, "guardian", school, rng)
            district.guardianships.add((sid, gid, ("Mother", "Father")[g], "guardian"))
            previous_guardian = gid
    return district


def next_day(district: District, churn: float = 0.01, seed: int = 2) -> District:
    """The same district a day later: `churn` of the students leave or arrive, some are renamed or move."""
    rng = random.Random(seed)
    day = District(
        schools=list(district.schools),
        people=dict(district.people),
        classes=dict(district.classes),
        memberships=set(district.memberships),
        guardianships=set(district.guardianships),
    )
    students = sorted(p for p, row in day.people.items() if row[1] == "student")
    changes = max(1, int(len(students) * churn))
    leaving = set(rng.sample(students, changes // 2 or 1))
    for sid in leaving:
        del day.people[sid]
    day.memberships = {m for m in day.memberships if m[1] not in leaving}
    day.guardianships = {g for g in day.guardianships if g[0] not in leaving}
    linked = {g[1] for g in day.guardianships}
    for gid in [p for p, row in day.people.items() if row[1] == "guardian" and p not in linked]:
        del day.people[gid]
    last = int(students[-1][1:])
    school_ids = [s for s, _ in day.schools]
    classes_by_school: dict[str, list[str]] = {s: [] for s in school_ids}
    for class_sid, row in sorted(day.classes.items()):
        classes_by_school[row[0]].append(class_sid)
    for i in range(1, changes // 2 + 1):
        sid = f"S{last + i:07d}"
        school = school_ids[(last + i) % len(school_ids)]
        day.people[sid] = _person(sid, "student", school, rng, grade=str((last + i) % 12 + 1))
        classes = classes_by_school[school]
        for c in rng.sample(classes, min(CLASSES_PER_STUDENT, len(classes))):
            day.memberships.add((c, sid, "student"))
    staying = [s for s in students if s not in leaving]
    for sid in rng.sample(staying, min(len(staying), max(1, changes // 4))):
        row = day.people[sid]
        day.people[sid] = (row[0], row[1], row[2], row[3] + "-" + rng.choice(LAST), *row[4:])
    for class_sid in rng.sample(sorted(day.classes), max(1, len(day.classes) // 200)):
        school, name, term, period = day.classes[class_sid]
        day.classes[class_sid] = (school, name + " (renamed)", term, period)
    return day


def write_remind_csv_v2(district: District, folder: Path) -> Path:
    """Write the district as a Remind CSV 2.0 upload (six files) into `folder`."""
    folder.mkdir(parents=True, exist_ok=True)

    def writer(name: str):
        return _writer(folder, name, _columns("remind_csv_v2", name))

    h, w = writer("schools.csv")
    w.writerows(district.schools)
    h.close()
    roles = {"guardian": "parent"}
    h, w = writer("users.csv")
    for row in district.people.values():
        w.writerow([row[0], roles.get(row[1], row[1]), *row[2:9]])
    h.close()
    h, w = writer("school_enrollments.csv")
    for row in district.people.values():
        if row[1] != "guardian":
            w.writerow([row[9], row[0]])
    h.close()
    h, w = writer("classes.csv")
    for sid, (school, name, term, period) in district.classes.items():
        w.writerow([sid, school, name, term, period])
    h.close()
    h, w = writer("class_enrollments.csv")
    for class_sid, person, role in sorted(district.memberships):
        w.writerow([class_sid, person, role, "true" if role == "teacher" else "false"])
    h.close()
    h, w = writer("relationships.csv")
    w.writerows(sorted(district.guardianships))
    h.close()
    return folder


def _columns(fmt_name: str, file_name: str) -> tuple[str, ...]:
    """A file's header, from the format's own spec: the generator writes exactly what the check expects."""
    from rostersync.formats import get_format

    return get_format(fmt_name).file(file_name).columns


def _writer(folder: Path, name: str, header: tuple[str, ...] | list[str]):
    handle = (folder / name).open("w", newline="", encoding="utf-8")
    out = csv.writer(handle, lineterminator="\n")
    out.writerow(header)
    return handle, out


def write_remind_csv_v1(district: District, folder: Path) -> Path:
    """Remind CSV 1.0: students.csv has one row per student-guardian pair; guardians have no ids."""
    folder.mkdir(parents=True, exist_ok=True)
    h, w = _writer(folder, "schools.csv", _columns("remind_csv_v1", "schools.csv"))
    w.writerows(district.schools)
    h.close()
    h, w = _writer(folder, "teachers.csv", _columns("remind_csv_v1", "teachers.csv"))
    for row in district.people.values():
        if row[1] == "teacher":
            w.writerow([row[0], row[9], row[2], row[3], row[4], row[5]])
    h.close()
    guardians_of: dict[str, list[str]] = {}
    relationship: dict[tuple[str, str], str] = {}
    for student, guardian, rel, _kind in sorted(district.guardianships):
        guardians_of.setdefault(student, []).append(guardian)
        relationship[(student, guardian)] = rel
    h, w = _writer(folder, "students.csv", _columns("remind_csv_v1", "students.csv"))
    for row in district.people.values():
        if row[1] != "student":
            continue
        fields = [row[0], row[9], row[2], row[3], row[4], row[5], row[6], row[7]]
        guardians = guardians_of.get(row[0], [])
        if not guardians:
            w.writerow([*fields, "", "", "", "", ""])
        for gid in guardians:
            g = district.people[gid]
            w.writerow([*fields, g[2], g[3], g[4], g[5], relationship[(row[0], gid)]])
    h.close()
    teacher_of = {c: p for c, p, role in district.memberships if role == "teacher"}
    h, w = _writer(folder, "classes.csv", _columns("remind_csv_v1", "classes.csv"))
    for sid, (school, name, _term, _period) in district.classes.items():
        w.writerow([sid, school, name, teacher_of.get(sid, "")])
    h.close()
    h, w = _writer(folder, "enrollments.csv", _columns("remind_csv_v1", "enrollments.csv"))
    w.writerows(sorted((c, p) for c, p, role in district.memberships if role == "student"))
    h.close()
    return folder


def _write_oneroster(district: District, folder: Path, version: str) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    fmt_name = "oneroster_v1_1" if version == "1.1" else "oneroster_v1_2"
    session = "session-2026"
    files = ["academicSessions", "orgs", "courses", "classes", "users", "enrollments", "demographics"]
    if version == "1.2":
        files.append("roles")
    h, w = _writer(folder, "manifest.csv", _columns(fmt_name, "manifest.csv"))
    w.writerows([("manifest.version", "1.0"), ("oneroster.version", version)])
    w.writerows((f"file.{name}", "bulk") for name in files)
    h.close()
    h, w = _writer(folder, "academicSessions.csv", _columns(fmt_name, "academicSessions.csv"))
    w.writerow([session, "", "", "2026-2027", "schoolYear", "2026-08-17", "2027-06-01", "", "2027"])
    h.close()
    h, w = _writer(folder, "orgs.csv", _columns(fmt_name, "orgs.csv"))
    w.writerow(["district-1", "", "", "Synthetic District", "district", "", ""])
    w.writerows([sid, "", "", name, "school", "", "district-1"] for sid, name in district.schools)
    h.close()
    h, w = _writer(folder, "courses.csv", _columns(fmt_name, "courses.csv"))
    w.writerow(["course-1", "", "", session, "All subjects", "ALL", "", "district-1", "", ""])
    h.close()
    h, w = _writer(folder, "classes.csv", _columns(fmt_name, "classes.csv"))
    for sid, (school, name, term, period) in district.classes.items():
        w.writerow([sid, "", "", name, "", "course-1", sid, "scheduled", "", school, term, "", "", period])
    h.close()
    agents: dict[str, list[str]] = {}
    for student, guardian, _rel, _kind in sorted(district.guardianships):
        agents.setdefault(student, []).append(guardian)
    roles = {"guardian": "guardian"}
    h, w = _writer(folder, "users.csv", _columns(fmt_name, "users.csv"))
    for sid, role, given, family, email, phone, _birth, grade, number, school in district.people.values():
        org = "" if role == "guardian" else school
        details = [
            sid.lower(),
            "",
            given,
            family,
            "",
            number,
            email,
            "",
            phone,
            ",".join(agents.get(sid, [])),
            grade,
            "",
        ]
        if version == "1.1":
            w.writerow([sid, "", "", "true", org, roles.get(role, role), *details])
        else:
            w.writerow([sid, "", "", "true", *details, "", "", "", "", org, ""])
    h.close()
    if version == "1.2":
        h, w = _writer(folder, "roles.csv", _columns(fmt_name, "roles.csv"))
        for sid, role, *_rest, school in district.people.values():
            w.writerow(
                [
                    f"role-{sid}",
                    "",
                    "",
                    sid,
                    "primary",
                    roles.get(role, role),
                    "",
                    "",
                    "district-1" if role == "guardian" else school,
                    "",
                ]
            )
        h.close()
    h, w = _writer(folder, "enrollments.csv", _columns(fmt_name, "enrollments.csv"))
    for n, (class_sid, person_sid, role) in enumerate(sorted(district.memberships)):
        school = district.classes[class_sid][0]
        w.writerow(
            [f"e{n}", "", "", class_sid, school, person_sid, role, "true" if role == "teacher" else "false", "", ""]
        )
    h.close()
    h, w = _writer(folder, "demographics.csv", _columns(fmt_name, "demographics.csv"))
    w.writerows([row[0], "", "", row[6], ""] for row in district.people.values() if row[6])
    h.close()
    return folder


def write_oneroster_v1_1(district: District, folder: Path) -> Path:
    return _write_oneroster(district, folder, "1.1")


def write_oneroster_v1_2(district: District, folder: Path) -> Path:
    return _write_oneroster(district, folder, "1.2")


def write_clever(district: District, folder: Path) -> Path:
    """Clever Data API v3 responses (schools.json, users.json, sections.json), one page each.

    As in Clever, students and teachers carry no phone; dates of birth are M/D/YYYY."""
    folder.mkdir(parents=True, exist_ok=True)

    def page(obj: str, records: list[dict]) -> None:
        body = {
            "data": [{"data": r, "uri": f"/v3.0/{obj}/{r['id']}"} for r in records],
            "links": [{"rel": "self", "uri": f"/v3.0/{obj}?limit=10000"}],
        }
        (folder / f"{obj}.json").write_text(json.dumps(body))

    page("schools", [{"id": sid, "name": name} for sid, name in district.schools])
    relationships: dict[str, list[dict]] = {}
    for student, guardian, rel, _kind in sorted(district.guardianships):
        relationships.setdefault(guardian, []).append(
            {"student": student, "relationship": rel, "type": "Parent/Guardian"}
        )
    users = []
    for sid, role, given, family, email, phone, birth, grade, number, school in district.people.values():
        roles: dict[str, dict] = {}
        if role == "student":
            year, month, day = (int(x) for x in birth.split("-"))
            roles["student"] = {
                "school": school,
                "schools": [school],
                "grade": grade,
                "dob": f"{month}/{day}/{year}",
                "student_number": number,
                "sis_id": sid,
            }
        elif role == "teacher":
            roles["teacher"] = {"school": school, "schools": [school], "sis_id": sid}
        else:
            roles["contact"] = {
                "phone": phone,
                "phone_type": "Cell",
                "sis_id": sid,
                "student_relationships": relationships.get(sid, []),
            }
        users.append({"id": sid, "name": {"first": given, "last": family}, "email": email, "roles": roles})
    page("users", users)
    members: dict[str, dict[str, list[str]]] = {}
    for class_sid, person_sid, role in sorted(district.memberships):
        members.setdefault(class_sid, {"teacher": [], "student": []})[role].append(person_sid)
    sections = []
    for sid, (school, name, term, period) in district.classes.items():
        who = members.get(sid, {"teacher": [], "student": []})
        sections.append(
            {
                "id": sid,
                "school": school,
                "name": name,
                "term_id": term,
                "period": period,
                "teacher": who["teacher"][0] if who["teacher"] else None,
                "teachers": who["teacher"],
                "students": who["student"],
            }
        )
    page("sections", sections)
    return folder


WRITERS = {
    "clever": write_clever,
    "remind_csv_v1": write_remind_csv_v1,
    "remind_csv_v2": write_remind_csv_v2,
    "oneroster_v1_1": write_oneroster_v1_1,
    "oneroster_v1_2": write_oneroster_v1_2,
}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m rostersync.synth", description=__doc__)
    parser.add_argument("--students", type=int, required=True)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--format", choices=sorted(WRITERS), default="remind_csv_v2")
    parser.add_argument("--out", type=Path, required=True)
    parser.add_argument("--next-day", action="store_true", help="write the next-day variant instead")
    parser.add_argument("--churn", type=float, default=0.01, help="share of students changed (next day)")
    args = parser.parse_args(argv)
    district = generate(args.students, args.seed)
    if args.next_day:
        district = next_day(district, args.churn, seed=args.seed + 1)
    WRITERS[args.format](district, args.out)
    print(f"wrote {args.format} district of {args.students} students to {args.out}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
