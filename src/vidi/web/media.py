"""Pictures: the blurred thumbnail, and the audited reveal of the clear one.

Both routes exist at ``/cases/…`` (for pages) and ``/api/cases/…`` (same functions,
same rules). The reveal is a POST with the CSRF token, allowed to investigators and
admins who are members of the case; it is audited and counted, and its answer is
never stored by the browser. It is the only way clear picture bytes leave the server.
"""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.responses import Response

from vidi.web.rules import Access, rule

router = APIRouter(tags=["media"])

THUMBNAIL_CACHE = "private, max-age=300"
"""Blurred bytes only, for this user; the URL carries the settings key, so a change shows."""


@router.get(
    "/cases/{case_id}/media/{sha256}/thumbnail",
    response_class=Response,
    responses={200: {"content": {"image/jpeg": {}}}},
)
def thumbnail(
    request: Request, case_id: int, sha256: str, access: Access = rule("case_member")
) -> Response:
    """The thumbnail (or a video's contact sheet), blurred with the user's settings."""
    picture = request.app.state.workbench.thumbnail(access.identity, case_id, sha256)
    etag = f'"{picture.etag}"'
    headers = {"cache-control": THUMBNAIL_CACHE, "etag": etag, "vary": "cookie"}
    if request.headers.get("if-none-match") == etag:
        return Response(status_code=304, headers=headers)
    return Response(picture.data, media_type=picture.media_type, headers=headers)


@router.post(
    "/cases/{case_id}/media/{sha256}/reveal",
    response_class=Response,
    responses={200: {"content": {"image/jpeg": {}}}},
)
def reveal(
    request: Request, case_id: int, sha256: str, access: Access = rule("case_investigator")
) -> Response:
    """The clear thumbnail, once: audited, counted, not stored by the browser."""
    picture = request.app.state.workbench.reveal(access.identity, case_id, sha256)
    return Response(
        picture.data, media_type=picture.media_type, headers={"cache-control": "no-store"}
    )
