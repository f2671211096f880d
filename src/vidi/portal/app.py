"""The public site: gallery, object pages, the tip form and the thank-you page.

Everything it shows comes from the verified publication held in memory; everything it
keeps goes to its own tip database. Pages work without JavaScript except the proof of
work on the tip form. Nothing about the visitor (address, browser) is read or kept.
"""

from __future__ import annotations

import json
import struct
from dataclasses import dataclass
from importlib.resources import files
from pathlib import Path
from typing import Any
from urllib.parse import urlencode

from fastapi import FastAPI, Request
from fastapi.responses import HTMLResponse, JSONResponse, RedirectResponse, Response
from fastapi.staticfiles import StaticFiles
from jinja2 import Environment, FileSystemLoader, select_autoescape
from starlette.exceptions import HTTPException

from vidi.bundles.publication import ObjectType, Publication, PublishedObject
from vidi.bundles.tips import MAX_CONTACT, MAX_WHAT, MAX_WHERE
from vidi.portal.i18n import LANGUAGES, choose_language, translations
from vidi.portal.pow import ProofOfWork
from vidi.portal.ratelimit import RateLimits
from vidi.portal.security import SecurityMiddleware
from vidi.portal.settings import POW_SECRET, PortalSettings
from vidi.portal.tipstore import TipStore

PACKAGE = Path(str(files("vidi.portal")))
TEXT_LIMITS = {"what": MAX_WHAT, "where": MAX_WHERE, "contact": MAX_CONTACT}


def N_(message: str) -> str:
    """Marks a message for the catalogs; translated where it is shown."""
    return message


TYPE_LABELS = {
    ObjectType.CLOTHING: N_("Clothing"),
    ObjectType.TOY: N_("Toys"),
    ObjectType.BAG_OR_PACKAGING: N_("Bags and packaging"),
    ObjectType.FURNITURE: N_("Furniture"),
    ObjectType.HOUSEHOLD: N_("Household objects"),
    ObjectType.LOGO_OR_TEXT: N_("Logos and text"),
    ObjectType.PLACE_OR_VIEW: N_("Places and views"),
    ObjectType.OTHER: N_("Other objects"),
}
WIDGET_STRINGS = {
    "label": N_("I am not a robot"),
    "verify": N_("Verify"),
    "verifying": N_("Checking…"),
    "verified": N_("Checked"),
    "waitAlert": N_("Checking… please wait."),
    "verificationRequired": N_("Please tick the anti-spam check first."),
    "error": N_("The check failed. Please try again later."),
    "expired": N_("The check expired. Please try again."),
    "loading": N_("Loading…"),
    "reload": N_("Reload"),
    "cancel": N_("Cancel"),
}
WIDGET_CONFIGURATION = json.dumps({"hideFooter": True, "hideLogo": True})


@dataclass(frozen=True)
class ObjectGroup:
    type: ObjectType
    label: str
    objects: list[PublishedObject]


@dataclass
class PortalState:
    publication: Publication
    store: TipStore
    proof: ProofOfWork
    rates: RateLimits
    templates: Environment
    sizes: dict[str, tuple[int, int]]


def create_app(publication: Publication, settings: PortalSettings) -> FastAPI:
    """The portal for an already verified ``publication`` (see server.load_publication)."""
    store = TipStore(settings.tips_database)
    limits = settings.limits
    state = PortalState(
        publication=publication,
        store=store,
        proof=ProofOfWork(
            settings.data / POW_SECRET, store, limits.pow_max_number, limits.challenge_seconds
        ),
        rates=RateLimits(
            limits.tips_per_object_per_hour, limits.tips_per_minute, limits.challenges_per_minute
        ),
        templates=Environment(
            loader=FileSystemLoader(PACKAGE / "templates"),
            autoescape=select_autoescape(default=True, default_for_string=True),
        ),
        sizes={item.id: png_size(item.crop_png) for item in publication.objects},
    )
    # No /docs, /redoc or /openapi.json: they would load scripts from a CDN.
    app = FastAPI(docs_url=None, redoc_url=None, openapi_url=None)
    app.state.portal = state
    app.mount("/static", StaticFiles(directory=PACKAGE / "static"), name="static")
    _add_routes(app, state)
    app.add_exception_handler(HTTPException, _error_page)  # type: ignore[arg-type]
    app.add_middleware(SecurityMiddleware, max_body_bytes=limits.max_body_bytes)
    return app


def _add_routes(app: FastAPI, state: PortalState) -> None:
    @app.get("/", response_class=HTMLResponse)
    def gallery(request: Request) -> Response:
        page = _page(request, state)
        selected = request.query_params.get("type")
        groups = [
            ObjectGroup(kind, page.gettext(TYPE_LABELS[kind]), objects)
            for kind in ObjectType
            if (objects := [o for o in state.publication.objects if o.object_type == kind])
        ]
        if selected not in {group.type.value for group in groups}:
            selected = None
        return page.render("gallery.html", groups=groups, selected=selected, sizes=state.sizes)

    @app.get("/objects/{object_id}", response_class=HTMLResponse)
    def object_page(request: Request, object_id: str) -> Response:
        item = _published(state, object_id)
        return _object_form(_page(request, state), item, {}, None, 200)

    @app.post("/objects/{object_id}/tips", response_class=HTMLResponse)
    async def receive_tip(request: Request, object_id: str) -> Response:
        item = _published(state, object_id)
        form = await request.form(max_files=0, max_fields=10)
        page = _page(request, state, str(form.get("lang", "")))
        fields = {name: _clean(form.get(name)) for name in ("what", "where", "contact")}
        fields["other_abuse"] = "yes" if form.get("other_abuse") == "yes" else ""
        problem = _form_problem(fields, form.get("consent"))
        if problem is not None:
            return _object_form(page, item, fields, page.gettext(problem), 400)
        if not state.proof.accept(str(form.get("altcha") or "")):
            message = N_("The anti-spam check was missing, expired or already used. Try again.")
            return _object_form(page, item, fields, page.gettext(message), 403)
        if not state.rates.allow_tip(item.id):
            message = N_("We are receiving many tips right now. Please try again in an hour.")
            return _object_form(page, item, fields, page.gettext(message), 429)
        state.store.add(
            item.id,
            page.language,
            fields["what"],
            fields["where"],
            fields["contact"],
            True,
            other_abuse=form.get("other_abuse") == "yes",
        )
        return RedirectResponse(f"/objects/{item.id}/thanks?lang={page.language}", 303)

    @app.get("/objects/{object_id}/thanks", response_class=HTMLResponse)
    def thanks(request: Request, object_id: str) -> Response:
        _published(state, object_id)
        return _page(request, state).render("thanks.html")

    @app.get("/crops/{name}")
    def crop(name: str) -> Response:
        item = _published(state, name.removesuffix(".png"))
        headers = {"Cache-Control": "public, max-age=3600"}
        return Response(item.crop_png, media_type="image/png", headers=headers)

    @app.get("/pow/challenge")
    def challenge() -> Response:
        if not state.rates.allow_challenge():
            return JSONResponse({"error": "busy"}, status_code=429)
        return JSONResponse(state.proof.challenge(), headers={"Cache-Control": "no-store"})


@dataclass(frozen=True)
class Page:
    """One request's language and how to render a page in it."""

    request: Request
    state: PortalState
    language: str

    def gettext(self, message: str, **values: str) -> str:
        translated = translations(self.language).ugettext(message)
        return translated % values if values else translated

    def switch_url(self, language: str) -> str:
        query = dict(self.request.query_params)
        query["lang"] = language
        return f"{self.request.url.path}?{urlencode(query)}"

    def render(self, template: str, status: int = 200, **context: Any) -> HTMLResponse:
        html = self.state.templates.get_template(template).render(
            _=self.gettext,
            lang=self.language,
            languages=LANGUAGES,
            switch_url=self.switch_url,
            **context,
        )
        return HTMLResponse(html, status_code=status)


def _page(request: Request, state: PortalState, form_language: str = "") -> Page:
    asked = form_language or request.query_params.get("lang")
    language = choose_language(asked, request.headers.get("accept-language"))
    return Page(request, state, language)


def _published(state: PortalState, object_id: str) -> PublishedObject:
    item = state.publication.by_id(object_id)
    if item is None:
        raise HTTPException(404)
    return item


def _object_form(
    page: Page, item: PublishedObject, form: dict[str, str], error: str | None, status: int
) -> HTMLResponse:
    text = item.text(page.language)
    strings = {key: page.gettext(message) for key, message in WIDGET_STRINGS.items()}
    return page.render(
        "object.html",
        status=status,
        item=item,
        text=text,
        type_label=page.gettext(TYPE_LABELS[item.object_type]),
        size=page.state.sizes[item.id],
        share_url=f"{str(page.request.base_url).rstrip('/')}/objects/{item.id}",
        form={name: form.get(name, "") for name in TEXT_LIMITS},
        other_abuse=form.get("other_abuse") == "yes",
        limits=TEXT_LIMITS,
        error=error,
        altcha_strings=json.dumps(strings, ensure_ascii=False),
        altcha_configuration=WIDGET_CONFIGURATION,
    )


def _clean(value: object) -> str:
    """The text as typed, without control characters other than line breaks and tabs."""
    if not isinstance(value, str):
        return ""
    text = value.replace("\r\n", "\n").replace("\r", "\n")
    return "".join(ch for ch in text if ch in "\n\t" or (ord(ch) >= 32 and ord(ch) != 127)).strip()


def _form_problem(fields: dict[str, str], consent: object) -> str | None:
    if not fields["what"]:
        return N_("Please write what you know about the object.")
    for name, limit in TEXT_LIMITS.items():
        if len(fields[name]) > limit:
            return N_("One of the fields is too long. Please shorten it.")
    if consent != "yes":
        return N_("Please tick the box to agree that your tip is passed to the police.")
    return None


async def _error_page(request: Request, error: HTTPException) -> Response:
    state: PortalState = request.app.state.portal
    page = _page(request, state)
    heading, message = {
        404: (N_("Not found"), N_("There is no such page or object here.")),
        405: (N_("Not allowed"), N_("This page cannot be used that way.")),
    }.get(error.status_code, (N_("Something went wrong"), N_("Please try again later.")))
    return page.render(
        "error.html",
        status=error.status_code,
        heading=page.gettext(heading),
        message=page.gettext(message),
    )


def png_size(png: bytes) -> tuple[int, int]:
    """Width and height from the PNG header (IHDR), for the img tags' layout."""
    if len(png) < 24:
        return (0, 0)
    width, height = struct.unpack(">II", png[16:24])
    return (width, height)
