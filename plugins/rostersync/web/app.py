"""The Rosters pages: districts, a district's schools and runs, a run's and a school's report, downloads,
and the welcome-email form. Server-rendered from include/templates/web/ (HTML-escaped); no asset comes
from anywhere but this app.

Addresses mirror data/reports/: `/rosters/<district>/<run>/summary.html` is a run's page,
`.../schools/<school>/summary.html` a school's, and every CSV sits where the static export has it, so
the links inside the report pages work the same as files and here. Personal data is only in the CSVs
(served as downloads), never in an address or a log line.
"""

from __future__ import annotations

import logging
import re
import shlex
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from pathlib import Path
from typing import Annotated, Any
from urllib.parse import quote, unquote

import duckdb
from airflow.api_fastapi.core_api.security import GetUserDep
from fastapi import FastAPI, Form, HTTPException, Request, status
from fastapi.exceptions import RequestValidationError
from fastapi.responses import FileResponse, HTMLResponse, RedirectResponse, Response
from starlette.exceptions import HTTPException as StarletteHTTPException

from rostersync import dashboard, notify, plan, reports, store, welcome
from rostersync.config import CleverSource, DistrictConfig, load_valid_districts
from rostersync.web import access, airflow_state

log = logging.getLogger(__name__)

LOCK_WAIT = 3.0
"""Seconds a page waits for a district's store while a sync task writes it (then: busy, refresh)."""
LIST_LOCK_WAIT = 0.5
"""The districts page waits less per district: a district being synced shows as such, the rest at once."""
DOWNLOADS = {".csv": "text/csv", ".json": "application/json"}
"""What the app serves from a run's reports folder besides the pages it renders."""


ICON = (
    '<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 24 24" fill="none" stroke="currentColor" '
    'stroke-width="2" stroke-linecap="round" stroke-linejoin="round"><path d="M16 21v-2a4 4 0 0 0-4-4H6a4 4 0 0 '
    '0-4 4v2"/><circle cx="9" cy="7" r="4"/><path d="M22 21v-2a4 4 0 0 0-3-3.87"/><path d="M16 3.13a4 4 0 0 1 0 '
    '7.75"/></svg>'
)
"""The navigation entry's icon (people), served here: no asset comes from elsewhere."""


class StoreBusy(Exception):
    """A sync task holds the district's store: the page asks to be loaded again."""


def create_app() -> FastAPI:
    app = FastAPI(title="rostersync: Rosters", docs_url=None, redoc_url=None, openapi_url=None)

    @app.exception_handler(StoreBusy)
    async def busy(request: Request, exc: StoreBusy) -> Response:
        return _page(
            request,
            "web/busy.html.j2",
            status.HTTP_503_SERVICE_UNAVAILABLE,
            district=str(exc),
            refresh=request.method == "GET",  # a form sent again by a refresh would be a GET: 405
        )

    @app.exception_handler(RequestValidationError)
    async def invalid(request: Request, exc: RequestValidationError) -> Response:
        message = "The form is incomplete or not ours: load the page again."
        return _page(request, "web/refused.html.j2", status.HTTP_400_BAD_REQUEST, message=message)

    @app.exception_handler(StarletteHTTPException)
    async def refused(request: Request, exc: StarletteHTTPException) -> Response:
        return _page(
            request, "web/refused.html.j2", exc.status_code, message=exc.detail, headers=dict(exc.headers or {})
        )

    @app.get("/_static/icon.svg", include_in_schema=False)
    def icon() -> Response:
        return Response(ICON, media_type="image/svg+xml", headers={"Cache-Control": "max-age=86400"})

    @app.get("/_static/rosters.js", include_in_schema=False)
    def script() -> Response:
        text = (store.TEMPLATES_DIR / "web" / "static" / "rosters.js").read_text(encoding="utf-8")
        return Response(text, media_type="text/javascript", headers={"Cache-Control": "max-age=3600"})

    @app.get("/", response_class=HTMLResponse)
    def districts(request: Request, user: GetUserDep) -> Response:
        configs = [c for c in _configs().values() if access.can_read(user, c.district_id)]
        states = airflow_state.dag_states([access.dag_id(c.district_id) for c in configs])
        rows = []
        for config in configs:
            try:
                with _store(config, LIST_LOCK_WAIT) as conn:
                    found = _district_in(conn, config)
            except StoreBusy:
                found = None
            rows.append(
                {
                    "config": config,
                    "source": _source(config),
                    "district": found,
                    "busy": found is None,
                    "dag": states[access.dag_id(config.district_id)],
                }
            )
        return _page(request, "web/districts.html.j2", districts=rows)

    @app.get("/{district_id}/", response_class=HTMLResponse)
    def district_page(request: Request, district_id: str, user: GetUserDep) -> Response:
        config = _readable(user, district_id)
        pages = activity = None
        with _store(config) as conn:
            found = _district_in(conn, config)
            last = dashboard.last_planned_run(found.runs)
            if last is not None:
                pages = dashboard.run_pages(conn, config, last.run_id)
                activity = dashboard.school_activity(conn)
        dag = airflow_state.dag_states([access.dag_id(district_id)])[access.dag_id(district_id)]
        with_page = {
            r.run_id
            for r in found.runs
            if r.computed_at or (store.reports_dir(district_id, r.run_id) / "summary.html").exists()
        }
        return _page(
            request,
            "web/district.html.j2",
            with_page=with_page,
            district=found,
            source=_source(config),
            dag=dag,
            last=last,
            pages=pages,
            activity=activity or {},
        )

    @app.post("/{district_id}/_welcome")
    def send_welcomes(
        request: Request,
        district_id: str,
        user: GetUserDep,
        school_id: Annotated[str, Form(max_length=200)] = "",
        csrf_token: Annotated[str, Form(max_length=200)] = "",
        roles: Annotated[list[str] | None, Form()] = None,
    ) -> Response:
        access.require_welcomes(user, district_id)  # before anything else is said about the request
        config = _configs().get(district_id)
        if config is None:
            raise HTTPException(status.HTTP_404_NOT_FOUND, "No such district.")
        access.check_csrf(request, user, _welcome_purpose(district_id, school_id), csrf_token)
        chosen = [r for r in welcome.ROLES if r in (roles or [])]
        if not chosen or len(chosen) != len(set(roles or [])):
            raise HTTPException(status.HTTP_400_BAD_REQUEST, f"Choose who to welcome: {', '.join(welcome.ROLES)}.")
        with _store(config) as conn:
            if not store.query(conn, "notify/select_school", {"school_id": school_id}):
                raise HTTPException(status.HTTP_404_NOT_FOUND, "No such school in this district's roster.")
        conf = {"district": district_id, "school": school_id, "roles": chosen}
        try:
            run_id = airflow_state.trigger(access.NOTIFY_DAG, conf, access.user_name(user))
        except airflow_state.CannotTrigger as refusal:
            raise HTTPException(status.HTTP_409_CONFLICT, str(refusal)) from None
        log.info("welcome emails of %s school %s (%s) asked as run %s", district_id, school_id, chosen, run_id)
        where = _url(request, district_id, "_welcome", store.run_key(run_id))
        return RedirectResponse(where, status_code=status.HTTP_303_SEE_OTHER)

    @app.get("/{district_id}/_welcome/{run_key}", response_class=HTMLResponse)
    def welcome_result(request: Request, district_id: str, run_key: str, user: GetUserDep) -> Response:
        config = _readable(user, district_id)
        run_id = unquote(run_key)
        found = airflow_state.dag_run(access.NOTIFY_DAG, run_id)
        if found is None or found[1].get("district") != district_id:
            raise HTTPException(status.HTTP_404_NOT_FOUND, "No such welcome run for this district.")
        state, conf = found
        sent: dict[str, int] = {}
        busy = False
        try:
            with _store(config) as conn:
                sent = dashboard.welcomes_sent(conn, run_id)
        except StoreBusy:
            busy = True  # notify_accounts is writing: shown on the next refresh
        not_sent = store.reports_dir(district_id, run_id) / "welcome_not_sent.csv"
        return _page(
            request,
            "web/welcome.html.j2",
            config=config,
            run_id=run_id,
            run_key=run_key,
            state=state,
            conf=conf,
            sent=sent,
            total=sum(sent.values()),
            busy=busy,
            not_sent=_rows_in(not_sent) if not_sent.exists() else None,
            finished=state in ("success", "failed"),
        )

    @app.get("/{district_id}/{run_key}/")
    def run_folder(request: Request, district_id: str, run_key: str, user: GetUserDep) -> Response:
        _readable(user, district_id)
        return RedirectResponse(_url(request, district_id, run_key, "summary.html"))

    @app.get("/{district_id}/{run_key}/{path:path}")
    def run_file(request: Request, district_id: str, run_key: str, path: str, user: GetUserDep) -> Response:
        config = _readable(user, district_id)
        folder = _run_folder(district_id, run_key)
        parts = [p for p in path.split("/") if p]
        if any(p.startswith(".") for p in parts):
            raise HTTPException(status.HTTP_404_NOT_FOUND, "No such report.")
        if parts == ["summary.html"]:
            return _run_page(request, config, folder, run_key)
        if len(parts) == 3 and parts[0] == "schools" and parts[2] == "summary.html":
            return _school_page(request, config, folder, run_key, parts[1], user)
        if parts == ["expectations"]:
            files = _downloads(folder / "expectations")
            return _page(request, "web/expectations.html.j2", config=config, run_key=run_key, files=files)
        target = folder.joinpath(*parts) if parts else folder
        try:
            store.inside(folder, target)
        except ValueError:
            raise HTTPException(status.HTTP_404_NOT_FOUND, "No such report.") from None
        if target.suffix not in DOWNLOADS or not target.is_file():
            raise HTTPException(status.HTTP_404_NOT_FOUND, "No such report.")
        return FileResponse(
            target,
            media_type=DOWNLOADS[target.suffix],
            filename=target.name,
            headers={"Cache-Control": "no-store", "X-Content-Type-Options": "nosniff"},
        )

    def _run_page(request: Request, config: DistrictConfig, folder: Path, run_key: str) -> Response:
        with _store(config) as conn:
            run_id = _run_id(conn, run_key)
            try:
                pages = dashboard.run_pages(conn, config, run_id)
            except (LookupError, plan.PlanSuperseded):  # an older run (only the last plan is kept), or no plan
                pages = None
            last_applied = store.query(conn, "apply/select_last_applied_run")
        undo = None
        if last_applied and last_applied[0][0] == run_id:
            undo = shlex.join(
                ["python", "-m", "rostersync", "rollback", "--district", config.district_id, "--run", run_id]
            )
        extras: dict[str, Any] = {
            "config": config,
            "run_id": run_id,
            "run_key": run_key,
            "undo": undo,
            "expectations": _downloads(folder / "expectations"),
            "format_errors": (folder / "format_errors.csv").exists(),
            "airflow_run": airflow_state.run_link(_airflow_root(request), access.dag_id(config.district_id), run_id),
        }
        if pages is not None:
            return _page(request, "web/run.html.j2", **{**pages.run, **extras})
        stored = folder / "summary.html"
        if stored.is_file():
            return _page(request, "web/run.html.j2", stored=stored_body(stored), **extras)
        if not folder.is_dir():
            raise HTTPException(status.HTTP_404_NOT_FOUND, "No such run of this district.")
        return _page(request, "web/run_without_plan.html.j2", files=_downloads(folder), **extras)

    def _school_page(
        request: Request, config: DistrictConfig, folder: Path, run_key: str, school_key: str, user: Any
    ) -> Response:
        with _store(config) as conn:
            run_id = _run_id(conn, run_key)
            try:
                pages = dashboard.run_pages(conn, config, run_id)
            except (LookupError, plan.PlanSuperseded):  # an older run: its page as written when it ended
                stored = folder / "schools" / school_key / "summary.html"
                if not stored.is_file() or school_key.startswith("."):
                    raise HTTPException(status.HTTP_404_NOT_FOUND, "No such school in this run.") from None
                return _page(request, "web/stored.html.j2", config=config, run_id=run_id, stored=stored_body(stored))
            school = pages.school(school_key)
            if school is None:
                raise HTTPException(status.HTTP_404_NOT_FOUND, "No such school in this run.")
            in_roster = bool(
                school["school_id"] and store.query(conn, "notify/select_school", {"school_id": school["school_id"]})
            )
            to_welcome = dashboard.to_welcome(conn, school["school_id"]) if in_roster else []
        may_send = in_roster and access.can_send_welcomes(user, config.district_id)
        downloads = sorted(p.name for p in school["folder"].glob("*.csv"))
        return _page(
            request,
            "web/school.html.j2",
            config=config,
            run_id=run_id,
            school=school,
            to_welcome=to_welcome,
            in_roster=in_roster,
            may_send=may_send,
            downloads=downloads,
            roles=list(welcome.ROLES),
            csrf_token=access.csrf_token(user, _welcome_purpose(config.district_id, school["school_id"]))
            if may_send
            else None,
            **pages.page,
        )

    return app


def _configs() -> dict[str, DistrictConfig]:
    """The district configs as they are now: a new YAML shows up without a restart."""
    return {c.district_id: c for c in load_valid_districts(store.config_dir())}


def _readable(user: Any, district_id: str) -> DistrictConfig:
    """The district's config, if the user may read its DAG (403 first: no name is confirmed to a user
    without access)."""
    access.require_read(user, district_id)
    config = _configs().get(district_id)
    if config is None:
        raise HTTPException(status.HTTP_404_NOT_FOUND, "No such district.")
    return config


@contextmanager
def _store(config: DistrictConfig, lock_wait: float = LOCK_WAIT) -> Iterator[duckdb.DuckDBPyConnection]:
    """The district's store, read-only; a district with no store here reads as an empty one (and its
    pages say so: never synced, or its store is on its queue's worker host)."""
    if not store.roster_path(config.district_id).exists():
        with store.scratch() as conn:
            yield conn
        return
    try:
        with store.connect(config.district_id, read_only=True, lock_wait=lock_wait) as conn:
            yield conn
    except store.RosterBusy:
        raise StoreBusy(config.name) from None


def _district_in(conn: duckdb.DuckDBPyConnection, config: DistrictConfig) -> dashboard.District:
    found = dashboard.district(conn, config)
    found.stored = store.roster_path(config.district_id).exists()
    return found


def _source(config: DistrictConfig) -> str:
    return "Clever API" if isinstance(config.source, CleverSource) else f"SFTP, {config.source.format}"


RUN_KEY = re.compile(r"[A-Za-z0-9_.:+%~-]{1,200}")
"""What store.path_key makes of a run id: a single folder name."""


def _run_folder(district_id: str, run_key: str) -> Path:
    """The run's reports folder named by its address (the folder name store.run_key gave it)."""
    root = store.data_root() / "reports" / district_id
    if not RUN_KEY.fullmatch(run_key) or run_key in (".", ".."):
        raise HTTPException(status.HTTP_404_NOT_FOUND, "No such run.")
    return store.inside(root, root / run_key)


def _run_id(conn: duckdb.DuckDBPyConnection, run_key: str) -> str:
    """The run whose folder is `run_key`: its id decoded, or (a long id kept as a hash) looked up."""
    if store.run_key(unquote(run_key)) == run_key:
        return unquote(run_key)
    for (run_id,) in store.query(conn, "dashboard/select_run_ids"):
        if store.run_key(run_id) == run_key:
            return str(run_id)
    raise HTTPException(status.HTTP_404_NOT_FOUND, "No such run of this district.")


def stored_body(page: Path) -> str:
    """The body of a report page this app's templates wrote (HTML-escaped when written): what an older
    run's page shows once its plan is no longer kept."""
    text = page.read_text(encoding="utf-8")
    start, end = text.find("<body>"), text.rfind("</body>")
    return text[start + len("<body>") : end] if start >= 0 and end > start else ""


def _downloads(folder: Path) -> list[str]:
    """The names of the files in `folder` the app serves (DOWNLOADS), sorted."""
    return sorted(p.name for p in folder.glob("*") if p.suffix in DOWNLOADS)


def _welcome_purpose(district_id: str, school_id: str) -> str:
    return f"welcome|{district_id}|{school_id}"


def _rows_in(path: Path) -> int:
    with path.open(encoding="utf-8") as handle:
        return max(0, sum(1 for _ in handle) - 1)


def _root(request: Request) -> str:
    """This app's own root in the browser's address (e.g. /rosters)."""
    return str(request.scope.get("root_path", "")).rstrip("/")


def _airflow_root(request: Request) -> str:
    return _root(request).removesuffix(reports.ROSTERS_PATH)


def _url(request: Request, *parts: str) -> str:
    return _root(request) + "/" + "/".join(quote(p, safe="") for p in parts)


def _page(
    request: Request, template: str, status_code: int = 200, headers: dict[str, str] | None = None, **context: Any
) -> HTMLResponse:
    html = notify.render_page(
        template,
        root=_root(request),
        airflow=_airflow_root(request),
        now=datetime.now(UTC),
        q=lambda part: quote(str(part), safe=""),
        gate_link=airflow_state.gate_link,
        run_link=airflow_state.run_link,
        dag_id=access.dag_id,
        **context,
    )
    secure = {
        "Cache-Control": "no-store",
        "X-Content-Type-Options": "nosniff",
        "Referrer-Policy": "same-origin",
        "Content-Security-Policy": (
            "default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline'; frame-ancestors 'self'"
        ),
        **(headers or {}),
    }
    return HTMLResponse(html, status_code=status_code, headers=secure)
