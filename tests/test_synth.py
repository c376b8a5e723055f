from rostersync import synth


def test_the_same_seed_gives_the_same_district():
    assert synth.generate(300, seed=3).people == synth.generate(300, seed=3).people


def test_ratios_are_realistic():
    d = synth.generate(3000, seed=1)
    roles = [p[1] for p in d.people.values()]
    assert roles.count("student") == 3000
    assert 150 <= roles.count("teacher") <= 250
    assert 1.2 <= roles.count("guardian") / 3000 <= 1.6
    student_memberships = sum(1 for m in d.memberships if m[2] == "student")
    assert student_memberships == 6 * 3000


def test_next_day_churns_about_the_share_asked(tmp_path):
    day0 = synth.generate(2000, seed=1)
    day1 = synth.next_day(day0, churn=0.02)
    students0 = {p for p, r in day0.people.items() if r[1] == "student"}
    students1 = {p for p, r in day1.people.items() if r[1] == "student"}
    assert len(students0 - students1) == 20 and len(students1 - students0) == 20
    synth.write_remind_csv_v2(day1, tmp_path)
    assert (tmp_path / "users.csv").read_text().count("\n") == len(day1.people) + 1
