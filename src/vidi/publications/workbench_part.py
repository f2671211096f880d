"""Trace an Object as Workbench methods: publications out, tips back
(``class Workbench(PublicationsPart, …)``)."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from vidi.accounts.types import Identity, Picture
    from vidi.config import Settings
    from vidi.publications.persons import PersonDetector
    from vidi.publications.results import (
        PublicationExport,
        PublicationInfo,
        TipClue,
        TipInfo,
        TipsImport,
    )
    from vidi.results import CaseInfo
    from vidi.store.db import Database

NO_PUBLICATION = "no such publication in this case"
NO_TIP = "no such tip in this case"


class PublicationsPart:
    """Objects cropped for the public portal, approved by a second person; tips imported."""

    if TYPE_CHECKING:
        settings: Settings

        @property
        def db(self) -> Database: ...

        def member_case(self, who: Identity, case_id: int) -> CaseInfo: ...

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

    # For the web: the signed-in user, a member of the case, is the actor. A publication or
    # tip of another case answers like one that does not exist (NotFound).

    def case_publications(
        self, who: Identity, case_id: int, status: str | None = None
    ) -> list[PublicationInfo]:
        return self.publications(self._publishing_case(who, case_id).name, status)

    def case_publication(self, who: Identity, case_id: int, publication: int) -> PublicationInfo:
        from vidi.errors import NotFound

        for item in self.case_publications(who, case_id):
            if item.id == publication:
                return item
        raise NotFound(NO_PUBLICATION)

    def propose_case_publication(
        self,
        who: Identity,
        case_id: int,
        media: str,
        box: str,
        object_type: str,
        description: str,
        question: str,
        *,
        language: str = "en",
        detector: PersonDetector | None = None,
    ) -> PublicationInfo:
        """:meth:`propose_publication` by WHO (an investigator or admin of the case)."""
        case = self._publishing_case(who, case_id, change=True)
        return self.propose_publication(
            case.name,
            media,
            box,
            object_type,
            description,
            question,
            actor=who.name,
            language=language,
            detector=detector,
        )

    def approve_case_publication(
        self,
        who: Identity,
        case_id: int,
        publication: int,
        *,
        public_id: str,
        no_person_visible: bool,
    ) -> PublicationInfo:
        """:meth:`approve_publication` by WHO, for the object whose PUBLIC_ID WHO was shown."""
        item = self._shown_publication(who, case_id, publication, public_id)
        return self.approve_publication(
            str(item.id), actor=who.name, no_person_visible=no_person_visible
        )

    def withdraw_case_publication(
        self, who: Identity, case_id: int, publication: int, *, public_id: str, reason: str | None
    ) -> PublicationInfo:
        item = self._shown_publication(who, case_id, publication, public_id)
        return self.withdraw_publication(str(item.id), actor=who.name, reason=reason)

    def publication_picture(
        self, who: Identity, case_id: int, publication: int, *, clear: bool
    ) -> Picture:
        """The crop blurred with WHO's settings; clear only for investigators, audited and
        counted like a reveal (until it is published, a crop is case material)."""
        import hashlib

        from vidi.accounts.access import require_role
        from vidi.accounts.exposure import blurred_jpeg
        from vidi.accounts.types import NotSignedIn, Picture, Role
        from vidi.accounts.users import exposure_settings
        from vidi.audit import record
        from vidi.store.models import UserAccount, WebSession

        item = self.case_publication(who, case_id, publication)
        png = self.publication_crop(str(item.id))
        with self.db.session() as session:
            user = session.get(UserAccount, who.user_id)
            if user is None:
                raise NotSignedIn("not signed in")
            if not clear:
                settings = exposure_settings(user)
                key = f"{item.crop_sha256}:{settings.key}".encode()
                etag = hashlib.sha256(key).hexdigest()[:32]
                return Picture(blurred_jpeg(png, settings), "image/jpeg", etag, clear=False)
            require_role(who, Role.ADMIN, Role.INVESTIGATOR)
            for row in (session.get(WebSession, who.session_id), user):
                if row is not None:
                    row.reveals += 1
            detail = {"case": case_id, "crop_sha256": item.crop_sha256}
            record(session, "reveal", f"publication:{item.id}", detail, actor=who.name)
        return Picture(png, "image/png", "", clear=True)

    def case_tips(
        self,
        who: Identity,
        case_id: int,
        status: str | None = None,
        publication: int | None = None,
    ) -> list[TipInfo]:
        """The case's tip queue, or one object's (flagged tips first)."""
        case = self._publishing_case(who, case_id)
        if publication is not None:
            self.case_publication(who, case_id, publication)
        chosen = str(publication) if publication is not None else None
        return self.tips(case.name, status, chosen)

    def set_case_tip_status(
        self, who: Identity, case_id: int, tip: int, status: str, note: str | None = None
    ) -> TipInfo:
        found = self._case_tip(who, case_id, tip)
        return self.set_tip_status(str(found.id), status, actor=who.name, note=note)

    def case_tip_to_clue(
        self, who: Identity, case_id: int, tip: int, kind: str, value: str
    ) -> TipClue:
        found = self._case_tip(who, case_id, tip)
        return self.tip_to_clue(str(found.id), kind, value, actor=who.name)

    def _publishing_case(self, who: Identity, case_id: int, *, change: bool = False) -> CaseInfo:
        from vidi.accounts.access import require_role
        from vidi.accounts.types import Role

        case = self.member_case(who, case_id)
        if change:
            require_role(who, Role.ADMIN, Role.INVESTIGATOR)
        return case

    def _shown_publication(
        self, who: Identity, case_id: int, publication: int, public_id: str
    ) -> PublicationInfo:
        """The publication, when it is still the object the page showed (its public id)."""
        from vidi.publications.service import PublicationRefused

        self._publishing_case(who, case_id, change=True)
        item = self.case_publication(who, case_id, publication)
        if item.public_id != public_id.strip():
            raise PublicationRefused(
                f"publication {item.id} is {item.public_id}, not the {public_id!r} you were "
                "shown; reload the page and look again"
            )
        return item

    def _case_tip(self, who: Identity, case_id: int, tip: int) -> TipInfo:
        from vidi.errors import NotFound

        self._publishing_case(who, case_id, change=True)
        for found in self.case_tips(who, case_id):
            if found.id == tip:
                return found
        raise NotFound(NO_TIP)
