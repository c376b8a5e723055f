"""Onboarding a district: its YAML scaffolded from include/templates/config/, validated as the DAG file
reads it (`python -m rostersync district new`)."""

from __future__ import annotations

from rostersync import store
from rostersync.config import DISTRICT_ID, ConfigError, DistrictConfig, load_district
from rostersync.formats import all_formats
from rostersync.notify import render_page

FORMATS = sorted(all_formats())
"""Every format a district's source may be in: the CSV formats over SFTP, and clever (the API)."""


def new_district(district_id: str, name: str, source: str, admin_emails: list[str]) -> DistrictConfig:
    """Write config/districts/<district_id>.yaml (or $ROSTERSYNC_CONFIG's) for a new district."""
    if not DISTRICT_ID.fullmatch(district_id):
        raise ConfigError(f"district_id {district_id!r}: lowercase letters, digits and _ only, starting with one")
    folder = store.config_dir()
    path = folder / f"{district_id}.yaml"
    if path.exists():
        raise FileExistsError(f"{path} exists: edit it, or choose another district id")
    text = render_page(
        "config/district.yaml.j2", district_id=district_id, name=name, source=source, admin_emails=admin_emails
    )
    folder.mkdir(parents=True, exist_ok=True)
    draft = folder / f".{district_id}.yaml.new"  # never a half-written YAML where the DAG file reads
    draft.write_text(text, encoding="utf-8")
    try:
        config = load_district(draft.rename(path))
    except ConfigError:
        path.unlink()
        raise
    return config
