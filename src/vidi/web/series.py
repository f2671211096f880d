"""Grading, series and clue routes: pages and the JSON API over the Workbench's SeriesPart.

Reads need ``case_member``; changes need ``case_investigator`` and the CSRF token. The
pages render and read; changes go through the JSON API (the page scripts
``grading.js`` and ``series.js`` send them with the token), so there is one route per
change. Every change is an audit event, written by the Workbench.
"""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, FastAPI, Query, Request
from fastapi.responses import Response
from pydantic import BaseModel, Field

from vidi.places.clue import Region as ClueRegion
from vidi.web.rules import Access, exposure_of, rule

pages = APIRouter(include_in_schema=False)
api = APIRouter(tags=["series"])

Sha256 = Annotated[str, Field(min_length=1, max_length=64)]
MediaList = Annotated[list[Sha256], Field(min_length=1, max_length=5000)]
Id = Annotated[int, Field(ge=1, le=2**31 - 1)]
PAGE = 48
PROPOSALS_PAGE = 48
"""Proposals shown on a series page; the rest a page at a time (``proposals_after``)."""


def register(app: FastAPI) -> None:
    """Add these routes to APP (the one line in ``create_app``)."""
    from vidi.web.app import add_routes

    add_routes(app, pages)
    add_routes(app, api, prefix="/api")


def _render(request: Request, name: str, access: Access, **context: Any) -> Response:
    from vidi.web.pages import render

    exposure = exposure_of(request, access)
    return render(request, name, access, case=access.case, exposure=exposure, **context)


def _answer(value: Any) -> dict[str, Any]:
    """A Workbench result (a dataclass with ``to_dict``) as the JSON answer."""
    answer: dict[str, Any] = value.to_dict()
    return answer


# Pages


@pages.get("/cases/{case_id}/grading")
def grading_page(
    request: Request,
    case_id: int,
    offset: int = Query(0, ge=0, le=100_000),
    access: Access = rule("case_member"),
) -> Response:
    """The keyboard grading grid: digits grade, n grades the page, arrows move, Enter opens."""
    wb = request.app.state.workbench
    who = access.identity
    items = wb.member_media(who, case_id, offset + PAGE)[offset:]
    return _render(
        request,
        "grading.html",
        access,
        items=items,
        grades=wb.grades(case_id, [m.sha256 for m in items], who) if items else {},
        scale=wb.grade_scale(case_id, who),
        progress=wb.grading_progress(case_id, who),
        offset=offset,
        page=PAGE,
    )


@pages.get("/cases/{case_id}/series")
def series_list_page(
    request: Request, case_id: int, access: Access = rule("case_member")
) -> Response:
    series = request.app.state.workbench.series_list(case_id, access.identity)
    return _render(request, "series_list.html", access, series=series)


@pages.get("/cases/{case_id}/series/{series_id}")
def series_page(
    request: Request,
    case_id: int,
    series_id: int,
    proposals_after: int = Query(0, ge=0, le=2**31 - 1),
    access: Access = rule("case_member"),
) -> Response:
    """A series: its media, clue summary, its own estimate with reasons, and a page of
    proposals (PROPOSALS_PAGE of them, the next page after the last one's id)."""
    wb = request.app.state.workbench
    who = access.identity
    page = wb.series_page(case_id, series_id, who)
    proposals = (
        wb.series_proposals(
            case_id, series_id, who, after=proposals_after, limit=PROPOSALS_PAGE + 1
        )
        if page.series.merged_into is None
        else []
    )
    return _render(
        request,
        "series.html",
        access,
        page=page,
        estimate=page.estimate.to_dict(5),
        proposals=proposals[:PROPOSALS_PAGE],
        more_proposals=proposals[PROPOSALS_PAGE - 1].id
        if len(proposals) > PROPOSALS_PAGE
        else None,
        others=[s for s in wb.series_list(case_id, who) if s.id != series_id],
    )


@pages.get("/cases/{case_id}/search")
def search_page(
    request: Request,
    case_id: int,
    q: str = Query("", max_length=500),
    access: Access = rule("case_member"),
) -> Response:
    """Free-text search over the case's OCR, QR and barcode text."""
    hits = request.app.state.workbench.search_case_text(case_id, q, access.identity) if q else []
    return _render(request, "search.html", access, q=q, hits=hits)


# The JSON API: grading


class GradeBody(BaseModel):
    media: MediaList
    category: str = Field(min_length=1, max_length=64)


class PageBody(BaseModel):
    media: MediaList


class CategoryBody(BaseModel):
    category: str = Field(min_length=1, max_length=64)


class ScaleBody(BaseModel):
    categories: list[Annotated[str, Field(max_length=64)]] = Field(min_length=1, max_length=10)


@api.get("/cases/{case_id}/grading")
def grading(request: Request, case_id: int, access: Access = rule("case_member")) -> dict[str, Any]:
    """The case's categories (digit key n → categories[n]) and its review progress."""
    wb = request.app.state.workbench
    return {
        "scale": wb.grade_scale(case_id, access.identity).to_dict(),
        "progress": wb.grading_progress(case_id, access.identity).to_dict(),
    }


@api.put("/cases/{case_id}/grading/scale")
def set_scale(
    request: Request, case_id: int, body: ScaleBody, access: Access = rule("case_investigator")
) -> dict[str, Any]:
    wb = request.app.state.workbench
    return _answer(wb.set_grade_scale(case_id, body.categories, access.identity))


@api.post("/cases/{case_id}/grades")
def grade(
    request: Request, case_id: int, body: GradeBody, access: Access = rule("case_investigator")
) -> dict[str, Any]:
    """Grade one or many media items (a category word of the case, or its digit)."""
    wb = request.app.state.workbench
    return _answer(wb.grade(case_id, body.media, body.category, access.identity))


@api.post("/cases/{case_id}/grades/not-pertinent")
def grade_page(
    request: Request, case_id: int, body: PageBody, access: Access = rule("case_investigator")
) -> dict[str, Any]:
    """Grade every item shown on a page as not pertinent."""
    wb = request.app.state.workbench
    return _answer(wb.grade_not_pertinent(case_id, body.media, access.identity))


@api.get("/cases/{case_id}/media/{sha256}/group")
def group(
    request: Request, case_id: int, sha256: str, access: Access = rule("case_member")
) -> dict[str, Any]:
    """The item and its exact and near-duplicate copies in the case."""
    media = request.app.state.workbench.media_group(case_id, sha256, access.identity)
    return {"media": media}


@api.post("/cases/{case_id}/media/{sha256}/grade-group")
def grade_group(
    request: Request,
    case_id: int,
    sha256: str,
    body: CategoryBody,
    access: Access = rule("case_investigator"),
) -> dict[str, Any]:
    wb = request.app.state.workbench
    graded = wb.grade_group(case_id, sha256, body.category, access.identity)
    return _answer(graded)


# The JSON API: series


class NewSeriesBody(BaseModel):
    name: str = Field(min_length=1, max_length=200)
    media: list[Sha256] = Field(default_factory=list, max_length=5000)


class MergeBody(BaseModel):
    other: Id


class SplitBody(BaseModel):
    media: MediaList
    name: str = Field(min_length=1, max_length=200)


class DecisionBody(BaseModel):
    proposal: Id
    accept: bool


@api.get("/cases/{case_id}/series")
def series_list(request: Request, case_id: int, access: Access = rule("case_member")) -> list[Any]:
    return [s.to_dict() for s in request.app.state.workbench.series_list(case_id, access.identity)]


@api.post("/cases/{case_id}/series")
def create_series(
    request: Request, case_id: int, body: NewSeriesBody, access: Access = rule("case_investigator")
) -> dict[str, Any]:
    """A new series of the case, with the media given (none, one or many)."""
    wb = request.app.state.workbench
    who = access.identity
    created = wb.create_series(case_id, body.name, who)
    if body.media:
        wb.add_to_series(case_id, created.id, body.media, who)
    return _answer(wb.series_page(case_id, created.id, who).series)


@api.get("/cases/{case_id}/series/{series_id}")
def series(
    request: Request, case_id: int, series_id: int, access: Access = rule("case_member")
) -> dict[str, Any]:
    """The series' media, clue summary and its own estimate with reasons."""
    page = request.app.state.workbench.series_page(case_id, series_id, access.identity)
    return _answer(page)


@api.post("/cases/{case_id}/series/{series_id}/media")
def add_media(
    request: Request,
    case_id: int,
    series_id: int,
    body: PageBody,
    access: Access = rule("case_investigator"),
) -> dict[str, Any]:
    """Add one or many media items of the case to the series."""
    wb = request.app.state.workbench
    return _answer(wb.add_to_series(case_id, series_id, body.media, access.identity))


@api.post("/cases/{case_id}/series/{series_id}/merge")
def merge(
    request: Request,
    case_id: int,
    series_id: int,
    body: MergeBody,
    access: Access = rule("case_investigator"),
) -> dict[str, Any]:
    """Move the other series' media into this one."""
    wb = request.app.state.workbench
    return _answer(wb.merge_series(case_id, series_id, body.other, access.identity))


@api.post("/cases/{case_id}/series/{series_id}/split")
def split(
    request: Request,
    case_id: int,
    series_id: int,
    body: SplitBody,
    access: Access = rule("case_investigator"),
) -> dict[str, Any]:
    """Move the named media to a new series."""
    wb = request.app.state.workbench
    change = wb.split_series(case_id, series_id, body.media, body.name, access.identity)
    return _answer(change)


@api.get("/cases/{case_id}/series/{series_id}/proposals")
def proposals(
    request: Request,
    case_id: int,
    series_id: int,
    after: int = Query(0, ge=0, le=2**31 - 1),
    limit: int = Query(100, ge=1, le=500),
    access: Access = rule("case_member"),
) -> list[Any]:
    """Media Vidi proposes for the series, each with its reasons: LIMIT of them, oldest
    first, with an id above AFTER (the last id of the previous page)."""
    found = request.app.state.workbench.series_proposals(
        case_id, series_id, access.identity, after=after, limit=limit
    )
    return [p.to_dict() for p in found]


@api.post("/cases/{case_id}/series/{series_id}/proposals")
def decide(
    request: Request,
    case_id: int,
    series_id: int,
    body: DecisionBody,
    access: Access = rule("case_investigator"),
) -> dict[str, Any]:
    """Accept (the media joins the series) or reject one proposal."""
    wb = request.app.state.workbench
    decided = wb.decide_proposal(case_id, series_id, body.proposal, body.accept, access.identity)
    return _answer(decided)


# The JSON API: clues


class Region(BaseModel):
    x: int = Field(ge=0, le=1_000_000)
    y: int = Field(ge=0, le=1_000_000)
    w: int = Field(ge=1, le=1_000_000)
    h: int = Field(ge=1, le=1_000_000)

    def drawn(self) -> ClueRegion:
        """The box as the Workbench takes it: drawn by hand, x, y, w, h in pixels."""
        return ClueRegion(self.x, self.y, self.w, self.h, drawn=True)


class ClueBody(BaseModel):
    kind: str = Field(min_length=1, max_length=32)
    value: str = Field(min_length=1, max_length=500)
    region: Region | None = None
    note: str | None = Field(None, max_length=2000)


class VerdictBody(BaseModel):
    clue: Id
    verdict: str = Field(pattern="^(confirmed|rejected)$")


@api.get("/cases/{case_id}/media/{sha256}/clues")
def clues(
    request: Request, case_id: int, sha256: str, access: Access = rule("case_member")
) -> list[Any]:
    """The item's clues, each with its verdict and who gave it."""
    found = request.app.state.workbench.case_media_clues(case_id, sha256, access.identity)
    return [c.to_dict() for c in found]


@api.post("/cases/{case_id}/media/{sha256}/clues")
def add_clue(
    request: Request,
    case_id: int,
    sha256: str,
    body: ClueBody,
    access: Access = rule("case_investigator"),
) -> dict[str, Any]:
    """A clue the investigator recognised, with an optional region x, y, w, h in pixels."""
    added = request.app.state.workbench.add_case_clue(
        case_id,
        sha256,
        body.kind,
        body.value,
        region=body.region.drawn() if body.region else None,
        note=body.note,
        who=access.identity,
    )
    return _answer(added)


@api.post("/cases/{case_id}/clues/verdict")
def verdict(
    request: Request, case_id: int, body: VerdictBody, access: Access = rule("case_investigator")
) -> dict[str, Any]:
    """Confirm or reject a clue of the case's media; a rejected clue stops counting."""
    wb = request.app.state.workbench
    return _answer(wb.review_clue(case_id, body.clue, body.verdict, access.identity))


@api.get("/cases/{case_id}/search")
def search(
    request: Request,
    case_id: int,
    q: str = Query("", max_length=500),
    access: Access = rule("case_member"),
) -> list[Any]:
    """Clues of the case whose OCR, QR or barcode text holds every word of Q."""
    hits = request.app.state.workbench.search_case_text(case_id, q, access.identity)
    return [h.to_dict() for h in hits]
