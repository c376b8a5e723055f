"""Messy input never changes the roster silently: role conflicts, duplicate ids, malformed Clever records,
unusable emails and phones are record errors or alerts; a skipped record is kept as the roster has it."""

from __future__ import annotations

import json

import pytest
from roster_helpers import Upload, config, small_district, sync_owned_state
from rostersync import pipeline, quality, store, synth


def run(conn, upload: Upload, tmp_path, run_id: str, cfg=None, answer="Approve"):
    return pipeline.sync(conn, cfg or config(), upload.write(tmp_path / run_id), run_id, answer=answer)


def accounts(conn):
    return dict(conn.execute("SELECT person_sid, role FROM accounts WHERE status <> 'deactivated'").fetchall())


def members(conn, class_sid):
    return dict(
        conn.execute(
            "SELECT a.person_sid, m.role FROM memberships m JOIN classes c USING (class_id) "
            "JOIN accounts a USING (account_id) WHERE c.class_sid = ? AND m.status = 'active'",
            [class_sid],
        ).fetchall()
    )


def issues(planned) -> dict[str, int]:
    return planned.quality.issues


def test_one_id_for_a_teacher_and_a_student_is_an_error_over_every_row(conn, tmp_path, monkeypatch):
    """Remind 1.0 (teachers and students in two files): the same id in both. The check is SQL over every
    row, so it holds however small the suites' sample is."""
    monkeypatch.setattr(quality, "GX_MAX_ROWS", 10)
    district = synth.generate(60, seed=3)
    teacher = next(k for k, v in district.people.items() if v[1] == "teacher")
    student = next(k for k, v in sorted(district.people.items()) if v[1] == "student" and k > "S0000050")
    folder = synth.write_remind_csv_v1(district, tmp_path / "v1")
    students = folder / "students.csv"
    students.write_text(students.read_text().replace(f"\n{student},", f"\n{teacher},"))
    enrollments = folder / "enrollments.csv"
    enrollments.write_text(enrollments.read_text().replace(f",{student}\n", f",{teacher}\n"))
    cfg = config(source={"format": "remind_csv_v1", "conn_id": "c"})
    planned, result = pipeline.sync(conn, cfg, folder, "r1")
    assert issues(planned).get("E108") == 1
    [(n,)] = conn.execute("SELECT count(*) FROM accounts WHERE person_sid = ?", [teacher]).fetchall()
    assert n == 0, "neither record becomes an account while they share an id"
    assert conn.execute("SELECT count(*) FROM accounts GROUP BY person_sid HAVING count(*) > 1").fetchall() == []


def test_a_student_listed_as_a_class_teacher_never_owns_it(conn, tmp_path):
    up = small_district(students_per_school=4, schools=("N",))
    up.class_enrollments = [("CN", "SN000", "teacher", "true") if e[1] == "SN000" else e for e in up.class_enrollments]
    planned, _ = run(conn, up, tmp_path, "r1")
    assert issues(planned).get("E109") == 1
    assert members(conn, "CN").get("TN") == "owner" and "SN000" not in members(conn, "CN")


def test_a_teacher_listed_as_a_guardian_does_not_join_as_a_parent(conn, tmp_path):
    up = small_district(students_per_school=4, schools=("N",))
    up.relationships.append(("SN001", "TN", "Father", "guardian"))
    up.relationships.append(("SN002", "SN003", "Sibling", "guardian"))  # students as each other's guardians
    planned, _ = run(conn, up, tmp_path, "r1")
    assert issues(planned).get("E110") == 2
    assert members(conn, "CN")["TN"] == "owner" and members(conn, "CN")["SN003"] == "student"
    assert [r for r in conn.execute("SELECT role FROM memberships WHERE role = 'parent'").fetchall()] == [
        ("parent",)
    ] * 4  # the four real parents only


def test_a_skipped_guardianship_keeps_the_parent_membership_it_had(conn, tmp_path):
    up = small_district(students_per_school=4, schools=("N",))
    run(conn, up, tmp_path, "r1")
    before = sync_owned_state(conn)
    day2 = small_district(students_per_school=4, schools=("N",))
    day2.users = [
        ("PN001", "teacher", *u[2:]) if u[0] == "PN001" else u for u in day2.users
    ]  # a parent, now "a teacher"
    day2.school_enrollments.append(("N", "PN001"))
    planned, result = run(conn, day2, tmp_path, "r2")
    assert issues(planned).get("E110") == 1
    assert result.counts["memberships"]["remove"] == 0
    assert sync_owned_state(conn)["memberships"] == before["memberships"]


def test_a_skipped_enrollment_keeps_the_parent_membership_it_gave(conn, tmp_path):
    """A student's enrollment skipped for an error (E109: enrolled as a teacher) is kept as the roster has
    it, and so is the parent membership it gave their guardian: it is not wanted this run, yet not removed."""
    up = small_district(students_per_school=4, schools=("N",))
    run(conn, up, tmp_path, "r1")
    assert members(conn, "CN")["PN001"] == "parent"
    before = sync_owned_state(conn)
    day2 = small_district(students_per_school=4, schools=("N",))
    day2.class_enrollments = [
        (c, p, "teacher", x) if p == "SN001" else (c, p, r, x) for c, p, r, x in day2.class_enrollments
    ]
    planned, result = run(conn, day2, tmp_path, "r2")
    assert issues(planned).get("E109") == 1
    assert result.counts["memberships"]["remove"] == 0
    assert sync_owned_state(conn)["memberships"] == before["memberships"]


def test_an_enrollment_skipped_for_an_error_is_kept_when_its_student_is_no_longer_synced(conn, tmp_path):
    """The student leaves every school (their account goes) and their enrollment has an error: the
    enrollment is kept as the roster has it, never removed on the strength of a record that was skipped."""
    up = small_district(students_per_school=4, schools=("N",))
    run(conn, up, tmp_path, "r1")
    day2 = small_district(students_per_school=4, schools=("N",))
    day2.school_enrollments = [e for e in day2.school_enrollments if e[1] != "SN001"]
    day2.class_enrollments = [
        (c, p, "teacher", x) if p == "SN001" else (c, p, r, x) for c, p, r, x in day2.class_enrollments
    ]
    planned, _result = run(conn, day2, tmp_path, "r2")
    assert issues(planned).get("E109") == 1
    assert accounts(conn).get("SN001") is None  # the account went: the student is in no synced school
    assert members(conn, "CN").get("SN001") == "student"


def test_oneroster_1_2_two_primary_roles_is_an_error_and_the_account_is_kept(conn, tmp_path):
    district = synth.generate(40, seed=5)
    cfg = config(source={"format": "oneroster_v1_2", "conn_id": "c"})
    pipeline.sync(conn, cfg, synth.write_oneroster_v1_2(district, tmp_path / "r1"), "r1")
    teacher = next(k for k, v in sorted(district.people.items()) if v[1] == "teacher")
    before = conn.execute("SELECT * FROM accounts WHERE person_sid = ?", [teacher]).fetchall()
    folder = synth.write_oneroster_v1_2(district, tmp_path / "r2")
    roles = folder / "roles.csv"
    lines = roles.read_text().splitlines()
    line = next(x for x in lines if f",{teacher}," in x and ",primary,teacher," in x)
    lines.append(line.replace("role-", "role2-").replace(",primary,teacher,", ",primary,student,"))
    roles.write_text("\n".join(lines) + "\n")
    planned, result = pipeline.sync(conn, cfg, folder, "r2")
    assert issues(planned).get("E111") == 1
    assert conn.execute("SELECT * FROM accounts WHERE person_sid = ?", [teacher]).fetchall() == before
    assert result.counts["accounts"]["remove"] == 0 and result.counts["memberships"]["remove"] == 0


def test_oneroster_1_2_a_primary_role_wins_over_secondary_ones_and_teacher_over_student(tmp_path):
    district = synth.generate(40, seed=5)
    folder = synth.write_oneroster_v1_2(district, tmp_path / "or")
    roles = folder / "roles.csv"
    lines = roles.read_text().splitlines()
    student = next(x for x in lines if ",primary,student," in x)
    sid = student.split(",")[3]
    lines.append(student.replace("role-", "role2-").replace(",primary,student,", ",secondary,teacher,"))
    roles.write_text("\n".join(lines) + "\n")
    with store.scratch() as conn:
        from rostersync import snapshot
        from rostersync.formats import get_format

        snapshot.normalize(conn, get_format("oneroster_v1_2"), folder, "r1")
        assert conn.execute("SELECT role FROM snap_people WHERE person_sid = ?", [sid]).fetchall() == [("student",)]


def clever_upload(tmp_path, name, change):
    district = synth.generate(40, seed=8)
    folder = synth.write_clever(district, tmp_path / name)
    for obj in ("users", "sections"):
        path = folder / f"{obj}.json"
        page = json.loads(path.read_text())
        for item in page["data"]:
            change(obj, item["data"])
        path.write_text(json.dumps(page))
    return folder


CLEVER = config(source={"kind": "clever", "conn_id": "c"})


@pytest.mark.parametrize(
    ("what", "change", "entity"),
    [
        (
            "students as a string",
            lambda obj, d: obj == "sections" and d.update(students=",".join(d["students"])),
            "class",
        ),
        ("teachers null", lambda obj, d: obj == "sections" and d.update(teachers=None), "class"),
        ("a section without a school", lambda obj, d: obj == "sections" and d.pop("school"), "class"),
        ("a user without roles", lambda obj, d: obj == "users" and d.pop("roles"), "person"),
        ("an id that is an object", lambda obj, d: obj == "users" and d.update(id={"$oid": d["id"]}), "person"),
        ("a name that is a string", lambda obj, d: obj == "users" and d.update(name="Ann Lee"), "person"),
    ],
)
def test_a_malformed_clever_record_is_an_error_and_removes_nothing(conn, tmp_path, what, change, entity):
    pipeline.sync(conn, CLEVER, clever_upload(tmp_path, "r1", lambda obj, d: None), "r1")
    before = sync_owned_state(conn)
    target = {"class": "sections", "person": "users"}[entity]
    picked: list[str] = []

    def break_one(obj, d):
        if obj == target and not picked and (obj == "sections" or "teacher" in d.get("roles", {})):
            picked.append(d["id"])
            change(obj, d)

    planned, result = pipeline.sync(conn, CLEVER, clever_upload(tmp_path, "r2", break_one), "r2")
    rows = conn.execute("SELECT code, entity, key FROM record_issues WHERE run_id = 'r2' AND code = 'E113'").fetchall()
    assert [(code, ent) for code, ent, _ in rows] == [("E113", entity)], what
    assert picked[0] in rows[0][2]  # named by its id
    assert all(sum(c.values()) == 0 for c in result.counts.values()), result.counts
    assert sync_owned_state(conn) == before


def test_unusable_emails_and_phones_are_alerts_and_never_stored(conn, tmp_path):
    up = small_district(students_per_school=4, schools=("N",))
    bad = {
        "PN000": ("pn000@home.org\tbcc: everyone@example.org", "555-0100"),  # (a line break is F017 in a CSV)
        "PN001": ("mom@home.org, dad@home.org", "+1 555 0101 222"),
        "SN002": ("sn002@school.org", "555-CALL-ME"),
    }
    up.users = [(*u[:4], *bad[u[0]], *u[6:]) if u[0] in bad else u for u in up.users]
    up.users.append(("TX", "teacher", "Tea", "Cher", "tx@school.org;other@school.org", "", "", "", ""))
    up.school_enrollments.append(("N", "TX"))
    planned, _ = run(conn, up, tmp_path, "r1")
    found = issues(planned)
    assert (found.get("A204"), found.get("A205"), found.get("E101")) == (2, 1, 1)
    stored = dict(conn.execute("SELECT person_sid, (email, phone) FROM accounts").fetchall())
    assert stored["PN000"] == (None, "555-0100") and stored["PN001"] == (None, "+1 555 0101 222")
    assert stored["SN002"] == ("sn002@school.org", None) and "TX" not in stored


def test_a_line_break_and_a_header_in_a_clever_email_is_an_alert_not_a_stored_address(conn, tmp_path):
    injected: list[str] = []

    def inject(obj, d):
        if obj == "users" and "contact" in d["roles"] and not injected:
            d["email"] = d["email"] + "\r\nBcc: everyone@example.org"
            injected.append(d["id"])

    planned, _ = pipeline.sync(conn, CLEVER, clever_upload(tmp_path, "r1", inject), "r1")
    assert issues(planned).get("A204") == 1
    [(email,)] = conn.execute("SELECT email FROM accounts WHERE person_sid = ?", injected).fetchall()
    assert email is None


def test_welcome_emails_skip_an_address_stored_before_it_was_checked(conn, tmp_path):
    """A roster from before emails were checked may hold a bad one: that account is listed, the school's
    other accounts still get theirs."""
    from datetime import datetime

    from rostersync import welcome
    from rostersync.dev.servers import SmtpSink
    from rostersync.notify import SmtpSettings

    run(conn, small_district(students_per_school=3, schools=("N",)), tmp_path, "r1")
    conn.execute("UPDATE accounts SET email = 'x@y.org' || chr(10) || 'bcc: all@y.org' WHERE person_sid = 'PN000'")
    with SmtpSink() as sink:
        smtp = SmtpSettings(host="127.0.0.1", port=sink.port, from_email="r@example.org")
        result = welcome.send_welcomes(
            conn, smtp, district="U", school_id="N", roles=["parents"], run_id="w1", report_folder=tmp_path / "w"
        )
    assert sum(result.sent.values()) == 2 and result.without_email == {"guardian": 1}
    assert all("bcc" not in str(m).lower() for m in sink.messages)
    assert datetime.now()  # the run went through


def renumbered(up: Upload, old: str, new: str) -> Upload:
    """The same school under a new id in every file (a SIS that renumbered it)."""
    up.schools = [(new, *s[1:]) if s[0] == old else s for s in up.schools]
    up.school_enrollments = [(new, u) if s == old else (s, u) for s, u in up.school_enrollments]
    up.classes = [(c[0], new, *c[2:]) if c[1] == old else c for c in up.classes]
    return up


def test_a_whole_school_moving_to_a_new_id_holds_both_schools(conn, tmp_path):
    from rostersync import apply

    run(conn, small_district(students_per_school=20), tmp_path, "r1")
    before = sync_owned_state(conn)
    (planned,) = [
        pipeline.plan_upload(
            conn, config(), renumbered(small_district(students_per_school=20), "N", "X").write(tmp_path / "r2"), "r2"
        )
    ]
    moves = {(h.school, h.reason) for h in planned.holds if h.reason == "data_moves"}
    assert moves == {("N", "data_moves"), ("X", "data_moves")}
    detail = next(h.detail for h in planned.holds if h.reason == "data_moves" and h.school == "N")
    assert "41 accounts would move from school N to school X" in detail
    with pytest.raises(apply.ApprovalMissing):
        apply.apply_plan(conn, "r2")
    assert sync_owned_state(conn) == before


def test_a_few_students_changing_schools_is_no_hold(conn, tmp_path):
    run(conn, small_district(students_per_school=20), tmp_path, "r1")
    day2 = small_district(students_per_school=20)
    day2.school_enrollments = [("S", u) if u in ("SN000", "SN001") else (s, u) for s, u in day2.school_enrollments]
    planned = pipeline.plan_upload(conn, config(), day2.write(tmp_path / "r2"), "r2")
    assert [h for h in planned.holds if h.reason == "data_moves"] == []


def test_many_new_accounts_at_once_hold_the_school_but_not_on_a_first_sync(conn, tmp_path):
    first, _ = run(conn, small_district(students_per_school=20), tmp_path, "r1")
    assert not [h for h in first.holds if h.reason == "data_additions"]
    planned = pipeline.plan_upload(conn, config(), small_district(students_per_school=60).write(tmp_path / "r2"), "r2")
    additions = {h.school: h.detail for h in planned.holds if h.reason == "data_additions"}
    assert set(additions) == {"N", "S"} and "80 new accounts (the school has 41; limit 50%)" in additions["N"]
    lenient = config(holds={"addition_min_count": 100})
    again = pipeline.plan_upload(conn, lenient, small_district(students_per_school=60).write(tmp_path / "r3"), "r3")
    assert not [h for h in again.holds if h.reason == "data_additions"]


def test_a_new_person_is_e107_only_with_an_address_an_active_account_of_someone_else_holds(conn, tmp_path):
    """E107 looks only at new people (no account yet); an address of a deactivated account is free, and a
    known person's change of address is never E107."""
    up = small_district(students_per_school=6, schools=("N",))
    run(conn, up, tmp_path, "r1")
    up.users = [u for u in up.users if u[0] != "SN000"]  # SN000 leaves: deactivated by r2's apply
    up.school_enrollments = [e for e in up.school_enrollments if e[1] != "SN000"]
    run(conn, up, tmp_path, "r2")
    assert conn.execute("SELECT status FROM accounts WHERE person_sid = 'SN000'").fetchone() == ("deactivated",)
    up.users = [u for u in up.users if u[0] != "SN004"]  # SN004 leaves now: still active while r3 is checked
    up.users = [(*u[:4], "sn004@school.org", *u[5:]) if u[0] == "SN002" else u for u in up.users]
    template = next(u for u in up.users if u[0] == "SN003")
    for sid, email in (("NEW1", "sn001@school.org"), ("NEW2", "sn000@school.org"), ("NEW3", "new3@school.org")):
        up.users.append((sid, *template[1:4], email, *template[5:]))
        up.school_enrollments.append(("N", sid))
    planned, _ = run(conn, up, tmp_path, "r3")
    found = conn.execute("SELECT key FROM record_issues WHERE run_id = 'r3' AND code = 'E107'").fetchall()
    assert found == [("NEW1",)], found  # (NEW1 is also E106: SN001 keeps the address in the upload)
    assert issues(planned)["E107"] == 1
