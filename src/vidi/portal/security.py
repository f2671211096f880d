"""Headers every response carries, and the request limits applied before any route runs.

The Content-Security-Policy allows only this site: no inline script or style, no
frames, no other origin. ``worker-src 'self'`` is there for the proof-of-work widget,
which runs its hashing in a Web Worker loaded from /static (not from a blob: URL); no
WebAssembly is needed, so no 'wasm-unsafe-eval'.
"""

from __future__ import annotations

from starlette.types import ASGIApp, Message, Receive, Scope, Send

CONTENT_SECURITY_POLICY = "; ".join(
    [
        "default-src 'self'",
        "script-src 'self'",
        "style-src 'self'",
        "img-src 'self'",
        "connect-src 'self'",
        "worker-src 'self'",
        "font-src 'self'",
        "form-action 'self'",
        "frame-ancestors 'none'",
        "base-uri 'none'",
        "object-src 'none'",
    ]
)
SECURITY_HEADERS = [
    (b"content-security-policy", CONTENT_SECURITY_POLICY.encode()),
    (b"x-content-type-options", b"nosniff"),
    (b"referrer-policy", b"no-referrer"),
    (b"x-frame-options", b"DENY"),
    (b"cross-origin-opener-policy", b"same-origin"),
    (b"cross-origin-resource-policy", b"same-origin"),
    (b"permissions-policy", b"camera=(), microphone=(), geolocation=(), interest-cohort=()"),
]
ACCEPTED_BODIES = (b"application/x-www-form-urlencoded",)


class SecurityMiddleware:
    """Adds the security headers, drops any Set-Cookie, and bounds request bodies.

    A body over ``max_body_bytes`` gets 413 and a body that is not a plain form (a file
    upload, JSON) gets 415, before the application reads it.
    """

    def __init__(self, app: ASGIApp, max_body_bytes: int) -> None:
        self.app = app
        self.max_body_bytes = max_body_bytes

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        headers = dict(scope["headers"])
        started = False

        async def send_secured(message: Message) -> None:
            nonlocal started
            if message["type"] == "http.response.start":
                started = True
                kept = [(k, v) for k, v in message.get("headers", []) if k.lower() != b"set-cookie"]
                message = {**message, "headers": kept + SECURITY_HEADERS}
            await send(message)

        if scope["method"] in ("POST", "PUT", "PATCH"):
            content_type = headers.get(b"content-type", b"").split(b";")[0].strip().lower()
            if content_type not in ACCEPTED_BODIES:
                await _refuse(send_secured, 415, b"Only plain forms are accepted; no uploads.")
                return
            declared = headers.get(b"content-length")
            too_large = declared is not None and (
                not declared.isdigit() or int(declared) > self.max_body_bytes
            )
            if too_large:
                await _refuse(send_secured, 413, b"The form is too large.")
                return
            receive = _bounded(receive, self.max_body_bytes)
        try:
            await self.app(scope, receive, send_secured)
        except BodyTooLarge:
            if not started:
                await _refuse(send_secured, 413, b"The form is too large.")


class BodyTooLarge(Exception):
    pass


def _bounded(receive: Receive, limit: int) -> Receive:
    """A ``receive`` that fails once more than ``limit`` body bytes arrived (chunked bodies)."""
    seen = 0

    async def bounded() -> Message:
        nonlocal seen
        message = await receive()
        if message["type"] == "http.request":
            seen += len(message.get("body", b""))
            if seen > limit:
                raise BodyTooLarge
        return message

    return bounded


async def _refuse(send: Send, status: int, text: bytes) -> None:
    await send(
        {
            "type": "http.response.start",
            "status": status,
            "headers": [(b"content-type", b"text/plain; charset=utf-8")],
        }
    )
    await send({"type": "http.response.body", "body": text})
