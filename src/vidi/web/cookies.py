"""The session and sign-in cookies: HttpOnly, SameSite=Strict, Secure off loopback HTTP."""

from __future__ import annotations

import secrets

from fastapi import Request, Response

from vidi.web.rules import SESSION_COOKIE, SIGN_IN_COOKIE

LOOPBACK = frozenset({"localhost", "127.0.0.1", "::1", "[::1]"})


def secure(request: Request) -> bool:
    forced = request.app.state.secure_cookies
    if forced is not None:
        return bool(forced)
    return not (request.url.scheme == "http" and request.url.hostname in LOOPBACK)


def set_session(response: Response, request: Request, token: str) -> None:
    # No max-age: the browser forgets it when closed; the server ends it anyway.
    response.set_cookie(
        SESSION_COOKIE, token, httponly=True, samesite="strict", secure=secure(request), path="/"
    )
    response.delete_cookie(SIGN_IN_COOKIE, path="/")


def clear_session(response: Response, request: Request) -> None:
    response.delete_cookie(
        SESSION_COOKIE, httponly=True, samesite="strict", secure=secure(request), path="/"
    )


def new_sign_in_token() -> str:
    return secrets.token_urlsafe(32)


def set_sign_in_token(request: Request, response: Response, token: str) -> None:
    """The token the sign-in form must send back (double submit), as a cookie."""
    response.set_cookie(
        SIGN_IN_COOKIE,
        token,
        httponly=True,
        samesite="strict",
        secure=secure(request),
        path="/",
        max_age=3600,
    )
