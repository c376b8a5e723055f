"""Who may see and do what on the Rosters pages: Airflow's own permissions on the district's DAG.

A FastAPI app mounted by a plugin is not protected by Airflow: every route resolves the user from
Airflow's token (the `Authorization: Bearer` header or the UI's cookie, as Airflow's own API does) and
asks the configured auth manager. Reading a district needs read access to `roster_sync__<district>`;
sending welcome emails needs permission to trigger runs of that DAG and of `notify_accounts`. Forms that
change something carry a CSRF token bound to the user, checked with the request's Origin.
"""

from __future__ import annotations

import hashlib
import hmac
import time
from typing import TYPE_CHECKING, Any

from fastapi import HTTPException, Request, status

if TYPE_CHECKING:
    from airflow.api_fastapi.auth.managers.base_auth_manager import ResourceMethod

DAG_PREFIX = "roster_sync__"
NOTIFY_DAG = "notify_accounts"
CSRF_FIELD = "csrf_token"
CSRF_MAX_AGE = 8 * 3600
"""A form older than this (seconds) is refused: the page is loaded again for a fresh token."""


def dag_id(district_id: str) -> str:
    return f"{DAG_PREFIX}{district_id}"


def _authorized(user: Any, method: ResourceMethod, dag: str, entity: Any = None) -> bool:
    from airflow.api_fastapi.app import get_auth_manager
    from airflow.api_fastapi.auth.managers.models.resource_details import DagDetails
    from airflow.models.dag import DagModel

    details = DagDetails(id=dag, team_name=DagModel.get_team_name(dag))
    return get_auth_manager().is_authorized_dag(method=method, access_entity=entity, details=details, user=user)


def can_read(user: Any, district_id: str) -> bool:
    return _authorized(user, "GET", dag_id(district_id))


def can_send_welcomes(user: Any, district_id: str) -> bool:
    """Triggering notify_accounts for a school of the district: a run of both DAGs may be created."""
    from airflow.api_fastapi.auth.managers.models.resource_details import DagAccessEntity

    return all(_authorized(user, "POST", dag, DagAccessEntity.RUN) for dag in (dag_id(district_id), NOTIFY_DAG))


def require_read(user: Any, district_id: str) -> None:
    if not can_read(user, district_id):
        raise HTTPException(status.HTTP_403_FORBIDDEN, "You may not see this district.")


def require_welcomes(user: Any, district_id: str) -> None:
    require_read(user, district_id)
    if not can_send_welcomes(user, district_id):
        raise HTTPException(status.HTTP_403_FORBIDDEN, "You may not send this district's welcome emails.")


def user_name(user: Any) -> str:
    return str(user.get_name())


def _secret() -> bytes:
    from airflow.configuration import conf

    secret = conf.get("api", "secret_key", fallback="") or conf.get("api_auth", "jwt_secret", fallback="")
    if not secret:
        raise RuntimeError("the Rosters pages need [api] secret_key (shared by every API server) for their forms")
    return secret.encode()


def _signature(user: Any, purpose: str, issued: int) -> str:
    message = f"{user.get_id()}|{purpose}|{issued}".encode()
    return hmac.new(_secret(), message, hashlib.sha256).hexdigest()


def _own_origins(request: Request) -> set[str]:
    """This server as a browser names it: the request's own address, and Airflow's `[api] base_url`
    (behind a proxy that terminates TLS or rewrites the host, the address the browser used)."""
    from urllib.parse import urlsplit

    from airflow.configuration import conf

    own = {f"{request.url.scheme}://{request.url.netloc}"}
    base = urlsplit(conf.get("api", "base_url", fallback="") or "")
    if base.scheme and base.netloc:
        own.add(f"{base.scheme}://{base.netloc}")
    return own


def csrf_token(user: Any, purpose: str) -> str:
    """A token for one form (`purpose`, e.g. the district and school) of this user."""
    issued = int(time.time())
    return f"{issued}.{_signature(user, purpose, issued)}"


def check_csrf(request: Request, user: Any, purpose: str, token: str) -> None:
    """Refuse a state-changing request that did not come from our own form for this user: its token
    must be ours, fresh, for this purpose, and a browser's Origin (when sent) must be this server."""
    origin = request.headers.get("origin")
    if origin and origin.rstrip("/") not in _own_origins(request):
        raise HTTPException(status.HTTP_403_FORBIDDEN, "The form was sent from another site.")
    issued_text, _, signature = token.partition(".")
    try:
        issued = int(issued_text)
    except ValueError:
        issued = 0
    fresh = 0 <= time.time() - issued <= CSRF_MAX_AGE
    if not (fresh and hmac.compare_digest(signature, _signature(user, purpose, issued))):
        raise HTTPException(status.HTTP_403_FORBIDDEN, "The form has expired or is not ours: load the page again.")
