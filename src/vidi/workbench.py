"""The library's one face: every workflow of Vidi, with typed results.

``Workbench`` is built from settings and owns the database. The command line parses,
makes one Workbench call and renders the result (a table, or ``to_dict()`` as JSON);
the web will do the same. A case is addressed by its name everywhere here.

Stages never call one another: :meth:`Workbench.ingest` is the one place that runs
them in order (store the files → match the new media → extract clues).

Services are imported inside the methods that use them, so ``import vidi`` and
``vidi --help`` do not pay for SQLAlchemy, NumPy or the extractors.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Sequence
from pathlib import Path
from types import TracebackType
from typing import TYPE_CHECKING

from vidi.accounts.workbench_part import AccountsPart
from vidi.config import Settings, load_settings
from vidi.errors import NotFound, SourceError
from vidi.progress import CountProgress, FileProgress
from vidi.results import (
    AddedClue,
    CaseInfo,
    CategoryResult,
    DemoOutcome,
    ExportResult,
    ExtractedClue,
    FileClues,
    FileFacts,
    IngestOutcome,
    MediaClues,
    PlaceEstimate,
    StoredClue,
)

if TYPE_CHECKING:
    from sqlalchemy.orm import Session

    from vidi.audit import ChainVerification
    from vidi.clues.runner import ExtractionSummary
    from vidi.home_status import HomeStatus
    from vidi.matching import Group, HashListInfo, ImportResult, LookupResult, MatchSummary
    from vidi.matching.index_service import IndexServer
    from vidi.matching.review import MediaStatus
    from vidi.operations.backup import BackupResult, RestoreResult
    from vidi.operations.doctor import DoctorReport
    from vidi.publications.persons import PersonDetector
    from vidi.publications.results import (
        PublicationExport,
        PublicationInfo,
        TipClue,
        TipInfo,
        TipsImport,
    )
    from vidi.report import CaseReport
    from vidi.search import TextHit
    from vidi.store.db import Database
    from vidi.store.models import Case


class Workbench(AccountsPart):
    """Vidi as a library: ``with Workbench.open() as wb: wb.report("op-amber")``."""

    def __init__(self, settings: Settings, db: Database | None = None) -> None:
        self.settings = settings
        self._db = db

    @classmethod
    def open(cls, home: Path | str | None = None) -> Workbench:
        """A Workbench on the home (else VIDI_HOME, else the user's data folder)."""
        return cls(load_settings(home))

    @property
    def db(self) -> Database:
        """The database, opened (and upgraded) on first use."""
        if self._db is None:
            from vidi.store.db import open_database

            self._db = open_database(self.settings)
        return self._db

    def close(self) -> None:
        if self._db is not None:
            self._db.close()
            self._db = None

    def __enter__(self) -> Workbench:
        return self

    def __exit__(
        self,
        kind: type[BaseException] | None,
        error: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        self.close()

    # Cases

    def create_case(
        self, name: str, country: str | None = None, description: str | None = None
    ) -> CaseInfo:
        from vidi.cases import create_case

        with self.db.session() as session:
            return _case_info(create_case(session, name, country, description))

    def cases(self) -> list[CaseInfo]:
        from vidi.cases import list_cases

        with self.db.session() as session:
            return [_case_info(c) for c in list_cases(session)]

    def case(self, name: str) -> CaseInfo:
        """The case called NAME; NotFound names the command that creates it."""
        from vidi.cases import get_case

        with self.db.session() as session:
            return _case_info(get_case(session, name))

    # Ingest → match → extract

    def ingest(
        self,
        case: str,
        paths: Sequence[Path],
        *,
        clues: bool = True,
        clue_limit: int | None = None,
        workers: int | None = None,
        progress: FileProgress | None = None,
        clue_progress: CountProgress | None = None,
    ) -> IngestOutcome:
        """The pipeline's stages, in order: store the files, match what is new, find clues.

        Each stage is resumable on its own: a second ingest skips stored files, ``match``
        redoes matching, ``extract`` resumes clue extraction (``clue_limit`` stops early).
        """
        from vidi.clues.runner import extract_clues
        from vidi.ingest.pipeline import ingest
        from vidi.matching.casematch import match_run
        from vidi.matching.importing import finish_pending_matches

        settings = self.settings if workers is None else self.settings.with_changes(workers=workers)
        finish_pending_matches(self.db, settings)  # lists a killed import left unmatched
        stored = ingest(self.db, settings, case, list(paths), progress)
        matched = match_run(self.db, settings, case, stored.run_id)
        extracted = None
        if clues and settings.extractors:
            extracted = extract_clues(
                self.db,
                settings,
                case_id=self._case_id(case),
                progress=clue_progress,
                limit=clue_limit,
            )
        return IngestOutcome(stored, matched, extracted)

    def demo(
        self,
        data: Path,
        *,
        images: int = 2000,
        videos: int = 4,
        seed: int = 7,
        case: str = "demo",
        clues: bool = True,
        clue_budget: int = 150,
        on_generate: Callable[[], None] | None = None,
        progress: FileProgress | None = None,
        clue_progress: CountProgress | None = None,
    ) -> DemoOutcome:
        """Generate a benign collection (unless DATA holds one), ingest it, report the case.

        ``on_generate`` is called just before generating, which takes a while.
        """
        generated = not (data / "manifest.json").exists()
        if generated:
            from vidi.demo import generate_collection

            if on_generate is not None:
                on_generate()
            generate_collection(data, seed=seed, images=images, videos=videos)
        if not self._case_exists(case):
            self.create_case(case, description="generated benign demo collection")
        ingested = self.ingest(
            case,
            [data],
            clues=clues,
            clue_limit=clue_budget,
            progress=progress,
            clue_progress=clue_progress,
        )
        return DemoOutcome(data, generated, ingested, self.report(case))

    def extract(
        self, case: str, *, limit: int | None = None, progress: CountProgress | None = None
    ) -> ExtractionSummary:
        """Run (or resume) the clue extractors on the case's media, new material first."""
        from vidi.clues.runner import extract_clues

        case_id = self._case_id(case)
        return extract_clues(
            self.db, self.settings, case_id=case_id, progress=progress, limit=limit
        )

    def match(self, case: str, *, progress: CountProgress | None = None) -> MatchSummary:
        """Match every media item of the case again (exact and near), then regroup."""
        from vidi.matching import match_case
        from vidi.matching.importing import finish_pending_matches

        finish_pending_matches(self.db, self.settings)  # lists a killed import left unmatched
        return match_case(self.db, self.settings, case, progress)

    # Hash lists, lookup, groups, export, categories

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

    # Clues and places

    def file_clues(self, path: Path) -> FileClues:
        """The clues of a file, extracted now (nothing stored), and the countries they suggest."""
        from vidi.clues.registry import enabled_extractors
        from vidi.clues.runner import run_extractors
        from vidi.places.evidence import EVIDENCE_KINDS, ClueEvidence
        from vidi.places.fusion import estimate_countries
        from vidi.places.prior import population_prior
        from vidi.sources.sniff import SNIFF_BYTES, sniff
        from vidi.sources.streams import open_noatime

        with open_noatime(path) as handle:
            kind = sniff(handle.read(SNIFF_BYTES)).kind
        if kind not in ("image", "video", "audio"):
            raise SourceError(f"{path} is not a picture, video or sound file ({kind})")
        digest = hashlib.sha256()
        with open_noatime(path) as handle:
            for block in iter(lambda: handle.read(1 << 20), b""):
                digest.update(block)
        sha256 = digest.hexdigest()
        media_type = "image" if kind == "image" else "video"
        extractors = enabled_extractors(self.settings)
        outcomes = run_extractors(extractors, sha256, media_type, path, self.settings)
        clues = tuple(
            ExtractedClue(
                o.extractor,
                o.version,
                c.kind,
                c.value,
                c.confidence,
                c.region.as_dict() if c.region else None,
            )
            for o in outcomes
            for c in o.clues
        )
        evidence = [
            ClueEvidence(c.kind, c.value, c.confidence, f"{c.kind} from {c.extractor}")
            for c in clues
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

    def place(
        self, case: str, series: str | None = None, *, other_cases: bool = False, top: int = 10
    ) -> PlaceEstimate:
        """Ranked likely countries for a case or one of its series, each with its clues."""
        from vidi.estimates import estimate_case

        with self.db.session() as session:
            estimate = estimate_case(session, case, series, other_cases)
        return PlaceEstimate(case, series, estimate, top)

    def search(self, text: str, case: str | None = None) -> list[TextHit]:
        """Media whose recognised text (OCR, QR codes) holds every word."""
        from vidi.search import search_text

        with self.db.session() as session:
            return search_text(session, text, case)

    # Reports, status, audit

    def report(self, case: str) -> CaseReport:
        from vidi.report import build_report

        with self.db.session() as session:
            return build_report(session, case)

    def review_order(self, case: str, limit: int | None = None) -> list[MediaStatus]:
        """The case's new media in review order (not near anything known first)."""
        from vidi.matching import new_first

        with self.db.session() as session:
            return new_first(session, self._case_id(case, session), limit)

    def describe_file(self, path: Path) -> FileFacts:
        """Hashes, type, size and PDQ of one file, exactly as ingest stores them."""
        from vidi.ingest.describe import describe_file

        return FileFacts(tuple(describe_file(path, self.settings).items()))

    def status(self) -> HomeStatus:
        """Where the data lives, how much there is, and whether the audit trail verifies."""
        from vidi.home_status import home_status

        return home_status(self.settings, self.db)

    def audit_verify(
        self, anchor_copy: Path | None = None, export: Path | None = None
    ) -> ChainVerification:
        """Check the audit chain and anchors; with EXPORT, write the anchor if it verifies."""
        from vidi.audit import verify_chain, write_anchor
        from vidi.audit.anchor import new_anchor

        with self.db.session() as session:
            result = verify_chain(session, self.settings.audit_anchor, anchor_copy)
        if export is not None and result.ok:
            database = self.db.engine.url.render_as_string(hide_password=True)
            write_anchor(export, new_anchor(result.events, result.head_hash, database))
        return result

    # Operations: health, backup, the shared index

    def doctor(self) -> DoctorReport:
        """Check database, schema, index, thumbnails, audit chain and free space."""
        from vidi.operations.doctor import examine_home

        return examine_home(self.settings)

    def backup(self, out: Path) -> BackupResult:
        """Copy database, thumbnails, index and anchor to OUT with a SHA-256 manifest."""
        from vidi.operations.backup import backup_home

        return backup_home(self.settings, out)

    def restore(
        self, backup: Path, *, force: bool = False, expect: str | None = None
    ) -> RestoreResult:
        """Check a backup against its manifest, then restore it into this home."""
        from vidi.operations.backup import restore_home

        self.close()  # the database file may be replaced
        return restore_home(self.settings, backup, force=force, expect=expect)

    def index_server(self, host: str, port: int, sync_every_s: float = 30.0) -> IndexServer:
        """The known-hash index, synced, bound to HOST:PORT (call ``serve_forever``)."""
        from vidi.matching.index_service import serve

        return serve(self.db, self.settings, host, port, sync_every_s)

    # Helpers

    def _case_id(self, name: str, session: Session | None = None) -> int:
        """The case's id: the public API names cases, the services below take ids."""
        from vidi.cases import get_case

        if session is not None:
            return get_case(session, name).id
        with self.db.session() as own:
            return get_case(own, name).id

    def _case_exists(self, name: str) -> bool:
        try:
            self._case_id(name)
        except NotFound:
            return False
        return True

    # Trace an Object: publications out, tips back (vidi.publications)

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


def _case_info(case: Case) -> CaseInfo:
    return CaseInfo(case.id, case.name, case.country, case.created_at, case.description)
