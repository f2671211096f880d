"""The tip bundle: what the public told the portal, going back to the workbench.

Layout of a bundle folder::

    manifest.json   signed manifest: format "vidi-tips", signer (the portal's key),
                    created_at, SHA-256 of tips.json
    manifest.sig    Ed25519 signature of manifest.json
    tips.json       [{"id", "object_id", "received_at", "language", "what", "where",
                      "contact", "consent", "other_abuse"}]

``other_abuse`` (the sender ticked "this is about another child being harmed") was added
after the first bundles were written: a tip without it reads as False, so older bundles
still import.

A tip holds only what the person typed and the time to the minute: no address, no
browser, no cookie. The workbench reads it with :func:`read_tips_bundle` (``vidi tips
import``) trusting the portal's public key.
"""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey

from vidi.bundles.signing import (
    BundleRefused,
    SigningKey,
    canonical_json,
    read_signed_bundle,
    write_signed_bundle,
)

TIPS_FORMAT = "vidi-tips"
TIPS_FILE = "tips.json"
MAX_WHAT = 4000
MAX_WHERE = 1000
MAX_CONTACT = 300


@dataclass(frozen=True)
class Tip:
    """One tip about one published object."""

    id: str
    object_id: str
    received_at: str
    """UTC, ISO 8601, to the minute."""
    language: str
    what: str
    where: str
    contact: str
    """Empty when the person left none."""
    consent: bool
    """They ticked the consent text (which says how the tip will be used)."""
    other_abuse: bool = False
    """They ticked "this is about another child being harmed, not about the object"."""


def write_tips_bundle(out: Path, tips: list[Tip], key: SigningKey) -> dict[str, Any]:
    """Write ``tips`` as a signed tip bundle in the new folder ``out``; returns the manifest."""
    files = {TIPS_FILE: canonical_json([asdict(tip) for tip in tips])}
    created_at = datetime.now(UTC).replace(microsecond=0).isoformat()
    extra = {"created_at": created_at, "tips": len(tips)}
    return write_signed_bundle(out, TIPS_FORMAT, files, key, extra)


def read_tips_bundle(folder: Path, trusted: Ed25519PublicKey) -> list[Tip]:
    """Verify the tip bundle in ``folder`` against the portal's key and return its tips."""
    _, files = read_signed_bundle(folder, TIPS_FORMAT, trusted)
    try:
        records = json.loads(files[TIPS_FILE])
        tips = [Tip(**record) for record in records]
    except (KeyError, ValueError, TypeError):
        raise BundleRefused(f"bundle {folder} refused: {TIPS_FILE} is malformed") from None
    for tip in tips:
        flags = ("consent", "other_abuse")
        texts = [value for name, value in asdict(tip).items() if name not in flags]
        if not all(isinstance(value, str) for value in texts) or not all(
            isinstance(getattr(tip, name), bool) for name in flags
        ):
            raise BundleRefused(f"bundle {folder} refused: tip {tip.id!r} has a malformed field")
    return tips
