"""One settings object for the whole of Vidi.

Nothing else reads ``os.environ``: commands build a :class:`Settings` once (from the
environment and the ``--home`` option) and pass it down.
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field, replace
from pathlib import Path

from platformdirs import user_data_dir
from sqlalchemy.engine import make_url
from sqlalchemy.exc import ArgumentError

from vidi.errors import ConfigError

DATABASE_DRIVERS = {"sqlite": ("", "pysqlite"), "postgresql": ("", "psycopg")}
"""The databases Vidi runs on, and the Python drivers it installs for them."""
DATABASE_URL_EXAMPLES = "sqlite:////srv/vidi/vidi.db or postgresql+psycopg://user@host/database"


@dataclass(frozen=True)
class ArchiveLimits:
    """Limits that keep a hostile archive from exhausting disk, memory or time."""

    max_depth: int = 5
    """How many archives deep an entry may sit (an archive in an archive is depth 2)."""
    max_entries: int = 1_000_000
    """Entries one archive may list."""
    max_entry_bytes: int = 8 * 1024**3
    """Expanded size of one entry."""
    max_total_bytes: int = 64 * 1024**3
    """Expanded bytes of one archive, nested archives included."""
    max_ratio: float = 200.0
    """Expanded/compressed size of one entry above which it is treated as a bomb."""
    ratio_floor_bytes: int = 16 * 1024**2
    """Entries that expand to less than this are never refused for their ratio."""


@dataclass(frozen=True)
class ImageLimits:
    """Limits on decoding a picture."""

    max_pixels: int = 200_000_000
    """Pictures with more pixels are refused as decompression bombs."""
    pdq_decode_side: int = 256
    """JPEG draft (DCT-scaled) decoding keeps both sides at least this many pixels."""
    thumbnail_side: int = 256


@dataclass(frozen=True)
class MatchSettings:
    """How near is near."""

    pdq_radius: int = 31
    pdq_min_quality: int = 50
    vpdq_frame_radius: int = 31
    vpdq_match_percent: float = 50.0


@dataclass(frozen=True)
class VideoSettings:
    frames_per_second: float = 1.0
    decode_timeout_s: float = 300.0
    contact_sheet_frames: int = 12


@dataclass(frozen=True)
class Settings:
    """Where Vidi keeps its data and how it behaves."""

    home: Path
    database_url: str
    workers: int = field(default_factory=lambda: max(1, os.cpu_count() or 1))
    batch_size: int = 500
    archive: ArchiveLimits = field(default_factory=ArchiveLimits)
    image: ImageLimits = field(default_factory=ImageLimits)
    match: MatchSettings = field(default_factory=MatchSettings)
    video: VideoSettings = field(default_factory=VideoSettings)
    extractors: tuple[str, ...] = ("exif", "text", "barcode", "hum", "speech")
    ocr_languages: str = "auto"
    features: bool = True
    """Run the local-feature stage (object search, same-scene links) after ingest."""
    index_shards: int = 1
    """PDQ index shards queried side by side (VIDI_INDEX_SHARDS); see vidi.index.shards."""
    index_url: str | None = None
    """A ``vidi index serve`` to query instead of the local index (VIDI_INDEX_URL)."""
    broker_url: str = "redis://127.0.0.1:6379/0"
    """The Celery broker distributed ingest sends chunks through (VIDI_BROKER_URL)."""
    broker_queue: str = "vidi"
    """The broker queue Vidi's workers read (VIDI_BROKER_QUEUE); one per team or test."""
    chunk_files: int = 1000
    """Files in one chunk of a distributed job (VIDI_CHUNK_FILES); an archive is a chunk."""

    @property
    def blob_dir(self) -> Path:
        return self.home / "blobs"

    @property
    def index_dir(self) -> Path:
        return self.home / "index"

    @property
    def audit_anchor(self) -> Path:
        """The audit chain's length and head hash, kept outside the database."""
        return self.home / "audit-anchor.json"

    @property
    def work_dir(self) -> Path:
        """Scratch space for entries spilled out of archives; always under the home."""
        return self.home / "work"

    def with_changes(self, **changes: object) -> Settings:
        return replace(self, **changes)  # type: ignore[arg-type]


def default_home() -> Path:
    return Path(user_data_dir("vidi", appauthor=False))


def load_settings(home: Path | str | None = None, env: dict[str, str] | None = None) -> Settings:
    """Build settings from an explicit home, then VIDI_* environment variables, then defaults."""
    env = dict(os.environ) if env is None else env
    chosen = Path(home) if home else Path(env["VIDI_HOME"]) if env.get("VIDI_HOME") else None
    home_path = (chosen or default_home()).expanduser().resolve()
    database_url = env.get("VIDI_DATABASE_URL") or f"sqlite:///{home_path / 'vidi.db'}"
    settings = Settings(home=home_path, database_url=checked_database_url(database_url))
    if env.get("VIDI_WORKERS"):
        settings = settings.with_changes(workers=whole_number("VIDI_WORKERS", env["VIDI_WORKERS"]))
    if env.get("VIDI_BATCH_SIZE"):
        batch_size = whole_number("VIDI_BATCH_SIZE", env["VIDI_BATCH_SIZE"])
        settings = settings.with_changes(batch_size=batch_size)
    if env.get("VIDI_EXTRACTORS") is not None:
        names = tuple(n.strip() for n in env["VIDI_EXTRACTORS"].split(",") if n.strip())
        settings = settings.with_changes(extractors=names)
    if env.get("VIDI_FEATURES") is not None:
        settings = settings.with_changes(features=env["VIDI_FEATURES"].strip() not in ("0", ""))
    if env.get("VIDI_OCR_LANGUAGES"):
        settings = settings.with_changes(ocr_languages=env["VIDI_OCR_LANGUAGES"])
    if env.get("VIDI_INDEX_SHARDS"):
        shards = whole_number("VIDI_INDEX_SHARDS", env["VIDI_INDEX_SHARDS"])
        settings = settings.with_changes(index_shards=shards)
    if env.get("VIDI_INDEX_URL"):
        settings = settings.with_changes(index_url=env["VIDI_INDEX_URL"].rstrip("/"))
    if env.get("VIDI_BROKER_URL"):
        settings = settings.with_changes(broker_url=env["VIDI_BROKER_URL"])
    if env.get("VIDI_BROKER_QUEUE"):
        settings = settings.with_changes(broker_queue=env["VIDI_BROKER_QUEUE"])
    if env.get("VIDI_CHUNK_FILES"):
        chunk_files = whole_number("VIDI_CHUNK_FILES", env["VIDI_CHUNK_FILES"])
        settings = settings.with_changes(chunk_files=chunk_files)
    return settings


def whole_number(name: str, raw: str) -> int:
    """The setting ``name`` read as a whole number of at least 1, or a ConfigError."""
    try:
        value = int(raw)
    except ValueError:
        value = 0
    if value < 1:
        raise ConfigError(f"{name} must be a whole number of at least 1, not {raw!r}")
    return value


def checked_database_url(url: str) -> str:
    """``url`` when Vidi can use it (a bare ``postgresql://`` gets Vidi's psycopg driver).

    Anything else is a ConfigError saying what to write, so a typo never reaches the
    database layer as a traceback.
    """
    shown = hide_password(url)
    try:
        parsed = make_url(url)
    except (ArgumentError, ValueError):
        raise ConfigError(
            f"VIDI_DATABASE_URL {shown!r} is not a database URL; write one such as "
            f"{DATABASE_URL_EXAMPLES}"
        ) from None
    backend, _, driver = parsed.drivername.partition("+")
    if backend not in DATABASE_DRIVERS:
        raise ConfigError(
            f"VIDI_DATABASE_URL {shown!r} names {backend!r}; Vidi runs on SQLite or "
            f"PostgreSQL: write a URL such as {DATABASE_URL_EXAMPLES}"
        )
    if driver not in DATABASE_DRIVERS[backend]:
        raise ConfigError(
            f"VIDI_DATABASE_URL {shown!r} asks for the driver {driver!r}, which Vidi does "
            f"not install; write {backend}+{DATABASE_DRIVERS[backend][-1]}:// instead"
        )
    if backend == "postgresql" and not driver:
        return parsed.set(drivername="postgresql+psycopg").render_as_string(hide_password=False)
    return url


def hide_password(url: str) -> str:
    """``postgresql://user:secret@host/db`` → ``postgresql://user:***@host/db``."""
    if "://" not in url or "@" not in url:
        return url
    scheme, rest = url.split("://", 1)
    creds, host = rest.rsplit("@", 1)
    if ":" in creds:
        creds = creds.split(":", 1)[0] + ":***"
    return f"{scheme}://{creds}@{host}"
