"""The JSON API under ``/api/``: what the pages show, as data, with the same rules.

A client signs in with ``POST /api/sign-in`` (JSON; the session cookie comes back)
and sends the session's CSRF token (``GET /api/session``) in ``X-CSRF-Token`` with
every state change.
"""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Query, Request
from fastapi.responses import JSONResponse, Response
from pydantic import BaseModel, Field
from starlette.concurrency import run_in_threadpool

from vidi.web import cookies
from vidi.web.rules import Access, rule

router = APIRouter(tags=["api"])


class SignInBody(BaseModel):
    name: str = Field(max_length=200)
    password: str = Field(max_length=1024)


class ExposureBody(BaseModel):
    blur_strength: int
    greyscale: bool
    thumb_size: int


@router.post("/sign-in")
async def sign_in(request: Request, body: SignInBody, access: Access = rule("public")) -> Response:
    """Open a session (the cookie); ``stage`` says what is still owed (password, totp)."""
    client = request.client.host if request.client else "unknown"
    signed = await run_in_threadpool(
        request.app.state.workbench.sign_in,
        body.name,
        body.password,
        client,
        now=request.app.state.clock(),
    )
    response = JSONResponse({**signed.to_dict(), "csrf_token": signed.csrf_token})
    cookies.set_session(response, request, signed.token)
    return response


@router.get("/session")
def session(access: Access = rule("signing_in")) -> dict[str, Any]:
    """Who is signed in, the stage, and the CSRF token for state changes."""
    who = access.identity
    return {**who.to_dict(), "csrf_token": who.csrf_token}


@router.post("/sign-out")
def sign_out(request: Request, access: Access = rule("signing_in")) -> Response:
    request.app.state.workbench.sign_out(access.identity)
    response = JSONResponse({"signed_out": True})
    cookies.clear_session(response, request)
    return response


@router.get("/cases")
def cases(request: Request, access: Access = rule("signed_in")) -> list[dict[str, Any]]:
    """The cases the user is a member of (no others, whatever the role)."""
    return [c.to_dict() for c in request.app.state.workbench.member_cases(access.identity)]


@router.get("/cases/{case_id}")
def case(request: Request, case_id: int, access: Access = rule("case_member")) -> dict[str, Any]:
    """The case and its report."""
    assert access.case is not None
    report = request.app.state.workbench.member_report(access.identity, case_id)
    return {"case": access.case.to_dict(), "report": report.to_dict()}


@router.get("/cases/{case_id}/media")
def case_media(
    request: Request,
    case_id: int,
    limit: int = Query(48, ge=1, le=500),
    access: Access = rule("case_member"),
) -> list[dict[str, Any]]:
    """The case's new media in review order (new first); thumbnails by their own route."""
    items = request.app.state.workbench.member_media(access.identity, case_id, limit)
    return [m.to_dict() for m in items]


@router.get("/account/exposure")
def exposure(request: Request, access: Access = rule("signed_in")) -> dict[str, Any]:
    """The user's exposure settings and counters, and whether a break is due."""
    now = request.app.state.clock()
    result: dict[str, Any] = request.app.state.workbench.exposure(
        access.identity, now=now
    ).to_dict()
    return result


@router.put("/account/exposure")
def set_exposure(
    request: Request, body: ExposureBody, access: Access = rule("signed_in")
) -> dict[str, Any]:
    chosen = request.app.state.workbench.set_exposure(
        access.identity, body.blur_strength, body.greyscale, body.thumb_size
    )
    result: dict[str, Any] = chosen.to_dict()
    return result
