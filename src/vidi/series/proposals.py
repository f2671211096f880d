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
from collections.abc import Sequence
from datetime import UTC, datetime

from sqlalchemy import or_, select
from sqlalchemy.orm import Session

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
    SeriesProposal,
    Source,
)
from vidi.store.queries import case_media, in_chunks

SHARED_CLUE_KINDS = ("barcode", "qr_text", "text", "camera_serial")
"""Clue values that tie pictures together: the same product code, sign text or camera."""

MAX_PROPOSALS = 500
"""New proposals made at one time; a big folder does not flood the list."""

PROPOSED, ACCEPTED, REJECTED = "proposed", "accepted", "rejected"

Reasons = dict[str, list[dict[str, str]]]


def refresh_proposals(session: Session, case: Case, series: Series) -> list[SeriesProposal]:
    """Work out the candidates now; store new ones; return the open proposals."""
    members = series_media(session, series)
    found: Reasons = {}
    if members:
        _near_duplicates(session, case, members, found)
        _same_folder(session, case, members, found)
        _shared_clues(session, case, members, found)
        _same_scene(session, case, members, found)
    for sha in members:
        found.pop(sha, None)
    existing = {
        p.media_sha256: p
        for p in session.scalars(
            select(SeriesProposal).where(SeriesProposal.series_id == series.id)
        )
    }
    made = 0
    for sha, reasons in sorted(found.items()):
        proposal = existing.get(sha)
        if proposal is None:
            if made >= MAX_PROPOSALS:
                continue
            session.add(
                SeriesProposal(
                    series_id=series.id, media_sha256=sha, reasons=reasons, state=PROPOSED
                )
            )
            made += 1
        elif proposal.state == PROPOSED:
            proposal.reasons = reasons
    session.flush()
    return open_proposals(session, series)


def open_proposals(session: Session, series: Series) -> list[SeriesProposal]:
    return list(
        session.scalars(
            select(SeriesProposal)
            .where(SeriesProposal.series_id == series.id, SeriesProposal.state == PROPOSED)
            .order_by(SeriesProposal.id)
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


def _in_case(session: Session, case: Case, sha256s: Sequence[str]) -> set[str]:
    held: set[str] = set()
    for chunk in in_chunks(list(sha256s)):
        held.update(
            s
            for s in session.scalars(case_media(case.id).where(Occurrence.media_sha256.in_(chunk)))
            if s is not None
        )
    return held


def _near_duplicates(session: Session, case: Case, members: list[str], found: Reasons) -> None:
    groups: set[str] = set()
    for chunk in in_chunks(members):
        groups.update(
            g
            for g in session.scalars(select(Media.group_id).where(Media.sha256.in_(chunk)))
            if g is not None
        )
    for chunk in in_chunks(sorted(groups)):
        rows = session.execute(
            select(Media.sha256, Media.group_id).where(
                Media.group_id.in_(chunk), Media.sha256.in_(case_media(case.id))
            )
        )
        for sha, group in rows:
            _add(found, sha, "near_duplicate", f"near-duplicate group {group}")


def _folder(occurrence: Occurrence) -> tuple[int, str, str]:
    chain = json.dumps(occurrence.archive_chain or [], sort_keys=True)
    return occurrence.source_id, chain, posixpath.dirname(occurrence.path.replace("\\", "/"))


def _same_folder(session: Session, case: Case, members: list[str], found: Reasons) -> None:
    folders: set[tuple[int, str, str]] = set()
    for chunk in in_chunks(members):
        rows = session.scalars(
            select(Occurrence)
            .join(Source, Source.id == Occurrence.source_id)
            .where(Source.case_id == case.id, Occurrence.media_sha256.in_(chunk))
        )
        folders.update(_folder(o) for o in rows)
    for source_id in sorted({f[0] for f in folders}):
        for occurrence in session.scalars(
            select(Occurrence).where(
                Occurrence.source_id == source_id, Occurrence.media_sha256.is_not(None)
            )
        ):
            place = _folder(occurrence)
            if place in folders:
                shown = place[2] or "(top of the source)"
                _add(found, occurrence.media_sha256, "same_folder", f"folder {shown}")


def _shared_clues(session: Session, case: Case, members: list[str], found: Reasons) -> None:
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
                select(Clue.media_sha256, Clue.value).where(
                    Clue.kind == kind,
                    Clue.value.in_(chunk),
                    Clue.media_sha256.in_(case_media(case.id)),
                    Clue.id.not_in(rejected),
                )
            )
            for sha, value in rows:
                _add(found, sha, "shared_clue", f"same {kind} {value[:80]!r}")


def _same_scene(session: Session, case: Case, members: list[str], found: Reasons) -> None:
    linked: set[str] = set()
    for chunk in in_chunks(members):
        rows = session.execute(
            select(Match.media_sha256, Match.other_sha256).where(
                Match.kind == "scene",
                or_(Match.media_sha256.in_(chunk), Match.other_sha256.in_(chunk)),
            )
        )
        for one, other in rows:
            linked.update(s for s in (one, other) if s is not None)
    for sha in sorted(_in_case(session, case, sorted(linked))):
        _add(found, sha, "same_scene", "linked to a member as the same scene")
