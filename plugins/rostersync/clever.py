"""The Clever Data API v3 client: pull a district's schools, users and sections, page by page, to disk.

Each page is saved as it came (gzipped JSON) under the run's landing folder, so a backfill rerun
replays exactly what was pulled. Pages are followed through `links` rel=next (`starting_after`); a
429 waits for Retry-After (else backs off), a 5xx is retried a bounded number of times, and a
refused token (401/403) is not a crash: the result says `disconnected` and the hold stage turns it
into a Disconnected hold. The token is never logged.
"""

from __future__ import annotations

import gzip
import json
import logging
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import requests

log = logging.getLogger(__name__)

API = "/v3.0"
OBJECTS = ("schools", "users", "sections")
"""What rostering needs; schools may be empty (then they are known by the ids users and sections name)."""


class CleverError(RuntimeError):
    """Clever kept failing (after retries), or answered something that is not the API's shape."""


@dataclass
class PullResult:
    pages: dict[str, int] = field(default_factory=dict)  # object -> pages saved
    records: dict[str, int] = field(default_factory=dict)
    disconnected: bool = False
    status: int | None = None


def pull(
    base_url: str,
    token: str,
    dest: Path,
    *,
    page_size: int = 10_000,
    max_retries: int = 5,
    session: requests.Session | None = None,
    sleep: Callable[[float], None] = time.sleep,
) -> PullResult:
    """Save every page of every object under `dest/<object>/page-NNNN.json.gz`."""
    http = session or requests.Session()
    headers = {"Authorization": f"Bearer {token}", "Accept": "application/json"}
    result = PullResult()
    for obj in OBJECTS:
        folder = dest / obj
        folder.mkdir(parents=True, exist_ok=True)
        url: str | None = f"{base_url.rstrip('/')}{API}/{obj}?limit={page_size}"
        number = 0
        while url:
            response = _get(http, url, headers, max_retries, sleep)
            if response.status_code in (401, 403):
                log.warning("Clever refused the district token (HTTP %s): disconnected", response.status_code)
                return PullResult(result.pages, result.records, disconnected=True, status=response.status_code)
            if response.status_code == 404 and obj == "schools":
                break  # some districts share no schools object: they are derived from users and sections
            if response.status_code != 200:
                raise CleverError(f"GET {_path(url)}: HTTP {response.status_code} after {max_retries} retries")
            try:
                page = response.json()
                records = page["data"]
            except (ValueError, KeyError, TypeError) as exc:
                raise CleverError(f"GET {_path(url)}: not a Clever API page ({exc})") from None
            number += 1
            (folder / f"page-{number:04d}.json.gz").write_bytes(gzip.compress(response.content))
            result.records[obj] = result.records.get(obj, 0) + len(records)
            url = _next(base_url, page.get("links", []))
        result.pages[obj] = number
        log.info("pulled %s: %d records in %d pages", obj, result.records.get(obj, 0), number)
    return result


def _get(http: requests.Session, url: str, headers: dict, max_retries: int, sleep) -> requests.Response:
    for attempt in range(max_retries + 1):
        response = http.get(url, headers=headers, timeout=60)
        if response.status_code == 429 or response.status_code >= 500:
            if attempt == max_retries:
                return response
            wait = _retry_after(response) if response.status_code == 429 else None
            wait = wait if wait is not None else min(2.0**attempt, 60.0)
            log.info("GET %s: HTTP %s, retrying in %.1f s", _path(url), response.status_code, wait)
            sleep(wait)
            continue
        return response
    raise AssertionError("unreachable")


def _retry_after(response: requests.Response) -> float | None:
    try:
        return max(0.0, float(response.headers.get("Retry-After", "")))
    except ValueError:
        return None


def _next(base_url: str, links: list[dict]) -> str | None:
    for link in links:
        if link.get("rel") == "next" and link.get("uri"):
            uri = link["uri"]
            return uri if uri.startswith("http") else base_url.rstrip("/") + uri
    return None


def _path(url: str) -> str:
    """The URL without scheme and host, for messages (never the token: it is only in a header)."""
    return "/" + url.split("://", 1)[-1].split("/", 1)[-1]


def read_pages(folder: Path, obj: str) -> list[Path]:
    """Pages of one object in a landed folder, or in a folder of API responses as saved by anyone:
    `<obj>/*.json[.gz]` or `<obj>*.json[.gz]`, plain or gzipped."""
    found = sorted((folder / obj).glob("*.json*")) if (folder / obj).is_dir() else []
    return found or sorted(p for p in folder.glob(f"{obj}*.json*") if p.is_file())


def load_page(path: Path) -> dict:
    data = path.read_bytes()
    if data[:2] == b"\x1f\x8b":
        data = gzip.decompress(data)
    return json.loads(data)
