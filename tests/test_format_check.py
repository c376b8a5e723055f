import pytest
from rostersync.format_check import CATALOGUE, check_folder
from rostersync.formats import get_format

FMT = get_format("remind_csv_v2")


def errors(folder):
    report = check_folder(FMT, folder)
    return [(e.code, e.file, e.line, e.column) for e in report.errors]


def test_the_demo_upload_has_no_format_errors(upload):
    report = check_folder(FMT, upload)
    assert report.ok, report.summary()
    assert report.rows["users.csv"] > 0


def test_a_missing_required_file_is_named(upload):
    (upload / "classes.csv").unlink()
    assert errors(upload) == [("F001", "classes.csv", None, None)]


def test_the_optional_relationships_file_may_be_absent(upload):
    (upload / "relationships.csv").unlink()
    assert errors(upload) == []


def test_a_file_that_is_not_utf8_names_the_line(upload):
    path = upload / "schools.csv"
    path.write_bytes(b"school_id,school_name\nS1,Caf\xe9 School\n")
    assert errors(upload) == [("F002", "schools.csv", 2, None)]


@pytest.mark.parametrize("header", ["user_id,nickname,role", "nickname,user_id,role", "user_id,role,nickname"])
def test_bytes_that_are_not_utf8_in_a_column_no_rule_reads_name_the_line(upload, header):
    """A column the format does not know (or ignores) is still read: every value must be UTF-8, or the
    file is refused here with its line, not later by normalize or, worse, accepted."""
    names = header.split(",")
    row = {"user_id": b"U2", "role": b"student", "nickname": b"\xff\xfeZed"}
    good = {**row, "user_id": b"U1", "nickname": b"ok"}
    tail = b",first_name,last_name,email\n"
    (upload / "users.csv").write_bytes(
        header.encode()
        + tail
        + b",".join(good[n] for n in names)
        + b",A,B,a@b.org\n"
        + b",".join(row[n] for n in names)
        + b",C,D,c@d.org\n"
    )
    assert errors(upload) == [("F002", "users.csv", 3, None)]


@pytest.mark.parametrize("name", ["users.csv", "class_enrollments.csv"])
def test_bytes_that_are_not_utf8_in_any_column_leave_the_later_files_checked(upload, name):
    """The counts are taken in the statement that parses the file: a value that is not UTF-8, in any
    column (an id, a checked value, a free one), fails that statement alone; the file is named with its
    line and every file after it is still read on the same connection."""
    lines = (upload / name).read_bytes().splitlines()
    for column in range(len(lines[0].split(b","))):
        broken = list(lines)
        cells = broken[-3].split(b",")
        cells[column] += b"\xc3\x28"
        broken[-3] = b",".join(cells)
        (upload / name).write_bytes(b"\n".join(broken) + b"\n")
        report = check_folder(FMT, upload)
        assert [(e.code, e.file, e.line) for e in report.errors] == [("F002", name, len(lines) - 2)], column
        assert set(report.rows) == {spec.name for spec in FMT.files} - {name}  # every other file counted


def test_a_binary_file_and_an_empty_file(upload):
    (upload / "schools.csv").write_bytes(b"PK\x03\x04\x00\x00binary")
    (upload / "classes.csv").write_bytes(b"")
    assert ("F002", "schools.csv", 1, None) in errors(upload)
    assert ("F003", "classes.csv", None, None) in errors(upload)


def test_a_byte_order_mark_is_tolerated(upload):
    path = upload / "schools.csv"
    path.write_bytes(b"\xef\xbb\xbf" + path.read_bytes())
    assert errors(upload) == []


def test_a_misspelled_header_is_found_with_a_guess(upload):
    path = upload / "users.csv"
    text = path.read_text()
    path.write_text(text.replace("first_name", "firstname", 1))
    report = check_folder(FMT, upload)
    [error] = report.errors
    assert (error.code, error.file, error.line, error.column) == ("F004", "users.csv", 1, "first_name")
    assert error.value == "firstname" and "misspelled" in error.message  # the cell itself only in reports


def test_a_row_with_an_extra_field_names_its_line(upload):
    path = upload / "classes.csv"
    lines = path.read_text().splitlines()
    lines[3] += ",extra"
    path.write_text("\n".join(lines) + "\n")
    assert errors(upload) == [("F005", "classes.csv", 4, None)]


def test_broken_quoting_names_the_line(upload):
    path = upload / "schools.csv"
    path.write_text('school_id,school_name\nS1,"Unclosed School\n')
    [(code, file, line, _)] = errors(upload)
    assert (code, file) == ("F006", "schools.csv") and line >= 2


def test_missing_and_duplicate_ids_and_enum_values(upload):
    path = upload / "users.csv"
    lines = path.read_text().splitlines()
    header = lines[0]
    lines = [header, ",teacher,A,B,a@b.org,,,,", lines[1], lines[1], "U9,principal,C,D,c@d.org,,,,"]
    path.write_text("\n".join(lines) + "\n")
    found = errors(upload)
    assert ("F007", "users.csv", 2, "user_id") in found
    assert ("F008", "users.csv", 4, "user_id") in found
    assert ("F009", "users.csv", 5, "role") in found


def test_a_school_name_over_sixty_characters(upload):
    (upload / "schools.csv").write_text("school_id,school_name\nS1," + "x" * 61 + "\n")
    assert errors(upload) == [("F010", "schools.csv", 2, "school_name")]


@pytest.mark.parametrize("code", sorted(CATALOGUE))
def test_every_catalogue_entry_has_a_problem_and_a_fix(code):
    assert CATALOGUE[code].problem and CATALOGUE[code].fix


@pytest.mark.parametrize("newline", [b"\r", b"\r\n"])
def test_cr_and_crlf_files_are_read_as_the_same_rows_as_lf(upload, tmp_path, newline):
    from rostersync import snapshot, store

    counts = {}
    for name, folder in (("lf", upload), ("other", tmp_path / "other")):
        if name == "other":
            folder.mkdir()
            for f in upload.iterdir():
                (folder / f.name).write_bytes(f.read_bytes().replace(b"\n", newline))
        report = check_folder(FMT, folder)
        assert report.ok, report.summary()
        with store.scratch() as conn:
            counts[name] = (report.rows, snapshot.normalize(conn, FMT, folder, "r1", report.rows).as_dict())
    assert counts["lf"] == counts["other"] and counts["lf"][1]["students"] > 0


def test_one_line_with_another_line_ending_is_refused_not_misread(upload):
    path = upload / "users.csv"
    data = path.read_bytes().replace(b"\n", b"\r\n")
    path.write_bytes(data.replace(b"\r\n", b"\n", 5))
    assert [(e.code, e.file) for e in check_folder(FMT, upload).errors] == [("F017", "users.csv")]


def test_a_field_past_the_csv_readers_limit_is_a_length_error_not_a_quoting_one(upload):
    path = upload / "classes.csv"
    lines = path.read_text().splitlines()
    fields = lines[3].split(",")
    fields[2] = "x" * 300_000
    lines[3] = ",".join(fields)
    path.write_text("\n".join(lines) + "\n")
    assert errors(upload) == [("F010", "classes.csv", 4, "class_name")]
    assert "at most 255" in check_folder(FMT, upload).errors[0].message


def test_every_text_column_has_a_length_limit(upload):
    path = upload / "users.csv"
    lines = path.read_text().splitlines()
    fields = lines[2].split(",")
    fields[2] = "A" * 256  # first_name: no limit of its own, the format's default
    lines[2] = ",".join(fields)
    path.write_text("\n".join(lines) + "\n")
    assert errors(upload) == [("F010", "users.csv", 3, "first_name")]


def test_a_column_named_twice_is_an_error(upload):
    path = upload / "schools.csv"
    lines = path.read_text().splitlines()
    path.write_text("\n".join([lines[0] + ",school_name", *[line + ",x" for line in lines[1:]]]) + "\n")
    assert errors(upload) == [("F019", "schools.csv", 1, "school_name")]


def test_a_nul_byte_anywhere_is_an_error_with_its_line(upload):
    path = upload / "class_enrollments.csv"
    data = path.read_bytes()
    assert len(data) > 70_000
    cut = data.index(b"\n", 70_000) + 1
    line = data[:cut].count(b"\n") + 1
    path.write_bytes(data[:cut] + b"\x00" + data[cut:])
    assert errors(upload) == [("F002", "class_enrollments.csv", line, None)]
