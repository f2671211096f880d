"""Server-side sessions: sign-in (password, then TOTP), throttling, expiry, sign-out.

The browser gets a random token; the table keeps only its SHA-256, so a copy of the
table signs nobody in. Every successful step makes a new session (and a later step
deletes the one it came from), so a token planted before sign-in is worth nothing
after it. A session ends when it has been idle for ``policy.idle`` or is older than
``policy.absolute``. A refused step is *returned*, not raised, so the caller can
commit its failure row and audit event before raising it.
"""

from __future__ import annotations

import hashlib
import secrets
from datetime import datetime

import pyotp
from sqlalchemy import delete, func, select
from sqlalchemy.orm import Session

from vidi.accounts.passwords import check_new_password, hash_password, password_matches
from vidi.accounts.types import (
    AccountPolicy,
    Identity,
    NotSignedIn,
    Role,
    SignedIn,
    SignInRefused,
    Stage,
    Throttled,
    UserInfo,
    aware,
)
from vidi.accounts.users import find_user, user_info
from vidi.audit import record
from vidi.store.models import SignInFailure, UserAccount, WebSession

REFUSED = "wrong user name or password"


def token_digest(token: str) -> str:
    return hashlib.sha256(token.encode("utf-8", "surrogateescape")).hexdigest()


def client_key(client: str) -> str:
    """The throttle's key for a client address: a digest, so no address is stored."""
    return hashlib.sha256(client.encode("utf-8", "surrogateescape")).hexdigest()


def sign_in(
    session: Session,
    name: str,
    password: str,
    client: str,
    now: datetime,
    policy: AccountPolicy,
) -> SignedIn | SignInRefused:
    """Check the password and open a session at the stage the user owes next.

    Returns Throttled (too many recent failures for the name or the client) or
    SignInRefused; both are audited, as is a success.
    """
    name = name[:64]
    _purge(session, now, policy)
    throttled = _throttled(session, name, client, now, policy)
    if throttled is not None:
        return throttled
    user = find_user(session, name)
    stored = user.password_hash if user else None
    if not password_matches(stored, password, policy.hashing) or user is None:
        session.add(SignInFailure(user_name=name, client=client_key(client), at=now))
        record(session, "sign-in-failed", f"user:{name}", None, actor=name)
        return SignInRefused(REFUSED)
    session.execute(delete(SignInFailure).where(SignInFailure.user_name == name))
    stage = (
        Stage.PASSWORD
        if user.must_change_password
        else Stage.TOTP
        if user.totp_secret
        else Stage.FULL
    )
    record(session, "sign-in", f"user:{name}", {"stage": stage.value}, actor=name)
    return _open(session, user, stage, now)


def _throttled(
    session: Session, name: str, client: str, now: datetime, policy: AccountPolicy
) -> Throttled | None:
    since = now - policy.failure_window
    recent = select(func.count()).select_from(SignInFailure).where(SignInFailure.at > since)
    by_user = session.scalar(recent.where(SignInFailure.user_name == name)) or 0
    by_client = session.scalar(recent.where(SignInFailure.client == client_key(client))) or 0
    if by_user >= policy.failures_per_user or by_client >= policy.failures_per_client:
        minutes = int(policy.failure_window.total_seconds() // 60)
        record(session, "sign-in-throttled", f"user:{name}", None, actor=name)
        return Throttled(f"too many failed sign-ins; try again in {minutes} minutes")
    return None


def _purge(session: Session, now: datetime, policy: AccountPolicy) -> None:
    """Forget ended sessions and failures older than the throttle window."""
    session.execute(delete(SignInFailure).where(SignInFailure.at <= now - policy.failure_window))
    session.execute(
        delete(WebSession).where(
            (WebSession.last_seen_at < now - policy.idle)
            | (WebSession.created_at < now - policy.absolute)
        )
    )


def _open(session: Session, user: UserAccount, stage: Stage, now: datetime) -> SignedIn:
    token = secrets.token_urlsafe(32)
    csrf = secrets.token_urlsafe(32)
    session.add(
        WebSession(
            id=token_digest(token),
            user_id=user.id,
            stage=stage.value,
            csrf_token=csrf,
            created_at=now,
            last_seen_at=now,
            reveals=0,
        )
    )
    session.flush()
    return SignedIn(token, csrf, stage, user_info(user))


def identify(session: Session, token: str | None, now: datetime, policy: AccountPolicy) -> Identity:
    """The identity behind TOKEN, or NotSignedIn (an expired session is deleted)."""
    row = session.get(WebSession, token_digest(token)) if token else None
    if row is None:
        raise NotSignedIn("not signed in")
    idle = now - aware(row.last_seen_at) > policy.idle
    too_old = now - aware(row.created_at) > policy.absolute
    if idle or too_old:
        session.delete(row)
        raise NotSignedIn("the session has ended; sign in again")
    user = session.get(UserAccount, row.user_id)
    if user is None:
        raise NotSignedIn("not signed in")
    elapsed = now - aware(row.last_seen_at)
    if elapsed > policy.touch_every:
        row.last_seen_at = now
        user.exposed_seconds += int(elapsed.total_seconds())
    return Identity(user.id, user.name, Role(user.role), row.id, Stage(row.stage), row.csrf_token)


def change_password(
    session: Session,
    who: Identity,
    current: str,
    new: str,
    now: datetime,
    policy: AccountPolicy,
) -> SignedIn | SignInRefused:
    """Set a new password (the current one is asked again); the session is replaced."""
    user = _user(session, who)
    if not password_matches(user.password_hash, current, policy.hashing):
        record(session, "password-change-failed", f"user:{user.name}", None, actor=user.name)
        return SignInRefused("the current password is wrong")
    check_new_password(new, policy.min_password_length)
    if new == current:
        return SignInRefused("choose a password different from the current one")
    user.password_hash = hash_password(new, policy.hashing)
    user.must_change_password = False
    record(session, "password-change", f"user:{user.name}", None, actor=user.name)
    end_sessions(session, user.id)
    stage = Stage.TOTP if user.totp_secret and who.stage != Stage.FULL else Stage.FULL
    return _open(session, user, stage, now)


def confirm_totp(
    session: Session, who: Identity, code: str, now: datetime, policy: AccountPolicy
) -> SignedIn | SignInRefused:
    """The second step: a current TOTP code turns a ``totp`` session into a full one."""
    user = _user(session, who)
    if who.stage != Stage.TOTP or not user.totp_secret:
        return SignInRefused("no code is owed in this session")
    throttled = _throttled(session, user.name, "totp", now, policy)
    if throttled is not None:
        return throttled
    if not pyotp.TOTP(user.totp_secret).verify(code.strip(), for_time=now, valid_window=1):
        session.add(SignInFailure(user_name=user.name, client=client_key("totp"), at=now))
        record(session, "sign-in-failed", f"user:{user.name}", {"step": "totp"}, actor=user.name)
        return SignInRefused("wrong code")
    _delete_session(session, who.session_id)
    record(session, "sign-in-totp", f"user:{user.name}", None, actor=user.name)
    return _open(session, user, Stage.FULL, now)


def sign_out(session: Session, who: Identity) -> None:
    _delete_session(session, who.session_id)
    record(session, "sign-out", f"user:{who.name}", None, actor=who.name)


def end_sessions(session: Session, user_id: int) -> None:
    session.execute(delete(WebSession).where(WebSession.user_id == user_id))


def _delete_session(session: Session, session_id: str) -> None:
    session.execute(delete(WebSession).where(WebSession.id == session_id))


def _user(session: Session, who: Identity) -> UserAccount:
    user = session.get(UserAccount, who.user_id)
    if user is None:
        raise NotSignedIn("not signed in")
    return user


def signed_in_user(session: Session, who: Identity) -> UserInfo:
    return user_info(_user(session, who))
