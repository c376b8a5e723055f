"""Every SFTP format: the same district written in each normalizes to the same canonical snapshot;
real published packages; each format's own rules."""

import shutil
import zipfile

import pytest
from rostersync import snapshot, store, synth
from rostersync.format_check import check_folder
from rostersync.formats import all_formats, get_format

FIXTURES = __import__("pathlib").Path(__file__).parent / "fixtures"
FORMATS = sorted(all_formats())

# Guardians are compared by email: Remind CSV 1.0 has no guardian ids, so theirs are derived.
# Columns a format does not carry (class term and period in 1.0, student numbers in 1.0, the
# relationship wording, the phones of students and teachers in Clever) are left out of the comparison.
CANONICAL = {
    "schools": "SELECT school_sid, name FROM snap_schools",
    "people": """SELECT CASE WHEN role = 'guardian' THEN email ELSE person_sid END, role, given_name, family_name,
                        email, CASE WHEN role = 'guardian' THEN phone END, birth_date, grade FROM snap_people""",
    "school_people": "SELECT school_sid, person_sid FROM snap_school_people",
    "classes": "SELECT class_sid, school_sid, name FROM snap_classes",
    "memberships": "SELECT class_sid, person_sid, role, is_primary FROM snap_memberships",
    "guardianships": """SELECT g.student_sid, p.email, g.contact_type FROM snap_guardianships g
                        JOIN snap_people p ON p.person_sid = g.guardian_sid""",
}


@pytest.fixture(scope="module")
def district():
    return synth.generate(300, seed=3)


def canonical(fmt_name: str, folder) -> dict[str, list]:
    fmt = get_format(fmt_name)
    report = check_folder(fmt, folder)
    assert report.ok, report.summary()
    with store.scratch() as conn:
        snapshot.normalize(conn, fmt, folder, "r1")
        return {name: sorted(conn.execute(query).fetchall()) for name, query in CANONICAL.items()}


def test_the_same_district_in_every_format_gives_the_same_snapshot(district, tmp_path):
    snapshots = {name: canonical(name, synth.WRITERS[name](district, tmp_path / name)) for name in FORMATS}
    reference = snapshots["remind_csv_v2"]
    assert len(reference["people"]) == len(district.people)
    for name, snap in snapshots.items():
        for table in CANONICAL:
            assert snap[table] == reference[table], f"{name}: {table} differs from Remind CSV 2.0"


def test_remind_v1_guardians_shared_by_siblings_are_one_person(district, tmp_path):
    folder = synth.write_remind_csv_v1(district, tmp_path / "v1")
    with store.scratch() as conn:
        snapshot.normalize(conn, get_format("remind_csv_v1"), folder, "r1")
        shared = conn.execute(
            "SELECT guardian_sid FROM snap_guardianships GROUP BY guardian_sid HAVING count(*) > 1"
        ).fetchall()
        assert shared, "the generator makes every tenth student a sibling"
        assert conn.execute("SELECT count(*) FROM snap_people WHERE role = 'guardian'").fetchone()[0] == sum(
            1 for p in district.people.values() if p[1] == "guardian"
        )


def test_grand_bend_as_published_fails_on_users_lines_10_and_11():
    """Its two teacher rows end with a comma: an empty 19th field, which a comma inside a value would also
    make (every later value a column on); refused, with both causes named."""
    report = check_folder(get_format("oneroster_v1_1"), FIXTURES / "oneroster-1.1-grand-bend")
    assert [(e.code, e.file, e.line) for e in report.errors] == [("F005", "users.csv", 10), ("F005", "users.csv", 11)]
    assert "19 fields, the header has 18" in report.errors[0].message
    assert "a trailing comma, or an unquoted comma" in report.errors[0].message


def repaired_grand_bend(tmp_path):
    folder = tmp_path / "grand-bend"
    shutil.copytree(FIXTURES / "oneroster-1.1-grand-bend", folder)
    users = folder / "users.csv"
    lines = users.read_text().split("\n")
    lines[9], lines[10] = lines[9].removesuffix(","), lines[10].removesuffix(",")
    users.write_text("\n".join(lines))
    return folder


def test_grand_bend_repaired_syncs_one_school_eight_students_two_teachers_and_twelve_memberships(tmp_path):
    folder = repaired_grand_bend(tmp_path)
    fmt = get_format("oneroster_v1_1")
    assert check_folder(fmt, folder).ok
    with store.scratch() as conn:
        counts = snapshot.normalize(conn, fmt, folder, "r1")
        roles = dict(conn.execute("SELECT role, count(*) FROM snap_memberships GROUP BY role").fetchall())
    assert (counts.schools, counts.students, counts.teachers, counts.classes) == (1, 8, 2, 2)
    assert counts.memberships == 12 and roles == {"student": 10, "teacher": 2}


def test_a_oneroster_package_may_come_as_one_zip(tmp_path):
    folder = repaired_grand_bend(tmp_path)
    upload = tmp_path / "upload"
    upload.mkdir()
    with zipfile.ZipFile(upload / "oneroster.zip", "w") as archive:
        for f in folder.iterdir():
            archive.write(f, f"export/{f.name}")
    fmt = get_format("oneroster_v1_1")
    assert check_folder(fmt, upload).ok
    with store.scratch() as conn:
        assert snapshot.normalize(conn, fmt, upload, "r1").students == 8


def test_a_zip_past_the_size_cap_is_refused(tmp_path):
    from rostersync.format_check import FormatReport, ZipLimits, unpack_package

    with zipfile.ZipFile(tmp_path / "big.zip", "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("users.csv", "x" * 100_000)
    report = FormatReport("oneroster_v1_1")
    unpack_package(get_format("oneroster_v1_1"), tmp_path, report, ZipLimits(total_bytes=10_000))
    assert [e.code for e in report.errors] == ["F015"]
    assert not (tmp_path / "package").exists()


def manifest_errors(folder, fmt="oneroster_v1_1"):
    return [(e.code, e.line) for e in check_folder(get_format(fmt), folder).errors]


def test_the_manifest_must_agree_with_the_files_and_the_version(tmp_path):
    folder = repaired_grand_bend(tmp_path)
    manifest = folder / "manifest.csv"
    text = manifest.read_text()
    manifest.write_text(text.replace("oneroster.version,1.1", "oneroster.version,1.2"))
    assert manifest_errors(folder) == [("F012", 3)]
    manifest.write_text(text.replace("file.resources,absent", "file.resources,bulk"))
    assert manifest_errors(folder) == [("F011", 13)]
    manifest.write_text(text.replace("file.demographics,bulk", "file.demographics,sometimes"))
    assert manifest_errors(folder) == [("F013", 12)]
    manifest.write_text(text.replace("file.users,bulk", "file.users,delta"))
    assert manifest_errors(folder)[:2] == [("F016", 2), ("F016", 3)]  # delta rows must say active or tobedeleted


def test_only_orgs_of_type_school_become_schools(tmp_path):
    folder = repaired_grand_bend(tmp_path)
    with store.scratch() as conn:
        snapshot.normalize(conn, get_format("oneroster_v1_1"), folder, "r1")
        assert conn.execute("SELECT school_sid, name FROM snap_schools").fetchall() == [
            ("255901001", "Grand Bend High School")
        ]


def test_oneroster_1_2_roles_come_from_roles_csv(district, tmp_path):
    folder = synth.write_oneroster_v1_2(district, tmp_path / "or12")
    roles = folder / "roles.csv"
    lines = roles.read_text().splitlines()
    teacher = next(n for n, line in enumerate(lines) if ",teacher," in line)
    lines.insert(
        teacher + 1, lines[teacher].replace("role-", "role2-").replace(",primary,teacher,", ",secondary,aide,")
    )
    roles.write_text("\n".join(lines) + "\n")
    with store.scratch() as conn:
        snapshot.normalize(conn, get_format("oneroster_v1_2"), folder, "r1")
        sid = lines[teacher].split(",")[3]
        assert conn.execute("SELECT role FROM snap_people WHERE person_sid = ?", [sid]).fetchall() == [("teacher",)]


def test_a_oneroster_delta_after_bulk_removes_exactly_what_it_marks_tobedeleted(tmp_path):
    import csv

    from roster_helpers import answer_gate, config
    from rostersync import apply, holds, plan, quality

    district = synth.generate(200, seed=6)
    bulk = synth.write_oneroster_v1_1(district, tmp_path / "bulk")
    fmt = get_format("oneroster_v1_1")
    cfg = config()
    gone = "S0000010"  # shares its only guardian with S0000009, who stays
    enrollments = list(csv.DictReader((bulk / "enrollments.csv").open()))
    dropped = next(e for e in enrollments if e["role"] == "student" and e["userSourcedId"] == "S0000021")
    delta = tmp_path / "delta"
    delta.mkdir()
    files = ["academicSessions", "orgs", "courses", "classes", "users", "enrollments", "demographics"]
    with (delta / "manifest.csv").open("w", newline="") as handle:
        lines = csv.writer(handle)
        lines.writerows([("propertyName", "value"), ("manifest.version", "1.0"), ("oneroster.version", "1.1")])
        lines.writerows((f"file.{f}", "delta" if f in ("users", "enrollments") else "absent") for f in files)
    users = list(csv.DictReader((bulk / "users.csv").open()))
    with (delta / "users.csv").open("w", newline="") as handle:
        out = csv.DictWriter(handle, fieldnames=list(users[0]))
        out.writeheader()
        out.writerow(
            {
                **next(u for u in users if u["sourcedId"] == gone),
                "status": "tobedeleted",
                "dateLastModified": "2026-11-22T23:00:00.000Z",
            }
        )
    with (delta / "enrollments.csv").open("w", newline="") as handle:
        out = csv.DictWriter(handle, fieldnames=list(dropped))
        out.writeheader()
        out.writerow({**dropped, "status": "tobedeleted", "dateLastModified": "2026-11-22T23:00:00.000Z"})
    assert check_folder(fmt, delta).ok, check_folder(fmt, delta).summary()
    with store.scratch() as conn:
        for run_id, folder in (("bulk", bulk), ("delta", delta)):
            snapshot.normalize(conn, fmt, folder, run_id)
            quality.find_record_issues(conn, run_id)
            plan.compute_plan(conn, cfg, run_id)
            holds.detect_holds(conn, cfg, run_id)
            if run_id == "bulk":
                answer_gate(conn, run_id)
                apply.apply_plan(conn, run_id)
        accounts = conn.execute("SELECT op, person_sid FROM plan_accounts WHERE run_id = 'delta'").fetchall()
        classes = conn.execute("SELECT count(*) FROM plan_classes WHERE run_id = 'delta'").fetchone()[0]
        removed = set(
            conn.execute(
                "SELECT class_sid, person_sid FROM plan_memberships WHERE run_id = 'delta' AND op = 'remove'"
            ).fetchall()
        )
        (other_ops,) = conn.execute(
            "SELECT count(*) FROM plan_memberships WHERE run_id = 'delta' AND op <> 'remove'"
        ).fetchone()
        guardians = {g for s, g, *_ in district.guardianships if s in (gone, "S0000021")}
    assert accounts == [("remove", gone)] and classes == 0 and other_ops == 0
    own = {(c, p) for c, p, role in district.memberships if p == gone}
    assert own <= removed and (dropped["classSourcedId"], "S0000021") in removed
    assert all(p in {gone, "S0000021", *guardians} for _, p in removed), "only the named records and their parents"


def test_a_delta_without_an_applied_bulk_sync_is_refused(tmp_path):
    folder = synth.write_oneroster_v1_1(synth.generate(50, seed=2), tmp_path / "p")
    manifest = folder / "manifest.csv"
    manifest.write_text(manifest.read_text().replace("file.users,bulk", "file.users,delta"))
    users = folder / "users.csv"
    lines = users.read_text().splitlines()
    users.write_text(
        "\n".join([lines[0]] + [line.replace(",,,true,", ",active,2026-11-22,true,", 1) for line in lines[1:]]) + "\n"
    )
    assert check_folder(get_format("oneroster_v1_1"), folder).ok
    with store.scratch() as conn, pytest.raises(snapshot.DeltaWithoutBase, match="send a bulk package first"):
        snapshot.normalize(conn, get_format("oneroster_v1_1"), folder, "r1")


@pytest.mark.parametrize("name", ["remind_csv_v1", "remind_csv_v2", "oneroster_v1_1", "oneroster_v1_2"])
def test_the_readme_lists_each_files_needed_used_and_ignored_columns(name):
    """The README's Formats tables say what the format's data says (regenerate them when it changes)."""
    readme = (store.REPO_ROOT / "README.md").read_text()
    for spec in get_format(name).files:
        cells = [", ".join(cols) or "-" for cols in (spec.needed_columns, spec.used_columns, spec.ignored)]
        row = f"| `{spec.name}`" + ("" if spec.required else " (optional)") + " | " + " | ".join(cells) + " |"
        assert row in readme, row
