"""The district's sync controls: mode (full, additive, paused), blackout windows on a fixed clock, addition
thresholds and per-entity thresholds; and the settings each run records."""

from __future__ import annotations

import json
from datetime import date, datetime, time
from zoneinfo import ZoneInfo

import pytest
from roster_helpers import Upload, answer_gate, config, prepare, small_district, sync
from rostersync import apply, gate, holds
from rostersync.config import Blackout, ConfigError, DistrictConfig

PACIFIC = ZoneInfo("America/Los_Angeles")


def without(upload: Upload, gone: set[str]) -> Upload:
    """The upload with these people left out (their enrollments and relationships too)."""
    upload.users = [u for u in upload.users if u[0] not in gone]
    upload.school_enrollments = [e for e in upload.school_enrollments if e[1] not in gone]
    upload.class_enrollments = [e for e in upload.class_enrollments if e[1] not in gone]
    upload.relationships = [r for r in upload.relationships if r[0] not in gone and r[1] not in gone]
    return upload


def with_new_students(upload: Upload, school: str, n: int) -> Upload:
    for i in range(n):
        sid = f"NEW{school}{i:03d}"
        upload.users.append((sid, "student", "New", f"Comer{i}", f"{sid.lower()}@school.org", "", "", "5", ""))
        upload.school_enrollments.append((school, sid))
        upload.class_enrollments.append((f"C{school}", sid, "student", "false"))
    return upload


def account_states(conn) -> dict[str, str]:
    return dict(conn.execute("SELECT person_sid, status FROM accounts").fetchall())


def day_two() -> Upload:
    """Ten of school N's twenty students leave (and their parents), one of S's is renamed, S gains one."""
    gone = {f"SN{n:03d}" for n in range(10)} | {f"PN{n:03d}" for n in range(10)}
    up = with_new_students(without(small_district(), gone), "S", 1)
    up.users = [(*u[:3], "Renamed", *u[4:]) if u[0] == "SS000" else u for u in up.users]
    return up


def test_full_mode_holds_the_mass_removal(conn, tmp_path):
    sync(conn, small_district(), tmp_path, "r1")
    _, found = prepare(conn, day_two(), tmp_path, "r2")
    assert ("N", "data_removals") in {(h.school, h.reason) for h in found}


def test_additive_mode_applies_creates_and_updates_and_lists_removals_without_applying_them(conn, tmp_path):
    sync(conn, small_district(), tmp_path, "r1")
    additive = config(mode="additive")
    summary, found, result = sync(conn, day_two(), tmp_path, "r2", additive)
    assert found == []  # removals never apply, so they hold nothing; the rest is small
    assert summary.changes["accounts"]["remove"] == 20  # listed in the plan and its reports...
    assert result.counts["accounts"] == {"create": 1, "update": 1, "remove": 0}  # ...never applied
    assert result.counts["memberships"]["remove"] == 0
    states = account_states(conn)
    assert states["SN000"] != "deactivated" and states["PN009"] != "deactivated"
    assert states["NEWS000"] == "pending"
    assert conn.execute("SELECT family_name FROM accounts WHERE person_sid = 'SS000'").fetchone() == ("Renamed",)


def test_paused_mode_checks_and_reports_but_applies_nothing_and_asks_nobody(conn, tmp_path):
    sync(conn, small_district(), tmp_path, "r1")
    before = conn.execute("SELECT * FROM accounts ORDER BY ALL").fetchall()
    paused = config(mode="paused")
    summary, found, result = sync(conn, day_two(), tmp_path, "r2", paused)
    assert {(h.school, h.reason) for h in found if h.reason == "paused"} == {("N", "paused"), ("S", "paused")}
    assert not gate.gate_needed(conn, "r2")  # nothing to release: nobody is asked
    assert summary.changes["accounts"]["remove"] == 20  # the report still says what the upload would do
    assert result.counts["accounts"] == {"create": 0, "update": 0, "remove": 0}
    assert conn.execute("SELECT * FROM accounts ORDER BY ALL").fetchall() == before


def test_a_paused_district_on_its_first_sync_offers_nothing_to_release(conn, tmp_path):
    summary, found = prepare(conn, small_district(), tmp_path, "r1", config(mode="paused"))
    assert {h.reason for h in found} == {"initial_sync", "paused"}
    assert holds.held_schools(conn, "r1") == [] and not gate.gate_needed(conn, "r1")
    result = apply.apply_plan(conn, "r1")
    assert result.counts["accounts"]["create"] == 0 and sorted(result.held_schools) == ["N", "S"]


SUMMER = {"start": "2026-06-15", "end": "2026-08-20", "reason": "summer break"}


@pytest.mark.parametrize(
    ("now", "held"),
    [
        (datetime(2026, 7, 1, 23, 30, tzinfo=PACIFIC), True),  # inside
        (datetime(2026, 6, 15, 0, 0, tzinfo=PACIFIC), True),  # its first day, inclusive
        (datetime(2026, 8, 20, 23, 59, tzinfo=PACIFIC), True),  # its last day, inclusive
        (datetime(2026, 8, 21, 0, 0, tzinfo=PACIFIC), False),  # the day after
        (datetime(2026, 6, 14, 23, 59, tzinfo=PACIFIC), False),  # the day before
        # 2026-08-21 03:00 UTC is still 2026-08-20 in the district: its clock decides
        (datetime(2026, 8, 21, 3, 0, tzinfo=ZoneInfo("UTC")), True),
    ],
)
def test_a_blackout_holds_every_changed_school_inside_its_dates_only(conn, tmp_path, now, held):
    sync(conn, small_district(), tmp_path, "r1")
    cfg = config(blackout=[SUMMER])
    prepare(conn, day_two(), tmp_path, "r2", cfg)
    found = holds.detect_holds(conn, cfg, "r2", now=now)
    blackout = {h.school for h in found if h.reason == "blackout"}
    assert blackout == ({"N", "S"} if held else set())
    if held:
        assert all("summer break" in h.detail for h in found if h.reason == "blackout")


def test_a_blackout_the_approver_releases_applies(conn, tmp_path):
    sync(conn, small_district(), tmp_path, "r1")
    cfg = config(blackout=[SUMMER])
    up = small_district()
    up.users = [(*u[:3], "Renamed", *u[4:]) if u[0] == "SS000" else u for u in up.users]  # one small update
    prepare(conn, up, tmp_path, "r2", cfg)
    found = holds.detect_holds(conn, cfg, "r2", now=datetime(2026, 7, 1, 23, 30, tzinfo=PACIFIC))
    assert [(h.school, h.reason) for h in found] == [("S", "blackout")]  # N has no change: nothing to hold
    answer_gate(conn, "r2", "Release S (School S)")
    assert apply.apply_plan(conn, "r2").counts["accounts"]["update"] == 1


def test_weekday_and_time_windows_read_on_the_districts_clock():
    weekend = Blackout(weekdays=["sat", "sun"], reason="weekend")
    nights = Blackout(start_time=time(23, 0), end_time=time(1, 0), reason="late")  # across midnight
    both = Blackout(start=date(2026, 12, 1), end=date(2026, 12, 31), weekdays=["fri"], reason="december fridays")
    assert weekend.covers(datetime(2026, 11, 28, 23, 30))  # a Saturday
    assert not weekend.covers(datetime(2026, 11, 27, 23, 30))  # a Friday
    assert nights.covers(datetime(2026, 11, 27, 23, 30)) and nights.covers(datetime(2026, 11, 28, 0, 59))
    assert not nights.covers(datetime(2026, 11, 28, 1, 0)) and not nights.covers(datetime(2026, 11, 27, 22, 59))
    assert both.covers(datetime(2026, 12, 4, 23, 0)) and not both.covers(datetime(2026, 12, 3, 23, 0))
    assert not both.covers(datetime(2026, 11, 27, 23, 0))  # a Friday, but not in December
    friday_nights = Blackout(weekdays=["fri"], start_time=time(22, 0), end_time=time(6, 0), reason="friday night")
    assert friday_nights.covers(datetime(2026, 11, 27, 23, 0))  # Friday 23:00
    assert friday_nights.covers(datetime(2026, 11, 28, 2, 0))  # Saturday 02:00: the window began on Friday
    assert not friday_nights.covers(datetime(2026, 11, 27, 2, 0))  # Friday 02:00 is Thursday's night
    assert not friday_nights.covers(datetime(2026, 11, 28, 7, 0))
    cfg = config(blackout=[weekend.model_dump(mode="json")], timezone="America/Los_Angeles")
    # Saturday 06:30 UTC is still Friday 22:30 in Los Angeles
    assert cfg.in_blackout(datetime(2026, 11, 28, 6, 30, tzinfo=ZoneInfo("UTC"))) is None
    assert cfg.in_blackout(datetime(2026, 11, 29, 6, 30, tzinfo=ZoneInfo("UTC"))) == weekend


@pytest.mark.parametrize(
    ("window", "says"),
    [
        ({}, "give dates"),
        ({"start": "2026-08-20", "end": "2026-06-15"}, "is after end"),
        ({"start_time": "23:00"}, "go together"),
        ({"weekdays": ["someday"]}, "weekdays"),
        ({"start": "2026-06-15", "end": "2026-08-20", "reason": ""}, "reason"),
        ({"start": "2026-06-15", "until": "2026-08-20"}, "until"),
    ],
)
def test_a_wrong_blackout_is_refused_with_the_field(tmp_path, window, says):
    from conftest import district_yaml
    from rostersync.config import load_district

    path = district_yaml(tmp_path, "alpha", blackout=[window])
    with pytest.raises(ConfigError, match=says):
        load_district(path)


def test_too_many_new_accounts_hold_the_school_but_never_on_its_first_sync(conn, tmp_path):
    cfg = config(holds={"addition_share": 0.25, "addition_min_count": 5})
    _, found, _ = sync(conn, with_new_students(small_district(), "N", 30), tmp_path, "r1", cfg)
    assert "data_additions" not in {h.reason for h in found}  # a first sync waits as a whole anyway
    grown = with_new_students(with_new_students(small_district(), "N", 30), "S", 11)  # S: 11 of 41 = 27%
    _, found = prepare(conn, grown, tmp_path, "r2", cfg)
    assert [(h.school, h.reason) for h in found] == [("S", "data_additions")]
    assert found[0].detail == "11 new accounts (the school has 41; limit 25%)"
    fewer = with_new_students(with_new_students(small_district(), "N", 30), "S", 4)  # under the min count
    _, found = prepare(conn, fewer, tmp_path, "r3", cfg)
    assert found == []


def test_each_entity_may_have_its_own_thresholds(conn, tmp_path):
    sync(conn, small_district(), tmp_path, "r1")
    # Five of N's students leave: 5 of 41 accounts (12%); 10 of 41 memberships of its class (24%: their
    # parents' memberships go with them)
    gone = {f"SN{n:03d}" for n in range(5)}
    district_wide = config(holds={"removal_share": 0.5, "removal_min_count": 1})
    _, found = prepare(conn, without(small_district(), gone), tmp_path, "r2", district_wide)
    assert found == []
    strict_memberships = config(
        holds={"removal_share": 0.5, "removal_min_count": 1, "memberships": {"removal_share": 0.1}}
    )
    _, found = prepare(conn, without(small_district(), gone), tmp_path, "r3", strict_memberships)
    assert [(h.school, h.reason) for h in found] == [("N", "data_removals")]
    assert found[0].detail.startswith("10 of 41 memberships would be removed")
    new_classes = config(holds={"classes": {"addition_share": 0.5, "addition_min_count": 1}})
    more = small_district()
    more.classes.append(("CN2", "N", "Art N", "2026", "2"))
    _, found = prepare(conn, more, tmp_path, "r4", new_classes)
    assert [(h.school, h.reason, h.detail) for h in found] == [
        ("N", "data_additions", "1 new classes (the school has 1; limit 50%)")
    ]
    _, found = prepare(conn, more, tmp_path, "r5", config())  # classes' additions hold only where set
    assert found == []


def test_every_run_records_the_settings_it_ran_under(conn, tmp_path):
    cfg = config(mode="additive", blackout=[SUMMER], holds={"accounts": {"removal_share": 0.2}})
    prepare(conn, small_district(), tmp_path, "r1", cfg)
    [(settings,)] = conn.execute("SELECT settings FROM plan_runs WHERE run_id = 'r1'").fetchall()
    recorded = json.loads(settings)
    assert recorded["mode"] == "additive"
    assert recorded["blackout"][0]["reason"] == "summer break"
    assert recorded["holds"]["accounts"]["removal_share"] == 0.2
    assert DistrictConfig.model_validate({**config().model_dump(mode="json"), **recorded}).mode == "additive"


def test_the_readmes_configuration_example_is_a_valid_district():
    import re
    from pathlib import Path

    import yaml

    readme = (Path(__file__).resolve().parents[1] / "README.md").read_text()
    section = readme[readme.index("## Configuration") :]
    example = re.search(r"```yaml\n(.*?)```", section, re.S)
    assert example is not None
    district = DistrictConfig.model_validate(yaml.safe_load(example.group(1)))
    assert district.mode == "full" and len(district.blackout) == 2
    assert district.in_blackout(datetime(2026, 7, 4, 12, 0, tzinfo=PACIFIC)) == district.blackout[0]
    assert district.in_blackout(datetime(2026, 11, 28, 23, 30, tzinfo=PACIFIC)) == district.blackout[1]  # a Saturday
    assert district.in_blackout(datetime(2026, 11, 25, 23, 30, tzinfo=PACIFIC)) is None
    assert "summer break" in district.controls() and "memberships: removal_share 0.2" in district.controls()
