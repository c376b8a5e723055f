"""An auth manager for the Rosters pages' permission tests: Airflow's SimpleAuthManager (its roles, its
tokens) with per-DAG grants for some users, as FAB's `DAG:<dag_id>` permissions give a production user."""

from __future__ import annotations

from typing import Any

from airflow.api_fastapi.auth.managers.simple.simple_auth_manager import SimpleAuthManager

DAG_GRANTS: dict[str, set[str]] = {"outsider": {"roster_sync__northfield"}}
"""User -> the only DAGs that user may see or run (users not named here: their role decides)."""


class DagGrantsAuthManager(SimpleAuthManager):
    def is_authorized_dag(self, *, method: Any, user: Any, access_entity: Any = None, details: Any = None) -> bool:
        grants = DAG_GRANTS.get(user.username)
        if grants is not None and (details is None or details.id not in grants):
            return False
        return super().is_authorized_dag(method=method, user=user, access_entity=access_entity, details=details)
