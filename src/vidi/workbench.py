"""The library's one face: every workflow of Vidi, with typed results.

``Workbench`` is built from settings and owns the database. The command line parses,
makes one Workbench call and renders the result (a table, or ``to_dict()`` as JSON);
the web will do the same. A case is addressed by its name everywhere here.

Stages never call one another: :meth:`Workbench.ingest` is the one place that runs
them in order (store the files → match the new media → extract clues).

The face is one class built from parts, one file per area, each beside the services it
calls: ``accounts``, ``review``, ``series``, ``objects``, ``matching`` (hash lists,
lookup, export), ``clues`` (clues and text search), ``operations`` (status, audit,
doctor, backup) and ``publications`` each have a ``workbench_part.py``; this file keeps
cases, the ingest → match → extract order, places, reports and the helpers they share.

Services are imported inside the methods that use them, so ``import vidi`` and
``vidi --help`` do not pay for SQLAlchemy, NumPy or the extractors.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from pathlib import Path
from types import TracebackType
from typing import TYPE_CHECKING

from vidi.accounts.workbench_part import AccountsPart
from vidi.clues.workbench_part import CluesPart
from vidi.config import Settings, load_settings
from vidi.errors import InvalidInput, NotFound, VidiError
from vidi.matching.workbench_part import MatchingPart
from vidi.objects.workbench_part import ObjectsPart
from vidi.operations.workbench_part import OperationsPart
from vidi.progress import CountProgress, FileProgress
from vidi.publications.workbench_part import PublicationsPart
from vidi.results import (
    CaseInfo,
    DemoOutcome,
    FileFacts,
    IngestOutcome,
    PlaceEstimate,
)
from vidi.review.workbench_part import ReviewPart
from vidi.series.workbench_part import SeriesPart

if TYPE_CHECKING:
    from sqlalchemy.orm import Session

    from vidi.clues.runner import ExtractionSummary
    from vidi.distributed.results import DistributedExtract, DistributedIngest, JobInfo
    from vidi.matching import MatchSummary
    from vidi.report import CaseReport
    from vidi.store.db import Database
    from vidi.store.models import Case


class Workbench(
    AccountsPart,
    ReviewPart,
    SeriesPart,
    ObjectsPart,
    MatchingPart,
    CluesPart,
    OperationsPart,
    PublicationsPart,
):
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
        features: bool = True,
        workers: int | None = None,
        progress: FileProgress | None = None,
        clue_progress: CountProgress | None = None,
        feature_progress: CountProgress | None = None,
    ) -> IngestOutcome:
        """The pipeline's stages, in order: store the files, match what is new, index local
        features (object search, same-scene links, gallery clues), find clues.

        Each stage is resumable on its own: a second ingest skips stored files, ``match``
        redoes matching, ``run_features`` resumes the feature stage, ``extract`` resumes
        clue extraction (``clue_limit`` stops early). The feature stage is off with
        ``features=False`` or ``VIDI_FEATURES=0``; ingest then extracts no features.
        """
        from vidi.clues.runner import extract_clues
        from vidi.ingest.pipeline import ingest
        from vidi.matching.casematch import match_run
        from vidi.matching.importing import finish_pending_matches

        settings = self.settings if workers is None else self.settings.with_changes(workers=workers)
        if not features:
            settings = settings.with_changes(features=False)
        finish_pending_matches(self.db, settings)  # lists a killed import left unmatched
        stored = ingest(self.db, settings, case, list(paths), progress)
        matched = match_run(self.db, settings, case, stored.run_id)
        indexed = None
        if settings.features:
            from vidi.objects.stage import run_feature_stage  # OpenCV and FAISS only when on

            case_id = self._case_id(case)
            indexed = run_feature_stage(self.db, settings, case_id, feature_progress)
        extracted = None
        if clues and settings.extractors:
            extracted = extract_clues(
                self.db,
                settings,
                case_id=self._case_id(case),
                progress=clue_progress,
                limit=clue_limit,
            )
        return IngestOutcome(stored, matched, extracted, indexed)

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

    # Places

    def place(
        self, case: str, series: str | None = None, *, other_cases: bool = False, top: int = 10
    ) -> PlaceEstimate:
        """Ranked likely countries for a case or one of its series, each with its clues.

        SERIES is a series id of the case (``vidi series list``); a near-duplicate group
        id (``vidi groups``) still works in its place.
        """
        from vidi.estimates import estimate_case, estimate_media_set
        from vidi.series.series import case_series, series_media

        if series is not None and series.strip().isdigit():
            if other_cases:
                raise InvalidInput("--other-cases applies to near-duplicate groups, not series")
            with self._case_work(case, None, change=False) as (session, found, _):
                chosen = case_series(session, found, int(series))
                media = series_media(session, chosen)
                estimate = estimate_media_set(session, media, found.id)
            return PlaceEstimate(case, series, estimate, top)
        with self.db.session() as session:
            estimate = estimate_case(session, case, series, other_cases)
        return PlaceEstimate(case, series, estimate, top)

    # Reports and one file

    def report(self, case: str) -> CaseReport:
        from vidi.report import build_report

        with self.db.session() as session:
            return build_report(session, case)

    def describe_file(self, path: Path) -> FileFacts:
        """Hashes, type, size and PDQ of one file, exactly as ingest stores them."""
        from vidi.media.examine import examine

        return FileFacts(examine(path, self.settings))

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

    # Distributed work: a job's chunks run by Celery workers (vidi.distributed)

    def ingest_distributed(
        self,
        case: str,
        paths: Sequence[Path],
        *,
        wait: bool = True,
        clues: bool = True,
        progress: FileProgress | None = None,
        clue_progress: CountProgress | None = None,
    ) -> DistributedIngest:
        """:meth:`ingest` with the files stored by ``vidi worker`` processes, on any machine.

        The same call again finds the unfinished job and sends its undone chunks again
        (after a lost broker, say). Once every chunk is stored, matching and the feature
        stage run here and clue extraction goes to the workers too; ``wait=False`` returns
        once sent.
        """
        from vidi.distributed import jobs
        from vidi.distributed.app import send_chunks
        from vidi.distributed.results import DistributedIngest
        from vidi.matching.casematch import match_run
        from vidi.matching.importing import finish_pending_matches
        from vidi.objects.stage import run_feature_stage

        resolved = [p.expanduser().resolve() for p in paths]
        job_id = jobs.find_unfinished(self.db, "ingest", case, [str(p) for p in resolved])
        if job_id is None:
            job_id = jobs.create_ingest_job(self.db, self.settings, case, resolved)
        send_chunks(self.settings, "ingest", job_id, jobs.undone_chunks(self.db, job_id))
        if not wait:
            return DistributedIngest(jobs.job_info(self.db, job_id), None)
        self._wait_for_job(job_id, _FileBar(progress))
        stored = jobs.stored_summary(self.db, job_id)
        finish_pending_matches(self.db, self.settings)
        matched = match_run(self.db, self.settings, case, stored.run_id)
        indexed = None
        if self.settings.features:  # here: the object index has one owner
            indexed = run_feature_stage(self.db, self.settings, self._case_id(case))
        extracted = None
        if clues and self.settings.extractors:
            extracted = self.extract_distributed(case, progress=clue_progress).summary
        jobs.mark_finished(self.db, job_id)
        outcome = IngestOutcome(stored, matched, extracted, indexed)
        return DistributedIngest(jobs.job_info(self.db, job_id), outcome)

    def extract_distributed(
        self, case: str, *, wait: bool = True, progress: CountProgress | None = None
    ) -> DistributedExtract:
        """:meth:`extract` on the workers: the case's pending media in chunks, new first."""
        from vidi.distributed import jobs
        from vidi.distributed.app import send_chunks
        from vidi.distributed.results import DistributedExtract

        job_id = jobs.find_unfinished(self.db, "extract", case, [])
        if job_id is None:
            job_id = jobs.create_extract_job(self.db, self.settings, case)
        send_chunks(self.settings, "extract", job_id, jobs.undone_chunks(self.db, job_id))
        if not wait:
            return DistributedExtract(jobs.job_info(self.db, job_id), None)
        self._wait_for_job(job_id, _CountBar(progress))
        summary = jobs.extraction_summary(self.db, job_id)
        return DistributedExtract(jobs.job_info(self.db, job_id), summary)

    def jobs(self, case: str | None = None, limit: int = 20) -> list[JobInfo]:
        """The latest distributed jobs (of one case), newest first, with their progress."""
        from vidi.distributed.jobs import list_jobs

        return list_jobs(self.db, case, limit)

    def run_worker(self, concurrency: int | None = None, name: str | None = None) -> None:
        """Run a Celery worker here until stopped; it needs the database and the evidence paths."""
        from vidi.distributed.app import run_worker

        self.db  # noqa: B018 - reach and upgrade the database now, so a bad one is one line
        self.close()  # the worker's processes each open their own, after the fork
        run_worker(self.settings, concurrency or self.settings.workers, name)

    def _wait_for_job(self, job_id: int, bar: _FileBar | _CountBar) -> None:
        from vidi.distributed import jobs

        info = jobs.wait_for(self.db, job_id, bar.show)
        bar.finish()
        if info.stuck:
            raise VidiError(
                f"job {job_id}: {info.chunks_failed} of {info.chunks} chunks failed "
                f"({info.failure}); fix the cause and run the same command again "
                "(done chunks are kept)"
            )
        jobs.finish_if_stored(self.db, job_id)


class _FileBar:
    """A job's progress shown on an ingest's files-and-bytes bar."""

    def __init__(self, progress: FileProgress | None) -> None:
        self.progress = progress
        self.files = self.bytes = -1

    def show(self, job: JobInfo) -> None:
        if self.progress is None:
            return
        if self.files < 0:
            self.progress.start(job.files, job.bytes)
            self.files = self.bytes = 0
        files, nbytes = max(self.files, job.files_done), max(self.bytes, job.bytes_done)
        self.progress.advance(files - self.files, nbytes - self.bytes)
        self.files, self.bytes = files, nbytes

    def finish(self) -> None:
        if self.progress is not None and self.files >= 0:
            self.progress.finish()


class _CountBar:
    """A job's progress shown on a counting bar (media)."""

    def __init__(self, progress: CountProgress | None) -> None:
        self.progress = progress
        self.done = -1

    def show(self, job: JobInfo) -> None:
        if self.progress is None:
            return
        if self.done < 0:
            self.progress.start(job.files)
            self.done = 0
        done = max(self.done, job.files_done)
        self.progress.advance(done - self.done)
        self.done = done

    def finish(self) -> None:
        if self.progress is not None and self.done >= 0:
            self.progress.finish()


def _case_info(case: Case) -> CaseInfo:
    return CaseInfo(case.id, case.name, case.country, case.created_at, case.description)
