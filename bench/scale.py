"""Scale proof: a team database of millions of media and hash-list entries, measured.

Builds a fresh PostgreSQL database with ``--media`` media rows (each with one
occurrence, written with COPY, as an ingest of the archive would leave them) and
imports a ``--entries``-row CSV hash list through the real ``vidi hashlist import``
command (a child process, as an investigator runs it). Then a ``--seizure``-file
seizure is added (one case, one run, COPY) where one file in ten is on the hash list
by MD5, one in ten near a listed PDQ and one in ten near an archive picture, and the
run measures, each on its own:

- the known-hash index built from the database (first open);
- hash-list import rows/s;
- exact match of the seizure (MD5/SHA-1/SHA-256 joins, batches of 500);
- PDQ match of the seizure (radius 31 over the whole index, batches of 500), on the
  single index and on ``--shards`` shards queried in parallel;
- the case report and the new-first review grid of the seizure after ``vidi match``;
- disk bytes per media row (database and index).

Nothing is extrapolated here: the figures printed are those measured in the run.

    python bench/scale.py --media 1000000 --entries 1000000
    python bench/scale.py --media 10000000 --entries 10000000 --keep
"""

from __future__ import annotations

import argparse
import hashlib
import io
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
import uuid
from datetime import UTC, datetime
from pathlib import Path

import numpy as np
import psycopg

SERVER = "postgresql+psycopg://postgres@127.0.0.1:5432"
BLOCK = 200_000
CATEGORIES = ("csam", "exploitive", "comparison", "non-pertinent", "")


def media_hashes(prefix: bytes, n: int) -> tuple[str, str, str]:
    seed = prefix + n.to_bytes(8, "little")
    return (
        hashlib.sha256(seed).hexdigest(),
        hashlib.md5(seed).hexdigest(),
        hashlib.sha1(seed).hexdigest(),
    )


def archive_pdq(n: int) -> str:
    """The PDQ of archive picture ``n``: the same text the database makes in ``load_archive``."""
    return hashlib.sha256(b"pdq-archive:" + str(n).encode()).hexdigest()


def entry_hashes(n: int) -> tuple[str, str, str]:
    seed = n.to_bytes(8, "little")
    md5, sha1 = hashlib.md5(seed).hexdigest(), hashlib.sha1(seed).hexdigest()
    pdq = hashlib.sha256(b"pdq-entry" + seed).hexdigest() if n % 10 == 0 else ""
    return md5, sha1, pdq


def near(pdq: str, flips: int, rng: np.random.Generator) -> str:
    bits = np.unpackbits(np.frombuffer(bytes.fromhex(pdq), dtype=np.uint8))
    bits[rng.choice(256, flips, replace=False)] ^= 1
    return np.packbits(bits).tobytes().hex()


def fresh_database(name: str) -> str:
    with psycopg.connect("host=127.0.0.1 user=postgres dbname=postgres", autocommit=True) as c:
        c.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        c.execute(f'CREATE DATABASE "{name}"')
    return f"{SERVER}/{name}"


def dsn(url: str) -> str:
    return "host=127.0.0.1 user=postgres dbname=" + url.rsplit("/", 1)[1]


def setup_case(cur: psycopg.Cursor, name: str, uri: str, media_new: int) -> tuple[int, int, int]:
    now = datetime.now(UTC)
    case_id = cur.execute(
        'INSERT INTO "case" (name, created_at, public_id) VALUES (%s, %s, %s) RETURNING id',
        (name, now, uuid.uuid4().hex),
    ).fetchone()[0]
    source_id = cur.execute(
        "INSERT INTO source (case_id, uri, kind, added_at) VALUES (%s, %s, 'folder', %s) "
        "RETURNING id",
        (case_id, uri, now),
    ).fetchone()[0]
    run_id = cur.execute(
        "INSERT INTO ingest_run (case_id, started_at, finished_at, status, paths, files_seen, "
        "files_skipped, bytes_seen, media_new, errors, atime_fallbacks) "
        "VALUES (%s, %s, %s, 'finished', '[]', %s, 0, 0, %s, 0, 0) RETURNING id",
        (case_id, now, now, media_new, media_new),
    ).fetchone()[0]
    return case_id, source_id, run_id


MEDIA_COLUMNS = (
    "sha256, md5, sha1, media_type, format, size, width, height, pdq, pdq_quality, "
    "fingerprinter, first_case_id, first_seen_at"
)
OCCURRENCE_COLUMNS = (
    "source_id, run_id, path, archive_chain, path_key, size, md5, sha1, sha256, file_type, "
    "media_sha256, created_at"
)


def copy_media(url: str, name: str, rows: list[tuple[str, str, str, str]], start: int) -> None:
    """COPY media and one occurrence each; ``rows`` are (sha256, md5, sha1, pdq)."""
    with psycopg.connect(dsn(url)) as conn, conn.cursor() as cur:
        case_id, source_id, run_id = setup_case(cur, name, f"/evidence/{name}", len(rows))
        stamp = datetime.now(UTC).isoformat()
        for lo in range(0, len(rows), BLOCK):
            media, occurrences = io.StringIO(), io.StringIO()
            for i, (sha, md5, sha1, pdq) in enumerate(rows[lo : lo + BLOCK], start + lo):
                size = 20_000 + i % 50_000
                media.write(
                    f"{sha}\t{md5}\t{sha1}\timage\tjpeg\t{size}\t640\t480\t{pdq}\t100\t"
                    f"pdq-bench\t{case_id}\t{stamp}\n"
                )
                path = f"dir {i % 997}/IMG_{i:08d}.jpg"
                key = hashlib.sha256(path.encode()).hexdigest()
                occurrences.write(
                    f"{source_id}\t{run_id}\t{path}\t[]\t{key}\t{size}\t{md5}\t{sha1}\t{sha}\t"
                    f"image/jpeg\t{sha}\t{stamp}\n"
                )
            with cur.copy(f"COPY media ({MEDIA_COLUMNS}) FROM STDIN") as copy:
                copy.write(media.getvalue())
            with cur.copy(f"COPY occurrence ({OCCURRENCE_COLUMNS}) FROM STDIN") as copy:
                copy.write(occurrences.getvalue())
        cur.execute("ANALYZE")


ARCHIVE_SQL = {
    "media": f"""
        INSERT INTO media ({MEDIA_COLUMNS})
        SELECT encode(sha256(('archive:' || n)::bytea), 'hex'), md5('archive:' || n),
               left(encode(sha512(('archive:' || n)::bytea), 'hex'), 40), 'image', 'jpeg',
               20000 + n %% 50000, 640, 480, encode(sha256(('pdq-archive:' || n)::bytea), 'hex'),
               100, 'pdq-bench', %(case)s, %(stamp)s
        FROM generate_series(%(lo)s, %(hi)s - 1) AS n ORDER BY 1""",
    "occurrence": f"""
        INSERT INTO occurrence ({OCCURRENCE_COLUMNS})
        SELECT %(source)s, %(run)s, p.path, '[]', encode(sha256(p.path::bytea), 'hex'),
               20000 + n %% 50000, md5('archive:' || n),
               left(encode(sha512(('archive:' || n)::bytea), 'hex'), 40), p.sha, 'image/jpeg',
               p.sha, %(stamp)s
        FROM generate_series(%(lo)s, %(hi)s - 1) AS n,
             LATERAL (SELECT 'dir ' || n %% 997 || '/IMG_' || lpad(n::text, 8, '0') || '.jpg'
                      AS path, encode(sha256(('archive:' || n)::bytea), 'hex') AS sha) AS p""",
}
LOAD_BLOCK = 1_000_000


def load_archive(url: str, count: int) -> None:
    """``count`` archive media and one occurrence each, made by the server (generate_series).

    As a bulk load is done: the secondary indexes and the place's unique constraint are
    dropped first and built again at the end (one sort each instead of millions of random
    B-tree inserts), and foreign-key triggers are off for the load (the rows are made
    consistent by construction). The schema is the migrations' again afterwards.
    """
    with psycopg.connect(dsn(url)) as conn, conn.cursor() as cur:
        case_id, source_id, run_id = setup_case(cur, "archive", "/evidence/archive", count)
        cur.execute("SET maintenance_work_mem = '1GB'")
        cur.execute("SET work_mem = '256MB'")
        cur.execute("SET session_replication_role = replica")
        rebuild = dropped_indexes(cur, ("media", "occurrence"))
        conn.commit()
        params = {"case": case_id, "source": source_id, "run": run_id}
        params["stamp"] = datetime.now(UTC)
        for lo in range(0, count, LOAD_BLOCK):
            hi = min(count, lo + LOAD_BLOCK)
            started = time.perf_counter()
            for table in ("media", "occurrence"):
                cur.execute(ARCHIVE_SQL[table], {**params, "lo": lo, "hi": hi})
            conn.commit()
            print(f"  archive rows {hi:,} ({time.perf_counter() - started:.1f} s)", flush=True)
        for statement in rebuild:
            started = time.perf_counter()
            cur.execute(statement)
            conn.commit()
            print(f"  {statement[:70]}… {time.perf_counter() - started:.1f} s", flush=True)
        cur.execute("SET session_replication_role = DEFAULT")
        cur.execute("ANALYZE media")
        cur.execute("ANALYZE occurrence")


def dropped_indexes(cur: psycopg.Cursor, tables: tuple[str, ...]) -> list[str]:
    """Drop the tables' secondary indexes and unique constraints; the SQL that remakes them."""
    remake: list[str] = []
    for table in tables:
        constraints = cur.execute(
            "SELECT conname, pg_get_constraintdef(oid) FROM pg_constraint "
            "WHERE conrelid = %s::regclass AND contype = 'u'",
            (table,),
        ).fetchall()
        for name, definition in constraints:
            cur.execute(f"ALTER TABLE {table} DROP CONSTRAINT {name}")
            remake.append(f"ALTER TABLE {table} ADD CONSTRAINT {name} {definition}")
        indexes = cur.execute(
            "SELECT i.indexname, i.indexdef FROM pg_indexes i WHERE i.tablename = %s "
            "AND NOT EXISTS (SELECT 1 FROM pg_constraint c WHERE c.conname = i.indexname)",
            (table,),
        ).fetchall()
        for name, definition in indexes:
            cur.execute(f"DROP INDEX {name}")
            remake.append(definition)
    return remake


def seizure_rows(count: int, media: int, entries: int) -> list[tuple[str, str, str, str]]:
    """One in ten on the list by MD5, one in ten near a listed PDQ, one near the archive."""
    rng = np.random.default_rng(7)
    rows = []
    for i in range(count):
        sha, md5, sha1 = media_hashes(b"seizure", i)
        pdq = hashlib.sha256(b"pdq-seizure" + i.to_bytes(8, "little")).hexdigest()
        if i % 10 == 0:
            md5 = entry_hashes((i * 7) % entries)[0]
        elif i % 10 == 1:
            pdq = near(entry_hashes(((i * 7) % (entries // 10)) * 10)[2], 12, rng)
        elif i % 10 == 2:
            pdq = near(archive_pdq((i * 7) % media), 12, rng)
        rows.append((sha, md5, sha1, pdq))
    return rows


def write_hashlist(path: Path, entries: int) -> None:
    with path.open("w") as out:
        out.write("md5,sha1,pdq,category\n")
        for n in range(entries):
            md5, sha1, pdq = entry_hashes(n)
            out.write(f"{md5},{sha1},{pdq},{CATEGORIES[n % len(CATEGORIES)]}\n")


def timed(label: str, figures: dict, fn, *args, **kwargs):  # type: ignore[no-untyped-def]
    print(f"{label}: started {datetime.now(UTC):%H:%M:%S}", flush=True)
    started = time.perf_counter()
    result = fn(*args, **kwargs)
    seconds = time.perf_counter() - started
    figures[label] = round(seconds, 2)
    print(f"{label}: {seconds:,.1f} s", flush=True)
    return result


def exact_match(db, shas: list[str]) -> int:  # type: ignore[no-untyped-def]
    from vidi.matching.matcher import exact_rows

    found = 0
    for lo in range(0, len(shas), 500):
        with db.session() as session:
            found += len(exact_rows(session, shas[lo : lo + 500]))
    return found


def pdq_match(db, search, shas: list[str]) -> int:  # type: ignore[no-untyped-def]
    from vidi.matching.matcher import pdq_queries

    found = 0
    for lo in range(0, len(shas), 500):
        with db.session() as session:
            queries, _ = pdq_queries(session, shas[lo : lo + 500], 50)
        found += sum(len(hits) for hits in search([q.pdq for q in queries], 31))
    return found


def run_import(
    command: list[str],
    env: dict[str, str],
    url: str,
    entries: int,
    figures: dict,
    match_budget: float | None,
) -> bool:
    """Run ``vidi hashlist import``; time the entries' commit and the matching after it.

    The list's row appears with its count when the entries commit; from then on the
    command matches the stored media against the list. Returns True when that matching
    was cut at ``match_budget`` seconds (the process killed, the list left pending).
    """
    started = time.perf_counter()
    process = subprocess.Popen(
        command, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True
    )
    stored = None
    cut = False
    with psycopg.connect(dsn(url), autocommit=True) as conn:
        while process.poll() is None:
            time.sleep(1)
            now = time.perf_counter() - started
            if stored is None:
                row = conn.execute("SELECT entry_count FROM hashlist").fetchone()
                if row and row[0]:
                    stored = now
                    figures["import_entries_committed_s"] = round(now, 1)
                    figures["import_store_rows_per_s"] = round(entries / now)
                    print(f"  entries committed after {now:,.1f} s", flush=True)
            elif match_budget is not None and now - stored > match_budget:
                process.kill()
                cut = True
                figures["import_list_match_cut_after_s"] = round(now - stored, 1)
                print(f"  list matching cut after {now - stored:,.1f} s", flush=True)
                break
    out, err = process.communicate()
    seconds = time.perf_counter() - started
    figures["import_s"] = round(seconds, 2)
    print(f"import_s: {seconds:,.1f} s", flush=True)
    if cut:
        return True
    if process.returncode != 0:
        raise SystemExit(f"vidi hashlist import failed: {err.strip()[-2000:]}")
    figures["import_result"] = json.loads(out)
    figures["import_rows_per_s"] = round(entries / seconds)
    if stored is not None:
        figures["import_list_match_s"] = round(seconds - stored, 1)
    return False


def directory_bytes(path: Path) -> int:
    return sum(p.stat().st_size for p in path.rglob("*") if p.is_file())


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--media", type=int, default=1_000_000)
    parser.add_argument("--entries", type=int, default=1_000_000)
    parser.add_argument("--seizure", type=int, default=100_000)
    parser.add_argument("--shards", type=int, default=4)
    parser.add_argument("--work", type=Path, default=None, help="Folder for the home and list.")
    parser.add_argument("--keep", action="store_true", help="Keep the database and home.")
    parser.add_argument(
        "--list-match-budget",
        type=float,
        default=None,
        help="Seconds the import may spend matching stored media after its entries "
        "committed; then it is killed (the list stays pending) and the run goes on.",
    )
    parser.add_argument(
        "--pdq-sample",
        type=int,
        default=None,
        help="PDQ-match only this many of the seizure's files (per-file time measured on "
        "them) and leave out the whole-case match.",
    )
    parser.add_argument("--database", default=None, help="Database name (vidi_scale_MEDIA).")
    args = parser.parse_args()

    from vidi.config import load_settings
    from vidi.index.shards import ShardedIndex
    from vidi.matching.known_index import KnownIndex
    from vidi.store.db import Database
    from vidi.workbench import Workbench

    name = args.database or f"vidi_scale_{args.media}"
    work = Path(tempfile.mkdtemp(prefix="vidi-scale-", dir=args.work))
    home = work / "home"
    url = fresh_database(name)
    env = {**os.environ, "VIDI_HOME": str(home), "VIDI_DATABASE_URL": url}
    settings = load_settings(home, env=env)
    db = Database(url)
    figures: dict = {"media": args.media, "entries": args.entries, "seizure": args.seizure}
    figures["load_average_start"] = round(os.getloadavg()[0], 1)
    try:
        timed("load_archive_s", figures, load_archive, url, args.media)
        figures["load_rows_per_s"] = round(args.media / figures["load_archive_s"])
        with timed("index_build_s", figures, KnownIndex.open, db, settings):
            pass
        listing = work / "list.csv"
        timed("write_list_s", figures, write_hashlist, listing, args.entries)
        command = [sys.executable, "-m", "vidi", "hashlist", "import", str(listing)]
        command += ["--name", "team list", "--format", "csv", "--json"]
        print(f"import_s: started {datetime.now(UTC):%H:%M:%S}", flush=True)
        cut = run_import(command, env, url, args.entries, figures, args.list_match_budget)
        listing.unlink()

        rows = seizure_rows(args.seizure, args.media, args.entries)
        timed("copy_seizure_s", figures, copy_media, url, "seizure", rows, 0)
        shas = [r[0] for r in rows]
        del rows
        figures["exact_matches"] = timed("exact_match_s", figures, exact_match, db, shas)
        sample = shas[: args.pdq_sample] if args.pdq_sample else shas
        figures["pdq_files"] = len(sample)
        with KnownIndex.open(db, settings) as index:
            figures["index_rows"] = len(index)
            figures["pdq_hits"] = timed(
                "pdq_match_s", figures, pdq_match, db, index.search_many, sample
            )
        figures["pdq_ms_per_file"] = round(1000 * figures["pdq_match_s"] / len(sample), 2)
        sharded = timed(
            "shard_build_s",
            figures,
            ShardedIndex.build_from,
            settings.index_dir / "pdq",
            work / "shards",
            args.shards,
        )
        with sharded:
            figures["pdq_hits_sharded"] = timed(
                "pdq_match_sharded_s", figures, pdq_match, db, sharded.search_many, sample
            )
        with Workbench(settings, db) as bench:
            if args.pdq_sample:
                match = None
                print("whole-case match left out (--pdq-sample)", flush=True)
            elif cut:  # the list's matching is pending: 'vidi match' would finish it first
                from vidi.matching import match_case

                match = timed("match_case_s", figures, match_case, db, settings, "seizure", None)
            else:
                match = timed("vidi_match_s", figures, bench.match, "seizure")
            figures["stored_matches"] = match.matches if match else None
            report = timed("report_s", figures, bench.report, "seizure")
            figures["report_media"] = getattr(report, "media", None)
            grid = timed("review_grid_s", figures, bench.review_order, "seizure", 200)
            figures["grid_rows"] = len(grid)
        with db.session() as session:
            from sqlalchemy import text

            database_bytes = session.scalar(text("SELECT pg_database_size(current_database())"))
            tables = session.execute(
                text(
                    "SELECT relname, pg_total_relation_size(relid) FROM pg_catalog."
                    "pg_statio_user_tables ORDER BY 2 DESC LIMIT 6"
                )
            ).all()
        total_media = args.media + args.seizure
        figures["database_bytes"] = database_bytes
        figures["tables_bytes"] = {t: int(b) for t, b in tables}
        figures["index_bytes"] = directory_bytes(settings.index_dir)
        figures["bytes_per_media_row"] = round(database_bytes / total_media)
        figures["index_bytes_per_hash"] = round(figures["index_bytes"] / figures["index_rows"])
        figures["load_average_end"] = round(os.getloadavg()[0], 1)
        print(json.dumps(figures, indent=2))
    finally:
        db.close()
        if not args.keep:
            shutil.rmtree(work, ignore_errors=True)
            with psycopg.connect(
                "host=127.0.0.1 user=postgres dbname=postgres", autocommit=True
            ) as c:
                c.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


if __name__ == "__main__":
    main()
