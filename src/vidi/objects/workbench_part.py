"""The object search as Workbench methods (``class Workbench(ObjectsPart, …)``).

The command line (``vidi features``, ``vidi find``, ``vidi gallery``) and the web's box
tool call these, so both get the same typed results.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from vidi.config import Settings
    from vidi.objects.gallery import GalleryImport, GallerySummary
    from vidi.objects.gallery_check import GalleryCheck
    from vidi.objects.search import FindResult
    from vidi.objects.stage import FeatureSummary
    from vidi.progress import CountProgress
    from vidi.store.db import Database


class ObjectsPart:
    """Local features, region queries and reference galleries."""

    if TYPE_CHECKING:
        settings: Settings

        @property
        def db(self) -> Database: ...

    def run_features(
        self, case: str, *, progress: CountProgress | None = None, limit: int | None = None
    ) -> FeatureSummary:
        """Extract, index and link the case's pictures that lack local features (resumes)."""
        from vidi.cases import get_case
        from vidi.objects.stage import run_feature_stage

        with self.db.session() as session:
            case_id = get_case(session, case).id
        return run_feature_stage(self.db, self.settings, case_id, progress, limit)

    def find_object(
        self,
        case: str,
        media: str,
        box: tuple[int, int, int, int] | None = None,
        scope: str = "case",
    ) -> FindResult:
        """Pictures (or gallery items) that show the object in ``box`` of picture ``media``."""
        from vidi.objects.search import find_object

        return find_object(self.db, self.settings, case, media, box, scope)

    def import_gallery(self, folder: Path, name: str) -> GalleryImport:
        """Import (or replace) a labelled reference gallery from ``folder/gallery.csv``."""
        from vidi.objects.gallery import import_gallery

        return import_gallery(self.db, self.settings, folder, name)

    def check_galleries(self, case: str, *, progress: CountProgress | None = None) -> GalleryCheck:
        """Ask the case's pictures of the galleries (one imported after they were linked);
        adds the clues still missing."""
        from vidi.cases import get_case
        from vidi.objects.gallery_check import check_galleries

        with self.db.session() as session:
            case_id = get_case(session, case).id
        return check_galleries(self.db, case_id, progress)

    def galleries(self) -> list[GallerySummary]:
        from vidi.objects.gallery import list_galleries

        return list_galleries(self.db)
