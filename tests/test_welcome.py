"""Welcome emails for one school: teachers first, never twice, accounts without email listed."""

import csv

import pytest
from conftest import received
from roster_helpers import small_district, sync
from rostersync import store, welcome
from rostersync.dev.servers import SmtpSink
from rostersync.notify import SmtpSettings


@pytest.fixture
def sink(tmp_path):
    with SmtpSink(tmp_path / "mail") as server:
        yield server


def _district():
    up = small_district(students_per_school=4)
    up.users = [(*u[:4], "", *u[5:]) if u[0] == "SN003" else u for u in up.users]  # a student without email
    return up


def _send(conn, sink, tmp_path, run_id, roles=("teachers", "parents", "students"), school="N"):
    return welcome.send_welcomes(
        conn,
        SmtpSettings(host="127.0.0.1", port=sink.port, from_email="rostersync@example.org"),
        district="Unit District",
        school_id=school,
        roles=list(roles),
        run_id=run_id,
        report_folder=tmp_path / "reports" / run_id,
        app_url="https://app.example.org",
    )


def test_each_new_account_gets_one_welcome_teachers_first(tmp_path, sink):
    with store.connect("unit", tmp_path) as conn:
        sync(conn, _district(), tmp_path, "r1")
        first = _send(conn, sink, tmp_path, "n1")
        second = _send(conn, sink, tmp_path, "n2")
    messages = received(sink, 8)
    assert first.sent == {"teacher": 1, "guardian": 4, "student": 3}
    assert second.sent == {}  # a rerun sends nobody a second email
    recipients = [m["To"] for m in messages]
    assert len(recipients) == len(set(recipients)) == 8
    assert recipients[0] == "tn@school.org"  # the teacher first: the class waits for them
    assert all(r.startswith("pn") for r in recipients[1:5]) and all(r.startswith("sn") for r in recipients[5:])
    teacher = messages[0]
    assert teacher["Subject"] == "Your School N classes are ready"
    body = teacher.get_body(("plain",)).get_content()
    assert "Hello Tea," in body and "- Math N" in body and "https://app.example.org" in body


def test_students_without_email_are_listed_not_failed(tmp_path, sink):
    with store.connect("unit", tmp_path) as conn:
        sync(conn, _district(), tmp_path, "r1")
        result = _send(conn, sink, tmp_path, "n1", roles=["students"])
    assert result.sent == {"student": 3} and result.without_email == {"student": 1}
    rows = list(csv.DictReader((tmp_path / "reports" / "n1" / "welcome_not_sent.csv").open()))
    assert [(r["source_id"], r["reason"]) for r in rows] == [("SN003", "no email address")]


def test_a_rerun_after_new_accounts_sends_only_to_them(tmp_path, sink):
    with store.connect("unit", tmp_path) as conn:
        sync(conn, _district(), tmp_path, "r1")
        _send(conn, sink, tmp_path, "n1", roles=["teachers"])
        day2 = _district()
        day2.users.append(("TN2", "teacher", "New", "Teacher", "tn2@school.org", "", "", "", ""))
        day2.school_enrollments.append(("N", "TN2"))
        sync(conn, day2, tmp_path, "r2")
        later = _send(conn, sink, tmp_path, "n2", roles=["teachers"])
    assert later.sent == {"teacher": 1}
    assert [m["To"] for m in received(sink, 2)] == ["tn@school.org", "tn2@school.org"]


def test_claimed_accounts_and_other_schools_are_not_welcomed(tmp_path, sink):
    with store.connect("unit", tmp_path) as conn:
        sync(conn, _district(), tmp_path, "r1")
        conn.execute("UPDATE accounts SET status = 'active', claimed_at = now() WHERE person_sid = 'TN'")
        result = _send(conn, sink, tmp_path, "n1", roles=["teachers", "students"])
    assert result.sent == {"student": 3}
    assert all(m["To"].startswith("sn") for m in received(sink, 3))


def test_an_unknown_school_names_the_schools_there_are(tmp_path, sink):
    with store.connect("unit", tmp_path) as conn:
        sync(conn, _district(), tmp_path, "r1")
        with pytest.raises(welcome.UnknownSchool, match="school 'X' is not in the roster of Unit District.*N, S"):
            _send(conn, sink, tmp_path, "n1", school="X")
        with pytest.raises(ValueError, match="roles must be some of teachers, parents, students; got pupils"):
            _send(conn, sink, tmp_path, "n1", roles=["pupils"])
    assert sink.messages == []


def test_an_address_the_mail_server_refuses_is_listed_and_tried_again_next_time(tmp_path):
    with SmtpSink(refuse=("sn001@school.org",)) as refusing, store.connect("unit", tmp_path) as conn:
        sync(conn, _district(), tmp_path, "r1")
        result = _send(conn, refusing, tmp_path, "n1", roles=["students"])
    assert result.sent == {"student": 2} and result.refused == 1  # SN003 has no email; SN001 was refused
    rows = list(csv.DictReader((tmp_path / "reports" / "n1" / "welcome_not_sent.csv").open()))
    assert {(r["source_id"], r["reason"]) for r in rows} == {
        ("SN003", "no email address"),
        ("SN001", "address refused by the mail server"),
    }
    with SmtpSink() as accepting, store.connect("unit", tmp_path) as conn:
        again = _send(conn, accepting, tmp_path, "n2", roles=["students"])
    assert again.sent == {"student": 1}
    assert [m["To"] for m in received(accepting, 1)] == ["sn001@school.org"]
