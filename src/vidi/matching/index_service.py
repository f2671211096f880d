"""The known-hash index as a service a team shares: ``vidi index serve`` and its client.

Why: on a cluster, every ingest worker matching against the one index of the team
database would otherwise need its own copy (tens of GB) and its own sync. One server
process owns the index (the writer: it syncs with the database every ``sync_every_s``
seconds and when asked), and answers radius queries over HTTP with JSON; searches run
side by side, a sync waits for them and they for it (a readers-writer lock), so a
reader never sees an index half changed. Workers set ``VIDI_INDEX_URL`` and
:meth:`~vidi.matching.known_index.KnownIndex.open` hands them a
:class:`RemoteKnownIndex` with the same methods.

Endpoints: ``GET /health`` → ``{"rows", "shards"}``; ``POST /search`` with
``{"hashes": [64-hex, ...], "radius": 31}`` → ``{"hits": [[[id, distance], ...], ...]}``;
``POST /sync`` → the :class:`SyncReport` as JSON. Bind it to a private network: it
answers whoever can reach it, and what it answers (ids of known hashes) is case data.
"""

from __future__ import annotations

import json
import threading
import urllib.error
import urllib.request
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import asdict
from http import HTTPStatus
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import numpy as np
from sqlalchemy.orm import Session

from vidi.config import Settings
from vidi.errors import VidiError
from vidi.index import Hit
from vidi.index.hamming import check_radius, to_packed
from vidi.matching.known_index import KnownIndex, SyncReport
from vidi.store.db import Database

MAX_QUERIES = 10_000
"""Hashes one request may ask about (a batch of matching asks for a few hundred)."""
MAX_BODY_BYTES = MAX_QUERIES * 70 + 1024
TIMEOUT_S = 120.0


class IndexUnavailable(VidiError):
    """The index service (VIDI_INDEX_URL) cannot be reached, or refused a request."""


class ReadersWriterLock:
    """Many searches at once, or one sync alone."""

    def __init__(self) -> None:
        self._condition = threading.Condition()
        self._readers = 0
        self._writing = False

    @contextmanager
    def reading(self) -> Iterator[None]:
        with self._condition:
            self._condition.wait_for(lambda: not self._writing)
            self._readers += 1
        try:
            yield
        finally:
            with self._condition:
                self._readers -= 1
                self._condition.notify_all()

    @contextmanager
    def writing(self) -> Iterator[None]:
        with self._condition:
            self._condition.wait_for(lambda: not self._writing and self._readers == 0)
            self._writing = True
        try:
            yield
        finally:
            with self._condition:
                self._writing = False
                self._condition.notify_all()


class IndexServer(ThreadingHTTPServer):
    """Serves one :class:`KnownIndex` (held open, as its writer) to the network."""

    daemon_threads = True

    def __init__(
        self, address: tuple[str, int], db: Database, settings: Settings, sync_every_s: float
    ) -> None:
        self.db = db
        self.settings = settings
        self.index = KnownIndex.open(db, settings.with_changes(index_url=None))
        self.lock = ReadersWriterLock()
        self._stop = threading.Event()
        self._syncer = threading.Thread(target=self._sync_loop, args=(sync_every_s,), daemon=True)
        super().__init__(address, _Handler)
        self._syncer.start()

    @property
    def url(self) -> str:
        host, port = self.server_address[:2]
        return f"http://{host!s}:{port}"

    def sync(self) -> SyncReport:
        with self.lock.writing():
            return self.index.sync(self.db)

    def search(self, hashes: Sequence[str], radius: int) -> list[list[Hit]]:
        with self.lock.reading():
            return self.index.search_many(hashes, radius)

    def _sync_loop(self, every_s: float) -> None:
        while not self._stop.wait(every_s):
            self.sync()

    def server_close(self) -> None:
        self._stop.set()
        super().server_close()
        self.index.close()


class _Handler(BaseHTTPRequestHandler):
    server: IndexServer

    def log_message(self, format: str, *args: Any) -> None:
        pass  # one line per query would drown the server's own output

    def do_GET(self) -> None:
        if self.path != "/health":
            return self._reply(HTTPStatus.NOT_FOUND, {"error": f"no such path {self.path}"})
        index = self.server.index
        with self.server.lock.reading():
            self._reply(HTTPStatus.OK, {"rows": len(index), "shards": index._shards})

    def do_POST(self) -> None:
        if self.path == "/sync":
            return self._reply(HTTPStatus.OK, asdict(self.server.sync()))
        if self.path != "/search":
            return self._reply(HTTPStatus.NOT_FOUND, {"error": f"no such path {self.path}"})
        try:
            hashes, radius = _search_request(self._body())
        except ValueError as exc:
            return self._reply(HTTPStatus.BAD_REQUEST, {"error": str(exc)})
        found = self.server.search(hashes, radius)
        self._reply(HTTPStatus.OK, {"hits": [[[h.id, h.distance] for h in f] for f in found]})

    def _body(self) -> bytes:
        length = int(self.headers.get("Content-Length") or 0)
        if not 0 < length <= MAX_BODY_BYTES:
            raise ValueError(f"a request body has 1 to {MAX_BODY_BYTES:,} bytes, not {length:,}")
        return self.rfile.read(length)

    def _reply(self, status: HTTPStatus, body: dict[str, Any]) -> None:
        data = json.dumps(body).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)


def _search_request(body: bytes) -> tuple[list[str], int]:
    """The hashes and radius asked for, checked (ValueError says what is wrong)."""
    try:
        request = json.loads(body)
    except ValueError:
        raise ValueError("the request body is not JSON") from None
    if not isinstance(request, dict) or not isinstance(request.get("hashes"), list):
        raise ValueError('the request needs "hashes": a list of 64-hex PDQ hashes')
    hashes, radius = request["hashes"], request.get("radius", 31)
    if len(hashes) > MAX_QUERIES or not all(isinstance(h, str) for h in hashes):
        raise ValueError(f"at most {MAX_QUERIES:,} hashes, each a 64-hex string")
    if not isinstance(radius, int):
        raise ValueError("the radius is a whole number")
    to_packed(hashes)  # raises ValueError naming the bad hash
    return hashes, check_radius(radius)


def serve(
    db: Database,
    settings: Settings,
    host: str = "127.0.0.1",
    port: int = 8765,
    sync_every_s: float = 30.0,
) -> IndexServer:
    """Open the index (syncing it) and bind; the caller runs ``serve_forever``."""
    return IndexServer((host, port), db, settings, sync_every_s)


class RemoteKnownIndex(KnownIndex):
    """A :class:`KnownIndex` that asks a ``vidi index serve`` instead of reading files."""

    def __init__(self, url: str, sync: bool = True) -> None:  # noqa: D107
        self.url = url.rstrip("/")
        self.damage = None
        self.state = None
        if sync:
            self._call("POST", "/sync", {})

    def close(self) -> None:
        pass

    def __len__(self) -> int:
        return int(self._call("GET", "/health")["rows"])

    def search_many(self, hashes: Sequence[str], radius: int) -> list[list[Hit]]:
        found: list[list[Hit]] = []
        for start in range(0, len(hashes), MAX_QUERIES):
            batch = list(hashes[start : start + MAX_QUERIES])
            answer = self._call("POST", "/search", {"hashes": batch, "radius": radius})
            found.extend([Hit(int(i), int(d)) for i, d in hits] for hits in answer["hits"])
        return found

    def sync(self, db: Database) -> SyncReport:
        return SyncReport(**self._call("POST", "/sync", {}))

    def replace_list(self, session: Session, hashlist_id: int, old_entry_ids: np.ndarray) -> int:
        """The server notices the list's new file on its next sync (asked for after commit)."""
        return 0

    def rebuild(self, db: Database, reason: str, quiet: bool = False) -> SyncReport:
        return self.sync(db)

    def _call(self, method: str, path: str, body: dict[str, Any] | None = None) -> Any:
        data = None if body is None else json.dumps(body).encode()
        request = urllib.request.Request(
            self.url + path, data=data, method=method, headers={"Content-Type": "application/json"}
        )
        try:
            with urllib.request.urlopen(request, timeout=TIMEOUT_S) as response:
                return json.loads(response.read())
        except urllib.error.HTTPError as exc:
            detail = exc.read().decode(errors="replace")[:200]
            raise IndexUnavailable(
                f"the index service at {self.url} refused {path} ({exc.code}: {detail})"
            ) from None
        except (urllib.error.URLError, OSError, ValueError) as exc:
            reason = getattr(exc, "reason", exc)
            raise IndexUnavailable(
                f"the index service at {self.url} cannot be reached ({reason}); start "
                "'vidi index serve' there or unset VIDI_INDEX_URL"
            ) from None
