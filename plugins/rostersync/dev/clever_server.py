"""A local Clever Data API v3 server for `make run`, `make demo` and the tests (127.0.0.1 only).

It serves a folder of JSON in the API's own response shape (`{"data": [{"data": {...}, "uri": ...}],
"links": [...]}`; `users.json`, `sections.json`, optionally `schools.json`), re-paged with real
pagination: ids ascending, `limit` (capped at `max_page`), `starting_after`, and `links` rel=next.
Without a schools file, the schools are derived from the ids the sections name. Bearer-token auth; and
switches to inject 429s (with Retry-After), 5xx answers and a revoked token. A dev and test tool: no
production DAG uses it.
"""

from __future__ import annotations

import json
import threading
from collections.abc import Callable
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlparse

from rostersync.clever import API, OBJECTS, load_page, read_pages

LOOPBACK = "127.0.0.1"


class CleverServer:
    def __init__(self, folder: Path, token: str, port: int = 0, max_page: int = 100):
        self.token = token
        self.max_page = max_page
        self.records = self._load(folder)
        self.revoked = False
        self.faults: list[int] = []
        """Statuses to answer next, one per request, before serving normally again (e.g. [429, 503])."""
        self.requests: list[str] = []
        self.retry_after = "1"
        """The Retry-After header of an injected 429."""
        self.next_link: Callable[[str, str | None], str | None] | None = None
        """Tests: rewrite the `next` link of a page (object, the link it would send) to try the client."""
        self._lock = threading.Lock()
        self._http = ThreadingHTTPServer((LOOPBACK, port), self._handler())
        self.port = self._http.server_address[1]
        self._thread = threading.Thread(target=self._http.serve_forever, name="clever-server", daemon=True)

    @property
    def url(self) -> str:
        return f"http://{LOOPBACK}:{self.port}"

    @staticmethod
    def _load(folder: Path) -> dict[str, list[dict]]:
        records: dict[str, list[dict]] = {}
        for obj in OBJECTS:
            records[obj] = [item for page in read_pages(folder, obj) for item in load_page(page)["data"]]
        if not records["schools"]:
            # The schools the sections name: a school id that only a user's role names has no class
            # to sync (Clever's demo district names two such ids).
            named = {item["data"].get("school") for item in records["sections"]}
            records["schools"] = [
                {"data": {"id": sid, "name": f"School {sid[-6:]}"}, "uri": f"{API}/schools/{sid}"}
                for sid in sorted(s for s in named if s)
            ]
        for obj in OBJECTS:
            records[obj].sort(key=lambda item: item["data"]["id"])
        return records

    def _handler(self) -> type[BaseHTTPRequestHandler]:
        server = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, format: str, *args: Any) -> None:  # quiet: tests read the counters
                pass

            def do_GET(self) -> None:
                url = urlparse(self.path)
                with server._lock:
                    server.requests.append(url.path)
                    fault = server.faults.pop(0) if server.faults else None
                if self.headers.get("Authorization") != f"Bearer {server.token}" or server.revoked:
                    return self._send(401, {"message": "invalid token"})
                if fault is not None:
                    return self._send(
                        fault, {"message": "injected"}, {"Retry-After": server.retry_after} if fault == 429 else {}
                    )
                obj = url.path.removeprefix(API + "/").strip("/")
                if obj not in server.records:
                    return self._send(404, {"message": "not found"})
                query = parse_qs(url.query)
                limit = min(int(query.get("limit", ["100"])[0]), server.max_page)
                after = query.get("starting_after", [""])[0]
                items = [r for r in server.records[obj] if r["data"]["id"] > after][:limit]
                links = [{"rel": "self", "uri": self.path}]
                following = None
                if items and items[-1]["data"]["id"] != server.records[obj][-1]["data"]["id"]:
                    following = f"{API}/{obj}?limit={limit}&starting_after={items[-1]['data']['id']}"
                if server.next_link is not None:
                    following = server.next_link(obj, following)
                if following:
                    links.append({"rel": "next", "uri": following})
                return self._send(200, {"data": items, "links": links})

            def _send(self, status: int, body: dict, headers: dict[str, str] | None = None) -> None:
                payload = json.dumps(body).encode()
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(payload)))
                for key, value in (headers or {}).items():
                    self.send_header(key, value)
                self.end_headers()
                self.wfile.write(payload)

        return Handler

    def start(self) -> CleverServer:
        self._thread.start()
        return self

    def stop(self) -> None:
        self._http.shutdown()
        self._http.server_close()

    def __enter__(self) -> CleverServer:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()
