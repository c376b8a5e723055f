"""The Rosters pages inside Airflow's UI: a FastAPI app (`app.create_app`) that rostersync_ui.py mounts
under /rosters, authorised through Airflow's auth manager against each district's DAG."""
