"""The investigators' web workbench: ``create_app(workbench)``.

The app holds a :class:`vidi.Workbench` and calls nothing else: every page and API
route is a Workbench call behind an access rule (:mod:`vidi.web.rules`). Errors from
the Workbench become status codes here, once: NotFound 404, AccessDenied 403,
NotSignedIn 401 (a page redirects to the sign-in form), bad input 400.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

from fastapi import APIRouter, FastAPI, HTTPException, Request
from fastapi.responses import JSONResponse, RedirectResponse, Response
from fastapi.routing import APIRoute
from fastapi.staticfiles import StaticFiles
from fastapi.templating import Jinja2Templates

from vidi.accounts import AccessDenied, NotSignedIn, SignInRefused, Throttled
from vidi.errors import InvalidInput, NotFound, VidiError
from vidi.web.rules import Access, rule
from vidi.web.security import SecurityHeaders

if TYPE_CHECKING:
    from vidi.workbench import Workbench

HERE = Path(__file__).parent
log = logging.getLogger(__name__)


class PublicStatic(StaticFiles):
    """Static files (htmx, the page script and style): public, cacheable."""

    access_rule = "public"


def create_app(
    workbench: Workbench,
    *,
    clock: Callable[[], datetime] | None = None,
    secure_cookies: bool | None = None,
) -> FastAPI:
    """The web app over WORKBENCH.

    ``clock`` gives the time sessions are judged by (tests move it); ``secure_cookies``
    None sets the cookies' Secure flag unless the request came by plain HTTP to a
    loopback address, True or False forces it.
    """
    app = FastAPI(
        title="Vidi workbench",
        version="1",
        docs_url=None,
        redoc_url=None,
        openapi_url=None,  # served below, behind a declared rule like every route
    )
    app.state.workbench = workbench
    app.state.clock = clock or (lambda: datetime.now(UTC))
    app.state.secure_cookies = secure_cookies
    app.state.templates = templates()
    app.add_middleware(SecurityHeaders)
    app.mount("/static", PublicStatic(directory=HERE / "static"), name="static")
    _add_error_handlers(app)

    from vidi.web import api, casework, media, pages, publications, series

    add_routes(app, pages.router)
    add_routes(app, casework.pages)
    add_routes(app, media.router, in_schema=False)  # described under /api
    add_routes(app, media.router, prefix="/api")
    add_routes(app, casework.clear, in_schema=False)
    add_routes(app, casework.clear, prefix="/api")
    add_routes(app, api.router, prefix="/api")
    add_routes(app, casework.api, prefix="/api")
    series.register(app)  # grading, series and clues (vidi.web.series)
    publications.register(app)  # Trace an Object: crops, approvals, tips

    @app.get("/openapi.json", include_in_schema=False)
    def openapi(access: Access = rule("public")) -> dict[str, Any]:
        return app.openapi()

    return app


def add_routes(app: FastAPI, router: APIRouter, prefix: str = "", in_schema: bool = True) -> None:
    """Each route of ROUTER on APP itself, so ``app.routes`` lists every route flat
    (the rules test reads them there)."""
    for route in router.routes:
        assert isinstance(route, APIRoute)
        app.add_api_route(
            prefix + route.path,
            route.endpoint,
            methods=sorted(route.methods or ()),
            response_class=route.response_class,
            responses=route.responses,
            tags=route.tags,
            summary=route.summary,
            name=f"{prefix.strip('/')}.{route.name}" if prefix else route.name,
            include_in_schema=in_schema and route.include_in_schema,
        )


def templates() -> Jinja2Templates:
    chosen = Jinja2Templates(directory=HERE / "templates")
    chosen.env.autoescape = True  # every template, whatever its name ends with
    return chosen


def wants_json(request: Request) -> bool:
    return request.url.path.startswith("/api/") or request.url.path == "/openapi.json"


def _add_error_handlers(app: FastAPI) -> None:
    def answer(request: Request, status: int, message: str) -> Response:
        if wants_json(request):
            return JSONResponse({"detail": message}, status_code=status)
        if status == 401 and request.method == "GET":
            return RedirectResponse("/sign-in", status_code=303)
        page = app.state.templates.TemplateResponse(
            request, "error.html", {"status": status, "message": message}, status_code=status
        )
        return page  # type: ignore[no-any-return]

    @app.exception_handler(HTTPException)
    async def http_error(request: Request, error: HTTPException) -> Response:
        return answer(request, error.status_code, str(error.detail))

    @app.exception_handler(VidiError)
    async def vidi_error(request: Request, error: VidiError) -> Response:
        status = 400
        if isinstance(error, NotFound):
            status = 404
        elif isinstance(error, AccessDenied):
            status = 403
        elif isinstance(error, NotSignedIn):
            status = 401
        elif isinstance(error, Throttled):
            status = 429
        elif isinstance(error, SignInRefused | InvalidInput):
            status = 400
        return answer(request, status, str(error))

    @app.exception_handler(Exception)
    async def bug(request: Request, error: Exception) -> Response:
        log.exception("unexpected error on %s %s", request.method, request.url.path)
        return answer(request, 500, "something went wrong; the error is in the server log")
