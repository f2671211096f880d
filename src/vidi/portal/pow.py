"""Proof of work on the tip form (ALTCHA), issued and checked here, no third party.

The server draws a secret counter below ``max_number`` and publishes only the prefix of
the key it derives; the browser's widget tries counters until it finds it. The challenge
is HMAC-signed with a secret kept in the data folder, expires, and is accepted once.
"""

from __future__ import annotations

import base64
import json
import os
import secrets
import time
from pathlib import Path
from typing import Any

import altcha

from vidi.portal.tipstore import TipStore

ALGORITHM = "SHA-256"
"""SHA-256 runs in the widget's own worker on WebCrypto (no WebAssembly needed)."""


class ProofOfWork:
    def __init__(self, secret_path: Path, store: TipStore, max_number: int, seconds: int) -> None:
        secret = _load_or_create_secret(secret_path)
        self._challenge_secret = secret + b"/challenge"
        self._key_secret = secret + b"/key"
        self._store = store
        self._max_number = max_number
        self._seconds = seconds

    def challenge(self) -> dict[str, Any]:
        """A new signed challenge, as the widget fetches it."""
        made = altcha.create_challenge(
            ALGORITHM,
            1,
            counter=secrets.randbelow(self._max_number),
            expires_at=int(time.time()) + self._seconds,
            hmac_secret=self._challenge_secret,
            hmac_key_secret=self._key_secret,
        )
        return made.to_dict()

    def accept(self, payload: str) -> bool:
        """True once per solved, unexpired, untampered challenge; False otherwise."""
        if not payload or len(payload) > 4096:
            return False
        result = altcha.verify_solution(
            payload, self._challenge_secret, hmac_key_secret=self._key_secret
        )
        if not result.verified:
            return False
        challenge = json.loads(base64.b64decode(payload))["challenge"]
        expires_at = int(challenge["parameters"]["expiresAt"])
        return self._store.claim_challenge(str(challenge["signature"]), expires_at)


def _load_or_create_secret(path: Path) -> bytes:
    if path.exists():
        return path.read_bytes().strip()
    path.parent.mkdir(parents=True, exist_ok=True)
    descriptor = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    secret = secrets.token_hex(32).encode()
    with os.fdopen(descriptor, "wb") as handle:
        handle.write(secret)
    return secret
