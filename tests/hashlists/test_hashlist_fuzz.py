"""Fuzzing the readers: any list is read or refused with one HashListError line, nothing else.

``bench/fuzz_hashlists.py`` runs the same generators for as long as one likes.
"""

from __future__ import annotations

import tempfile
from pathlib import Path

from hashlist_fuzzing import hostile_lists, valid_lists
from hypothesis import HealthCheck, given, settings

from vidi.errors import HashListError
from vidi.hashlists import KnownEntry, read_hashlist

FUZZ = settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])


def read_or_refuse(content: bytes, format: str | None) -> list[KnownEntry] | str:
    """The entries, or the error's message; any other exception fails the test."""
    with tempfile.TemporaryDirectory() as scratch:
        path = Path(scratch) / "list"
        path.write_bytes(content)
        try:
            return list(read_hashlist(path, format))
        except HashListError as error:
            message = str(error)
            assert message.startswith(f"{path}: ")
            assert "\n" not in message and len(message) < 500, message
            return message


@FUZZ
@given(hostile_lists())
def test_a_mutated_list_is_read_or_refused_in_one_line(case: tuple[str, bytes]) -> None:
    format, content = case
    read_or_refuse(content, format)
    read_or_refuse(content, None)  # told from the content, as the command does by default


@settings(max_examples=60, deadline=None)
@given(valid_lists())
def test_every_generated_list_is_read_whole(case: tuple[str, bytes]) -> None:
    format, content = case
    entries = read_or_refuse(content, format)
    assert isinstance(entries, list), entries
