"""A case's pages: the review grid, the report, a media item, the full-size view, the
audit trail; and the same as JSON under ``/api``.

The grid takes its filters as query parameters (``status``, ``category``, ``type``,
``clue``, ``country``, ``source``) and pages with ``after`` (the cursor the previous
page gave), so a bookmark or a shared link shows the same view.
"""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Query, Request
from fastapi.responses import Response

from vidi.review.grid import GRID_STATUSES_HELP, GridFilter
from vidi.web.pages import render
from vidi.web.rules import Access, exposure_of, rule

pages = APIRouter(include_in_schema=False)
clear = APIRouter(tags=["media"])
"""Clear bytes: at ``/cases/…`` for pages and ``/api/cases/…``, like the reveal."""
api = APIRouter(tags=["review"])

MAX_TEXT = 200


def grid_filter(
    status: str | None,
    category: str | None,
    type: str | None,
    clue: str | None,
    country: str | None,
    source: int | None,
    series: int | None = None,
    graded: str | None = None,
    me: str | None = None,
) -> GridFilter:
    """The grid's query parameters as a filter (an empty field is no filter)."""

    def given(value: str | None) -> str | None:
        return value.strip() or None if value is not None else None

    return GridFilter(
        status=given(status),
        category=given(category),
        media_type=given(type),
        clue_kind=given(clue),
        country=given(country),
        source_id=source,
        series_id=series,
        ungraded=graded == "no",
        graded_by=me if graded == "me" else None,
    )


@pages.get("/cases/{case_id}")
def case_grid(
    request: Request,
    case_id: int,
    after: str | None = Query(None, max_length=80),
    status: str | None = Query(None, max_length=16),
    category: str | None = Query(None, max_length=64),
    type: str | None = Query(None, max_length=8),
    clue: str | None = Query(None, max_length=32),
    country: str | None = Query(None, max_length=2),
    source: int | None = Query(None, ge=1, le=2**31 - 1),
    series: int | None = Query(None, ge=1, le=2**31 - 1),
    graded: str | None = Query(None, pattern="^(|no|me)$"),
    access: Access = rule("case_member"),
) -> Response:
    """The review grid: blurred thumbnails, new first, a page at a time."""
    workbench = request.app.state.workbench
    who = access.identity
    chosen = grid_filter(status, category, type, clue, country, source, series, graded, who.name)
    exposure = exposure_of(request, access)
    view = workbench.review_grid_view(who, case_id, chosen, after, _page_size(exposure))
    query = {k: v for k, v in request.query_params.items() if k != "after" and v}
    return render(
        request,
        "case.html",
        access,
        case=access.case,
        page=view.page,
        media=view.page.items,
        chosen=chosen,
        query=query,
        first_page=not after,
        sources=view.sources,
        series=view.series,
        exposure=exposure,
    )


def _page_size(exposure: Any) -> int:
    """Fewer, larger pictures for a larger thumbnail size."""
    return {128: 96, 192: 60, 256: 48}.get(exposure.settings.thumb_size, 48)


@pages.get("/cases/{case_id}/report")
def case_report(request: Request, case_id: int, access: Access = rule("case_member")) -> Response:
    """The report: counts, known and new, failures by reason, runs, lists, places per series."""
    workbench = request.app.state.workbench
    who = access.identity
    return render(
        request,
        "report.html",
        access,
        case=access.case,
        report=workbench.member_report(who, case_id).to_dict(),
        hashlists=workbench.case_hashlists(who, case_id),
        exposure=exposure_of(request, access),
    )


@pages.get("/cases/{case_id}/media/{sha256}")
def media_page(
    request: Request, case_id: int, sha256: str, access: Access = rule("case_member")
) -> Response:
    """One media item: blurred picture with its clue regions, occurrences, matches, estimate."""
    workbench = request.app.state.workbench
    who = access.identity
    return render(
        request,
        "media.html",
        access,
        case=access.case,
        item=workbench.media_page(who, case_id, sha256),
        exposure=exposure_of(request, access),
    )


@pages.get("/cases/{case_id}/audit")
def case_audit(
    request: Request,
    case_id: int,
    before: int | None = Query(None, ge=1, le=2**31 - 1),
    access: Access = rule("case_member"),
) -> Response:
    """The case's audit trail (admins who are members of the case)."""
    workbench = request.app.state.workbench
    who = access.identity
    return render(
        request,
        "audit.html",
        access,
        case=access.case,
        events=workbench.case_trail(who, case_id, before),
        exposure=exposure_of(request, access),
    )


@clear.post(
    "/cases/{case_id}/media/{sha256}/full",
    response_class=Response,
    responses={200: {"content": {"image/jpeg": {}}}},
)
def full_picture(
    request: Request, case_id: int, sha256: str, access: Access = rule("case_investigator")
) -> Response:
    """The picture at full size, once: audited and counted like a reveal, never stored."""
    picture = request.app.state.workbench.full_picture(access.identity, case_id, sha256)
    return Response(
        picture.data, media_type=picture.media_type, headers={"cache-control": "no-store"}
    )


@api.get("/cases/{case_id}/grid")
def grid(
    request: Request,
    case_id: int,
    after: str | None = Query(None, max_length=80),
    limit: int = Query(48, ge=1, le=200),
    status: str | None = Query(None, max_length=16, description=GRID_STATUSES_HELP),
    category: str | None = Query(None, max_length=64),
    type: str | None = Query(None, max_length=8, description="image or video"),
    clue: str | None = Query(None, max_length=32, description="a clue kind, e.g. barcode"),
    country: str | None = Query(None, max_length=2, description="suggested by a clue"),
    source: int | None = Query(None, ge=1, le=2**31 - 1),
    series: int | None = Query(None, ge=1, le=2**31 - 1, description="a series of the case"),
    graded: str | None = Query(
        None, pattern="^(|no|me)$", description="no: ungraded; me: graded by me"
    ),
    access: Access = rule("case_member"),
) -> dict[str, Any]:
    """A page of the case's media, new first; ``next_cursor`` goes in ``after`` for the next."""
    who = access.identity
    chosen = grid_filter(status, category, type, clue, country, source, series, graded, who.name)
    page = request.app.state.workbench.review_grid(who, case_id, chosen, after, limit)
    result: dict[str, Any] = page.to_dict()
    return result


@api.get("/cases/{case_id}/media/{sha256}")
def media(
    request: Request, case_id: int, sha256: str, access: Access = rule("case_member")
) -> dict[str, Any]:
    """Occurrences, matches, clues (with regions) and the country estimate of one item."""
    item = request.app.state.workbench.media_page(access.identity, case_id, sha256)
    result: dict[str, Any] = item.to_dict()
    return result


@api.get("/cases/{case_id}/audit")
def audit(
    request: Request,
    case_id: int,
    before: int | None = Query(None, ge=1, le=2**31 - 1),
    access: Access = rule("case_member"),
) -> list[dict[str, Any]]:
    """The audit events about the case, newest first (admins only)."""
    events = request.app.state.workbench.case_trail(access.identity, case_id, before)
    return [e.to_dict() for e in events]
