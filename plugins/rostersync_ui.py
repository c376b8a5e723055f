"""The Airflow plugin of rostersync: the Rosters pages (rostersync.web) mounted in Airflow's API server
under /rosters, and their entry in the UI's navigation (rendered inside the UI)."""

from __future__ import annotations

from airflow.plugins_manager import AirflowPlugin
from rostersync.reports import ROSTERS_PATH
from rostersync.web.app import create_app


class RostersPlugin(AirflowPlugin):
    name = "rostersync"
    fastapi_apps = [{"app": create_app(), "url_prefix": ROSTERS_PATH, "name": "Rosters"}]
    external_views = [
        {
            "name": "Rosters",
            "href": f"{ROSTERS_PATH}/",
            "url_route": "rosters",
            "destination": "nav",
            "nav_top_level": True,
            "icon": f"{ROSTERS_PATH}/_static/icon.svg",
        }
    ]
