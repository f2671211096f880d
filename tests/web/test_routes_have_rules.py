"""Every route of the web app declares its access rule; a new route without one fails here."""

from __future__ import annotations

from typing import Any

from fastapi import FastAPI
from fastapi.routing import APIRoute
from starlette.routing import BaseRoute, Mount

from vidi.web import create_app
from vidi.web.rules import RULES, Rule


def declared_rules(route: BaseRoute) -> list[str]:
    """The access rules a route declares (as a dependency, or on a mounted app)."""
    if isinstance(route, Mount):
        declared = getattr(route.app, "access_rule", None)
        return [declared] if declared else []
    if not isinstance(route, APIRoute):
        return []
    found: list[str] = []
    pending = list(route.dependant.dependencies)
    while pending:
        dependency = pending.pop()
        if isinstance(dependency.call, Rule):
            found.append(dependency.call.access_rule)
        pending.extend(dependency.dependencies)
    return found


def routes_without_one_rule(app: FastAPI) -> list[str]:
    return [
        getattr(route, "path", repr(route))
        for route in app.routes
        if len(declared_rules(route)) != 1
    ]


def app_without_database() -> FastAPI:
    return create_app(workbench=object())  # type: ignore[arg-type]  # routes only


def test_every_route_declares_exactly_one_known_rule() -> None:
    app = app_without_database()
    assert routes_without_one_rule(app) == []
    rules = {rule for route in app.routes for rule in declared_rules(route)}
    assert rules <= set(RULES)
    assert {"public", "signed_in", "case_member", "case_investigator"} <= rules


def test_a_route_added_without_a_rule_is_caught() -> None:
    app = app_without_database()

    @app.get("/cases/{case_id}/forgotten")
    def forgotten(case_id: int) -> dict[str, Any]:
        return {"case": case_id}

    assert routes_without_one_rule(app) == ["/cases/{case_id}/forgotten"]


def test_the_reveal_route_is_for_investigators_only() -> None:
    app = app_without_database()
    reveal = [r for r in app.routes if getattr(r, "path", "").endswith("/reveal")]
    assert len(reveal) == 3  # the page route, its /api twin, a publication's crop
    assert all(declared_rules(r) == ["case_investigator"] for r in reveal)
