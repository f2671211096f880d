"""Token buckets refill with time, per object and for the whole portal."""

from __future__ import annotations

from vidi.portal.ratelimit import RateLimits


class Clock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


def test_an_object_bucket_refills_over_the_hour() -> None:
    clock = Clock()
    limits = RateLimits(2, 100, 100, clock=clock)
    assert [limits.allow_tip("a") for _ in range(3)] == [True, True, False]
    assert limits.allow_tip("b")  # another object has its own budget
    clock.now += 1800  # half an hour: one of two tokens back
    assert [limits.allow_tip("a") for _ in range(2)] == [True, False]


def test_the_global_bucket_refuses_without_spending_the_object_budget() -> None:
    clock = Clock()
    limits = RateLimits(5, 2, 100, clock=clock)
    assert [limits.allow_tip(name) for name in "abc"] == [True, True, False]
    clock.now += 30  # one global token back
    assert limits.allow_tip("c")  # c's own token was given back when the global one refused


def test_challenges_have_a_global_budget() -> None:
    clock = Clock()
    limits = RateLimits(5, 5, 3, clock=clock)
    assert [limits.allow_challenge() for _ in range(4)] == [True, True, True, False]
