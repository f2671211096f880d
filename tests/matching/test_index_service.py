"""``vidi index serve``: a real server process on loopback, asked by the matching client."""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import numpy as np
import pytest

from vidi.config import Settings
from vidi.index import IndexLocked
from vidi.matching.index_service import IndexUnavailable, RemoteKnownIndex
from vidi.matching.known_index import KnownIndex
from vidi.matching.labels import LabelKind, decode_label
from vidi.store.db import Database
from vidi.workbench import Workbench

LISTED = "f" * 16 + "0" * 48


def near(pdq: str, bits: int) -> str:
    value = int(pdq, 16) ^ ((1 << bits) - 1)
    return format(value, "064x")


@pytest.fixture
def listed_home(settings: Settings, tmp_path: Path) -> Settings:
    listing = tmp_path / "list.csv"
    rng = np.random.default_rng(5)
    others = [bytes(rng.integers(0, 256, 32, dtype=np.uint8)).hex() for _ in range(200)]
    rows = [f"{'a' * 32},,{LISTED},csam"] + [f",,{p}," for p in others]
    listing.write_text("md5,sha1,pdq,category\n" + "\n".join(rows) + "\n")
    with Workbench(settings) as bench:
        bench.import_hashlist(listing, "team list", "csv")
    return settings


@pytest.fixture
def server(listed_home: Settings) -> Iterator[str]:
    env = {**os.environ, "PYTHONUNBUFFERED": "1", "VIDI_HOME": str(listed_home.home)}
    env.pop("VIDI_INDEX_URL", None)
    process = subprocess.Popen(
        [sys.executable, "-m", "vidi", "index", "serve", "--port", "0", "--sync-every", "3600"],
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        assert process.stdout is not None
        line = process.stdout.readline()
        assert line.startswith("serving the PDQ index at http://127.0.0.1:"), line + (
            process.stderr.read() if process.poll() is not None else ""
        )
        yield line.split(" at ", 1)[1].split()[0]
    finally:
        process.terminate()
        process.wait(timeout=10)


def test_a_worker_with_the_index_url_finds_near_hashes_through_the_server(
    listed_home: Settings, server: str, db: Database
) -> None:
    remote = KnownIndex.open(db, listed_home.with_changes(index_url=server))
    assert isinstance(remote, RemoteKnownIndex)
    assert len(remote) == 201
    found = remote.search_many([near(LISTED, 9), "0" * 64], 31)
    assert [decode_label(hit.id).kind for hit in found[0]] == [LabelKind.ENTRY]
    assert found[0][0].distance == 9
    assert found[1] == []  # the listed hash is 64 bits from all zeros


def test_the_server_says_what_is_wrong_with_a_bad_query(server: str) -> None:
    remote = RemoteKnownIndex(server, sync=False)
    with pytest.raises(IndexUnavailable, match="refused /search.*64"):
        remote.search_many(["not a hash"], 31)


def test_a_local_reader_never_waits_while_the_server_holds_the_index(
    listed_home: Settings, server: str, db: Database
) -> None:
    with pytest.raises(IndexLocked):
        KnownIndex.open(db, listed_home, wait_s=0)
    with KnownIndex.open_read_only(listed_home) as view:
        assert [h.distance for h in view.search_many([LISTED], 0)[0]] == [0]


def test_an_unreachable_server_is_one_clear_error(listed_home: Settings, db: Database) -> None:
    with pytest.raises(IndexUnavailable, match="cannot be reached.*vidi index serve"):
        KnownIndex.open(db, listed_home.with_changes(index_url="http://127.0.0.1:9"))
