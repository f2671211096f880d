"""Series of a case: create, add media, merge, split, list, and the series page.

A series belongs to one case and holds only that case's media. Merging moves the
other series' media in and leaves the other one as a pointer (``merged_into``), so
its id still reads; splitting moves the chosen media to a new series. Each change
is one audit event naming the user, the series and the media.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from vidi import audit
from vidi.errors import InvalidInput, NotFound
from vidi.store.models import Case, Clue, ClueReview, Occurrence, Series, SeriesMember
from vidi.store.queries import case_media, in_chunks

NO_SERIES = "no such series in this case"
NO_MEDIA = "no such media item in this case"
LARGEST_ID = 2**31 - 1
MAX_NAME = 200
MAX_MEDIA_PER_CHANGE = 5000
_SHA256 = re.compile(r"[0-9a-f]{64}")
_UNPRINTABLE = re.compile("[\x00-\x1f\x7f\ud800-\udfff]")
SUMMARY_KINDS = (
    "barcode",
    "qr_text",
    "text",
    "language",
    "language_heard",
    "camera_serial",
    "gps_country",
    "object_seen",
    "logo",
    "place",
    "country",
)
"""Clue kinds a series page sums up (the ones an investigator reads across a series)."""


def checked_name(name: str) -> str:
    chosen = name.strip()
    if not chosen or len(chosen) > MAX_NAME or _UNPRINTABLE.search(chosen):
        raise InvalidInput(f"a series name is 1 to {MAX_NAME} printable characters")
    return chosen


def case_series(session: Session, case: Case, series_id: int) -> Series:
    """Series SERIES_ID when it belongs to CASE; NotFound otherwise (another case's too)."""
    series = session.get(Series, series_id) if 1 <= series_id <= LARGEST_ID else None
    if series is None or series.case_id != case.id:
        raise NotFound(
            f"{NO_SERIES} (series {series_id}, case {case.name!r}); see 'vidi series list'"
        )
    return series


def live_series(session: Session, case: Case, series_id: int) -> Series:
    """As case_series, refusing a series already merged into another."""
    series = case_series(session, case, series_id)
    if series.merged_into_id is not None:
        raise InvalidInput(
            f"series {series_id} was merged into series {series.merged_into_id}; use that one"
        )
    return series


def checked_media(session: Session, case: Case, sha256s: Iterable[str]) -> list[str]:
    """The SHA-256s, lower case, in the order given, once each; NotFound for any not in CASE."""
    wanted = list(dict.fromkeys(s.strip().lower() for s in sha256s))
    if not wanted:
        raise InvalidInput("name at least one media item (its SHA-256)")
    if len(wanted) > MAX_MEDIA_PER_CHANGE:
        raise InvalidInput(f"at most {MAX_MEDIA_PER_CHANGE} media items in one change")
    if any(not _SHA256.fullmatch(s) for s in wanted):
        raise NotFound(NO_MEDIA)
    found: set[str] = set()
    for chunk in in_chunks(wanted):
        found.update(
            s
            for s in session.scalars(case_media(case.id).where(Occurrence.media_sha256.in_(chunk)))
            if s is not None
        )
    missing = [s for s in wanted if s not in found]
    if missing:
        raise NotFound(f"{NO_MEDIA}: {missing[0]}")
    return wanted


def create_series(session: Session, case: Case, name: str, actor: str) -> Series:
    series = Series(case_id=case.id, name=checked_name(name), created_by=actor)
    session.add(series)
    session.flush()
    audit.record(
        session,
        "series.create",
        f"series:{series.id}",
        {"case": case.id, "name": series.name},
        actor,
    )
    return series


def series_media(session: Session, series: Series) -> list[str]:
    return list(
        session.scalars(
            select(SeriesMember.media_sha256)
            .where(SeriesMember.series_id == series.id)
            .order_by(SeriesMember.id)
        )
    )


def add_media(
    session: Session, case: Case, series: Series, sha256s: Sequence[str], actor: str
) -> list[str]:
    """Put media of CASE in SERIES; returns those not already in it."""
    wanted = checked_media(session, case, sha256s)
    held = set(series_media(session, series))
    added = [s for s in wanted if s not in held]
    session.add_all(
        SeriesMember(series_id=series.id, media_sha256=s, added_by=actor) for s in added
    )
    session.flush()
    if added:
        audit.record(
            session, "series.add", f"series:{series.id}", {"case": case.id, "media": added}, actor
        )
    return added


def merge_series(
    session: Session, case: Case, into: Series, other: Series, actor: str
) -> list[str]:
    """Move OTHER's media into INTO; OTHER stays as a pointer to INTO."""
    if into.id == other.id:
        raise InvalidInput("a series cannot be merged into itself")
    moved = series_media(session, other)
    held = set(series_media(session, into))
    for member in session.scalars(select(SeriesMember).where(SeriesMember.series_id == other.id)):
        if member.media_sha256 in held:
            session.delete(member)
        else:
            member.series_id = into.id
    other.merged_into_id = into.id
    session.flush()
    audit.record(
        session,
        "series.merge",
        f"series:{into.id}",
        {"case": case.id, "merged": other.id, "media": moved},
        actor,
    )
    return moved


def split_series(
    session: Session, case: Case, series: Series, sha256s: Sequence[str], name: str, actor: str
) -> Series:
    """Move the named media of SERIES to a new series called NAME."""
    wanted = checked_media(session, case, sha256s)
    held = set(series_media(session, series))
    outside = [s for s in wanted if s not in held]
    if outside:
        raise InvalidInput(f"media {outside[0][:12]}… is not in series {series.id}")
    if len(wanted) == len(held):
        raise InvalidInput("a split leaves at least one media item in the series")
    new = Series(case_id=case.id, name=checked_name(name), created_by=actor)
    session.add(new)
    session.flush()
    for member in session.scalars(
        select(SeriesMember).where(
            SeriesMember.series_id == series.id, SeriesMember.media_sha256.in_(wanted)
        )
    ):
        member.series_id = new.id
    session.flush()
    audit.record(
        session,
        "series.split",
        f"series:{series.id}",
        {"case": case.id, "new_series": new.id, "media": wanted},
        actor,
    )
    return new


def list_series(session: Session, case: Case, merged: bool = False) -> list[Series]:
    query = select(Series).where(Series.case_id == case.id).order_by(Series.id)
    if not merged:
        query = query.where(Series.merged_into_id.is_(None))
    return list(session.scalars(query))


def member_counts(session: Session, series_ids: Sequence[int]) -> dict[int, int]:
    counts: dict[int, int] = {}
    for chunk in in_chunks(list(series_ids)):
        rows = session.execute(
            select(SeriesMember.series_id, func.count())
            .where(SeriesMember.series_id.in_(chunk))
            .group_by(SeriesMember.series_id)
        )
        counts.update({sid: n for sid, n in rows})
    return counts


def clue_summary(session: Session, sha256s: Sequence[str]) -> list[tuple[str, str, int, bool]]:
    """(kind, value, media count, rejected) for the series' clues, most widespread first."""
    seen: dict[tuple[str, str], set[str]] = {}
    rejected: set[tuple[str, str]] = set()
    for chunk in in_chunks(list(sha256s)):
        rows = session.execute(
            select(Clue.kind, Clue.value, Clue.media_sha256, ClueReview.verdict)
            .outerjoin(ClueReview, ClueReview.clue_id == Clue.id)
            .where(Clue.media_sha256.in_(chunk), Clue.kind.in_(SUMMARY_KINDS))
        )
        for kind, value, sha, verdict in rows:
            key = (kind, value[:200])
            seen.setdefault(key, set()).add(sha)
            if verdict == "rejected":
                rejected.add(key)
    ranked = sorted(seen.items(), key=lambda kv: (-len(kv[1]), kv[0]))
    return [(k, v, len(media), (k, v) in rejected) for (k, v), media in ranked[:100]]
