"""The Clever Data API v3 client: pull a district's schools, users and sections, page by page, to disk.

Each page is saved as it came (gzipped JSON) under the run's landing folder, so a backfill rerun
replays exactly what was pulled. Pages are followed through `links` rel=next (`starting_after`), only
while they stay on the configured API origin and object (the token never goes elsewhere), and never
the same link twice; a 429 waits for Retry-After (capped) else backs off, a 5xx is retried a bounded
number of times, and the whole pull waits at most `max_wait_seconds` in total. A refused token (401/403)
is not a crash: the result says `disconnected` and the hold stage turns it into a Disconnected hold.
The token is never logged.
"""

from __future__ import annotations

import gzip
import json
import logging
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import urljoin, urlsplit

import requests

from rostersync.errors import RosterSyncError

log = logging.getLogger(__name__)

API = "/v3.0"
OBJECTS = ("schools", "users", "sections")
"""What rostering needs; schools may be empty (then they are known by the ids users and sections name)."""
MAX_RETRY_AFTER = 300.0
"""The longest one Retry-After is honoured: a server asking for a day is asking too much of one run."""
MAX_WAIT_SECONDS = 900.0
MAX_PAGES = 10_000
"""Per object: at 10,000 records a page, 100 million records, far past any district."""


class CleverError(RosterSyncError):
    """Clever kept failing (after retries), or answered something that is not the API's shape."""

    code = "R040"


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
    max_wait_seconds: float = MAX_WAIT_SECONDS,
) -> PullResult:
    """Save every page of every object under `dest/<object>/page-NNNN.json.gz`."""
    http = session or requests.Session()
    http.trust_env = False  # no proxy or .netrc from the environment gets the token
    headers = {"Authorization": f"Bearer {token}", "Accept": "application/json"}
    result = PullResult()
    waited = _Waits(sleep, max_wait_seconds)
    for obj in OBJECTS:
        folder = dest / obj
        folder.mkdir(parents=True, exist_ok=True)
        url: str | None = f"{base_url.rstrip('/')}{API}/{obj}?limit={page_size}"
        seen: set[str] = set()
        number = 0
        while url:
            if url in seen:
                raise CleverError(f"GET {_path(url)}: the API sent the same page link twice; the pull stopped")
            if number >= MAX_PAGES:
                raise CleverError(f"{obj}: more than {MAX_PAGES} pages; the pull stopped")
            seen.add(url)
            response = _get(http, url, headers, max_retries, waited)
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
            url = _next(base_url, obj, page.get("links", []))
        result.pages[obj] = number
        log.info("pulled %s: %d records in %d pages", obj, result.records.get(obj, 0), number)
    return result


class _Waits:
    """Every wait of one pull, bounded in total."""

    def __init__(self, sleep: Callable[[float], None], limit: float):
        self.sleep, self.limit, self.total = sleep, limit, 0.0

    def __call__(self, seconds: float, url: str) -> None:
        if self.total + seconds > self.limit:
            raise CleverError(
                f"GET {_path(url)}: Clever kept asking to wait; gave up after {self.total:.0f} s of waiting "
                f"(at most {self.limit:.0f} s a pull)"
            )
        self.total += seconds
        self.sleep(seconds)


def _get(http: requests.Session, url: str, headers: dict, max_retries: int, wait: _Waits) -> requests.Response:
    for attempt in range(max_retries + 1):
        response = http.get(url, headers=headers, timeout=60, allow_redirects=False)
        if response.status_code == 429 or response.status_code >= 500:
            if attempt == max_retries:
                return response
            seconds = _retry_after(response) if response.status_code == 429 else None
            seconds = seconds if seconds is not None else min(2.0**attempt, 60.0)
            log.info("GET %s: HTTP %s, retrying in %.1f s", _path(url), response.status_code, seconds)
            wait(seconds, url)
            continue
        return response
    raise AssertionError("unreachable")


def _retry_after(response: requests.Response) -> float | None:
    try:
        return min(MAX_RETRY_AFTER, max(0.0, float(response.headers.get("Retry-After", ""))))
    except ValueError:
        return None


def _origin(url: str) -> tuple[str, str, int | None]:
    parts = urlsplit(url)
    default = {"http": 80, "https": 443}.get(parts.scheme.lower())
    return parts.scheme.lower(), (parts.hostname or "").lower(), parts.port or default


def _next(base_url: str, obj: str, links: list[dict]) -> str | None:
    """The next page's URL, if the page links one: only on the API's own origin and object endpoint."""
    for link in links:
        if link.get("rel") == "next" and link.get("uri"):
            uri = str(link["uri"])
            relative = uri.startswith("/") and not uri.startswith("//")  # a path on the API's base URL
            url = base_url.rstrip("/") + uri if relative else urljoin(base_url.rstrip("/") + "/", uri)
            endpoint = urlsplit(base_url.rstrip("/") + f"{API}/{obj}").path
            if _origin(url) != _origin(base_url) or urlsplit(url).path != endpoint:
                raise CleverError(
                    f"{obj}: the API's next link leaves {API}/{obj} on the configured host; not followed "
                    "(the district's token is only ever sent to the configured Clever API)"
                )
            return url
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
