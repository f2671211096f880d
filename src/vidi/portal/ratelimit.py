"""In-memory token buckets: one per published object and one for the whole portal.

Buckets are keyed by object id (a fixed, bounded set read from the bundle), never by
anything about the visitor: the portal does not know who is asking.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field


@dataclass
class TokenBucket:
    capacity: float
    per_second: float
    tokens: float = -1.0
    updated: float = 0.0

    def take(self, now: float) -> bool:
        if self.tokens < 0:
            self.tokens, self.updated = self.capacity, now
        self.tokens = min(self.capacity, self.tokens + (now - self.updated) * self.per_second)
        self.updated = now
        if self.tokens < 1:
            return False
        self.tokens -= 1
        return True


@dataclass
class RateLimits:
    """Per-object and global budgets for tips, and a global one for challenges."""

    tips_per_object_per_hour: int
    tips_per_minute: int
    challenges_per_minute: int
    clock: Callable[[], float] = time.monotonic
    _objects: dict[str, TokenBucket] = field(default_factory=dict)
    _lock: threading.Lock = field(default_factory=threading.Lock)

    def __post_init__(self) -> None:
        self._tips = TokenBucket(self.tips_per_minute, self.tips_per_minute / 60)
        self._challenges = TokenBucket(self.challenges_per_minute, self.challenges_per_minute / 60)

    def allow_tip(self, object_id: str) -> bool:
        """Take one tip token from the object's bucket and the global one (both or neither)."""
        with self._lock:
            now = self.clock()
            bucket = self._objects.setdefault(
                object_id,
                TokenBucket(self.tips_per_object_per_hour, self.tips_per_object_per_hour / 3600),
            )
            if not bucket.take(now):
                return False
            if not self._tips.take(now):
                bucket.tokens += 1  # the global budget refused: give the object's token back
                return False
            return True

    def allow_challenge(self) -> bool:
        with self._lock:
            return self._challenges.take(self.clock())
