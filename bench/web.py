"""Benchmark: the web workbench's review pages on a case of a million media rows.

Builds a PostgreSQL database with one case of ``--media`` media rows (rows only: every
row points to the same thumbnail blob) and one occurrence each, made by the server
(``generate_series``; a million rows take about a minute);
1 % of the media are on a hash list (known), 1 % carry a barcode clue, and a series holds
200 of them. It then starts the web app in a child process (uvicorn, loopback only),
signs in ``--clients`` investigators and has them fetch, side by side:

- the grid's first page and its 500th page (keyset cursor, HTML as the browser gets it);
- the grid filtered by clue kind (``?clue=barcode``);
- a series page, and the grid filtered by that series;
- a media item's page;
- a blurred thumbnail (checks its caching headers and that a repeat is a 304).

and prints p50 and p95 per request kind, measured at the client (so HTTP on loopback is
included), and the ratio of page 500 to page 1.

    python bench/web.py --media 1000000 --clients 8 --requests 40 [--workers 2]

The first row is a baseline measured in the same run: a static file through the same
app and loopback HTTP; the last column is each page's p95 over the baseline's p95, the
figure to compare across runs on a shared machine. The load average is printed with it.
"""

from __future__ import annotations

import argparse
import hashlib
import io
import os
import socket
import statistics
import subprocess
import sys
import tempfile
import time
import uuid
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime
from pathlib import Path

import httpx
import psycopg
from PIL import Image

from vidi import Workbench
from vidi.accounts import AccountPolicy, HashCosts
from vidi.config import load_settings

PG = os.environ.get("VIDI_BENCH_POSTGRES", "postgresql://postgres@127.0.0.1:5432/postgres")
PASSWORD = "bench password long enough"
PAGE_500 = 500
SERVER = """
import os, sys, uvicorn
from vidi import Workbench
from vidi.config import load_settings
from vidi.web import create_app
home, url, port, workers = sys.argv[1], sys.argv[2], int(sys.argv[3]), int(sys.argv[4])
options = dict(host="127.0.0.1", port=port, log_level="warning", access_log=False)
if workers == 1:
    settings = load_settings(home, env={"VIDI_DATABASE_URL": url})
    uvicorn.run(create_app(Workbench(settings), secure_cookies=False), **options)
else:
    os.environ.update(VIDI_HOME=home, VIDI_DATABASE_URL=url)
    uvicorn.run("vidi.web.serving:app_from_environment", factory=True, workers=workers, **options)
"""
BASELINE = "/static/vidi.css"
"""A static file through the same app, middleware and loopback HTTP: what a request
costs before any page work; each page's time is also given as a ratio to it."""


def sha(i: int, salt: str) -> str:
    return hashlib.sha256(f"{salt}{i}".encode()).hexdigest()


def build(home: Path, url: str, media: int) -> tuple[int, list[str], int]:
    """The case (id), the SHA-256s of the series, the series id."""
    settings = load_settings(home, env={"VIDI_DATABASE_URL": url}).with_changes(extractors=())
    workbench = Workbench(settings)
    workbench.account_policy = AccountPolicy(hashing=HashCosts(1, 1024, 1))
    case = workbench.create_case("bench")
    blob = "thumbnails/bench.jpg"
    (settings.blob_dir / "thumbnails").mkdir(parents=True, exist_ok=True)
    picture = Image.linear_gradient("L").convert("RGB").resize((320, 240))
    out = io.BytesIO()
    picture.save(out, "JPEG")
    (settings.blob_dir / blob).write_bytes(out.getvalue())
    raw = url.replace("postgresql+psycopg://", "postgresql://")
    started = time.perf_counter()
    now = datetime.now(UTC).isoformat()
    with psycopg.connect(raw) as connection:
        source = connection.execute(
            "INSERT INTO source (case_id, uri, kind, added_at) VALUES (%s, %s, 'folder', %s)"
            " RETURNING id",
            (case.id, "/evidence/bench", now),
        ).fetchone()[0]
        # Rows made by the server (generate_series, sha256()): the values sha() gives,
        # without sending a million rows from Python.
        connection.execute(
            "INSERT INTO media (sha256, md5, sha1, media_type, format, size, width, height,"
            " thumbnail, first_case_id, first_seen_at)"
            " SELECT h, left(h, 32), left(h, 40), 'image', 'JPEG', 1000, 320, 240, %s, %s, %s"
            " FROM (SELECT encode(sha256(('m' || i)::bytea), 'hex') AS h"
            "       FROM generate_series(0, %s - 1) AS i) AS made",
            (blob, case.id, now, media),
        )
        connection.execute(
            "INSERT INTO occurrence (source_id, path, archive_chain, path_key, size, md5, sha1,"
            " sha256, file_type, media_sha256, created_at)"
            " SELECT %s, 'd' || (i / 1000) || '/p' || i || '.jpg', '[]',"
            "  encode(sha256(('k' || i)::bytea), 'hex'), 1000, left(h, 32), left(h, 40), h,"
            "  'jpeg', h, %s"
            " FROM (SELECT i, encode(sha256(('m' || i)::bytea), 'hex') AS h"
            "       FROM generate_series(0, %s - 1) AS i) AS made",
            (source, now, media),
        )
        listed = connection.execute(
            "INSERT INTO hashlist (name, format, file_sha256, ignorable, entry_count, imported_at)"
            " VALUES ('bench-list', 'csv', %s, false, %s, %s) RETURNING id",
            ("0" * 64, media // 100, now),
        ).fetchone()[0]
        connection.execute(
            "INSERT INTO hashlist_entry (id, hashlist_id, sha256, category)"
            " SELECT i / 100 + 1, %s, encode(sha256(('m' || i)::bytea), 'hex'), 'comparison'"
            " FROM generate_series(0, %s - 1, 100) AS i",
            (listed, media),
        )
        connection.execute(
            "INSERT INTO match (media_sha256, kind, distance, hashlist_entry_id, category,"
            " created_at)"
            " SELECT encode(sha256(('m' || i)::bytea), 'hex'), 'sha256', 0.0, i / 100 + 1,"
            "  'comparison', %s FROM generate_series(0, %s - 1, 100) AS i",
            (now, media),
        )
        connection.execute(
            "INSERT INTO clue (media_sha256, kind, value, confidence, extractor,"
            " extractor_version, created_at)"
            " SELECT encode(sha256(('m' || i)::bytea), 'hex'), 'barcode', '5901234123457', 0.9,"
            "  'barcode', '1', %s FROM generate_series(7, %s - 1, 100) AS i",
            (now, media),
        )
        connection.execute("ANALYZE")
    print(f"rows generated in the database in {time.perf_counter() - started:.0f} s", flush=True)
    workbench.add_user("ines", "investigator")
    workbench.add_member("bench", "ines")
    workbench.reset_password("ines")
    once = workbench.reset_password("ines").password
    first = workbench.sign_in("ines", once, "bench")
    who = workbench.identify(first.token)
    workbench.change_password(who, once, PASSWORD)
    series_media = [sha(i, "m") for i in range(3, media, max(1, media // 200))][:200]
    series = workbench.create_series("bench", "bench series")
    workbench.add_to_series("bench", series.id, series_media)
    workbench.close()
    return case.id, series_media, series.id


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def signed_in(base: str) -> httpx.Client:
    client = httpx.Client(base_url=base, timeout=60)
    answer = client.post("/api/sign-in", json={"name": "ines", "password": PASSWORD})
    answer.raise_for_status()
    return client


def percentile(values: list[float], share: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(share * len(ordered)))]


def measure(clients: list[httpx.Client], path: str, requests: int) -> list[float]:
    def one(client: httpx.Client) -> list[float]:
        times = []
        for _ in range(requests):
            started = time.perf_counter()
            answer = client.get(path)
            times.append(time.perf_counter() - started)
            answer.raise_for_status()
        return times

    with ThreadPoolExecutor(len(clients)) as pool:
        return [t for part in pool.map(one, clients) for t in part]


def cursor_of_page(client: httpx.Client, case_id: int, page: int, size: int) -> str:
    """The cursor that opens page PAGE (of SIZE items), walked with the API's big pages."""
    wanted = (page - 1) * size
    seen, after = 0, None
    while True:
        params = {"limit": 200, **({"after": after} if after else {})}
        body = client.get(f"/api/cases/{case_id}/grid", params=params).json()
        items = body["items"]
        if seen + len(items) >= wanted:
            last = items[wanted - seen - 1]
            return f"{last['status']}:{last['sha256']}"
        seen += len(items)
        after = body["next_cursor"]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--media", type=int, default=1_000_000)
    parser.add_argument("--clients", type=int, default=8)
    parser.add_argument("--requests", type=int, default=40, help="per client and page kind")
    parser.add_argument("--workers", type=int, default=1, help="server processes (uvicorn)")
    args = parser.parse_args()
    name = f"vidi_bench_web_{uuid.uuid4().hex[:8]}"
    with psycopg.connect(PG, autocommit=True) as admin:
        admin.execute(f'CREATE DATABASE "{name}"')
    url = PG.replace("postgresql://", "postgresql+psycopg://").rsplit("/", 1)[0] + f"/{name}"
    server = None
    try:
        with tempfile.TemporaryDirectory() as folder:
            home = Path(folder) / "home"
            case_id, series_media, series_id = build(home, url, args.media)
            port = free_port()
            server = subprocess.Popen(
                [sys.executable, "-c", SERVER, str(home), url, str(port), str(args.workers)]
            )
            base = f"http://127.0.0.1:{port}"
            for _ in range(200):
                try:
                    httpx.get(base + "/sign-in", timeout=1)
                    break
                except httpx.HTTPError:
                    time.sleep(0.2)
            clients = [signed_in(base) for _ in range(args.clients)]
            started = time.perf_counter()
            clients[0].get(f"/cases/{case_id}", timeout=None).raise_for_status()
            took = time.perf_counter() - started
            print(f"first grid request (lists the case's media once): {took:.1f} s", flush=True)
            page_size = 60  # the HTML grid's page at the default thumbnail size (192)
            cursor = cursor_of_page(clients[0], case_id, PAGE_500, page_size)
            probe = clients[0].get(f"/cases/{case_id}/media/{series_media[0]}/thumbnail")
            again = clients[0].get(
                f"/cases/{case_id}/media/{series_media[0]}/thumbnail",
                headers={"if-none-match": probe.headers["etag"]},
            )
            print(
                f"thumbnail: cache-control {probe.headers['cache-control']!r}, "
                f"etag {'yes' if probe.headers.get('etag') else 'no'}, repeat {again.status_code}"
            )
            kinds = {
                "baseline (static)": BASELINE,
                "grid page 1": f"/cases/{case_id}",
                "grid page 500": f"/cases/{case_id}?after={cursor}",
                "grid ?clue=barcode": f"/cases/{case_id}?clue=barcode",
                "grid ?series=": f"/cases/{case_id}?series={series_id}",
                "media page": f"/cases/{case_id}/media/{series_media[100]}",
                "thumbnail (blurred)": f"/cases/{case_id}/media/{series_media[5]}/thumbnail",
            }
            kinds["series page"] = f"/cases/{case_id}/series/{series_id}"
            print(
                f"{args.media:,} media, {args.clients} clients, {args.requests} requests each,"
                f" {args.workers} server process(es); load average before:"
                f" {' '.join(f'{x:.2f}' for x in os.getloadavg())}"
            )
            print(f"{'request':<22} {'p50 ms':>8} {'p95 ms':>8} {'p95/base':>9}")
            p50s, p95s = {}, {}
            for label, path in kinds.items():
                try:
                    measure(clients, path, 2)  # warm
                    times = measure(clients, path, args.requests)
                except httpx.TimeoutException:
                    print(f"{label:<22} timed out (over 60 s)", flush=True)
                    continue
                p50s[label] = statistics.median(times)
                p95s[label] = percentile(times, 0.95)
                ratio = p95s[label] / p95s["baseline (static)"]
                print(
                    f"{label:<22} {p50s[label] * 1000:8.1f} {p95s[label] * 1000:8.1f} {ratio:9.1f}",
                    flush=True,
                )
            ratio = p50s["grid page 500"] / p50s["grid page 1"]  # the grid runs first
            print(f"page 500 / page 1 (p50): {ratio:.2f}")
            print(f"load average after: {' '.join(f'{x:.2f}' for x in os.getloadavg())}")
    finally:
        if server is not None:
            server.terminate()
            try:
                server.wait(30)
            except subprocess.TimeoutExpired:
                server.kill()
                server.wait()
        with psycopg.connect(PG, autocommit=True) as admin:
            admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


if __name__ == "__main__":
    main()
