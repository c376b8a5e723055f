"""A corpus of hostile uploads across the five formats: each is refused with its format error code, or goes
through with its text escaped wherever a person reads it (gate body, report pages, emails); either way the
roster is unchanged until an approver answers (a first sync is held as a whole)."""

from __future__ import annotations

import io
import json
import shutil
import zipfile
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import pytest
from roster_helpers import config as district_config
from rostersync import apply, gate, holds, notify, plan, quality, reports, snapshot, store, synth
from rostersync.format_check import ZipLimits, check_folder, unpack_package
from rostersync.formats import get_format

CSV = ["remind_csv_v1", "remind_csv_v2", "oneroster_v1_1", "oneroster_v1_2"]
ALL = [*CSV, "clever"]
LINK = "[click me](http://evil.example/x)"
HTML = "<script>alert(1)</script>"
JINJA = "{{ 7 * 7 }}{% for x in range(3) %}x{% endfor %}"


def base() -> synth.District:
    return synth.generate(30, seed=21)


def rename_school(d: synth.District, new: str) -> synth.District:
    old = d.schools[0][0]
    d.schools[0] = (new, d.schools[0][1])
    d.people = {k: (*v[:9], new if v[9] == old else v[9]) for k, v in d.people.items()}
    d.classes = {k: ((new if v[0] == old else v[0]), *v[1:]) for k, v in d.classes.items()}
    return d


def rename_first(role: str, given: str | None = None, family: str | None = None):
    def change(d: synth.District) -> synth.District:
        sid = next(k for k, v in sorted(d.people.items()) if v[1] == role)
        v = d.people[sid]
        d.people[sid] = (v[0], v[1], given or v[2], family or v[3], *v[4:])
        return d

    return change


def rename_class(name: str):
    def change(d: synth.District) -> synth.District:
        sid = sorted(d.classes)[0]
        d.classes[sid] = (d.classes[sid][0], name, *d.classes[sid][2:])
        return d

    return change


def rename_school_name(name: str):
    def change(d: synth.District) -> synth.District:
        d.schools[0] = (d.schools[0][0], name)
        return d

    return change


def largest_csv(folder: Path) -> Path:
    return max((p for p in folder.glob("*.csv") if p.name != "manifest.csv"), key=lambda p: p.stat().st_size)


def bytes_edit(change: Callable[[bytes], bytes]):
    def edit(folder: Path) -> None:
        path = largest_csv(folder)
        path.write_bytes(change(path.read_bytes()))

    return edit


def line_edit(n: int, change: Callable[[bytes], bytes]):
    def edit(data: bytes) -> bytes:
        lines = data.split(b"\n")
        lines[n] = change(lines[n])
        return b"\n".join(lines)

    return bytes_edit(edit)


def zipped(members: Callable[[Path, zipfile.ZipFile], object], compression=zipfile.ZIP_DEFLATED):
    """The upload replaced by one zip whose members `members(folder, archive)` writes."""

    def edit(folder: Path) -> None:
        files = {p.name: p.read_bytes() for p in folder.glob("*.csv")}
        for p in folder.glob("*.csv"):
            p.unlink()
        (folder / "_files.json").write_text(json.dumps({k: v.decode() for k, v in files.items()}))
        with zipfile.ZipFile(folder / "upload.zip", "w", compression) as archive:
            members(folder, archive)
        (folder / "_files.json").unlink()

    return edit


def all_members(folder: Path, archive: zipfile.ZipFile) -> dict[str, str]:
    files = json.loads((folder / "_files.json").read_text())
    for name, text in files.items():
        archive.writestr(name, text)
    return files


def with_member(name: str):
    """Every file of the upload, and one more member named `name`."""

    def members(folder: Path, archive: zipfile.ZipFile) -> None:
        all_members(folder, archive)
        archive.writestr(name, "x")

    return members


def every_member_twice(folder: Path, archive: zipfile.ZipFile) -> None:
    for name, text in json.loads((folder / "_files.json").read_text()).items():
        archive.writestr(f"a/{name}", text)
        archive.writestr(f"b/{name}", text)


def encrypted_zip(folder: Path) -> None:
    zipped(all_members)(folder)
    encrypted_flag(folder)


def not_a_zip(folder: Path) -> None:
    for path in folder.glob("*.csv"):
        path.unlink()
    (folder / "upload.zip").write_bytes(b"PK\x05\x06" + b"\x00" * 10)


def encrypted_flag(folder: Path) -> None:
    """Mark the zip's members encrypted (what a password-protected export looks like to a reader)."""
    path = folder / "upload.zip"
    data = bytearray(path.read_bytes())
    for signature, offset in ((b"PK\x03\x04", 6), (b"PK\x01\x02", 8)):
        start = 0
        while (start := data.find(signature, start)) >= 0:
            data[start + offset] |= 0x1
            start += 4
    path.write_bytes(bytes(data))


@dataclass(frozen=True)
class Case:
    name: str
    formats: tuple[str, ...]
    district: Callable[[synth.District], synth.District] | None = None
    edit: Callable[[Path], object] | None = None
    code: str | None = None
    """The format error expected; None: the upload goes through and `shows` is checked."""
    shows: Callable[[dict], None] | None = None


def rendered(markdown: str) -> str:
    """The gate body as a CommonMark renderer shows it (raw HTML off, as in Airflow's UI)."""
    from markdown_it import MarkdownIt

    return MarkdownIt("commonmark", {"html": False}).render(markdown)


def shows_literally(text: str, on_pages: bool = True):
    """The text reaches the gate body only as text (no link, no markup once rendered), and the report
    pages only HTML-escaped."""

    def check(out: dict) -> None:
        import html

        body = rendered(out["body"])
        assert "evil.example" not in "".join(a for a in body.split("<a ")[1:] if a.startswith('href="http://evil'))
        assert 'href="http://evil' not in body and "<script" not in body
        assert "<script" not in out["pages"]
        if text in out["held"]:  # the body names the held schools (a school with nothing to sync is not held)
            assert html.escape(text, quote=False) in body, "the id shows as the text it is"
        if on_pages:
            assert html.escape(text, quote=False) in out["pages"], "the report pages show it, escaped"

    return check


def stays_inside(out: dict) -> None:
    folder: Path = out["reports"]
    pages = sorted(p.relative_to(folder).as_posix() for p in folder.rglob("summary.html"))
    assert all(p == "summary.html" or (p.startswith("schools/") and p.count("/") == 2) for p in pages), pages
    assert not (folder.parent / "summary.html").exists() and not (folder.parent.parent / "x").exists()


def stored_verbatim(value: str):
    def check(out: dict) -> None:
        assert value in out["stored"], "the value is data, kept as it came"

    return check


CASES = [
    Case(
        "header cell that closes an identifier and runs SQL",
        tuple(CSV),
        edit=line_edit(0, lambda b: b + b',"x""; DROP TABLE accounts; --"'),
        code="F022",
    ),
    Case("header cell with a semicolon", tuple(CSV), edit=line_edit(0, lambda b: b + b",a;b"), code="F022"),
    Case(
        "column named twice",
        tuple(CSV),
        edit=bytes_edit(
            lambda b: b.replace(b"\n", b",DUP\n", 1).replace(
                b",DUP\n", b"," + b.split(b"\n")[0].split(b",")[0] + b"\n", 1
            )
        ),
        code="F019",
    ),
    Case(
        "NUL byte past the first 64 KB",
        ("remind_csv_v2",),
        district=lambda d: synth.generate(900, seed=2),
        edit=bytes_edit(lambda b: b[:70_000] + b"\x00" + b[70_000:]),
        code="F002",
    ),
    Case("NUL byte on line 3", tuple(CSV), edit=line_edit(2, lambda b: b[:3] + b"\x00" + b[3:]), code="F002"),
    Case(
        "UTF-16 export",
        ("remind_csv_v2", "oneroster_v1_1"),
        edit=bytes_edit(lambda b: b.decode().encode("utf-16")),
        code="F002",
    ),
    Case(
        "spreadsheet (xlsx) saved as .csv",
        ("remind_csv_v1",),
        edit=bytes_edit(lambda b: b"PK\x03\x04\x14\x00\x06\x00" + b"\x00" * 40),
        code="F002",
    ),
    Case(
        "escape and bell in a value",
        tuple(CSV),
        edit=line_edit(2, lambda b: b.replace(b",", b",\x1b[31m\x07", 1)),
        code="F018",
    ),
    Case("byte-order mark in the middle", tuple(CSV), edit=line_edit(3, lambda b: b"\xef\xbb\xbf" + b), code="F018"),
    Case("mixed CRLF and LF", tuple(CSV), edit=bytes_edit(lambda b: b.replace(b"\n", b"\r\n", 3)), code="F017"),
    Case(
        "a 1 MB first name",
        ("remind_csv_v2", "oneroster_v1_2"),
        district=rename_first("teacher", given="A" * 1_000_000),
        code="F010",
    ),
    Case(
        "unclosed quote swallowing the file",
        tuple(CSV),
        edit=line_edit(2, lambda b: b.replace(b",", b',"', 1)),
        code="F006",
    ),
    Case(
        "zip member outside the package",
        ("oneroster_v1_1",),
        edit=zipped(with_member("../../evil.csv")),
        code="F014",
    ),
    Case(
        "zip member with an absolute path",
        ("oneroster_v1_2",),
        edit=zipped(with_member("/etc/cron.d/x.csv")),
        code="F014",
    ),
    Case(
        "the same file twice in a zip",
        ("oneroster_v1_1", "remind_csv_v2"),
        edit=zipped(every_member_twice),
        code="F020",
    ),
    Case("LZMA-compressed zip", ("oneroster_v1_1",), edit=zipped(all_members, zipfile.ZIP_LZMA), code="F021"),
    Case(
        "password-protected zip",
        ("oneroster_v1_2",),
        edit=encrypted_zip,
        code="F021",
    ),
    Case(
        "a .zip that is not a zip",
        ("oneroster_v1_1",),
        edit=not_a_zip,
        code="F002",
    ),
    Case(
        "SQL in a name",
        tuple(ALL),
        district=rename_first("teacher", family="O'Brien'); DROP TABLE accounts; --"),
        shows=stored_verbatim("O'Brien'); DROP TABLE accounts; --"),
    ),
    Case(
        "Markdown link as a school id",
        tuple(ALL),
        district=lambda d: rename_school(d, LINK),
        shows=shows_literally(LINK),
    ),
    Case("HTML in a class name", tuple(ALL), district=rename_class(HTML), shows=shows_literally(HTML, on_pages=False)),
    Case(
        "HTML in a school name",
        ("remind_csv_v1", "remind_csv_v2", "oneroster_v1_1"),
        district=rename_school_name(HTML),
        shows=shows_literally(HTML),
    ),
    Case("Jinja in names", tuple(ALL), district=rename_first("teacher", given=JINJA), shows=stored_verbatim(JINJA)),
    Case(
        "a school id that climbs out of the reports",
        tuple(ALL),
        district=lambda d: rename_school(d, "../../x"),
        shows=stays_inside,
    ),
    Case(
        "a school id with a slash",
        ("remind_csv_v2", "clever"),
        district=lambda d: rename_school(d, "A/B"),
        shows=stays_inside,
    ),
]


def write(fmt: str, district: synth.District, folder: Path) -> Path:
    return synth.WRITERS[fmt](district, folder)


def run(fmt: str, folder: Path, root: Path) -> dict:
    """Every gate up to the apply, for a new district; then the apply without an answer."""
    f = get_format(fmt)
    report = check_folder(f, folder, work=root / "work")
    if not report.ok:
        return {"codes": sorted({e.code for e in report.errors}), "errors": report.errors}
    cfg = district_config(
        district_id="hostile",
        source={"kind": "clever", "conn_id": "c"} if fmt == "clever" else {"format": fmt, "conn_id": "c"},
    )
    with store.connect("hostile", root) as conn:
        snapshot.normalize(conn, f, Path(report.folder), "r1", checked_rows=report.rows)
        quality.find_record_issues(conn, "r1")
        plan.compute_plan(conn, cfg, "r1")
        holds.detect_holds(conn, cfg, "r1")
        folder_out = store.reports_dir("hostile", "r1", root)
        reports.write_destructive_changes(conn, "r1", folder_out)
        reports.write_record_issues(conn, "r1", folder_out)
        reports.write_summaries(
            conn,
            "r1",
            folder_out,
            district="H",
            district_id="hostile",
            status="planned",
            counts={},
            counts_title="Changes planned",
            approved_by=None,
        )
        links = {
            "schools": reports.school_pages(conn, "r1", folder_out),
            "summary": reports.link(folder_out / "summary.html"),
        }
        subject, body = gate.render_gate(conn, cfg, "r1", links)
        gate.open_gate(conn, "r1")
        ids = [r[0] for r in conn.execute("SELECT school_sid FROM snap_schools").fetchall()]
        held = [h.school for h in holds.plan_holds(conn, "r1")]
        stored = json.dumps(
            conn.execute(
                "SELECT * FROM snap_people UNION ALL "
                "SELECT NULL, class_sid, school_sid, name, NULL, NULL, NULL, NULL, NULL, NULL FROM snap_classes"
            ).fetchall()
        )
        [(changes,)] = conn.execute("SELECT count(*) FROM plan_changes WHERE run_id = 'r1'").fetchall()
        if changes:  # a first sync: nothing applies without the gate's answer
            with pytest.raises(apply.ApprovalMissing):
                apply.apply_plan(conn, "r1")
        else:  # every record refused: nothing to hold, nothing applied
            applied = apply.apply_plan(conn, "r1").counts
            assert all(n == 0 for counts in applied.values() for n in counts.values()), applied
        [(accounts,)] = conn.execute("SELECT count(*) FROM accounts").fetchall()
    pages = "".join(p.read_text() for p in folder_out.rglob("*.html"))
    return {
        "codes": [],
        "body": body,
        "subject": subject,
        "pages": pages,
        "ids": ids,
        "held": held,
        "stored": stored,
        "accounts": accounts,
        "reports": folder_out,
    }


PARAMS = [pytest.param(case, fmt, id=f"{fmt}: {case.name}") for case in CASES for fmt in case.formats]


def test_the_corpus_has_thirty_cases_or_more():
    assert len(PARAMS) >= 30 and len(CASES) >= 20


@pytest.mark.parametrize(("case", "fmt"), PARAMS)
def test_a_hostile_upload_is_refused_or_escaped_and_changes_no_roster(case, fmt, tmp_path):
    district = (case.district or (lambda d: d))(base())
    folder = write(fmt, district, tmp_path / "upload")
    if case.edit:
        case.edit(folder)
    out = run(fmt, folder, tmp_path / "data")
    if case.code:
        assert case.code in out["codes"], [str(e) for e in out["errors"][:5]]
        assert not store.roster_path("hostile", tmp_path / "data").exists(), "refused before any store was opened"
        assert not (tmp_path / "evil.csv").exists() and not Path("/etc/cron.d/x.csv").exists()
        return
    assert out["codes"] == [] and out["accounts"] == 0
    assert case.shows is not None
    case.shows(out)


def test_emails_show_markup_and_template_syntax_in_names_as_text():
    email = notify.render(
        "welcome_teacher", ["t@example.org"], district=HTML, school=LINK, given_name=JINJA, classes=[HTML], app_url=None
    )
    assert JINJA in email.text and "49" not in email.text  # data is never a template
    assert "<script" not in email.html and "&lt;script&gt;" in email.html
    assert "\n" not in email.subject


def test_a_zip_bomb_is_refused_before_it_is_written(tmp_path):
    with zipfile.ZipFile(tmp_path / "bomb.zip", "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("users.csv", b"0" * (60 * 2**20))  # 60 MiB of zeros: about 60 KiB compressed
    from rostersync.format_check import FormatReport

    report = FormatReport("oneroster_v1_1")
    unpack_package(get_format("oneroster_v1_1"), tmp_path, report, ZipLimits())
    assert [e.code for e in report.errors] == ["F015"] and "unpack" in report.errors[0].message
    assert not (tmp_path / "package").exists() and not (tmp_path / "package.partial").exists()


def test_a_large_real_package_unpacks_whatever_the_order_of_its_members(tmp_path):
    """A big users.csv (text compresses about 5x) before small files: each member's ratio is its own."""
    from rostersync.format_check import FormatReport

    users = "".join(f"U{n},{n * 7919 % 1000003},{n * 2654435761 % 2**32:x}\n" for n in range(800_000)).encode()
    assert len(users) > 15 * 2**20  # past the 10 MiB the ratio check starts at
    with zipfile.ZipFile(tmp_path / "big.zip", "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("users.csv", users)
        archive.writestr("orgs.csv", b"sourcedId,status\n" + b"1,active\n" * 3)  # small and very compressible
        archive.writestr("manifest.csv", b"propertyName,value\n" * 40)
    report = FormatReport("oneroster_v1_1")
    unpacked = unpack_package(get_format("oneroster_v1_1"), tmp_path, report, ZipLimits())
    assert report.errors == [] and (unpacked / "users.csv").stat().st_size == len(users)


def test_many_small_members_that_unpack_to_far_more_than_the_zip_are_refused(tmp_path):
    from rostersync.format_check import FormatReport

    with zipfile.ZipFile(tmp_path / "many.zip", "w", zipfile.ZIP_DEFLATED) as archive:
        for name in ("users", "orgs", "classes", "courses", "enrollments", "academicSessions", "demographics"):
            archive.writestr(f"{name}.csv", b"0" * (9 * 2**20))  # each under the 10 MiB floor, 63 MiB together
    report = FormatReport("oneroster_v1_1")
    unpack_package(get_format("oneroster_v1_1"), tmp_path, report, ZipLimits())
    assert [e.code for e in report.errors] == ["F015"]


def test_a_zip_with_too_many_members_is_refused(tmp_path):
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        for n in range(50):
            archive.writestr(f"f{n}.txt", "x")
    (tmp_path / "many.zip").write_bytes(buffer.getvalue())
    from rostersync.format_check import FormatReport

    report = FormatReport("oneroster_v1_1")
    unpack_package(get_format("oneroster_v1_1"), tmp_path, report, ZipLimits(max_members=20))
    assert [e.code for e in report.errors] == ["F015"]


def test_check_never_writes_inside_the_folder_it_checks(tmp_path):
    folder = write("oneroster_v1_1", base(), tmp_path / "upload")
    zipped(all_members)(folder)
    before = sorted(p.name for p in folder.iterdir())
    report = check_folder(get_format("oneroster_v1_1"), folder, work=tmp_path / "work")
    assert report.ok and sorted(p.name for p in folder.iterdir()) == before
    shutil.rmtree(tmp_path / "work")
