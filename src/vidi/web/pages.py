"""The HTML pages: sign-in (password, new password, TOTP), cases, a case, the account.

Each page is a Workbench call and a template; forms post back with the session's CSRF
token in a hidden field. The case page shows the new media blurred (the picture is
blurred on the server); holding a picture reveals it through the audited route.
"""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Form, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from starlette.concurrency import run_in_threadpool

from vidi.accounts import SignedIn, SignInRefused, Stage
from vidi.web import cookies
from vidi.web.rules import Access, exposure_of, rule

router = APIRouter(include_in_schema=False)


def render(request: Request, name: str, access: Access, **context: Any) -> HTMLResponse:
    who = access.who
    values = {"who": who, "csrf_token": who.csrf_token if who else "", **context}
    page: HTMLResponse = request.app.state.templates.TemplateResponse(request, name, values)
    return page


def next_page(signed: SignedIn) -> str:
    return {
        Stage.PASSWORD: "/sign-in/password",
        Stage.TOTP: "/sign-in/totp",
        Stage.FULL: "/cases",
    }[signed.stage]


def signed_in_answer(request: Request, signed: SignedIn) -> Response:
    response = RedirectResponse(next_page(signed), status_code=303)
    cookies.set_session(response, request, signed.token)
    return response


@router.get("/")
def home(access: Access = rule("public")) -> Response:
    return RedirectResponse("/cases", status_code=303)


@router.get("/sign-in")
def sign_in_page(request: Request, access: Access = rule("public")) -> Response:
    return sign_in_form(request, None)


def sign_in_form(request: Request, error: str | None) -> Response:
    """The sign-in form with its double-submit CSRF token (also set as a cookie)."""
    token = request.cookies.get(cookies.SIGN_IN_COOKIE) or cookies.new_sign_in_token()
    response: Response = request.app.state.templates.TemplateResponse(
        request,
        "sign_in.html",
        {"who": None, "csrf_token": token, "error": error},
        status_code=400 if error else 200,
    )
    cookies.set_sign_in_token(request, response, token)
    return response


@router.post("/sign-in")
async def sign_in(
    request: Request,
    name: str = Form(max_length=200),
    password: str = Form(max_length=1024),
    access: Access = rule("public"),
) -> Response:
    workbench = request.app.state.workbench
    client = request.client.host if request.client else "unknown"
    try:
        signed = await run_in_threadpool(
            workbench.sign_in, name, password, client, now=request.app.state.clock()
        )
    except SignInRefused as refused:
        return sign_in_form(request, str(refused))
    return signed_in_answer(request, signed)


@router.get("/sign-in/password")
def password_page(request: Request, access: Access = rule("signing_in")) -> Response:
    return render(request, "password.html", access, error=None)


@router.post("/sign-in/password")
async def change_password(
    request: Request,
    current: str = Form(max_length=1024),
    new: str = Form(max_length=1024),
    repeat: str = Form(max_length=1024),
    access: Access = rule("signing_in"),
) -> Response:
    workbench = request.app.state.workbench
    if new != repeat:
        return render(request, "password.html", access, error="the two new passwords differ")
    try:
        signed = await run_in_threadpool(
            workbench.change_password,
            access.identity,
            current,
            new,
            now=request.app.state.clock(),
        )
    except SignInRefused as refused:
        return render(request, "password.html", access, error=str(refused))
    return signed_in_answer(request, signed)


@router.get("/sign-in/totp")
def totp_page(request: Request, access: Access = rule("signing_in")) -> Response:
    return render(request, "totp.html", access, error=None)


@router.post("/sign-in/totp")
async def confirm_totp(
    request: Request, code: str = Form(max_length=16), access: Access = rule("signing_in")
) -> Response:
    workbench = request.app.state.workbench
    try:
        signed = await run_in_threadpool(
            workbench.confirm_totp, access.identity, code, now=request.app.state.clock()
        )
    except SignInRefused as refused:
        return render(request, "totp.html", access, error=str(refused))
    return signed_in_answer(request, signed)


@router.post("/sign-out")
async def sign_out(request: Request, access: Access = rule("signing_in")) -> Response:
    await run_in_threadpool(request.app.state.workbench.sign_out, access.identity)
    response = RedirectResponse("/sign-in", status_code=303)
    cookies.clear_session(response, request)
    return response


@router.get("/cases")
def cases(request: Request, access: Access = rule("signed_in")) -> Response:
    workbench = request.app.state.workbench
    who = access.identity
    return render(
        request,
        "cases.html",
        access,
        cases=workbench.member_cases(who),
        exposure=exposure_of(request, access),
    )


@router.get("/account")
def account(request: Request, access: Access = rule("signed_in")) -> Response:
    workbench = request.app.state.workbench
    who = access.identity
    return render(
        request,
        "account.html",
        access,
        exposure=exposure_of(request, access),
        me=workbench.me(who),
        totp=workbench.pending_totp(who),
    )


@router.post("/account/exposure")
def set_exposure(
    request: Request,
    blur_strength: int = Form(),
    thumb_size: int = Form(),
    greyscale: bool = Form(False),
    access: Access = rule("signed_in"),
) -> Response:
    request.app.state.workbench.set_exposure(access.identity, blur_strength, greyscale, thumb_size)
    return RedirectResponse("/account", status_code=303)


@router.post("/account/totp")
def begin_totp(request: Request, access: Access = rule("signed_in")) -> Response:
    request.app.state.workbench.begin_totp(access.identity)
    return RedirectResponse("/account", status_code=303)


@router.get("/account/totp/qr.svg")
def totp_qr(request: Request, access: Access = rule("signed_in")) -> Response:
    setup = request.app.state.workbench.pending_totp(access.identity)
    if setup is None:
        return Response(status_code=404)
    return Response(setup.qr_svg, media_type="image/svg+xml", headers={"cache-control": "no-store"})


@router.post("/account/totp/confirm")
def enable_totp(
    request: Request, code: str = Form(max_length=16), access: Access = rule("signed_in")
) -> Response:
    workbench = request.app.state.workbench
    if workbench.enable_totp(access.identity, code, now=request.app.state.clock()):
        return RedirectResponse("/account", status_code=303)
    raise SignInRefused("wrong code; scan the QR code again and send a current code")


def _include_admin() -> None:
    """The admin pages ride on this router (``vidi.web.admin``), so ``create_app`` adds
    them with the other pages."""
    from vidi.web import admin

    router.routes.extend(admin.router.routes)


_include_admin()
