"""A list that breaks a limit imports nothing, alike on SQLite and PostgreSQL."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest
from sqlalchemy import func, select

from vidi.config import Settings
from vidi.errors import HashListError
from vidi.matching import import_hashlist
from vidi.store.db import Database
from vidi.store.models import HashList, HashListEntry

MD5 = "adebf3fa3c9be7f73825e1cb9e2dea09"


@pytest.fixture(params=["sqlite", "postgresql"])
def database_url(request: pytest.FixtureRequest, settings: Settings) -> str:
    if request.param == "sqlite":
        return settings.database_url
    return request.getfixturevalue("postgres_url")


def _counts(db: Database) -> tuple[int, int]:
    with db.session() as session:
        lists = session.scalar(select(func.count()).select_from(HashList)) or 0
        entries = session.scalar(select(func.count()).select_from(HashListEntry)) or 0
        return lists, entries


@pytest.mark.parametrize(
    ("name", "content", "expected"),
    [
        ("nul.csv", f"md5,note\n{MD5},ok\n{MD5},a\0b\n", "line 3: the note holds a NUL"),
        ("cat.csv", f"md5,category\n{MD5},{'c' * 65}\n", "longer than the limit of 64"),
        (
            "deep.json",
            '{"value": [{"MD5": "'
            + MD5
            + '"}, {"MD5": "'
            + MD5
            + '", "x": '
            + "[" * 1000
            + "]" * 1000
            + "}]}",
            "value[1], byte 134: nested deeper than the limit of 32 levels",
        ),
    ],
)
def test_a_list_breaking_a_limit_imports_nothing_on_either_database(
    settings: Settings, database_url: str, tmp_path: Path, name: str, content: str, expected: str
) -> None:
    settings = settings.with_changes(database_url=database_url)
    db = Database(database_url)
    try:
        path = tmp_path / name
        path.write_text(content)
        with pytest.raises(HashListError, match=re.escape(expected)):
            import_hashlist(db, settings, path, "hostile")
        assert _counts(db) == (0, 0)
    finally:
        db.close()


def test_a_nul_kept_in_extra_fields_is_stored_alike_on_either_database(
    settings: Settings, database_url: str, tmp_path: Path
) -> None:
    """Extras are JSON (escaped NUL), which both databases store; only text columns refuse."""
    settings = settings.with_changes(database_url=database_url)
    db = Database(database_url)
    try:
        path = tmp_path / "extra.json"
        path.write_text('{"value": [{"MD5": "' + MD5 + '", "Tags": "a\\u0000b"}]}')
        assert import_hashlist(db, settings, path, "tags").entries == 1
        with db.session() as session:
            assert session.scalars(select(HashListEntry.extra)).one() == {"Tags": "a\0b"}
    finally:
        db.close()


def test_awkward_text_is_stored_alike_on_either_database(
    settings: Settings, database_url: str, tmp_path: Path
) -> None:
    """PostgreSQL takes the rows by COPY: tabs, line breaks, backslashes, quotes and
    non-ASCII text in notes, categories and extras come back exactly as SQLite keeps them."""
    settings = settings.with_changes(database_url=database_url)
    db = Database(database_url)
    awkward = 'tab\there, line\nbreak, back\\slash \\N "quoted" \\\\ é 漢字 \r end'
    records = [
        {"MD5": MD5, "Comments": awkward, "Tags": awkward, "Path": ["a\tb", "\\N"]},
        {"MD5": MD5.replace("a", "b"), "Comments": "\\N", "Tags": ""},
    ]
    try:
        path = tmp_path / "awkward.json"
        path.write_text(json.dumps({"value": records}))
        assert import_hashlist(db, settings, path, "awkward").entries == 2
        with db.session() as session:
            rows = session.execute(
                select(HashListEntry.md5, HashListEntry.note, HashListEntry.extra).order_by(
                    HashListEntry.id
                )
            ).all()
        assert [tuple(r) for r in rows] == [
            (MD5, awkward, {"Tags": awkward, "Path": ["a\tb", "\\N"]}),
            (MD5.replace("a", "b"), "\\N", {"Tags": ""}),
        ]
    finally:
        db.close()
