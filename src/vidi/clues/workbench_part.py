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
            ExtractedClue(
                o.extractor,
                o.version,
                c.kind,
                c.value,
                c.confidence,
                c.region.to_dict() if c.region else None,  # type: ignore[arg-type]
            )
            for o in outcomes
            for c in o.clues
        )
        evidence = [
            ClueEvidence(c, f"{c.kind} from {o.extractor}")
            for o in outcomes
            for c in o.clues
            if c.kind in EVIDENCE_KINDS
        ]
        return FileClues(
            sha256,
            clues,
            {o.extractor: o.error for o in outcomes if o.error},
            estimate_countries(evidence, prior=population_prior()),
        )

    def media_clues(self, sha256: str) -> MediaClues:
        """The stored clues of a media item and the countries they suggest."""
        from vidi.estimates import estimate_media, media_clues

        with self.db.session() as session:
            estimate = estimate_media(session, sha256)
            clues = tuple(
                StoredClue(
                    c.id,
                    c.extractor,
                    c.extractor_version,
                    c.kind,
                    c.value,
                    c.confidence,
                    c.region,
                    c.author,
                    c.detail,
                )
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
