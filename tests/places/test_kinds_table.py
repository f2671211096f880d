"""Clue kinds are listed once, in places/kinds.py: every other list of kinds picks from it."""

from __future__ import annotations

from vidi.clues.registry import EXTRACTORS
from vidi.config import load_settings
from vidi.places.kinds import CLUE_KINDS, EVIDENCE_KINDS, KINDS
from vidi.search import TEXT_KINDS
from vidi.series.clue_review import HAND_KINDS, SEARCH_KINDS
from vidi.series.proposals import SHARED_CLUE_KINDS
from vidi.series.series import SUMMARY_KINDS


def test_each_kind_is_one_line_of_the_table() -> None:
    names = [kind.name for kind in KINDS]
    assert len(names) == len(set(names))
    assert set(CLUE_KINDS) >= EVIDENCE_KINDS


def test_kinds_named_elsewhere_are_kinds_of_the_table() -> None:
    for named in (HAND_KINDS, SEARCH_KINDS, SUMMARY_KINDS, TEXT_KINDS, SHARED_CLUE_KINDS):
        assert set(named) - set(CLUE_KINDS) == set(), named


def test_the_clue_kinds_of_every_extractor_are_in_the_table() -> None:
    """Each extractor's module names its kinds as string constants; none is missing."""
    import inspect
    import re

    settings = load_settings("/nonexistent-home", env={})
    for name, make in EXTRACTORS.items():
        extractor = make(settings)
        source = inspect.getsource(inspect.getmodule(extractor))  # type: ignore[arg-type]
        kinds = set(re.findall(r'kind="([a-z0-9_]+)"', source))
        kinds |= {f"enf_{hz}hz" for hz in (50, 60)} if name == "hum" else set()
        kinds = {k for k in kinds if "{" not in k}
        assert kinds and kinds <= set(CLUE_KINDS), (name, kinds - set(CLUE_KINDS))
