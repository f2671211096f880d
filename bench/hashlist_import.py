"""Hash-list import: rows per second and peak memory, against just parsing the file.

Generates a CSV hash list (MD5, SHA-1, a PDQ on one row in ten, a category), then in
the same run (1) reads it with the reader alone, (2) imports it with
``vidi.matching.import_hashlist`` into a fresh SQLite database, each in a child process
so that each peak RSS (``resource.getrusage``) is its own, and prints both and their
ratios.

With ``--format vics`` the list is a VICS 2.0 case file instead, and the run also times
ijson alone over the same file, straight from disk and through the limits gate
(``LimitedJson``), so the gate's cost is a ratio measured in the same run.

With ``--postgres`` each import goes into a fresh PostgreSQL database instead, and the
run also imports the list with the former way of writing the rows (a pipelined
``executemany`` of INSERTs, kept here as the baseline) so that COPY's gain is a ratio
measured in the same run.

    python bench/hashlist_import.py            # 1,000,000 rows
    python bench/hashlist_import.py --rows 10000000
    python bench/hashlist_import.py --format vics --rows 200000
    python bench/hashlist_import.py --postgres --rows 100000
"""

from __future__ import annotations

import argparse
import hashlib
import json
import multiprocessing
import resource
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

CATEGORIES = ("csam", "exploitive", "comparison", "non-pertinent", "")


def write_csv(path: Path, rows: int) -> None:
    with path.open("w") as out:
        out.write("md5,sha1,pdq,category\n")
        for n in range(rows):
            seed = n.to_bytes(8, "little")
            md5 = hashlib.md5(seed).hexdigest()
            sha1 = hashlib.sha1(seed).hexdigest()
            pdq = hashlib.sha256(seed).hexdigest() if n % 10 == 0 else ""
            out.write(f"{md5},{sha1},{pdq},{CATEGORIES[n % len(CATEGORIES)]}\n")


def write_vics_list(path: Path, rows: int) -> None:
    from vidi.hashlists import ExportItem, write_vics

    def items():
        for n in range(rows):
            seed = n.to_bytes(8, "little")
            yield ExportItem(
                md5=hashlib.md5(seed).hexdigest(),
                sha1=hashlib.sha1(seed).hexdigest(),
                pdq=hashlib.sha256(seed).hexdigest() if n % 10 == 0 else None,
                category=CATEGORIES[n % len(CATEGORIES)] or None,
                size=1000 + n,
                file_names=(f"seizure/dir {n % 97}/IMG_{n:07d}.jpg",),
            )

    with path.open("w") as out:
        write_vics(items(), out)


def ijson_seconds(path: Path, gated: bool) -> float:
    """ijson alone building every Media record, from the file or through the gate."""
    import ijson

    from vidi.hashlists.limitedjson import BLOCK, LimitedJson
    from vidi.hashlists.limits import LIMITS

    started = time.perf_counter()
    with path.open("rb") as handle:
        source = LimitedJson(handle, LIMITS, 5) if gated else handle
        for _ in ijson.items(source, "value.item.Media.item", use_float=True, buf_size=BLOCK):
            pass
    return time.perf_counter() - started


def peak_rss_mib() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def parse_only(path: str, format: str, queue: multiprocessing.Queue) -> None:
    from vidi.hashlists import read_hashlist

    started = time.perf_counter()
    count = sum(1 for _ in read_hashlist(Path(path), format))
    queue.put({"rows": count, "seconds": time.perf_counter() - started, "rss": peak_rss_mib()})


PG_SERVER = "postgresql+psycopg://postgres@127.0.0.1:5432"


def fresh_postgres(name: str) -> str:
    import psycopg

    with psycopg.connect("host=127.0.0.1 user=postgres dbname=postgres", autocommit=True) as c:
        c.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        c.execute(f'CREATE DATABASE "{name}"')
    return f"{PG_SERVER}/{name}"


def drop_postgres(name: str) -> None:
    import psycopg

    with psycopg.connect("host=127.0.0.1 user=postgres dbname=postgres", autocommit=True) as c:
        c.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def executemany_entries(session, hashlist_id, entries, progress):  # type: ignore[no-untyped-def]
    """The baseline: how the rows were written before COPY (pipelined ``executemany``)."""
    from vidi.matching import importing

    connection = session.connection()
    marker = "?" if connection.dialect.paramstyle == "qmark" else "%s"
    statement = (
        f"INSERT INTO hashlist_entry ({importing.ENTRY_COLUMNS}) VALUES ({', '.join([marker] * 8)})"
    )
    count = 0
    for rows in importing._entry_batches(hashlist_id, entries):
        connection.exec_driver_sql(statement, rows)
        count += len(rows)
        progress.advance(len(rows))
    return count


def full_import(
    path: str, format: str, home: str, url: str, baseline: str, queue: multiprocessing.Queue
) -> None:
    from vidi.config import load_settings
    from vidi.matching import import_hashlist, importing
    from vidi.store.db import Database

    if baseline:
        importing._insert_entries = executemany_entries  # type: ignore[assignment]
    settings = load_settings(home, env={"VIDI_DATABASE_URL": url} if url else {})
    db = Database(settings.database_url)
    started = time.perf_counter()
    result = import_hashlist(db, settings, Path(path), "bench", format)
    seconds = time.perf_counter() - started
    queue.put(
        {
            "rows": result.entries,
            "seconds": seconds,
            "rss": peak_rss_mib(),
            "indexed": result.indexed,
        }
    )


def run(target: Callable[..., None], *args: str) -> dict:
    queue: multiprocessing.Queue = multiprocessing.Queue()
    process = multiprocessing.get_context("fork").Process(target=target, args=(*args, queue))
    process.start()
    result = queue.get()
    process.join()
    return result


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--rows", type=int, default=1_000_000)
    parser.add_argument("--format", choices=("csv", "vics"), default="csv")
    parser.add_argument("--postgres", action="store_true", help="Import into PostgreSQL.")
    args = parser.parse_args()
    gate: dict[str, float] = {}
    with tempfile.TemporaryDirectory() as scratch:
        path = Path(scratch) / f"list.{'json' if args.format == 'vics' else 'csv'}"
        started = time.perf_counter()
        (write_vics_list if args.format == "vics" else write_csv)(path, args.rows)
        print(
            f"generated {args.rows:,} rows ({path.stat().st_size / 2**20:.0f} MiB) "
            f"in {time.perf_counter() - started:.1f} s"
        )
        if args.format == "vics":
            raw = min(ijson_seconds(path, gated=False) for _ in range(3))
            gated = min(ijson_seconds(path, gated=True) for _ in range(3))
            gate = {"ijson_s": round(raw, 2), "ijson_gated_s": round(gated, 2)}
            gate["gated_vs_ijson_time"] = round(gated / raw, 2)
        parsed = run(parse_only, str(path), args.format)
        home = str(Path(scratch) / "home")
        url = fresh_postgres("vidi_bench_hashlist") if args.postgres else ""
        imported = run(full_import, str(path), args.format, home, url, "")
        if args.postgres:
            url = fresh_postgres("vidi_bench_hashlist")
            before = run(full_import, str(path), args.format, home + "-b", url, "baseline")
            drop_postgres("vidi_bench_hashlist")
            gate["baseline_executemany_rows_per_s"] = round(before["rows"] / before["seconds"])
            gate["copy_vs_executemany_speed"] = round(before["seconds"] / imported["seconds"], 2)
    report = {
        "database": "postgresql" if args.postgres else "sqlite",
        "format": args.format,
        "rows": args.rows,
        "parse_rows_per_s": round(parsed["rows"] / parsed["seconds"]),
        "import_rows_per_s": round(imported["rows"] / imported["seconds"]),
        "import_vs_parse_time": round(imported["seconds"] / parsed["seconds"], 2),
        "parse_peak_rss_mib": round(parsed["rss"], 1),
        "import_peak_rss_mib": round(imported["rss"], 1),
        "import_vs_parse_rss": round(imported["rss"] / parsed["rss"], 2),
        "pdq_indexed": imported["indexed"],
        "parse_s": round(parsed["seconds"], 1),
        "import_s": round(imported["seconds"], 1),
        **gate,
    }
    print(json.dumps(report, indent=2))


if __name__ == "__main__":
    main()
