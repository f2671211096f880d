"""Hash lists, lookup, groups, export and categories as Workbench methods.

``class Workbench(MatchingPart, …)``: the methods keep their names on the one face;
this module holds the part of it that reaches ``vidi.matching``.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

from vidi.results import CategoryResult, ExportResult

if TYPE_CHECKING:
    from sqlalchemy.orm import Session

    from vidi.config import Settings
    from vidi.matching import Group, HashListInfo, ImportResult, LookupResult
    from vidi.matching.review import MediaStatus
    from vidi.progress import CountProgress
    from vidi.store.db import Database


class MatchingPart:
    """Known hashes: import lists, look a file or hash up, group, export, categorise."""

    if TYPE_CHECKING:
        settings: Settings

        @property
        def db(self) -> Database: ...

        def _case_id(self, name: str, session: Session | None = None) -> int: ...

    def import_hashlist(
        self,
        path: Path,
        name: str,
        format: str | None = None,
        *,
        progress: CountProgress | None = None,
    ) -> ImportResult:
        from vidi.matching import import_hashlist

        return import_hashlist(self.db, self.settings, path, name, format, progress)

    def hashlists(self) -> list[HashListInfo]:
        from vidi.matching import list_hashlists

        with self.db.session() as session:
            return list_hashlists(session)

    def lookup_file(self, path: Path) -> LookupResult:
        from vidi.matching import lookup_file

        return lookup_file(self.db, self.settings, path)

    def lookup_pdq(self, pdq: str) -> LookupResult:
        from vidi.matching import lookup_pdq

        return lookup_pdq(self.db, self.settings, pdq)

    def groups(self, case: str) -> list[Group]:
        """Near-duplicate groups of the case: a representative and its members."""
        from vidi.matching import case_groups

        with self.db.session() as session:
            return case_groups(session, self._case_id(case, session))

    def export(self, case: str, out: Path, format: str = "vics") -> ExportResult:
        from vidi.matching import export_case

        return ExportResult(case, format, out, export_case(self.db, case, format, out))

    def set_category(self, media: str, category: str) -> CategoryResult:
        from vidi.matching import set_category

        with self.db.session() as session:
            return CategoryResult(media, set_category(session, media, category))

    def review_order(self, case: str, limit: int | None = None) -> list[MediaStatus]:
        """The case's new media in review order (not near anything known first)."""
        from vidi.matching import new_first

        with self.db.session() as session:
            return new_first(session, self._case_id(case, session), limit)
