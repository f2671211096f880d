"""Trace an Object as Workbench methods: publications out, tips back
(``class Workbench(PublicationsPart, …)``)."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from vidi.config import Settings
    from vidi.publications.persons import PersonDetector
    from vidi.publications.results import (
        PublicationExport,
        PublicationInfo,
        TipClue,
        TipInfo,
        TipsImport,
    )
    from vidi.store.db import Database


class PublicationsPart:
    """Objects cropped for the public portal, approved by a second person; tips imported."""

    if TYPE_CHECKING:
        settings: Settings

        @property
        def db(self) -> Database: ...

    def propose_publication(
        self,
        case: str,
        media: str,
        box: str,
        object_type: str,
        description: str,
        question: str,
        *,
        actor: str,
        language: str = "en",
        detector: PersonDetector | None = None,
    ) -> PublicationInfo:
        """Crop an object (BOX ``x,y,w,h``) out of a picture for the public portal.

        The crop is rebuilt from pixels, refused when it covers too much of the picture or
        a person detector fires; it waits for a second person's approval.
        """
        from vidi.publications.crop import Box
        from vidi.publications.service import propose_publication

        return propose_publication(
            self.db,
            self.settings,
            case,
            media,
            Box.parse(box),
            object_type,
            description,
            question,
            actor,
            language=language,
            detector=detector,
        )

    def approve_publication(
        self, publication: str, *, actor: str, no_person_visible: bool
    ) -> PublicationInfo:
        """Approve a proposal: never by its author, and only confirming no person is visible."""
        from vidi.publications.service import approve_publication

        with self.db.session() as session:
            return approve_publication(
                session, publication, actor, no_person_visible=no_person_visible
            )

    def withdraw_publication(
        self, publication: str, *, actor: str, reason: str | None = None
    ) -> PublicationInfo:
        """Take an object out of every later export (anyone, at any time)."""
        from vidi.publications.service import withdraw_publication

        with self.db.session() as session:
            return withdraw_publication(session, publication, actor, reason)

    def publications(
        self, case: str | None = None, status: str | None = None
    ) -> list[PublicationInfo]:
        from vidi.publications.service import list_publications

        with self.db.session() as session:
            return list_publications(session, case, status)

    def publication_crop(self, publication: str) -> bytes:
        """The crop's PNG, exactly as it would be published (checked against its SHA-256)."""
        from vidi.publications.service import publication_crop

        with self.db.session() as session:
            return publication_crop(session, self.settings, publication)

    def export_publications(self, out: Path, *, actor: str) -> PublicationExport:
        """The approved objects as a signed publication bundle for the portal."""
        from vidi.publications.service import export_publications

        return export_publications(self.db, self.settings, out, actor)

    def import_tips(self, folder: Path, *, actor: str, key: Path | None = None) -> TipsImport:
        """Verify a tip bundle from the portal (KEY: its public key) and queue its new tips."""
        from vidi.publications.tips import import_tips

        return import_tips(self.db, self.settings, folder, actor, key)

    def tips(
        self, case: str | None = None, status: str | None = None, publication: str | None = None
    ) -> list[TipInfo]:
        """The tip queue (flagged tips first)."""
        from vidi.publications.tips import list_tips

        with self.db.session() as session:
            return list_tips(session, case, status, publication)

    def set_tip_status(
        self, tip: str, status: str, *, actor: str, note: str | None = None
    ) -> TipInfo:
        from vidi.publications.tips import set_tip_status

        with self.db.session() as session:
            return set_tip_status(session, tip, status, actor, note)

    def tip_to_clue(self, tip: str, kind: str, value: str, *, actor: str) -> TipClue:
        """A useful tip as a clue (place, country, shop, product) on its object's media."""
        from vidi.publications.tips import tip_to_clue

        with self.db.session() as session:
            return tip_to_clue(session, tip, kind, value, actor)
