"""Every route declares who may use it, and state changes carry a CSRF token.

A route takes ``access: Access = Depends(rule("case_member"))`` (or another rule);
``tests/web/test_routes_have_rules.py`` walks ``app.routes`` and fails for a route
without one. The rules:

- ``public``: anyone (the sign-in page, static files, the OpenAPI description);
- ``signing_in``: a session that still owes a new password or a TOTP code, or a full one;
- ``signed_in``: a full session;
- ``case_member``: a full session of a member of the case in the path;
- ``case_investigator``: as case_member, and the role investigator or admin;
- ``admin``: a full session of an admin.

Every rule checks CSRF on a state change (any method but GET/HEAD/OPTIONS): with a
session, the session's token in the ``X-CSRF-Token`` header or the ``csrf_token``
form field; without one (signing in), either a JSON body (a cross-site page cannot
send one without a preflight we never grant) or a form whose ``csrf_token`` matches
the sign-in cookie. Missing or wrong: 403.
"""

from __future__ import annotations

import secrets
from dataclasses import dataclass
from typing import Any

from fastapi import Depends, HTTPException, Request
from starlette.concurrency import run_in_threadpool

from vidi.accounts import Exposure, Identity, NotSignedIn, Role, Stage
from vidi.accounts.types import CaseAccess
from vidi.results import CaseInfo

SESSION_COOKIE = "vidi_session"
SIGN_IN_COOKIE = "vidi_sign_in"
CSRF_HEADER = "x-csrf-token"
CSRF_FIELD = "csrf_token"
SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})
RULES = ("public", "signing_in", "signed_in", "case_member", "case_investigator", "admin")
CASE_RULES = ("case_member", "case_investigator")


@dataclass(frozen=True)
class Access:
    """What a route's rule found: who asks (None on public routes) and the case, if any."""

    who: Identity | None = None
    case: CaseInfo | None = None
    exposure: Exposure | None = None
    """The user's exposure, read with the session (a full session only)."""

    @property
    def identity(self) -> Identity:
        assert self.who is not None, "only public routes have no identity"
        return self.who


class Rule:
    """A FastAPI dependency that enforces one of :data:`RULES`."""

    def __init__(self, name: str) -> None:
        if name not in RULES:
            raise ValueError(f"unknown access rule {name!r}; choose one of {RULES}")
        self.access_rule = name

    def __repr__(self) -> str:
        return f"Rule({self.access_rule!r})"

    async def __call__(self, request: Request) -> Access:
        if self.access_rule == "public":
            if request.method not in SAFE_METHODS:
                await _check_sign_in_csrf(request)
            return Access()
        found = await _identity(request, with_case=self.access_rule in CASE_RULES)
        who = found.who
        owes_a_step = who.stage is not Stage.FULL
        if owes_a_step and self.access_rule != "signing_in":
            raise HTTPException(401, "finish signing in first")
        if request.method not in SAFE_METHODS:
            await _check_csrf(request, who)
        if self.access_rule == "admin" and who.role is not Role.ADMIN:
            raise HTTPException(403, "this needs the role admin")
        if self.access_rule in CASE_RULES:
            if found.case is None:
                raise HTTPException(404, "no such case")
            if self.access_rule == "case_investigator" and not who.may_change_cases:
                raise HTTPException(403, "this needs the role investigator or admin")
            return Access(who, found.case, found.exposure)
        return Access(who, None, found.exposure)


def rule(name: str) -> Any:
    """``Depends`` on the rule NAME: the one way a route says who may use it."""
    return Depends(Rule(name))


async def _identity(request: Request, *, with_case: bool) -> CaseAccess:
    """Who asks, their exposure and (WITH_CASE) the ``{case_id}`` of the path if they are
    a member: one Workbench call, one database transaction per request."""
    workbench = request.app.state.workbench
    token = request.cookies.get(SESSION_COOKIE)
    now = request.app.state.clock()
    case_id = None
    if with_case:
        try:
            case_id = int(str(request.path_params.get("case_id", "")))
        except (TypeError, ValueError):
            case_id = 0  # no case has it: "no such case", once the session is checked
    try:
        found: CaseAccess = await run_in_threadpool(
            workbench.identify_member, token, case_id, now=now
        )
    except NotSignedIn as error:
        raise HTTPException(401, str(error)) from None
    return found


def exposure_of(request: Request, access: Access) -> Exposure:
    """The exposure the rule read, or (after a change in the request) a fresh reading."""
    if access.exposure is not None:
        return access.exposure
    found: Exposure = request.app.state.workbench.exposure(
        access.identity, now=request.app.state.clock()
    )
    return found


async def _sent_token(request: Request) -> str:
    token = request.headers.get(CSRF_HEADER)
    if token:
        return token
    content_type = request.headers.get("content-type", "").split(";")[0].strip().lower()
    if content_type in ("application/x-www-form-urlencoded", "multipart/form-data"):
        value = (await request.form()).get(CSRF_FIELD)
        return value if isinstance(value, str) else ""
    return ""


async def _check_csrf(request: Request, who: Identity) -> None:
    sent = await _sent_token(request)
    if not sent or not secrets.compare_digest(sent.encode(), who.csrf_token.encode()):
        raise HTTPException(403, "missing or wrong CSRF token; reload the page and try again")


async def _check_sign_in_csrf(request: Request) -> None:
    content_type = request.headers.get("content-type", "").split(";")[0].strip().lower()
    if content_type == "application/json":
        return
    expected = request.cookies.get(SIGN_IN_COOKIE, "")
    sent = await _sent_token(request)
    if not expected or not sent or not secrets.compare_digest(sent.encode(), expected.encode()):
        raise HTTPException(403, "missing or wrong CSRF token; reload the page and try again")
