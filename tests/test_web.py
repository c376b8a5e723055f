"""The Rosters pages (rostersync.web) as Airflow's API server mounts them, through FastAPI's TestClient:
who may see and do what (Airflow's auth manager decides), what each page shows, the downloads, and the
welcome-email form that triggers notify_accounts."""

from __future__ import annotations

import csv
import io
import re
from pathlib import Path
from urllib.parse import quote, unquote

import pytest
from conftest import DEMO_FILES, district_yaml
from rostersync import pipeline, reports, store
from rostersync.config import load_district

RUN = "manual__2026-11-20T07:00:00+00:00"
RUN_KEY = "manual__2026-11-20T07%3A00%3A00%2B00%3A00"  # as the pages link it
USERS = "admin:admin,viewer:viewer,operator:user,outsider:admin"


@pytest.fixture(scope="module")
def site(tmp_path_factory):
    """Four districts (riverside synced from the demo files; eastbrook synced twice, the second run then
    rolled back; northfield never synced; lakeside on Clever) and Airflow's API server app with the
    plugin mounted, its DAGs in Airflow's DB; yields (client, tokens, data root)."""
    from rostersync import store as _store

    root = tmp_path_factory.mktemp("web")
    patch = pytest.MonkeyPatch()
    configs = root / "config"
    for path in (REPO_CONFIG / "riverside.yaml", REPO_CONFIG / "lakeside.yaml"):
        (configs).mkdir(exist_ok=True)
        (configs / path.name).write_text(path.read_text())
    district_yaml(configs, "northfield", name="Northfield Schools")
    district_yaml(configs, "eastbrook", name="Eastbrook District")
    patch.setenv("ROSTERSYNC_CONFIG", str(configs))
    patch.setenv("ROSTERSYNC_DATA", str(root / "data"))
    patch.setenv("AIRFLOW__CORE__AUTH_MANAGER", "auth_managers.DagGrantsAuthManager")
    patch.setenv("AIRFLOW__CORE__SIMPLE_AUTH_MANAGER_USERS", USERS)
    patch.setenv("AIRFLOW__CORE__SIMPLE_AUTH_MANAGER_ALL_ADMINS", "False")
    patch.setenv("AIRFLOW__API__SECRET_KEY", "test-secret-key-for-the-forms")
    patch.setenv("AIRFLOW__API_AUTH__JWT_SECRET", "a-jwt-secret-of-the-test-" + "x" * 48)
    config = load_district(configs / "riverside.yaml")
    folder = _store.reports_dir("riverside", RUN)
    with _store.connect("riverside") as conn:
        pipeline.sync(conn, config, DEMO_FILES, RUN, results_dir=folder / "expectations")
        reports.write_record_issues(conn, RUN, folder)
        reports.write_destructive_changes(conn, RUN, folder)
    _sync_twice_and_roll_back(load_district(configs / "eastbrook.yaml"))
    from airflow.api_fastapi import app as api_app
    from airflow.api_fastapi.auth.managers.simple.user import SimpleAuthManagerUser
    from airflow.utils import db
    from fastapi.testclient import TestClient

    db.initdb()
    _sync_dags()
    api_app._AuthManagerState.instance = None
    client = TestClient(api_app.create_app("core"))
    manager = api_app.get_auth_manager()
    tokens = {
        name: manager.generate_jwt(SimpleAuthManagerUser(username=name, role=role))
        for name, role in (u.split(":") for u in USERS.split(","))
    }
    try:
        yield client, tokens, root / "data"
    finally:
        api_app._AuthManagerState.instance = None
        patch.undo()


REPO_CONFIG = Path(__file__).resolve().parents[1] / "config" / "districts"
EAST_1, EAST_2 = "manual__2026-11-18T07:00:00+00:00", "manual__2026-11-19T07:00:00+00:00"


def _sync_twice_and_roll_back(config) -> None:
    """eastbrook: run 1 applied (its pages written, as the notify task writes them), run 2 applied (run 1's
    plan is then no longer kept), then run 2 rolled back."""
    from roster_helpers import small_district
    from rostersync import apply

    with store.connect("eastbrook") as conn:
        for run_id, students in ((EAST_1, 5), (EAST_2, 6)):
            folder = store.reports_dir("eastbrook", run_id)
            upload = small_district(students_per_school=students).write(folder.parent / f"upload-{students}")
            pipeline.sync(conn, config, upload, run_id, suites=False)
            reports.write_summaries(
                conn, run_id, folder, district=config.name, district_id="eastbrook", status="applied",
                counts={}, counts_title="Changes applied", approved_by="approver", applied=True,
            )  # fmt: skip
        apply.rollback_run(conn, EAST_2)


def _sync_dags() -> None:
    """Parse dags/ into Airflow's DB, as the DAG processor does (and dag.test() does for its bundle)."""
    from airflow.dag_processing.bundles.manager import DagBundlesManager
    from airflow.dag_processing.dagbag import BundleDagBag, sync_bag_to_db
    from airflow.utils.session import create_session

    manager = DagBundlesManager()
    with create_session() as session:
        manager.sync_bundles_to_db(session=session)
    for bundle in manager.get_all_dag_bundles():
        if not bundle.is_initialized:
            bundle.initialize()
        bag = BundleDagBag(dag_folder=bundle.path, bundle_path=bundle.path, bundle_name=bundle.name)
        sync_bag_to_db(bag, bundle.name, bundle.version)


def _get(site, path: str, user: str | None):
    client, tokens, _ = site
    headers = {"Authorization": f"Bearer {tokens[user]}"} if user else {}
    return client.get(f"/rosters{path}", headers=headers, follow_redirects=False)


def _set_paused(dag_id: str, paused: bool) -> None:
    from airflow.models.dag import DagModel
    from airflow.utils.session import create_session

    with create_session() as session:
        model = session.get(DagModel, dag_id)
        assert model is not None, f"{dag_id} was not parsed"
        model.is_paused = paused


PAGES = [
    "/",
    "/riverside/",
    f"/riverside/{RUN_KEY}/summary.html",
    f"/riverside/{RUN_KEY}/schools/SCH0001/summary.html",
    f"/riverside/{RUN_KEY}/issues_A202.csv",
]


@pytest.mark.parametrize("path", PAGES)
def test_an_anonymous_request_gets_401_and_no_district_data(site, path):
    response = _get(site, path, None)
    assert response.status_code == 401
    assert "Riverside" not in response.text and "SCH0001" not in response.text


def test_a_forged_token_is_refused(site):
    client, tokens, _ = site
    forged = tokens["admin"][:-4] + ("AAAA" if not tokens["admin"].endswith("AAAA") else "BBBB")
    response = client.get("/rosters/riverside/", headers={"Authorization": f"Bearer {forged}"})
    assert response.status_code in (401, 403)
    assert "Baker School" not in response.text


@pytest.mark.parametrize("path", PAGES[1:])
def test_a_user_without_the_district_gets_403(site, path):
    response = _get(site, path, "outsider")
    assert response.status_code == 403
    assert "Baker School" not in response.text and "SCH0001" not in response.text


def test_a_user_never_sees_a_district_he_has_no_access_to_in_the_list(site):
    page = _get(site, "/", "outsider").text
    assert "Northfield Schools" in page
    assert "Riverside" not in page and "riverside" not in page


def test_an_unknown_district_is_403_to_a_user_who_could_not_see_it_and_404_to_one_who_could(site):
    assert _get(site, "/nowhere/", "outsider").status_code == 403
    assert _get(site, "/nowhere/", "viewer").status_code == 404


def test_the_districts_page_shows_each_district_with_its_roster_and_upload(site):
    page = _get(site, "/", "viewer").text
    assert "Riverside Unified School District" in page and "Northfield Schools" in page
    assert "1420</td><td>144</td><td>8784" in page  # accounts, classes, memberships now in the roster
    assert "SFTP, remind_csv_v2" in page and "0 days ago" in page
    assert "paused in Airflow" in page  # the DAGs were parsed and are paused, as at creation
    assert 'href="/rosters/riverside/"' in page


def test_the_district_page_lists_schools_runs_and_each_entity_apart(site):
    page = _get(site, "/riverside/", "viewer").text
    assert "Baker School 1" in page and "Connected" in page
    assert "+860 ~0 &minus;0" in page and "+5112 ~0 &minus;0" in page  # accounts and memberships apart
    assert f'href="/rosters/riverside/{RUN_KEY}/schools/SCH0001/summary.html"' in page
    assert RUN in page and "Approve" in page and "approver" in page
    assert f'href="/dags/roster_sync__riverside/runs/{RUN_KEY}"' in page


def test_a_school_page_shows_its_report_downloads_and_who_is_still_to_welcome(site):
    page = _get(site, f"/riverside/{RUN_KEY}/schools/SCH0001/summary.html", "viewer").text
    assert "Baker School 1" in page and "In this run: <b>applied</b>" in page
    assert 'href="issues_A202.csv"' in page
    assert re.search(r"<td class=\"l\">teachers</td><td>\d+</td>", page)
    assert "<form" not in page  # a viewer may not send welcome emails
    assert "needs permission to trigger" in page


def test_a_download_is_the_reports_csv_and_nothing_outside_the_run_is_served(site):
    response = _get(site, f"/riverside/{RUN_KEY}/schools/SCH0001/issues_A202.csv", "viewer")
    assert response.status_code == 200 and response.headers["content-type"].startswith("text/csv")
    rows = list(csv.DictReader(io.StringIO(response.text)))
    assert rows and {r["code"] for r in rows} == {"A202"} and {r["school_sid"] for r in rows} == {"SCH0001"}
    for path in (
        f"/riverside/{RUN_KEY}/..%2F..%2F..%2Friverside%2Froster.duckdb",
        f"/riverside/{RUN_KEY}/%2E%2E/%2E%2E/riverside/roster.duckdb",
        f"/riverside/{RUN_KEY}/expectations/..%2F..%2F..%2F..%2Fconfig%2Friverside.yaml",
        "/riverside/..%2F..%2Friverside/roster.duckdb",
        "/riverside/..%2F..%2F..%2Fconfig/summary.html",
        f"/riverside/{RUN_KEY}/summary.html.bak",
    ):
        response = _get(site, path, "admin")
        assert response.status_code in (403, 404), path
        assert "DUCK" not in response.text and "roster-admin@" not in response.text


def test_the_run_page_shows_expectations_and_the_rollback_command_of_the_last_applied_run(site):
    page = _get(site, f"/riverside/{RUN_KEY}/summary.html", "viewer").text
    assert "Changes applied" in page
    assert f"python -m rostersync rollback --district riverside --run {RUN}</code>" in page
    assert f'href="/rosters/riverside/{RUN_KEY}/expectations/snap_people.json"' in page
    response = _get(site, f"/riverside/{RUN_KEY}/expectations/snap_people.json", "viewer")
    assert response.status_code == 200 and response.json()["success"] in (True, False)


def _welcome_form(site, user: str) -> dict[str, str]:
    page = _get(site, f"/riverside/{RUN_KEY}/schools/SCH0001/summary.html", user).text
    token = re.search(r'name="csrf_token" value="([^"]+)"', page)
    assert token, "the form is shown to a user who may send"
    return {"csrf_token": token.group(1), "school_id": "SCH0001"}


def _post(site, user: str | None, data: dict, **headers):
    client, tokens, _ = site
    if user:
        headers["Authorization"] = f"Bearer {tokens[user]}"
    return client.post("/rosters/riverside/_welcome", data=data, headers=headers, follow_redirects=False)


def test_a_viewer_cannot_post_the_welcome_form(site):
    form = _welcome_form(site, "admin")
    assert _post(site, "viewer", {**form, "roles": ["teachers"]}).status_code == 403
    assert _post(site, None, {**form, "roles": ["teachers"]}).status_code == 401


def test_the_welcome_form_refuses_a_missing_or_foreign_csrf_token_and_another_sites_origin(site):
    form = _welcome_form(site, "admin")
    assert _post(site, "admin", {"school_id": "SCH0001", "roles": ["teachers"], "csrf_token": "1.x"}).status_code == 403
    other_users = _welcome_form(site, "operator")
    assert _post(site, "admin", {**other_users, "roles": ["teachers"]}).status_code == 403
    other_school = {**form, "school_id": "SCH0002", "roles": ["teachers"]}
    assert _post(site, "admin", other_school).status_code == 403
    assert _post(site, "admin", {**form, "roles": ["teachers"]}, origin="https://evil.example").status_code == 403
    assert _post(site, "admin", {**form, "roles": ["everyone"]}).status_code == 400


def test_an_admin_sends_welcome_emails_from_the_form_once_notify_accounts_runs(site):
    from airflow.models.dagrun import DagRun
    from airflow.utils.session import create_session

    form = {**_welcome_form(site, "admin"), "roles": ["teachers", "parents"]}
    refused = _post(site, "admin", form)
    assert refused.status_code == 409 and "notify_accounts DAG is paused" in refused.text
    _set_paused("notify_accounts", False)
    try:
        response = _post(site, "admin", form)
    finally:
        _set_paused("notify_accounts", True)
    assert response.status_code == 303
    where = response.headers["location"]
    assert where.startswith("/rosters/riverside/_welcome/manual__")
    with create_session() as session:
        run_id = unquote(where.rsplit("/", 1)[1])
        run = session.query(DagRun).filter(DagRun.dag_id == "notify_accounts", DagRun.run_id == run_id).one()
        conf, triggered_by = dict(run.conf or {}), run.triggering_user_name
    assert conf == {"district": "riverside", "school": "SCH0001", "roles": ["teachers", "parents"]}
    assert triggered_by == "admin"
    client, tokens, _ = site
    status = client.get(where, headers={"Authorization": f"Bearer {tokens['viewer']}"})
    assert status.status_code == 200 and "Welcome emails for school SCH0001" in status.text
    assert 'http-equiv="refresh"' in status.text  # queued: the page refreshes until the run ends
    assert _get(site, where.removeprefix("/rosters"), "outsider").status_code == 403


def test_no_personal_data_reaches_an_address_or_the_apps_log(site, caplog):
    import logging

    with store.connect("riverside", read_only=True) as conn:
        rows = conn.execute("SELECT family_name FROM accounts WHERE family_name IS NOT NULL").fetchall()
    names = {r[0] for r in rows}
    caplog.set_level(logging.DEBUG)
    page = _get(site, "/riverside/", "admin").text
    links = re.findall(r'href="([^"]+)"', page)
    school = _get(site, f"/riverside/{RUN_KEY}/schools/SCH0001/summary.html", "admin").text
    links += re.findall(r'(?:href|action)="([^"]+)"', school)
    assert links and not [link for link in links if any(name in link for name in names)]
    assert not [r for r in caplog.records if any(name in r.getMessage() for name in names)]


def test_an_older_runs_pages_are_the_pages_written_when_it_ended(site):
    """Only the last applied run's plan is kept: yesterday's links (in emails, in the gate) still open."""
    key = store.run_key(EAST_1)
    page = _get(site, f"/eastbrook/{quote(key, safe='')}/summary.html", "viewer")
    assert page.status_code == 200 and "plan is no longer kept" in page.text
    assert 'href="schools/N/summary.html"' in page.text and "Eastbrook District" in page.text
    school = _get(site, f"/eastbrook/{quote(key, safe='')}/schools/N/summary.html", "viewer")
    assert (
        school.status_code == 200
        and "plan is no longer kept" in school.text
        and "Source id <code>N</code>" in school.text
    )
    history = _get(site, "/eastbrook/", "viewer").text
    assert f'href="/rosters/eastbrook/{quote(key, safe="")}/summary.html"' in history


def test_a_rolled_back_run_says_so_and_the_run_before_it_offers_the_rollback_command(site):
    key = quote(store.run_key(EAST_2), safe="")
    page = _get(site, f"/eastbrook/{key}/summary.html", "viewer").text
    assert "Changes applied, then rolled back" in page and "applied, then rolled back" in page
    assert "rostersync rollback" not in page  # it is not the last applied run any more
    district = _get(site, "/eastbrook/", "viewer").text
    assert "rolled_back" in district


def test_a_district_never_synced_and_a_clever_district_have_their_pages(site):
    assert "No run has been planned for this district yet" in _get(site, "/northfield/", "viewer").text
    listing = _get(site, "/", "viewer").text
    assert "Clever API" in listing and "Lakeside School District" in listing
    assert _get(site, "/lakeside/", "viewer").status_code == 200


def test_a_symlink_in_a_runs_folder_serves_nothing_outside_it(site):
    _, _, data = site
    link = store.reports_dir("riverside", RUN) / "issues_X999.csv"
    link.symlink_to(data / "riverside" / "roster.duckdb")
    try:
        response = _get(site, f"/riverside/{RUN_KEY}/issues_X999.csv", "admin")
    finally:
        link.unlink()
    assert response.status_code == 404 and "DUCK" not in response.text


def test_while_a_sync_writes_the_store_a_page_says_so_and_refreshes_but_a_form_is_not_resent(site):
    import subprocess
    import sys
    import time

    _, _, data = site
    form = {**_welcome_form(site, "admin"), "roles": ["teachers"]}
    holder = subprocess.Popen(
        [sys.executable, "-c", "import duckdb, sys, time; c = duckdb.connect(sys.argv[1]); print('ok', flush=True); "
         "time.sleep(30)", str(data / "riverside" / "roster.duckdb")],
        stdout=subprocess.PIPE,
    )  # fmt: skip
    try:
        assert holder.stdout is not None and holder.stdout.readline().strip() == b"ok"
        started = time.monotonic()
        page = _get(site, "/riverside/", "viewer")
        assert page.status_code == 503 and "is being synced" in page.text and 'http-equiv="refresh"' in page.text
        listing = _get(site, "/", "viewer")
        assert listing.status_code == 200 and "a sync is writing the roster" in listing.text
        sent = _post(site, "admin", form)
        assert sent.status_code == 503 and "Nothing was sent" in sent.text and 'http-equiv="refresh"' not in sent.text
        assert time.monotonic() - started < 30
    finally:
        holder.kill()
        holder.wait()


def test_a_form_missing_its_fields_is_refused_as_html_after_authorisation(site):
    client, tokens, _ = site
    outsider = client.post("/rosters/riverside/_welcome", headers={"Authorization": f"Bearer {tokens['outsider']}"})
    assert outsider.status_code == 403
    admin = client.post("/rosters/riverside/_welcome", headers={"Authorization": f"Bearer {tokens['admin']}"})
    assert admin.status_code == 403 and admin.headers["content-type"].startswith("text/html")
    wrong_method = client.get("/rosters/riverside/_welcome", headers={"Authorization": f"Bearer {tokens['admin']}"})
    assert wrong_method.status_code in (404, 405) and wrong_method.headers["content-type"].startswith("text/html")
