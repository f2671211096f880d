"""Trace an Object as JSON under ``/api/``: the publications and tip queue of a case.

The same Workbench calls and the same rules as the pages in :mod:`vidi.web.publications`:
reads need ``case_member``, every change ``case_investigator`` and the session's CSRF
token in ``X-CSRF-Token``; the signed-in user is the actor, so the author of a proposal
cannot approve it. A publication or tip of another case answers 404 like one that does
not exist; a refused step answers 400 with one line in ``detail``.

No clear crop bytes here: a publication comes as metadata with ``crop_url``, the crop
blurred with the user's settings (also at ``/api/…/crop``). The clear crop leaves only
through the audited reveal route of the page.
"""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Path, Query, Request
from fastapi.responses import Response
from pydantic import BaseModel, Field

from vidi.publications.results import PublicationInfo
from vidi.web.publications import crop
from vidi.web.rules import Access, rule

api = APIRouter(tags=["publications"])

Id = Annotated[int, Path(ge=1, le=2**31 - 1)]


class Box(BaseModel):
    """The object's box in the picture, in pixels."""

    x: int = Field(ge=0, le=100_000)
    y: int = Field(ge=0, le=100_000)
    w: int = Field(ge=1, le=100_000)
    h: int = Field(ge=1, le=100_000)


class ProposeBody(BaseModel):
    box: Box
    object_type: str = Field(min_length=1, max_length=32, description="toy, clothing, logo…")
    description: str = Field(min_length=1, max_length=400, description="public")
    question: str = Field(min_length=1, max_length=4000, description="public")
    language: str = Field("en", min_length=2, max_length=8, description="of the public texts")


class ApproveBody(BaseModel):
    public_id: str = Field(min_length=1, max_length=64, description="the one you were shown")
    no_person_visible: bool = Field(description="you looked at the crop: no person is visible")


class WithdrawBody(BaseModel):
    public_id: str = Field(min_length=1, max_length=64, description="the one you were shown")
    reason: str | None = Field(None, max_length=500)


class TipStatusBody(BaseModel):
    status: str = Field(pattern="^(new|useful|not-useful|forwarded)$")
    note: str | None = Field(None, max_length=2000)


class TipClueBody(BaseModel):
    kind: str = Field(pattern="^(place|country|shop|product)$")
    value: str = Field(min_length=1, max_length=500)


def _publication(case_id: int, item: PublicationInfo, tips: int | None = None) -> dict[str, Any]:
    """The publication's metadata and the URL of its blurred crop (never the clear bytes)."""
    answer = item.to_dict()
    answer["crop_url"] = f"/api/cases/{case_id}/publications/{item.id}/crop"
    if tips is not None:
        answer["tips"] = tips
    return answer


@api.get("/cases/{case_id}/publications")
def publications(
    request: Request,
    case_id: int,
    status: str | None = Query(None, pattern="^(|proposed|approved|withdrawn)$"),
    access: Access = rule("case_member"),
) -> list[dict[str, Any]]:
    """The case's proposed, approved and withdrawn objects, each with its tip count."""
    wb = request.app.state.workbench
    who = access.identity
    items = wb.case_publications(who, case_id, status or None)
    counts: dict[int, int] = {}
    for tip in wb.case_tips(who, case_id):
        if tip.publication_id is not None:
            counts[tip.publication_id] = counts.get(tip.publication_id, 0) + 1
    return [_publication(case_id, item, counts.get(item.id, 0)) for item in items]


@api.get("/cases/{case_id}/publications/{publication_id}")
def publication(
    request: Request, case_id: int, publication_id: Id, access: Access = rule("case_member")
) -> dict[str, Any]:
    """One publication of the case: who proposed, approved or withdrew it, and when."""
    item = request.app.state.workbench.case_publication(access.identity, case_id, publication_id)
    return _publication(case_id, item)


api.add_api_route(
    "/cases/{case_id}/publications/{publication_id}/crop",
    crop,
    methods=["GET"],
    response_class=Response,
    responses={200: {"content": {"image/jpeg": {}}}},
    summary="The crop, blurred with the user's settings (like a thumbnail)",
)


@api.post("/cases/{case_id}/media/{sha256}/publish")
def propose(
    request: Request,
    case_id: int,
    sha256: str,
    body: ProposeBody,
    access: Access = rule("case_investigator"),
) -> dict[str, Any]:
    """Propose an object cropped from the item; refused (400) when the box covers too
    much of the picture or a person may be visible. A second investigator approves."""
    box = body.box
    item = request.app.state.workbench.propose_case_publication(
        access.identity,
        case_id,
        sha256,
        f"{box.x},{box.y},{box.w},{box.h}",
        body.object_type,
        body.description,
        body.question,
        language=body.language,
    )
    return _publication(case_id, item)


@api.post("/cases/{case_id}/publications/{publication_id}/approve")
def approve(
    request: Request,
    case_id: int,
    publication_id: Id,
    body: ApproveBody,
    access: Access = rule("case_investigator"),
) -> dict[str, Any]:
    """The second investigator's approval: never the author, only with no_person_visible."""
    item = request.app.state.workbench.approve_case_publication(
        access.identity,
        case_id,
        publication_id,
        public_id=body.public_id,
        no_person_visible=body.no_person_visible,
    )
    return _publication(case_id, item)


@api.post("/cases/{case_id}/publications/{publication_id}/withdraw")
def withdraw(
    request: Request,
    case_id: int,
    publication_id: Id,
    body: WithdrawBody,
    access: Access = rule("case_investigator"),
) -> dict[str, Any]:
    """Take the object out of every later export (any investigator, at any time)."""
    reason = body.reason.strip() if body.reason else None
    item = request.app.state.workbench.withdraw_case_publication(
        access.identity, case_id, publication_id, public_id=body.public_id, reason=reason or None
    )
    return _publication(case_id, item)


@api.get("/cases/{case_id}/tips")
def tips(
    request: Request,
    case_id: int,
    status: str | None = Query(None, pattern="^(|new|useful|not-useful|forwarded)$"),
    publication: int | None = Query(None, ge=1, le=2**31 - 1),
    access: Access = rule("case_member"),
) -> list[dict[str, Any]]:
    """The case's tip queue (or one publication's), flagged tips first."""
    queue = request.app.state.workbench.case_tips(
        access.identity, case_id, status or None, publication
    )
    return [t.to_dict() for t in queue]


@api.post("/cases/{case_id}/tips/{tip_id}/status")
def tip_status(
    request: Request,
    case_id: int,
    tip_id: Id,
    body: TipStatusBody,
    access: Access = rule("case_investigator"),
) -> dict[str, Any]:
    """Set a tip's status (new, useful, not-useful, forwarded), with an optional note."""
    note = body.note.strip() if body.note else None
    tip = request.app.state.workbench.set_case_tip_status(
        access.identity, case_id, tip_id, body.status, note or None
    )
    answer: dict[str, Any] = tip.to_dict()
    return answer


@api.post("/cases/{case_id}/tips/{tip_id}/clue")
def tip_clue(
    request: Request,
    case_id: int,
    tip_id: Id,
    body: TipClueBody,
    access: Access = rule("case_investigator"),
) -> dict[str, Any]:
    """A useful tip as a clue on the object's media (a country clue feeds the estimate)."""
    made = request.app.state.workbench.case_tip_to_clue(
        access.identity, case_id, tip_id, body.kind, body.value
    )
    answer: dict[str, Any] = made.to_dict()
    return answer
