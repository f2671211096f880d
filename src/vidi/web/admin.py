"""The admin pages: users (add, reset a password) and who is a member of which case.

Every route has the rule ``admin`` (a full session of an admin; CSRF on each change),
and each calls a Workbench method that checks the role again and writes the audit event
with the admin as actor (``user-add``, ``password-reset``, ``member-add``,
``member-remove``). A new or reset one-time password is shown once, on the answer to
the form that made it (``Cache-Control: no-store``, like every page), and never again.
Cases are named by form fields, not by path, so no admin route looks like a case route.
"""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Form, Request
from fastapi.responses import RedirectResponse, Response

from vidi.web.rules import Access, rule

router = APIRouter(include_in_schema=False)


def _name() -> Any:
    """A name field of a form (a fresh one per parameter: FastAPI binds each to its name)."""
    return Form(min_length=1, max_length=200)


def _render(request: Request, name: str, access: Access, **context: Any) -> Response:
    from vidi.web.pages import render

    return render(request, name, access, **context)


@router.get("/admin")
def admin_page(request: Request, access: Access = rule("admin")) -> Response:
    """Users with their roles, and every case with its members."""
    workbench = request.app.state.workbench
    who = access.identity
    return _render(
        request,
        "admin.html",
        access,
        users=workbench.users(who),
        cases=workbench.case_members(who),
        roles=("viewer", "investigator", "admin"),
    )


@router.post("/admin/users")
def add_user(
    request: Request,
    name: str = _name(),
    role: str = Form(max_length=32),
    access: Access = rule("admin"),
) -> Response:
    """A new user; the answer shows their one-time password, once."""
    created = request.app.state.workbench.add_user(name, role, access.identity)
    return _render(request, "admin_password.html", access, made=created, new=True)


@router.post("/admin/users/password")
def reset_password(
    request: Request, name: str = _name(), access: Access = rule("admin")
) -> Response:
    """A new one-time password for the user (their sessions end), shown once."""
    reset = request.app.state.workbench.reset_password(name, access.identity)
    return _render(request, "admin_password.html", access, made=reset, new=False)


@router.post("/admin/members")
def add_member(
    request: Request, case: str = _name(), user: str = _name(), access: Access = rule("admin")
) -> Response:
    request.app.state.workbench.add_member(case, user, access.identity)
    return RedirectResponse("/admin", status_code=303)


@router.post("/admin/members/remove")
def remove_member(
    request: Request, case: str = _name(), user: str = _name(), access: Access = rule("admin")
) -> Response:
    request.app.state.workbench.remove_member(case, user, access.identity)
    return RedirectResponse("/admin", status_code=303)
