"""Holds: the rules that stop a school's changes until someone approves them."""

from roster_helpers import prepare, small_district, sync


def test_first_sync_creates_everything_and_holds_every_school(conn, tmp_path):
    summary, found, result = sync(conn, small_district(), tmp_path, "r1")
    assert summary.is_initial
    assert {(h.school, h.reason) for h in found} == {("N", "initial_sync"), ("S", "initial_sync")}
    # 2 teachers + 40 students + 40 parents; 2 classes; owner + 20 students + 20 parents per class
    assert result.counts["accounts"] == {"create": 82, "update": 0, "remove": 0}
    assert result.counts["classes"] == {"create": 2, "update": 0, "remove": 0}
    assert result.counts["memberships"] == {"create": 82, "update": 0, "remove": 0}
    assert conn.execute("SELECT DISTINCT status FROM accounts").fetchall() == [("pending",)]
    # the two schools one by one; accounts, classes and memberships created: one row each, with the count
    logged = conn.execute("SELECT entity, key, after->>'count' FROM change_log WHERE run_id = 'r1' AND key = '*'")
    assert sorted(logged.fetchall()) == [("account", "*", "82"), ("class", "*", "2"), ("membership", "*", "82")]
    assert conn.execute("SELECT count(*) FROM change_log WHERE run_id = 'r1'").fetchone()[0] == 2 + 3


def test_removals_above_the_share_hold_only_that_school(conn, tmp_path):
    sync(conn, small_district(), tmp_path, "r1")
    day2 = small_district()
    gone = {f"SN{n:03d}" for n in range(5)}  # 5 of 20 students of school N leave
    day2.users = [u for u in day2.users if u[0] not in gone]
    day2.school_enrollments = [e for e in day2.school_enrollments if e[1] not in gone]
    day2.class_enrollments = [e for e in day2.class_enrollments if e[1] not in gone]
    day2.relationships = [r for r in day2.relationships if r[0] not in gone]
    # and school S renames its class: an update, no hold
    day2.classes = [(c[0], c[1], c[2] + " II" if c[1] == "S" else c[2], c[3], c[4]) for c in day2.classes]
    summary, found, result = sync(conn, day2, tmp_path, "r2", answer="Reject")
    assert {(h.school, h.reason) for h in found} == {("N", "data_removals")}
    assert "removed" in found[0].detail
    assert result.held_schools == ["N"]
    assert result.counts["classes"]["update"] == 1  # school S applied without waiting
    assert result.counts["accounts"]["remove"] == 0  # school N kept everything
    assert conn.execute("SELECT count(*) FROM accounts WHERE status = 'deactivated'").fetchone()[0] == 0
    states = dict(conn.execute("SELECT school_id, state FROM school_state").fetchall())
    assert states == {"N": "On hold", "S": "Connected"}


def test_six_guardians_put_the_school_on_hold(conn, tmp_path):
    sync(conn, small_district(), tmp_path, "r1")
    day2 = small_district()
    for g in range(6):
        day2.users.append((f"X{g}", "parent", "G", f"Uardian{g}", f"x{g}@home.org", "", "", "", ""))
        day2.relationships.append(("SS000", f"X{g}", "Other", "guardian"))
    _, found = prepare(conn, day2, tmp_path, "r2")
    assert [(h.school, h.reason) for h in found] == [("S", "data_configuration")]


def test_updates_above_the_share_hold_the_school(conn, tmp_path):
    sync(conn, small_district(), tmp_path, "r1")
    day2 = small_district()
    renamed = ("SS", "PS")  # every student and parent of school S: 40 of its 41 accounts
    day2.users = [(*u[:3], u[3] + "-new", *u[4:]) if u[0].startswith(renamed) else u for u in day2.users]
    _, found = prepare(conn, day2, tmp_path, "r2")
    assert [(h.school, h.reason) for h in found] == [("S", "data_updates")]
    assert found[0].detail == "40 of 41 accounts would be updated (97.6%, limit 75%)"
