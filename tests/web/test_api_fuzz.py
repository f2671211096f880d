"""Schemathesis over the OpenAPI description: no route fails, none answers a stranger.

Each operation gets a few generated requests, sent once with alice's session (and her
CSRF token) and once with no session at all.
"""

from __future__ import annotations

import pytest
import schemathesis
from hypothesis import HealthCheck, given, settings
from webapp import Web

from vidi.web.rules import SESSION_COOKIE

PUBLIC_OPERATIONS = {"/api/sign-in"}


@pytest.fixture(scope="module")
def signed_in(web: Web) -> tuple[str, str]:
    alice = web.sign_in("alice")
    token = alice.cookies.get(SESSION_COOKIE)
    assert token
    return token, web.csrf(alice)


def operations(web: Web) -> list[schemathesis.APIOperation]:
    schema = schemathesis.openapi.from_asgi("/openapi.json", web.client.app)
    found = [result.ok() for result in schema.get_all_operations()]
    assert len(found) >= 8, "the OpenAPI description lost its operations?"
    # Signing out would end the session the other examples use; it has its own tests.
    return [op for op in found if op.path != "/api/sign-out"]


def test_no_operation_fails_or_answers_without_a_session(
    web: Web, signed_in: tuple[str, str]
) -> None:
    token, csrf = signed_in

    for operation in operations(web):

        @given(case=operation.as_strategy())
        @settings(
            max_examples=6,
            deadline=None,
            derandomize=True,
            database=None,
            suppress_health_check=list(HealthCheck),
        )
        def examples(case: schemathesis.Case) -> None:
            answer = case.call(cookies={SESSION_COOKIE: token}, headers={"x-csrf-token": csrf})
            assert answer.status_code < 500, (case.method, case.formatted_path, answer.text)
            stranger = case.call()
            assert stranger.status_code < 500
            if case.path not in PUBLIC_OPERATIONS:
                assert stranger.status_code in (401, 403), (case.method, case.formatted_path)

        examples()
