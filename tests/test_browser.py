"""The Rosters pages in a real browser (Debian's chromium driven by Playwright) against the local stack
of `make run` with logins, started by the test on free loopback ports, the demo district synced: log in,
open Rosters from the navigation, the districts table, the district, a school, download an issues CSV,
send welcome emails from the form and see the count, open the waiting gate from the districts page.
On failure (or with ROSTERSYNC_KEEP_SCREENSHOTS=1) the screenshots of every page visited are kept in
test-output/browser/<test>/."""

from __future__ import annotations

import csv
import io
import json
import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from conftest import local_stack

pytestmark = [pytest.mark.live, pytest.mark.timeout(1200)]

DAG = "roster_sync__riverside"
CHROMIUM = "/usr/bin/chromium"
OUTPUT = Path(__file__).resolve().parents[1] / "test-output" / "browser"


@pytest.fixture(scope="module")
def stack(tmp_path_factory):
    """`python -m rostersync.dev.stack run` with ROSTERSYNC_LOGIN=1, its own home, data and ports; the
    demo district synced once (approved over the REST API), then a second upload waiting at the gate."""
    from rostersync.dev.stack import DEMO_FILES, Api, seed_sftp

    root = tmp_path_factory.mktemp("browser")
    home = root / "airflow"
    configs = root / "config"  # the repository's districts, in a folder a test may add one to
    shutil.copytree(Path(__file__).resolve().parents[1] / "config" / "districts", configs)
    with local_stack(root, ROSTERSYNC_LOGIN="1", ROSTERSYNC_CONFIG=str(configs)) as (url, env):
        passwords = json.loads((home / "passwords.json").read_text())
        api = Api(url, ("admin", passwords["admin"]))
        api.log_in()
        for dag in (DAG, "notify_accounts"):
            api.wait_until(f"{dag} to be parsed", lambda dag=dag: api.call("GET", f"/dags/{dag}"), 300)
            api.call("PATCH", f"/dags/{dag}", json={"is_paused": False})
        first = api.sync_once(DAG)
        held = root / "held-upload"  # a third of the memberships gone: the school is held at the gate
        shutil.copytree(DEMO_FILES, held)
        lines = (held / "class_enrollments.csv").read_text().splitlines(keepends=True)
        (held / "class_enrollments.csv").write_text("".join(lines[: len(lines) * 2 // 3]))
        seed_sftp(home / "sftp", "riverside", held)
        waiting = api.call("POST", f"/dags/{DAG}/dagRuns", json={"logical_date": None})["dag_run_id"]
        gate = f"/dags/{DAG}/dagRuns/{waiting}/taskInstances/approve"
        api.wait_until("the gate", lambda: api.call("GET", gate).get("state") == "awaiting_input", 300)
        yield {
            "url": url,
            "passwords": passwords,
            "first": first["run_id"],
            "waiting": waiting,
            "home": home,
            "env": env,
            "api": api,
        }
        api.answer_gate(DAG, waiting, ["Reject"])


@pytest.fixture
def browser_page(request, tmp_path):
    """A logged-out chromium page; every `shot(name)` is kept, and copied to test-output/ on failure."""
    from playwright.sync_api import sync_playwright

    shots = tmp_path / "screenshots"
    shots.mkdir()
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, headless=True)
        context = browser.new_context(viewport={"width": 1400, "height": 900}, accept_downloads=True)
        page = context.new_page()
        count = iter(range(100))

        def shot(name: str) -> None:
            page.screenshot(path=str(shots / f"{next(count):02d}-{name}.png"), full_page=True)

        try:
            yield page, shot
        finally:
            failed = getattr(request.node, "rep_call", None) is None or request.node.rep_call.failed
            if failed:
                shot("at-failure")
            if failed or os.environ.get("ROSTERSYNC_KEEP_SCREENSHOTS"):  # kept to refresh docs/ too
                target = OUTPUT / request.node.name
                shutil.rmtree(target, ignore_errors=True)
                shutil.copytree(shots, target)
                print(f"screenshots: {target}")
            browser.close()


def _log_in(page, url: str, user: str, password: str) -> None:
    page.goto(url)
    page.wait_for_url(re.compile(r".*/auth/login.*"))
    page.locator("input:not([type=password])").first.fill(user)
    page.locator("input[type=password]").fill(password)
    page.keyboard.press("Enter")
    page.wait_for_url(f"{url}/")


def test_an_admin_uses_the_rosters_pages_from_login_to_welcome_emails_and_the_gate(stack, browser_page):
    from playwright.sync_api import expect

    page, shot = browser_page
    url = stack["url"]
    _log_in(page, url, "admin", stack["passwords"]["admin"])
    shot("home")

    page.get_by_role("link", name="Rosters").click()  # the navigation entry of the plugin
    page.wait_for_url(re.compile(r".*/plugin/rosters$"))
    frame = page.frame_locator("iframe")
    expect(frame.get_by_role("heading", name="Districts")).to_be_visible(timeout=30_000)
    districts = frame.get_by_role("row", name=re.compile("Riverside Unified School District"))
    expect(districts).to_contain_text("1420")  # accounts now in the roster
    expect(districts).to_contain_text("waiting for approval")
    shot("districts")

    frame.get_by_role("link", name="Riverside Unified School District").click()
    expect(frame.get_by_role("heading", name=re.compile("Riverside Unified School District"))).to_be_visible()
    expect(frame.get_by_role("row", name=re.compile("SCH0002"))).to_contain_text("waiting for approval")
    expect(frame.get_by_role("row", name=re.compile("^" + re.escape(stack["first"])))).to_contain_text("Approve")
    shot("district")

    frame.get_by_role("row", name=re.compile("Baker School 1")).get_by_role("link", name="SCH0001").click()
    expect(frame.get_by_role("heading", name="Baker School 1")).to_be_visible()
    shot("school")

    with page.expect_download() as download:
        frame.locator('a[download][href="issues_A202.csv"]').click()  # from the Downloads list
    text = Path(download.value.path()).read_text(encoding="utf-8")
    rows = list(csv.DictReader(io.StringIO(text)))
    assert rows and {r["code"] for r in rows} == {"A202"} and {r["school_sid"] for r in rows} == {"SCH0001"}

    teachers = frame.get_by_role("row", name=re.compile(r"^teachers"))
    to_welcome = int(teachers.get_by_role("cell").nth(1).inner_text())
    assert to_welcome > 0
    frame.get_by_label("students").uncheck()
    frame.get_by_label("parents").uncheck()
    frame.get_by_role("button", name="Send welcome emails").click()
    result = frame.locator("#welcome-result")
    expect(result).to_contain_text(f"Welcome emails sent: {to_welcome}", timeout=240_000)
    expect(frame.get_by_text("success", exact=True)).to_be_visible()
    shot("welcome-sent")
    mail = stack["home"] / "mail"
    assert len(list(mail.glob("*.eml"))) >= to_welcome

    page.goto(f"{url}/plugin/rosters")  # the districts page again (the nav entry keeps the frame where it is)
    link = page.frame_locator("iframe").get_by_role("link", name="waiting for approval")
    expect(link).to_be_visible(timeout=30_000)
    link.click()  # opens the gate's Required Action in Airflow's own page
    page.wait_for_url(re.compile(r".*/dags/roster_sync__riverside/runs/.*/tasks/approve/required_actions.*"))
    expect(page.get_by_text(re.compile("approve roster changes"))).to_be_visible(timeout=30_000)
    shot("gate")
    report = page.get_by_role("link", name="summary.html").first.get_attribute("href") or ""
    assert report.startswith(f"{url}/rosters/riverside/"), report  # the gate links the Rosters pages


def test_a_viewer_sees_the_district_but_no_welcome_form(stack, browser_page):
    from playwright.sync_api import expect

    page, shot = browser_page
    url = stack["url"]
    _log_in(page, url, "viewer", stack["passwords"]["viewer"])
    page.goto(f"{url}/plugin/rosters")
    frame = page.frame_locator("iframe")
    frame.get_by_role("link", name="Riverside Unified School District").click()
    frame.get_by_role("link", name="SCH0001").first.click()
    expect(frame.get_by_role("heading", name="Baker School 1")).to_be_visible()
    expect(frame.get_by_text("needs permission to trigger")).to_be_visible()
    assert frame.get_by_role("button", name="Send welcome emails").count() == 0
    shot("viewer-school")


def test_a_district_onboarded_while_the_stack_runs_is_served_without_a_restart(stack):
    """`district new` while `make run` runs: the DAG appears, the SFTP login and folder work, the
    connection resolves, and the Rosters districts page lists it."""
    import asyncssh
    import requests

    command = [sys.executable, "-m", "rostersync", "district", "new", "maple_grove", "--name", "Maple Grove USD"]
    command += ["--source", "remind_csv_v2", "--admin-email", "roster-admin@maplegrove.example.org"]
    subprocess.run(command, env=stack["env"], check=True, capture_output=True)
    api = stack["api"]
    api.wait_until("the new DAG", lambda: api.call("GET", "/dags/roster_sync__maple_grove"), 180)
    connections = json.loads((stack["home"] / "connections.json").read_text())
    assert connections["sftp_maple_grove"]["login"] == "maple_grove"
    port = connections["sftp_maple_grove"]["port"]

    async def list_folder() -> list[str]:
        async with (
            asyncssh.connect("127.0.0.1", port, username="maple_grove", password="demo", known_hosts=None) as ssh,
            ssh.start_sftp_client() as sftp,
        ):
            return list(await sftp.listdir("."))

    import asyncio

    assert sorted(asyncio.run(list_folder())) == [".", ".."]  # its own, empty folder
    page = requests.get(f"{stack['url']}/rosters/", headers=api.http.headers, timeout=30)
    assert page.status_code == 200 and "Maple Grove USD" in page.text
