"""Clues as Workbench methods: a file's clues now, a media item's stored ones, an
investigator's, and text search (``class Workbench(CluesPart, …)``)."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

from vidi.errors import SourceError
from vidi.results import AddedClue, ExtractedClue, FileClues, MediaClues, StoredClue

if TYPE_CHECKING:
    from vidi.config import Settings
    from vidi.search import TextHit
    from vidi.store.db import Database


class CluesPart:
    """Clues: extracted from a file now, stored for a media item, added by hand, searched."""

    if TYPE_CHECKING:
        settings: Settings

        @property
        def db(self) -> Database: ...

    def file_clues(self, path: Path) -> FileClues:
        """The clues of a file, extracted now (nothing stored), and the countries they suggest."""
        from vidi.clues.registry import enabled_extractors
        from vidi.clues.runner import extract_evidence
        from vidi.media.examine import identify
        from vidi.places.evidence import EVIDENCE_KINDS, ClueEvidence
        from vidi.places.fusion import estimate_countries
        from vidi.places.prior import population_prior

        identity = identify(path)
        kind = identity.file_type.kind
        if kind not in ("image", "video", "audio"):
            raise SourceError(f"{path} is not a picture, video or sound file ({kind})")
        sha256 = identity.digest.sha256
        media_type = "image" if kind == "image" else "video"
        extractors = enabled_extractors(self.settings)
        outcomes = extract_evidence(extractors, sha256, media_type, path, self.settings)
        clues = tuple(
            ExtractedClue(o.extractor, o.version, clue) for o in outcomes for clue in o.clues
        )
        evidence = [
            ClueEvidence(c.clue, f"{c.clue.kind} from {c.extractor}")
            for c in clues
            if c.clue.kind in EVIDENCE_KINDS
        ]
        return FileClues(
            sha256,
            clues,
            {o.extractor: o.error for o in outcomes if o.error},
            estimate_countries(evidence, prior=population_prior()),
        )

    def media_clues(self, sha256: str) -> MediaClues:
        """The stored clues of a media item and the countries they suggest."""
        from vidi.estimates import estimate_media, media_clues, stored_clue

        with self.db.session() as session:
            estimate = estimate_media(session, sha256)
            clues = tuple(
                StoredClue(c.id, c.extractor, c.extractor_version, stored_clue(c), c.author)
                for c in media_clues(session, sha256)
            )
        return MediaClues(sha256, clues, estimate)

    def add_clue(
        self,
        media: str,
        kind: str,
        value: str,
        *,
        note: str | None = None,
        author: str | None = None,
    ) -> AddedClue:
        """Record what an investigator recognised (audited; ``author`` defaults to the user)."""
        from vidi.audit import current_actor
        from vidi.estimates import add_investigator_clue
        from vidi.places.evidence import EVIDENCE_KINDS

        with self.db.session() as session:
            clue = add_investigator_clue(
                session, media, kind, value, author or current_actor(), note
            )
            return AddedClue(clue.id, clue.kind, clue.value, clue.kind in EVIDENCE_KINDS)

    def search(self, text: str, case: str | None = None) -> list[TextHit]:
        """Media whose recognised text (OCR, QR codes) holds every word."""
        from vidi.search import search_text

        with self.db.session() as session:
            return search_text(session, text, case)
