"""The portal's settings: a bundle, a data folder, a trusted key and limits. No database URL.

The portal must be runnable on a machine that has no case data at all, so nothing here
can point at a Vidi case database; :func:`check_apart_from_case_data` refuses a data
folder that holds one and an environment that names one.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

from vidi.errors import ConfigError

TIPS_DATABASE = "tips.sqlite3"
TIPS_KEY_NAME = "tips-signing"
POW_SECRET = "pow-hmac.secret"
TRUSTED_PUBLISHER_KEY = "trusted/publication.pub"
OWN_FILES = frozenset(
    {
        TIPS_DATABASE,
        f"{TIPS_DATABASE}-wal",
        f"{TIPS_DATABASE}-shm",
        f"{TIPS_DATABASE}-journal",
        f"{TIPS_KEY_NAME}.key",
        f"{TIPS_KEY_NAME}.pub",
        POW_SECRET,
    }
)
SQLITE_MAGIC = b"SQLite format 3\x00"
CASE_DATABASE_VARIABLES = ("VIDI_DATABASE_URL",)
URL_SCHEME = re.compile(r"[A-Za-z][A-Za-z0-9+.-]*:/")
"""``sqlite:///…`` or ``postgresql+psycopg://…`` (a Path has already folded ``//``)."""


@dataclass(frozen=True)
class Limits:
    """Abuse limits. Rates are token buckets: ``burst`` at once, refilled over the period."""

    tips_per_object_per_hour: int = 20
    tips_per_minute: int = 60
    challenges_per_minute: int = 600
    max_body_bytes: int = 16 * 1024
    pow_max_number: int = 50_000
    """The secret counter is drawn below this; the browser tries half of it on average."""
    challenge_seconds: int = 600


@dataclass(frozen=True)
class PortalSettings:
    bundle: Path
    data: Path
    publisher_key: Path
    """The workbench's publication public key (``publication.pub``), copied here by hand."""
    limits: Limits = Limits()

    @classmethod
    def create(
        cls, bundle: Path, data: Path, publisher_key: Path | None = None, limits: Limits = Limits()
    ) -> PortalSettings:
        for name, value in (("--bundle", bundle), ("--data", data)):
            if URL_SCHEME.match(str(value)):
                raise ConfigError(
                    f"{name} {str(value)[:40]!r} looks like a URL; the portal takes folders "
                    "and never connects to a database"
                )
        return cls(
            bundle=bundle,
            data=data,
            publisher_key=publisher_key or data / TRUSTED_PUBLISHER_KEY,
            limits=limits,
        )

    @property
    def tips_database(self) -> Path:
        return self.data / TIPS_DATABASE


def check_apart_from_case_data(settings: PortalSettings, environ: Mapping[str, str]) -> None:
    """Refuse to run next to a case database: in the environment or in the data folder."""
    for variable in CASE_DATABASE_VARIABLES:
        if environ.get(variable):
            raise ConfigError(
                f"{variable} is set: the portal must run apart from the case database; "
                "unset it (the portal has no database setting)"
            )
    if not settings.data.exists():
        return
    if not settings.data.is_dir():
        raise ConfigError(f"--data {settings.data} is not a folder")
    for path in sorted(settings.data.iterdir()):
        if path.name in OWN_FILES or not path.is_file():
            continue
        if path.name == "vidi.db" or _is_sqlite(path):
            raise ConfigError(
                f"--data {settings.data} holds a database ({path.name}) that is not the "
                "portal's: give the portal a folder of its own, apart from any Vidi home"
            )


def _is_sqlite(path: Path) -> bool:
    # Reads 16 header bytes; the file is never opened as a database.
    with path.open("rb") as handle:
        return handle.read(len(SQLITE_MAGIC)) == SQLITE_MAGIC
