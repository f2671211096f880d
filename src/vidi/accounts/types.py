"""The values the accounts service hands out: roles, identities, exposure, policies.

Every value is a frozen dataclass with ``to_dict()`` (the JSON the web sends). An
:class:`Identity` is made only by :func:`vidi.accounts.sessions.identify` from a valid
session token; the Workbench's account methods take one instead of a token.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass
from datetime import datetime, timedelta
from enum import StrEnum
from typing import Any

from vidi.errors import VidiError
from vidi.results import CaseInfo


class Role(StrEnum):
    """What a user may do in the cases they are a member of (admins also manage users)."""

    ADMIN = "admin"
    INVESTIGATOR = "investigator"
    VIEWER = "viewer"


class Stage(StrEnum):
    """How far a session has got: owes a new password, owes a TOTP code, or signed in."""

    PASSWORD = "password"
    TOTP = "totp"
    FULL = "full"


class SignInRefused(VidiError):
    """Wrong name, password or code (the message never says which)."""


class Throttled(SignInRefused):
    """Too many failed sign-ins for this user name or from this client; wait and retry."""


class NotSignedIn(VidiError):
    """No session, or it ended (signed out, idle too long, too old)."""


class AccessDenied(VidiError):
    """The user's role does not allow this (a viewer asking to reveal, a non-admin adding users)."""


@dataclass(frozen=True)
class HashCosts:
    """argon2id costs for new password hashes (RFC 9106's second recommended option).

    Each hash costs this much memory and time on purpose; tests choose far less.
    """

    time_cost: int = 3
    memory_kib: int = 64 * 1024
    parallelism: int = 4


@dataclass(frozen=True)
class AccountPolicy:
    """How long sessions live, how sign-in is throttled and when a break is suggested."""

    idle: timedelta = timedelta(minutes=30)
    absolute: timedelta = timedelta(hours=12)
    failures_per_user: int = 5
    failures_per_client: int = 20
    failure_window: timedelta = timedelta(minutes=15)
    min_password_length: int = 12
    break_after_minutes: int = 45
    break_after_reveals: int = 40
    touch_every: timedelta = timedelta(seconds=30)
    """A session's last-seen time is written at most this often (fewer writes per page)."""
    hashing: HashCosts = HashCosts()


@dataclass(frozen=True)
class UserInfo:
    id: int
    name: str
    role: Role
    totp: bool
    must_change_password: bool

    def to_dict(self) -> dict[str, Any]:
        return {**asdict(self), "role": self.role.value}


@dataclass(frozen=True)
class NewPassword:
    """A one-time password for USER: shown once, changed at the first sign-in."""

    user: UserInfo
    password: str

    def to_dict(self) -> dict[str, Any]:
        return {"user": self.user.to_dict(), "password": self.password}


@dataclass(frozen=True)
class Membership:
    case: str
    user: str
    added: bool
    """False when the user was already a member."""

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


@dataclass(frozen=True)
class SignedIn:
    """A new session: the token goes into the cookie, nowhere else."""

    token: str
    csrf_token: str
    stage: Stage
    user: UserInfo

    def to_dict(self) -> dict[str, Any]:
        return {"stage": self.stage.value, "user": self.user.to_dict()}


@dataclass(frozen=True)
class Identity:
    """Who is asking, read from a valid session."""

    user_id: int
    name: str
    role: Role
    session_id: str
    stage: Stage
    csrf_token: str

    @property
    def may_change_cases(self) -> bool:
        return self.role in (Role.ADMIN, Role.INVESTIGATOR)

    def to_dict(self) -> dict[str, Any]:
        return {"name": self.name, "role": self.role.value, "stage": self.stage.value}


@dataclass(frozen=True)
class ExposureSettings:
    """How thumbnails are shown to one user. Blur never goes below MIN_BLUR."""

    blur_strength: int = 24
    greyscale: bool = True
    thumb_size: int = 192

    MIN_BLUR = 6
    MAX_BLUR = 40
    SIZES = (128, 192, 256)

    @property
    def key(self) -> str:
        """Short text that changes when the settings change (for thumbnail URLs and ETags)."""
        return f"b{self.blur_strength}g{int(self.greyscale)}s{self.thumb_size}"

    def to_dict(self) -> dict[str, Any]:
        return {
            "blur_strength": self.blur_strength,
            "greyscale": self.greyscale,
            "thumb_size": self.thumb_size,
        }


@dataclass(frozen=True)
class Exposure:
    """A user's exposure: settings, and what this session and all sessions showed."""

    settings: ExposureSettings
    session_reveals: int
    session_minutes: int
    total_reveals: int
    total_minutes: int
    break_due: bool

    def to_dict(self) -> dict[str, Any]:
        data = asdict(self)
        data["settings"] = self.settings.to_dict()
        return data


@dataclass(frozen=True)
class CaseMembers:
    """A case and the names of its members (the admin page's overview)."""

    case_id: int
    case: str
    members: tuple[str, ...]

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


@dataclass(frozen=True)
class CaseAccess:
    """One request's reading of who asks: the identity, the case of the path when they
    are a member of it (None otherwise), and their exposure (None until fully signed in)."""

    who: Identity
    case: CaseInfo | None
    exposure: Exposure | None


@dataclass(frozen=True)
class Picture:
    """Bytes to send: a blurred thumbnail, or a revealed clear one."""

    data: bytes
    media_type: str
    etag: str
    clear: bool


@dataclass(frozen=True)
class MediaItem:
    """One media item of a case, as a page lists it (no picture bytes)."""

    sha256: str
    media_type: str
    status: str
    width: int | None
    height: int | None

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


@dataclass(frozen=True)
class TotpSetup:
    """A TOTP secret being enrolled: the URI for an app and its QR code as SVG."""

    secret: str
    uri: str
    qr_svg: str

    def to_dict(self) -> dict[str, Any]:
        return {"secret": self.secret, "uri": self.uri}


def aware(at: datetime) -> datetime:
    """SQLite hands back stored UTC times without their zone."""
    from datetime import UTC

    return at if at.tzinfo is not None else at.replace(tzinfo=UTC)
