from rostersync import snapshot, store
from rostersync.formats import get_format

FMT = get_format("remind_csv_v2")


def test_normalize_fills_the_canonical_tables_and_a_rerun_replaces_them(upload):
    with store.scratch() as conn:
        first = snapshot.normalize(conn, FMT, upload, "r1")
        again = snapshot.normalize(conn, FMT, upload, "r1")
        assert first == again
        assert conn.execute("SELECT count(*) FROM snap_people WHERE run_id = 'r1'").fetchone()[0] == (
            sum(1 for _ in (upload / "users.csv").open()) - 1
        )
        roles = {r[0] for r in conn.execute("SELECT DISTINCT role FROM snap_people").fetchall()}
        assert roles == {"teacher", "student", "guardian"}  # Remind's "parent" is a guardian


def test_blank_values_become_null_and_emails_lowercase(tmp_path):
    from roster_helpers import small_district

    up = small_district(students_per_school=1, schools=("N",))
    up.users = [(u[0], u[1], u[2], u[3], "  MiXed@School.ORG ", "", *u[6:]) if u[0] == "SN000" else u for u in up.users]
    with store.scratch() as conn:
        snapshot.normalize(conn, FMT, up.write(tmp_path), "r1")
        assert conn.execute("SELECT email, phone FROM snap_people WHERE person_sid = 'SN000'").fetchone() == (
            "mixed@school.org",
            None,
        )


def test_a_missing_optional_file_gives_no_guardianships(upload):
    (upload / "relationships.csv").unlink()
    with store.scratch() as conn:
        snapshot.normalize(conn, FMT, upload, "r1")
        assert conn.execute("SELECT count(*) FROM snap_guardianships").fetchone()[0] == 0


def test_a_file_normalize_reads_with_another_row_count_than_the_check_stops_the_run(upload):
    """R011: the format check and normalize must see the same file the same way; if they disagree (the
    file changed between them, a reader's bug), nothing of the run goes on."""
    import pytest
    from rostersync.format_check import check_folder

    fmt = get_format("remind_csv_v2")
    counted = check_folder(fmt, upload).rows
    with store.scratch() as conn:
        snapshot.normalize(conn, fmt, upload, "r1", checked_rows=counted)  # the same counts: fine
        wrong = {**counted, "users.csv": counted["users.csv"] + 1}
        with pytest.raises(snapshot.ReadMismatch, match=r"users\.csv: the format check counted \d+ rows"):
            snapshot.normalize(conn, fmt, upload, "r2", checked_rows=wrong)
        assert conn.execute("SELECT count(*) FROM snap_people WHERE run_id = 'r2'").fetchone() == (0,)


def test_a_folder_whose_path_has_quotes_and_sql_is_read_as_a_path(upload, tmp_path):
    """The files' path goes into read_csv as a literal (a view takes no bind parameters): a quote in it
    ends nothing, and both readers, the format check and normalize, read the same rows; each file the
    format's SQL reads once is a view, dropped again with the rest."""
    import shutil

    from rostersync.format_check import check_folder

    odd = tmp_path / "o'brien'); DROP TABLE snap_people; --"
    shutil.copytree(upload, odd)
    report = check_folder(FMT, odd)
    assert report.ok, report.summary()
    assert snapshot.read_once(FMT) == {f"src_{p.stem}" for p in upload.glob("*.csv")}  # Remind 2.0: each once
    with store.scratch() as conn:
        counts = snapshot.normalize(conn, FMT, odd, "r1", checked_rows=report.rows)
        assert counts == snapshot.normalize(conn, FMT, upload, "r2")
        assert counts.students > 0
        assert conn.execute("SELECT count(*) FROM duckdb_views() WHERE view_name LIKE 'src_%'").fetchone() == (0,)
