"""Accounts for the web workbench: users, roles, sign-in, case membership, exposure.

``users`` holds people, roles and memberships; ``sessions`` signs in (argon2id
password, optional TOTP), throttles and expires; ``access`` says which case and media
a user may see; ``exposure`` blurs thumbnails on the server and counts reveals.
:class:`vidi.accounts.workbench_part.AccountsPart` makes these Workbench methods.
"""

from vidi.accounts.types import (
    AccessDenied,
    AccountPolicy,
    Exposure,
    ExposureSettings,
    HashCosts,
    Identity,
    MediaItem,
    Membership,
    NewPassword,
    NotSignedIn,
    Picture,
    Role,
    SignedIn,
    SignInRefused,
    Stage,
    Throttled,
    TotpSetup,
    UserInfo,
)

__all__ = [
    "AccessDenied",
    "AccountPolicy",
    "Exposure",
    "ExposureSettings",
    "HashCosts",
    "Identity",
    "MediaItem",
    "Membership",
    "NewPassword",
    "NotSignedIn",
    "Picture",
    "Role",
    "SignInRefused",
    "SignedIn",
    "Stage",
    "Throttled",
    "TotpSetup",
    "UserInfo",
]
