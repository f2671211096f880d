"""Import and matching on PostgreSQL: the same code path as SQLite."""

from __future__ import annotations

from pathlib import Path

from matching_helpers import (
    ROBUST,
    csv_list,
    described,
    ingest_folder,
    new_case,
    pictures,
    robust_copies,
    write_folder,
)
from sqlalchemy import select

from vidi.config import Settings
from vidi.matching import import_hashlist, lookup_pdq, match_case
from vidi.report import build_report
from vidi.store.db import Database
from vidi.store.models import Match


def test_import_and_match_on_postgres(settings: Settings, postgres_url: str, tmp_path: Path):
    settings = settings.with_changes(database_url=postgres_url)
    db = Database(postgres_url)
    try:
        original, other = pictures(31, 2)
        paths = write_folder(tmp_path / "s", {"o": original, "x": other, **robust_copies(original)})
        facts = dict(zip(paths, described(settings, paths.values()), strict=True))
        csv_list(
            tmp_path / "l.csv",
            [
                {"pdq": facts["o"]["pdq"], "category": "csam"},
                {"sha1": facts["x"]["sha1"], "category": "comparison"},
            ],
        )
        assert import_hashlist(db, settings, tmp_path / "l.csv", "l").entries == 2
        assert import_hashlist(db, settings, tmp_path / "l.csv", "l").status == "unchanged"
        new_case(db, "pg")
        ingest_folder(db, settings, "pg", tmp_path / "s")
        match_case(db, settings, "pg")
        with db.session() as session:
            kinds = session.execute(select(Match.kind, Match.hashlist_entry_id)).all()
            known = build_report(session, "pg").to_dict()["sections"]["known"]
        assert ("sha1", 2) in kinds
        assert sum(1 for kind, entry in kinds if kind == "pdq" and entry == 1) == len(ROBUST) + 1
        assert (known["known"], known["near_known"]) == (1, len(ROBUST) + 1)
        hits = lookup_pdq(db, settings, facts["o"]["pdq"]).hits
        assert hits[0].distance == 0 and {h.list_name for h in hits} >= {"l"}
    finally:
        db.close()
