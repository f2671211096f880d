"""Trace an Object in the web workbench: propose a crop, approve it, withdraw it, and the
tip queue. Pages and plain HTML forms over the Workbench's publication methods.

Reads need ``case_member``; every change needs ``case_investigator`` and the CSRF token,
and the signed-in user is the actor (so the two-person rule compares accounts, not a
name typed on a command line). A publication or tip of another case answers 404 like
one that does not exist. The crop is case material until it is published: it is served
blurred with the user's settings, and clear only through its audited reveal route.
Every change is an audit event, written by the Workbench.
"""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, FastAPI, Form, Path, Query, Request
from fastapi.responses import RedirectResponse, Response

from vidi.accounts import AccessDenied, NotSignedIn
from vidi.bundles import ObjectType
from vidi.errors import NotFound, VidiError
from vidi.web.rules import Access, rule

pages = APIRouter(include_in_schema=False)

Id = Annotated[int, Path(ge=1, le=2**31 - 1)]
LANGUAGES = ("en", "de", "fr", "es", "nl")
TIP_STATUSES = ("new", "useful", "not-useful", "forwarded")
CLUE_KINDS = ("place", "country", "shop", "product")
PUBLICATION_STATUSES = ("proposed", "approved", "withdrawn")
CROP_CACHE = "private, max-age=300"


def register(app: FastAPI) -> None:
    """Add these routes to APP (the one line in ``create_app``)."""
    from vidi.web.app import add_routes
    from vidi.web.publications_api import api

    add_routes(app, pages)
    add_routes(app, api, prefix="/api")  # the same steps as JSON (vidi.web.publications_api)


def _refusal(error: VidiError) -> str:
    """The one line to show for a refused step; not-found and access errors go up."""
    if isinstance(error, NotFound | AccessDenied | NotSignedIn):
        raise error
    return str(error)


def _render(
    request: Request, name: str, access: Access, status: int = 200, **context: Any
) -> Response:
    from vidi.web.pages import render

    who = access.identity
    exposure = request.app.state.workbench.exposure(who, now=request.app.state.clock())
    page = render(request, name, access, case=access.case, exposure=exposure, **context)
    page.status_code = status
    return page


# Proposing a crop, from a media item


@pages.get("/cases/{case_id}/media/{sha256}/publish")
def propose_page(
    request: Request, case_id: int, sha256: str, access: Access = rule("case_investigator")
) -> Response:
    """The picture (blurred) with a box to draw or type, the public texts and the type."""
    return _propose_form(request, access, sha256, {}, None, 200)


@pages.post("/cases/{case_id}/media/{sha256}/publish")
def propose(
    request: Request,
    case_id: int,
    sha256: str,
    x: int = Form(ge=0, le=100_000),
    y: int = Form(ge=0, le=100_000),
    w: int = Form(ge=1, le=100_000),
    h: int = Form(ge=1, le=100_000),
    object_type: str = Form(max_length=32),
    description: str = Form(max_length=400),
    question: str = Form(max_length=4000),
    language: str = Form("en", max_length=8),
    access: Access = rule("case_investigator"),
) -> Response:
    """Propose the crop; a refusal (too large, a person seen, bad text) comes back in one line."""
    typed = {
        "x": x,
        "y": y,
        "w": w,
        "h": h,
        "object_type": object_type,
        "description": description,
        "question": question,
        "language": language,
    }
    try:
        item = request.app.state.workbench.propose_case_publication(
            access.identity,
            case_id,
            sha256,
            f"{x},{y},{w},{h}",
            object_type,
            description,
            question,
            language=language,
        )
    except VidiError as error:
        return _propose_form(request, access, sha256, typed, _refusal(error), 400)
    return RedirectResponse(f"/cases/{case_id}/publications#publication-{item.id}", 303)


def _propose_form(
    request: Request,
    access: Access,
    sha256: str,
    typed: dict[str, Any],
    error: str | None,
    status: int,
) -> Response:
    who = access.identity
    case = access.case
    assert case is not None
    item = request.app.state.workbench.media_page(who, case.id, sha256)
    return _render(
        request,
        "publication_new.html",
        access,
        status,
        item=item,
        typed=typed,
        error=error,
        object_types=[t.value for t in ObjectType],
        languages=LANGUAGES,
    )


# A case's publications


@pages.get("/cases/{case_id}/publications")
def publications_page(
    request: Request,
    case_id: int,
    status: str | None = Query(None, pattern="^(|proposed|approved|withdrawn)$"),
    access: Access = rule("case_member"),
) -> Response:
    """Proposed, approved and withdrawn objects, with their crops (blurred) and tip counts."""
    return _publications(request, access, status or None, None, 200)


def _publications(
    request: Request, access: Access, status: str | None, error: str | None, code: int
) -> Response:
    wb = request.app.state.workbench
    who = access.identity
    case = access.case
    assert case is not None
    items = wb.case_publications(who, case.id, status)
    tips: dict[int, int] = {}
    for tip in wb.case_tips(who, case.id):
        if tip.publication_id is not None:
            tips[tip.publication_id] = tips.get(tip.publication_id, 0) + 1
    return _render(
        request,
        "publications.html",
        access,
        code,
        items=items,
        tips=tips,
        chosen=status,
        statuses=PUBLICATION_STATUSES,
        error=error,
    )


@pages.get("/cases/{case_id}/publications/{publication_id}/crop")
def crop(
    request: Request,
    case_id: int,
    publication_id: Id,
    access: Access = rule("case_member"),
) -> Response:
    """The crop, blurred on the server with the user's settings (like a thumbnail)."""
    picture = request.app.state.workbench.publication_picture(
        access.identity, case_id, publication_id, clear=False
    )
    etag = f'"{picture.etag}"'
    headers = {"cache-control": CROP_CACHE, "etag": etag, "vary": "cookie"}
    if request.headers.get("if-none-match") == etag:
        return Response(status_code=304, headers=headers)
    return Response(picture.data, media_type=picture.media_type, headers=headers)


@pages.post("/cases/{case_id}/publications/{publication_id}/crop/reveal")
def crop_reveal(
    request: Request,
    case_id: int,
    publication_id: Id,
    access: Access = rule("case_investigator"),
) -> Response:
    """The crop exactly as it would be published, once: audited, counted, not stored."""
    picture = request.app.state.workbench.publication_picture(
        access.identity, case_id, publication_id, clear=True
    )
    return Response(
        picture.data, media_type=picture.media_type, headers={"cache-control": "no-store"}
    )


@pages.post("/cases/{case_id}/publications/{publication_id}/approve")
def approve(
    request: Request,
    case_id: int,
    publication_id: Id,
    public_id: str = Form(max_length=64),
    no_person_visible: str | None = Form(None, max_length=8),
    access: Access = rule("case_investigator"),
) -> Response:
    """The second investigator's approval: never the author, and only with the tick."""
    try:
        request.app.state.workbench.approve_case_publication(
            access.identity,
            case_id,
            publication_id,
            public_id=public_id,
            no_person_visible=no_person_visible == "yes",
        )
    except VidiError as error:
        return _publications(request, access, None, _refusal(error), 400)
    return RedirectResponse(f"/cases/{case_id}/publications#publication-{publication_id}", 303)


@pages.post("/cases/{case_id}/publications/{publication_id}/withdraw")
def withdraw(
    request: Request,
    case_id: int,
    publication_id: Id,
    public_id: str = Form(max_length=64),
    reason: str = Form("", max_length=500),
    access: Access = rule("case_investigator"),
) -> Response:
    """Take the object out of every later export (anyone with the investigator role)."""
    try:
        request.app.state.workbench.withdraw_case_publication(
            access.identity,
            case_id,
            publication_id,
            public_id=public_id,
            reason=reason.strip() or None,
        )
    except VidiError as error:
        return _publications(request, access, None, _refusal(error), 400)
    return RedirectResponse(f"/cases/{case_id}/publications#publication-{publication_id}", 303)


# The tip queue


@pages.get("/cases/{case_id}/tips")
def tips_page(
    request: Request,
    case_id: int,
    status: str | None = Query(None, pattern="^(|new|useful|not-useful|forwarded)$"),
    publication: int | None = Query(None, ge=1, le=2**31 - 1),
    access: Access = rule("case_member"),
) -> Response:
    """The case's tips (or one object's): flagged ones first and apart, for a person to route."""
    return _tips(request, access, status or None, publication, None, 200)


def _tips(
    request: Request,
    access: Access,
    status: str | None,
    publication: int | None,
    error: str | None,
    code: int,
) -> Response:
    wb = request.app.state.workbench
    who = access.identity
    case = access.case
    assert case is not None
    queue = wb.case_tips(who, case.id, status, publication)
    objects = {p.id: p for p in wb.case_publications(who, case.id)}
    return _render(
        request,
        "tips.html",
        access,
        code,
        flagged=[t for t in queue if t.abuse_flag],
        others=[t for t in queue if not t.abuse_flag],
        objects=objects,
        chosen_status=status,
        chosen_publication=publication,
        statuses=TIP_STATUSES,
        clue_kinds=CLUE_KINDS,
        error=error,
    )


@pages.post("/cases/{case_id}/tips/{tip_id}/status")
def tip_status(
    request: Request,
    case_id: int,
    tip_id: Id,
    status: str = Form(max_length=16),
    note: str = Form("", max_length=2000),
    access: Access = rule("case_investigator"),
) -> Response:
    try:
        request.app.state.workbench.set_case_tip_status(
            access.identity, case_id, tip_id, status, note.strip() or None
        )
    except VidiError as error:
        return _tips(request, access, None, None, _refusal(error), 400)
    return RedirectResponse(f"/cases/{case_id}/tips#tip-{tip_id}", 303)


@pages.post("/cases/{case_id}/tips/{tip_id}/clue")
def tip_clue(
    request: Request,
    case_id: int,
    tip_id: Id,
    kind: str = Form(max_length=16),
    value: str = Form(max_length=500),
    access: Access = rule("case_investigator"),
) -> Response:
    """A useful tip as a clue on the object's media (a country clue feeds the estimate)."""
    try:
        request.app.state.workbench.case_tip_to_clue(access.identity, case_id, tip_id, kind, value)
    except VidiError as error:
        return _tips(request, access, None, None, _refusal(error), 400)
    return RedirectResponse(f"/cases/{case_id}/tips#tip-{tip_id}", 303)
