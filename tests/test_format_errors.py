"""One fixture per format and per error class, made from a valid generated upload: each error class
gives its catalogue code and names the file and line."""

import json
import shutil

import pytest
from rostersync import synth
from rostersync.format_check import check_folder
from rostersync.formats import get_format

CSV_FORMATS = ["remind_csv_v1", "remind_csv_v2", "oneroster_v1_1", "oneroster_v1_2"]


@pytest.fixture(scope="module")
def uploads(tmp_path_factory):
    district = synth.generate(60, seed=9)
    root = tmp_path_factory.mktemp("valid")
    return {name: synth.WRITERS[name](district, root / name) for name in [*CSV_FORMATS, "clever"]}


def copy(uploads, fmt, tmp_path):
    folder = tmp_path / fmt
    shutil.copytree(uploads[fmt], folder)
    return folder


def target(fmt, folder):
    """The file whose rows the mutations change: the first required file with ids and at least 4 rows."""
    return next(
        s
        for s in get_format(fmt).files
        if s.required and s.id_columns and s.name != "manifest.csv" and len(rows(folder / s.name)) > 4
    )


def rows(path):
    return path.read_text(encoding="utf-8").splitlines()


def write(path, lines):
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")


def errors(fmt, folder):
    return [(e.code, e.file, e.line) for e in check_folder(get_format(fmt), folder).errors]


@pytest.mark.parametrize("fmt", CSV_FORMATS + ["clever"])
def test_the_valid_upload_passes(uploads, fmt):
    assert errors(fmt, uploads[fmt]) == []


@pytest.mark.parametrize("fmt", CSV_FORMATS)
def test_f001_missing_required_file(uploads, fmt, tmp_path):
    folder = copy(uploads, fmt, tmp_path)
    spec = target(fmt, folder)
    (folder / spec.name).unlink()
    assert ("F001", spec.name, None) in errors(fmt, folder)


@pytest.mark.parametrize("fmt", CSV_FORMATS)
def test_f002_not_utf8_names_the_line(uploads, fmt, tmp_path):
    folder = copy(uploads, fmt, tmp_path)
    path = folder / target(fmt, folder).name
    lines = path.read_bytes().split(b"\n")
    lines[2] = lines[2] + b"\xff"
    path.write_bytes(b"\n".join(lines))
    assert errors(fmt, folder) == [("F002", path.name, 3)]


@pytest.mark.parametrize("fmt", CSV_FORMATS)
def test_f003_empty_file(uploads, fmt, tmp_path):
    folder = copy(uploads, fmt, tmp_path)
    path = folder / target(fmt, folder).name
    path.write_bytes(b"")
    assert ("F003", path.name, None) in errors(fmt, folder)


@pytest.mark.parametrize("fmt", CSV_FORMATS)
def test_f004_misspelled_header(uploads, fmt, tmp_path):
    folder = copy(uploads, fmt, tmp_path)
    spec = target(fmt, folder)
    path = folder / spec.name
    lines = rows(path)
    column = spec.id_columns[0]
    lines[0] = lines[0].replace(column, column + "x", 1)
    write(path, lines)
    assert errors(fmt, folder) == [("F004", path.name, 1)]


@pytest.mark.parametrize("fmt", CSV_FORMATS)
def test_f005_extra_field_on_a_line(uploads, fmt, tmp_path):
    folder = copy(uploads, fmt, tmp_path)
    path = folder / target(fmt, folder).name
    lines = rows(path)
    lines[3] += ",extra"
    write(path, lines)
    assert errors(fmt, folder) == [("F005", path.name, 4)]


@pytest.mark.parametrize("fmt", CSV_FORMATS)
def test_a_trailing_comma_is_refused_since_it_looks_like_a_shifted_row(uploads, fmt, tmp_path):
    """`a,b,` and a comma inside a value before an empty last value look alike: neither is read."""
    folder = copy(uploads, fmt, tmp_path)
    path = folder / target(fmt, folder).name
    lines = rows(path)
    lines[3] += ","
    write(path, lines)
    [error] = check_folder(get_format(fmt), folder).errors
    assert (error.code, error.line) == ("F005", 4) and "a trailing comma, or an unquoted comma" in error.message


@pytest.mark.parametrize("fmt", CSV_FORMATS)
def test_f006_broken_quoting(uploads, fmt, tmp_path):
    folder = copy(uploads, fmt, tmp_path)
    path = folder / target(fmt, folder).name
    lines = rows(path)
    lines[2] = lines[2].replace(",", ',"', 1)
    write(path, lines)
    [(code, file, line)] = errors(fmt, folder)
    assert (code, file) == ("F006", path.name) and line >= 3


@pytest.mark.parametrize("fmt", CSV_FORMATS)
def test_f007_missing_id(uploads, fmt, tmp_path):
    folder = copy(uploads, fmt, tmp_path)
    spec = target(fmt, folder)
    path = folder / spec.name
    lines = rows(path)
    header = lines[0].split(",")
    fields = lines[2].split(",")
    fields[header.index(spec.id_columns[0])] = ""
    lines[2] = ",".join(fields)
    write(path, lines)
    assert ("F007", path.name, 3) in errors(fmt, folder)


@pytest.mark.parametrize("fmt", CSV_FORMATS)
def test_f008_duplicate_id(uploads, fmt, tmp_path):
    folder = copy(uploads, fmt, tmp_path)
    path = folder / target(fmt, folder).name
    lines = rows(path)
    lines.append(lines[1])
    write(path, lines)
    assert errors(fmt, folder) == [("F008", path.name, len(lines))]


@pytest.mark.parametrize("fmt", ["remind_csv_v2", "oneroster_v1_1", "oneroster_v1_2"])
def test_f009_value_outside_the_allowed_set(uploads, fmt, tmp_path):
    folder = copy(uploads, fmt, tmp_path)
    spec = next(s for s in get_format(fmt).files if s.required and any(c != "status" for c in s.enums))
    column = next(c for c in spec.enums if c != "status")
    path = folder / spec.name
    lines = rows(path)
    header = lines[0].split(",")
    fields = lines[2].split(",")
    fields[header.index(column)] = "wizard"
    lines[2] = ",".join(fields)
    write(path, lines)
    assert errors(fmt, folder) == [("F009", spec.name, 3)]


def test_f010_value_too_long(uploads, tmp_path):
    folder = copy(uploads, "remind_csv_v2", tmp_path)
    path = folder / "classes.csv"
    lines = rows(path)
    fields = lines[1].split(",")
    fields[2] = "x" * 256
    lines[1] = ",".join(fields)
    write(path, lines)
    assert errors("remind_csv_v2", folder) == [("F010", "classes.csv", 2)]


def test_clever_pages_missing_unreadable_or_without_ids(uploads, tmp_path):
    folder = copy(uploads, "clever", tmp_path)
    (folder / "sections.json").unlink()
    assert errors("clever", folder) == [("F001", "sections", None)]
    shutil.copy(uploads["clever"] / "sections.json", folder)
    (folder / "users.json").write_text("{not json")
    assert errors("clever", folder) == [("F002", "users.json", None)]
    page = json.loads((uploads["clever"] / "users.json").read_text())
    del page["data"][0]["data"]["id"]
    (folder / "users.json").write_text(json.dumps(page))
    assert errors("clever", folder) == [("F007", "users.json", None)]
