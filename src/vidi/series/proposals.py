"""Members Vidi proposes for a series, and the investigator's answer to each.

A media item of the same case is proposed when it is in the near-duplicate group of a
member (``media.group_id``), lies in the same folder of the same source as a member
(inside the same archive chain), shares a clue value with a member (the same
barcode, QR or sign text, camera serial), or is linked to a member as the same scene
(``match`` rows of kind ``scene``). A proposal is accepted (the item joins the series)
or rejected (it is not proposed again); both are audit events.
"""

from __future__ import annotations

import json
import posixpath
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import ColumnElement, and_, func, or_, select
from sqlalchemy.orm import InstrumentedAttribute, Session

from vidi import audit
from vidi.errors import InvalidInput, NotFound
from vidi.series.series import add_media, series_media
from vidi.store.models import (
    Case,
    Clue,
    ClueReview,
    Match,
    Media,
    Occurrence,
    Series,
    SeriesMember,
    SeriesProposal,
    Source,
)
from vidi.store.queries import in_chunks, insert_ignoring_duplicates

SHARED_CLUE_KINDS = ("barcode", "qr_text", "text", "camera_serial")
"""Clue values that tie pictures together: the same product code, sign text or camera."""

MAX_OPEN = 500
"""Open proposals at most: no new ones are looked for while this many wait for an answer,
and a big folder does not flood the list."""

MAX_FOLDERS = 100
"""Folders looked into at one time (those of the members added last)."""

FOLDER_BATCH = 20
"""Folders asked for in one query (one walk over a source's files at worst)."""

PROPOSED, ACCEPTED, REJECTED = "proposed", "accepted", "rejected"

Reasons = dict[str, list[dict[str, str]]]


def refresh_proposals(session: Session, case: Case, series: Series) -> None:
    """Look for new candidates and store them as open proposals, a bounded amount of work.

    Nothing is looked for while MAX_OPEN proposals wait for an answer; otherwise each
    finder asks the database for at most the room left (SQL ``LIMIT``), leaving out
    members and media already proposed (open, accepted or rejected), so a folder of a
    million files costs one bounded query, not a million rows. An open proposal keeps
    the reasons it was made with.
    """
    room = MAX_OPEN - open_count(session, series)
    members = series_media(session, series)
    if room <= 0 or not members:
        return
    found: Reasons = {}
    for finder in (_near_duplicates, _same_folder, _shared_clues, _same_scene):
        finder(session, case, series, members, found, room)
    for sha in set(members) | _proposed(session, series, list(found)):
        found.pop(sha, None)
    rows = [
        {"series_id": series.id, "media_sha256": sha, "reasons": reasons, "state": PROPOSED}
        for sha, reasons in sorted(found.items())[:room]
    ]
    if rows:
        # Two pages opened at once may find the same candidates: the second one's copy
        # of a proposal is skipped, not an error.
        insert = insert_ignoring_duplicates(session)
        session.execute(insert(SeriesProposal).values(rows).on_conflict_do_nothing())


def _proposed(session: Session, series: Series, sha256s: list[str]) -> set[str]:
    """Those of SHA256S already proposed for SERIES (in any state)."""
    held: set[str] = set()
    for chunk in in_chunks(sha256s):
        held.update(
            session.scalars(
                select(SeriesProposal.media_sha256).where(
                    SeriesProposal.series_id == series.id, SeriesProposal.media_sha256.in_(chunk)
                )
            )
        )
    return held


def open_count(session: Session, series: Series) -> int:
    """How many proposals of SERIES wait for an answer."""
    counted = session.scalar(
        select(func.count())
        .select_from(SeriesProposal)
        .where(SeriesProposal.series_id == series.id, SeriesProposal.state == PROPOSED)
    )
    return int(counted or 0)


def open_proposals(
    session: Session, series: Series, after: int = 0, limit: int = MAX_OPEN
) -> list[SeriesProposal]:
    """A page of the open proposals, oldest first: those with an id above AFTER (keyset)."""
    return list(
        session.scalars(
            select(SeriesProposal)
            .where(
                SeriesProposal.series_id == series.id,
                SeriesProposal.state == PROPOSED,
                SeriesProposal.id > after,
            )
            .order_by(SeriesProposal.id)
            .limit(max(0, min(limit, MAX_OPEN)))
        )
    )


def decide(
    session: Session, case: Case, series: Series, proposal_id: int, accept: bool, actor: str
) -> SeriesProposal:
    """Accept (the media joins the series) or reject a proposal of SERIES."""
    proposal = session.get(SeriesProposal, proposal_id) if 1 <= proposal_id < 2**31 else None
    if proposal is None or proposal.series_id != series.id:
        raise NotFound(f"no proposal {proposal_id} for series {series.id}")
    if proposal.state != PROPOSED:
        raise InvalidInput(
            f"proposal {proposal_id} was already {proposal.state} by {proposal.decided_by}"
        )
    proposal.state = ACCEPTED if accept else REJECTED
    proposal.decided_by = actor
    proposal.decided_at = datetime.now(UTC)
    if accept:
        add_media(session, case, series, [proposal.media_sha256], actor)
    audit.record(
        session,
        "series.proposal." + proposal.state,
        f"series:{series.id}",
        {"case": case.id, "media": proposal.media_sha256, "proposal": proposal.id},
        actor,
    )
    return proposal


def _add(found: Reasons, sha: str | None, kind: str, detail: str) -> None:
    if sha is None:
        return
    reasons = found.setdefault(sha, [])
    if len(reasons) < 10 and {"kind": kind, "detail": detail} not in reasons:
        reasons.append({"kind": kind, "detail": detail})


def _new_to(series: Series, column: InstrumentedAttribute[Any]) -> ColumnElement[bool]:
    """COLUMN names a media item that is neither a member of SERIES nor proposed for it."""
    return and_(
        column.is_not(None),
        column.not_in(select(SeriesMember.media_sha256).where(SeriesMember.series_id == series.id)),
        column.not_in(
            select(SeriesProposal.media_sha256).where(SeriesProposal.series_id == series.id)
        ),
    )


def _in_case(case: Case, column: InstrumentedAttribute[Any]) -> ColumnElement[bool]:
    """COLUMN names a media item with a file in CASE (a lookup per row, by index)."""
    return (
        select(Occurrence.id)
        .join(Source, Source.id == Occurrence.source_id)
        .where(Source.case_id == case.id, Occurrence.media_sha256 == column)
        .exists()
    )


def _near_duplicates(
    session: Session, case: Case, series: Series, members: list[str], found: Reasons, room: int
) -> None:
    groups: set[str] = set()
    for chunk in in_chunks(members):
        groups.update(
            g
            for g in session.scalars(select(Media.group_id).where(Media.sha256.in_(chunk)))
            if g is not None
        )
    for chunk in in_chunks(sorted(groups)):
        rows = session.execute(
            select(Media.sha256, Media.group_id)
            .where(
                Media.group_id.in_(chunk),
                _new_to(series, Media.sha256),
                _in_case(case, Media.sha256),
            )
            .limit(room)
        )
        for sha, group in rows:
            _add(found, sha, "near_duplicate", f"near-duplicate group {group}")


def _folder(path: str, chain: list[Any] | None) -> tuple[str, str]:
    return json.dumps(chain or [], sort_keys=True), posixpath.dirname(path.replace("\\", "/"))


def _like(text: str) -> str:
    return text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")


def _same_folder(
    session: Session, case: Case, series: Series, members: list[str], found: Reasons, room: int
) -> None:
    """Files beside a member's file: the folders of the latest MAX_FOLDERS members' files.

    There is no index on a file's folder, so each query walks one source's files until
    it has ROOM new ones (``LIMIT``): fast where a folder is full of candidates, and at
    worst one pass over the source per batch of FOLDER_BATCH folders.
    """
    folders: dict[int, set[tuple[str, str]]] = {}
    latest = members[::-1]
    for chunk in in_chunks(latest):
        rows = session.execute(
            select(Occurrence.source_id, Occurrence.path, Occurrence.archive_chain)
            .join(Source, Source.id == Occurrence.source_id)
            .where(Source.case_id == case.id, Occurrence.media_sha256.in_(chunk))
        )
        for source_id, path, chain in rows:
            places = folders.setdefault(source_id, set())
            if sum(len(f) for f in folders.values()) < MAX_FOLDERS:
                places.add(_folder(path, chain))
        if sum(len(f) for f in folders.values()) >= MAX_FOLDERS:
            break
    slash_path = func.replace(Occurrence.path, "\\", "/")
    for source_id, places in sorted(folders.items()):
        ordered = sorted(places)
        for start in range(0, len(ordered), FOLDER_BATCH):
            batch = ordered[start : start + FOLDER_BATCH]
            wanted = set(batch)
            patterns = []
            for _, folder in batch:
                prefix = _like(folder + "/") if folder else ""
                patterns.append(
                    and_(
                        slash_path.like(prefix + "%", escape="\\"),
                        slash_path.not_like(prefix + "%/%", escape="\\"),
                    )
                )
            rows = session.execute(
                select(Occurrence.media_sha256, Occurrence.path, Occurrence.archive_chain)
                .where(
                    Occurrence.source_id == source_id,
                    or_(*patterns),
                    _new_to(series, Occurrence.media_sha256),
                )
                .limit(room)
            )
            for sha, path, chain in rows:
                place = _folder(path, chain)
                if place in wanted:
                    shown = place[1] or "(top of the source)"
                    _add(found, sha, "same_folder", f"folder {shown}")
            if len(found) >= room:
                return


def _shared_clues(
    session: Session, case: Case, series: Series, members: list[str], found: Reasons, room: int
) -> None:
    rejected = select(ClueReview.clue_id).where(ClueReview.verdict == "rejected")
    values: set[tuple[str, str]] = set()
    for chunk in in_chunks(members):
        values.update(
            (k, v)
            for k, v in session.execute(
                select(Clue.kind, Clue.value).where(
                    Clue.media_sha256.in_(chunk),
                    Clue.kind.in_(SHARED_CLUE_KINDS),
                    Clue.id.not_in(rejected),
                )
            )
        )
    for kind in SHARED_CLUE_KINDS:
        wanted = sorted(v for k, v in values if k == kind)
        for chunk in in_chunks(wanted):
            rows = session.execute(
                select(Clue.media_sha256, Clue.value)
                .where(
                    Clue.kind == kind,
                    Clue.value.in_(chunk),
                    _new_to(series, Clue.media_sha256),
                    _in_case(case, Clue.media_sha256),
                    Clue.id.not_in(rejected),
                )
                .limit(room)
            )
            for sha, value in rows:
                _add(found, sha, "shared_clue", f"same {kind} {value[:80]!r}")


def _same_scene(
    session: Session, case: Case, series: Series, members: list[str], found: Reasons, room: int
) -> None:
    for chunk in in_chunks(members):
        for one, other in session.execute(
            select(Match.media_sha256, Match.other_sha256)
            .where(
                Match.kind == "scene",
                or_(
                    and_(Match.media_sha256.in_(chunk), _in_case(case, Match.other_sha256)),
                    and_(Match.other_sha256.in_(chunk), _in_case(case, Match.media_sha256)),
                ),
            )
            .limit(room + len(chunk))
        ):
            for sha in (one, other):
                if sha not in chunk:
                    _add(found, sha, "same_scene", "linked to a member as the same scene")
