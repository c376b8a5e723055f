"""Clever Data API v3: pages of JSON as the API answers them (saved by land_files, or any folder of
responses in the API's own shape), not CSV files. See rostersync.clever for the client."""

from rostersync.formats import Format

FORMAT = Format(
    name="clever",
    title="Clever Data API v3",
    files=(),
    normalize_sql=("normalize/clever/insert_snapshot",),
    load_pages_sql="normalize/clever/load_pages",
    json_objects=("schools", "users", "sections"),
)
