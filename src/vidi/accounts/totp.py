"""Turning on the second sign-in step (TOTP): a secret, its QR code made here, a check.

The QR code is drawn on the server as SVG (no third-party service sees the secret);
the secret is kept aside until a code from it is confirmed, so a mistyped enrolment
never locks anyone out.
"""

from __future__ import annotations

from datetime import datetime

import pyotp
import segno
from sqlalchemy.orm import Session

from vidi.accounts.types import Identity, NotSignedIn, TotpSetup
from vidi.audit import record
from vidi.store.models import UserAccount

ISSUER = "Vidi"


def begin_totp(session: Session, who: Identity) -> TotpSetup:
    """A new secret held aside for WHO (replacing any earlier one not yet confirmed)."""
    user = _user(session, who)
    if user.totp_pending is None:
        user.totp_pending = pyotp.random_base32()
    return totp_setup(user.name, user.totp_pending)


def pending_totp(session: Session, who: Identity) -> TotpSetup | None:
    user = _user(session, who)
    return totp_setup(user.name, user.totp_pending) if user.totp_pending else None


def totp_setup(name: str, secret: str) -> TotpSetup:
    uri = pyotp.TOTP(secret).provisioning_uri(name=name, issuer_name=ISSUER)
    svg = segno.make(uri, error="m").svg_inline(scale=4, dark="#000", light="#fff")
    return TotpSetup(secret, uri, svg)


def confirm_enrolment(session: Session, who: Identity, code: str, now: datetime) -> bool:
    """Turn TOTP on when CODE fits the secret held aside (audited); False otherwise."""
    user = _user(session, who)
    if not user.totp_pending:
        return False
    if not pyotp.TOTP(user.totp_pending).verify(code.strip(), for_time=now, valid_window=1):
        return False
    user.totp_secret, user.totp_pending = user.totp_pending, None
    record(session, "totp-enable", f"user:{user.name}", None, actor=user.name)
    return True


def _user(session: Session, who: Identity) -> UserAccount:
    user = session.get(UserAccount, who.user_id)
    if user is None:
        raise NotSignedIn("not signed in")
    return user
