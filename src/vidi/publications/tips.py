"""Tips from the public, back in the workbench: import, queue, status, clue.

Tips arrive only as a signed tip bundle from the portal (``vidi portal tips export``),
verified against the portal's public key that was copied to this home by hand
(``HOME/trusted/portal-tips.pub``). A tip is stored once however often its bundle is
imported. Each tip waits in a queue (new → useful / not-useful / forwarded); a useful
tip can become a clue on the media its object was cropped from, and a ``country`` clue
then feeds the place estimate with the tip named as its reason.

A tip that may report other abuse is flagged for a person to route. The flag comes from
the sender's own tick box on the portal ("this is about another child being harmed, not
about the object") and, as a second signal, from words in the tip (a short list in the
portal's five languages): it is a prompt to read that tip first, not a filter; every tip
must still be read by a person.
"""

from __future__ import annotations

import re
from enum import StrEnum
from pathlib import Path

from sqlalchemy import select
from sqlalchemy.orm import Session

from vidi import audit
from vidi.bundles import BundleRefused, load_trusted_key, read_tips_bundle
from vidi.bundles.signing import fingerprint
from vidi.bundles.tips import Tip as BundleTip
from vidi.config import Settings
from vidi.errors import InvalidInput, NotFound
from vidi.estimates import add_investigator_clue
from vidi.places.evidence import EVIDENCE_KINDS
from vidi.publications.results import TipClue, TipInfo, TipsImport
from vidi.publications.service import PublicationRefused
from vidi.store.db import Database
from vidi.store.models import Case, Publication, Tip, utcnow

TRUSTED_PORTAL_KEY = Path("trusted") / "portal-tips.pub"
"""Where, under the home, the portal's ``tips-signing.pub`` is copied."""


class TipStatus(StrEnum):
    NEW = "new"
    USEFUL = "useful"
    NOT_USEFUL = "not-useful"
    FORWARDED = "forwarded"


CLUE_KINDS = {"place": "place", "country": "country", "shop": "shop", "product": "product"}
"""What a tip can become: kind typed → clue kind stored (``country`` feeds the estimate)."""

ABUSE_PATTERNS = tuple(
    re.compile(pattern, re.IGNORECASE)
    for pattern in (
        r"\babus",  # abuse, abused, abusive; fr abus; es abuso
        r"missbrauch",  # de, also inside compounds
        r"misbruik",  # nl
        r"misshandl",  # de
        r"mishandel",  # nl
        r"maltrat",  # es
        r"maltrait",  # fr
        r"\bexploit",
        r"\btraffick",
        r"menschenhandel",
        r"\bgrooming\b",
        r"\b(in|en) (danger|peligro|gefahr|gevaar)\b",
        r"\bother (child|children|kids?)\b",
        r"\b(anderes|andere) kind",
        r"\bautres? enfants?\b",
        r"\botros? niños?\b",
    )
)
"""Words that suggest a tip reports other abuse; a match flags it for a person."""


def trusted_portal_key(settings: Settings, key: Path | None = None) -> Path:
    return key if key is not None else settings.home / TRUSTED_PORTAL_KEY


def abuse_reason(*texts: str) -> str | None:
    """The words that flagged a tip, or None."""
    found = []
    for text in texts:
        for pattern in ABUSE_PATTERNS:
            found += [match.group(0).lower() for match in pattern.finditer(text)]
    return ", ".join(sorted(set(found))) if found else None


SENDER_TICKED = "the sender ticked: about another child being harmed, not the object"


def tip_abuse_reason(tip: BundleTip) -> str | None:
    """Why a tip is flagged: the sender's tick box first, then the words found, or None."""
    words = abuse_reason(tip.what, tip.where)
    if not tip.other_abuse:
        return words
    return SENDER_TICKED + (f"; words: {words}" if words else "")


def import_tips(
    db: Database, settings: Settings, folder: Path, actor: str, key: Path | None = None
) -> TipsImport:
    """Verify the tip bundle in FOLDER and queue its tips that are not here yet."""
    trusted = load_trusted_key(trusted_portal_key(settings, key))
    try:
        tips = read_tips_bundle(folder, trusted)
    except BundleRefused as refused:
        with db.session() as session:
            audit.record(
                session, "tips.import.refused", f"bundle:{folder}", {"reason": str(refused)}, actor
            )
        raise
    signer = fingerprint(trusted)
    new = repeats = unknown = flagged = 0
    with db.session() as session:
        known = set(session.scalars(select(Tip.tip_id).where(Tip.tip_id.in_([t.id for t in tips]))))
        by_public_id = {
            row.public_id: row.id
            for row in session.scalars(
                select(Publication).where(Publication.public_id.in_({t.object_id for t in tips}))
            )
        }
        for tip in tips:
            if tip.id in known:
                repeats += 1
                continue
            known.add(tip.id)
            publication_id = by_public_id.get(tip.object_id)
            reason = tip_abuse_reason(tip)
            session.add(
                Tip(
                    tip_id=tip.id[:64],
                    publication_id=publication_id,
                    object_id=tip.object_id[:64],
                    received_at=tip.received_at[:32],
                    language=tip.language[:8],
                    what=tip.what,
                    where_seen=tip.where,
                    contact=tip.contact,
                    consent=tip.consent,
                    status=TipStatus.NEW.value,
                    abuse_flag=reason is not None,
                    abuse_reason=reason,
                    bundle_signer=signer,
                    imported_by=actor,
                )
            )
            new += 1
            unknown += publication_id is None
            flagged += reason is not None
        session.flush()
        audit.record(
            session,
            "tips.import",
            f"bundle:{folder}",
            {
                "signer": signer,
                "new": new,
                "already": repeats,
                "unknown_object": unknown,
                "flagged": flagged,
            },
            actor=actor,
        )
    return TipsImport(folder, signer, new, repeats, unknown, flagged)


def list_tips(
    session: Session,
    case: str | None = None,
    status: str | None = None,
    publication: str | None = None,
) -> list[TipInfo]:
    """The tip queue: flagged tips first, then oldest first."""
    query = select(Tip).outerjoin(Publication, Publication.id == Tip.publication_id)
    if case is not None:
        from vidi.cases import get_case

        query = query.where(Publication.case_id == get_case(session, case).id)
    if status is not None:
        query = query.where(Tip.status == _status(status))
    if publication is not None:
        from vidi.publications.service import find_publication

        query = query.where(Tip.publication_id == find_publication(session, publication).id)
    query = query.order_by(Tip.abuse_flag.desc(), Tip.received_at, Tip.id)
    return [tip_info(session, row) for row in session.scalars(query)]


def set_tip_status(
    session: Session, ref: str, status: str, actor: str, note: str | None = None
) -> TipInfo:
    row = find_tip(session, ref)
    chosen = _status(status)
    before = row.status
    row.status, row.status_by, row.status_at = chosen, actor, utcnow()
    if note:
        row.note = note
    audit.record(
        session,
        "tip.status",
        f"tip:{row.id}",
        {"tip_id": row.tip_id, "from": before, "to": chosen, "note": note},
        actor=actor,
    )
    return tip_info(session, row)


def tip_to_clue(session: Session, ref: str, kind: str, value: str, actor: str) -> TipClue:
    """A useful tip as a clue on the object's media (its series and case read it there)."""
    row = find_tip(session, ref)
    clue_kind = CLUE_KINDS.get(kind.strip().lower())
    if clue_kind is None:
        raise InvalidInput(f"a tip becomes a clue of kind {', '.join(CLUE_KINDS)}, not {kind!r}")
    if row.status != TipStatus.USEFUL:
        raise PublicationRefused(
            f"tip {row.id} is {row.status}; mark it useful first (vidi tips set {row.id} useful)"
        )
    publication = session.get(Publication, row.publication_id) if row.publication_id else None
    if publication is None:
        raise PublicationRefused(
            f"tip {row.id} is about object {row.object_id!r}, which is not published from here"
        )
    clue = add_investigator_clue(
        session,
        publication.media_sha256,
        clue_kind,
        value,
        actor,
        detail={"tip": row.id, "tip_id": row.tip_id, "publication": publication.public_id},
    )
    row.clue_id = clue.id
    audit.record(
        session,
        "tip.clue",
        f"tip:{row.id}",
        {"clue": clue.id, "kind": clue.kind, "value": clue.value, "media": clue.media_sha256},
        actor=actor,
    )
    return TipClue(
        row.id, clue.id, clue.kind, clue.value, clue.media_sha256, clue.kind in EVIDENCE_KINDS
    )


def find_tip(session: Session, ref: str) -> Tip:
    """A tip by its number in the queue (``12``) or the portal's tip id."""
    ref = ref.strip()
    row = (
        session.get(Tip, int(ref))
        if ref.isdigit() and len(ref) < 12
        else session.scalars(select(Tip).where(Tip.tip_id == ref)).first()
    )
    if row is None:
        raise NotFound(f"no tip {ref!r}; see 'vidi tips list'")
    return row


def tip_info(session: Session, row: Tip) -> TipInfo:
    case = None
    if row.publication_id is not None:
        publication = session.get(Publication, row.publication_id)
        owner = session.get(Case, publication.case_id) if publication else None
        case = owner.name if owner else None
    return TipInfo(
        id=row.id,
        tip_id=row.tip_id,
        object_id=row.object_id,
        publication_id=row.publication_id,
        case=case,
        received_at=row.received_at,
        language=row.language,
        what=row.what,
        where=row.where_seen,
        contact=row.contact,
        consent=row.consent,
        status=row.status,
        abuse_flag=row.abuse_flag,
        abuse_reason=row.abuse_reason,
        note=row.note,
        clue_id=row.clue_id,
        imported_at=row.imported_at,
    )


def _status(status: str) -> str:
    cleaned = status.strip().lower().replace("_", "-").replace(" ", "-")
    if cleaned not in {s.value for s in TipStatus}:
        raise InvalidInput(
            f"unknown tip status {status!r}; use new, useful, not-useful or forwarded"
        )
    return cleaned
