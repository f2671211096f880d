"""Password hashing (argon2id) and one-time passwords.

A hash for an unknown user name is still computed, so a wrong name and a wrong
password take the same time and get the same answer.
"""

from __future__ import annotations

import secrets
from functools import lru_cache

from argon2 import PasswordHasher, Type
from argon2.exceptions import InvalidHashError, VerificationError, VerifyMismatchError

from vidi.accounts.types import HashCosts
from vidi.errors import InvalidInput


@lru_cache(maxsize=4)
def hasher(costs: HashCosts) -> PasswordHasher:
    return PasswordHasher(
        time_cost=costs.time_cost,
        memory_cost=costs.memory_kib,
        parallelism=costs.parallelism,
        type=Type.ID,
    )


def hash_password(password: str, costs: HashCosts) -> str:
    return hasher(costs).hash(password)


def password_matches(stored_hash: str | None, password: str, costs: HashCosts) -> bool:
    """Whether PASSWORD fits STORED_HASH; with no hash, spends the same time and says no.

    A hash is checked with the costs written in it; COSTS only make the decoy.
    """
    try:
        matches = hasher(costs).verify(stored_hash or _decoy_hash(costs), password)
    except (VerifyMismatchError, VerificationError, InvalidHashError):
        return False
    return matches and stored_hash is not None


@lru_cache(maxsize=4)
def _decoy_hash(costs: HashCosts) -> str:
    return hash_password(secrets.token_urlsafe(16), costs)


def one_time_password() -> str:
    """A random password to hand over once (about 96 bits)."""
    return secrets.token_urlsafe(12)


def check_new_password(password: str, min_length: int) -> None:
    if len(password) < min_length:
        raise InvalidInput(f"a password needs at least {min_length} characters")
    if len(password) > 1024:
        raise InvalidInput("a password may have at most 1024 characters")
