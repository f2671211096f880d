"""What a clue is, once: the one shape extractors return, the store keeps and the fusion reads.

A :class:`Clue` is a fact about one media item: a ``kind`` (a word of
:data:`vidi.places.kinds.CLUE_KINDS`), its ``value``, how sure its finder is, where in
the media it was found (:class:`Region`) and the finder's provenance (``detail``). It
travels unchanged from an extractor (``vidi.clues``) through the clue runner into a
``clue`` row, and back out of the store as a ``StoredClue`` or as
:class:`ClueEvidence`, the role it plays in the fusion (a clue, a label naming it for a
person, the capture time). It lives here, beside the kinds, because ``places`` is the
lowest layer that both the extractors and the fusion import.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import TypeAlias

JsonValue: TypeAlias = (
    str | int | float | bool | None | Sequence["JsonValue"] | Mapping[str, "JsonValue"]
)
"""A value the ``clue.detail`` JSON column can hold."""

ClueDetail: TypeAlias = Mapping[str, JsonValue]
"""A finder's provenance, free-form per kind and finder and kept as written: the EXIF tag
a value came from, the OCR words and their boxes, the hum's harmonics, the tip an
investigator's clue came from. Nothing computes on it but the finder itself and the
labels of an estimate (``note``, ``tip``, ``date``, an object match's ``country``)."""


_SPAN = ("x", "y", "width", "height", "start_s", "end_s")


@dataclass(frozen=True)
class Region:
    """Where in the media a clue was found: a box in pixels, or a time span in seconds.

    Extractors store a box as x, y, width, height; a box an investigator drew in the web
    workbench is stored as x, y, w, h (``drawn``). :meth:`to_dict` gives each back in the
    shape it was stored, so the JSON of a clue is what the row holds.
    """

    x: int | None = None
    y: int | None = None
    width: int | None = None
    height: int | None = None
    start_s: float | None = None
    end_s: float | None = None
    drawn: bool = False

    def to_dict(self) -> dict[str, int | float | None]:
        """The stored and printed form: the fields that are set, by name."""
        if self.drawn:
            return {"x": self.x, "y": self.y, "w": self.width, "h": self.height}
        return {key: getattr(self, key) for key in _SPAN if getattr(self, key) is not None}

    def __json__(self) -> dict[str, int | float | None]:
        """Its JSON is its stored form (see :func:`vidi.results.jsonable`)."""
        return self.to_dict()

    @classmethod
    def from_stored(cls, stored: Mapping[str, JsonValue] | None) -> Region | None:
        """The region of a ``clue`` row's ``region`` column; None when it has none."""
        if not stored:
            return None
        if "w" in stored or "h" in stored:
            x, y, w, h = (_whole(stored.get(key)) for key in ("x", "y", "w", "h"))
            return cls(x, y, w, h, drawn=True)
        return cls(
            x=_whole(stored.get("x")),
            y=_whole(stored.get("y")),
            width=_whole(stored.get("width")),
            height=_whole(stored.get("height")),
            start_s=_number(stored.get("start_s")),
            end_s=_number(stored.get("end_s")),
        )

    @property
    def box(self) -> tuple[int, int, int, int] | None:
        """(x, y, width, height) when the region is a box in pixels."""
        if self.x is None or self.y is None or self.width is None or self.height is None:
            return None
        return (self.x, self.y, self.width, self.height)


def _number(value: JsonValue) -> float | None:
    return value if isinstance(value, int | float) and not isinstance(value, bool) else None


def _whole(value: JsonValue) -> int | None:
    number = _number(value)
    return None if number is None else int(number)


@dataclass(frozen=True)
class Clue:
    """One fact about a media item. ``kind`` is a :data:`~vidi.places.kinds.CLUE_KINDS` word.

    ``blob`` is bytes the finder asks to keep beside the clue (an EXIF thumbnail that
    differs from the picture); the clue runner puts them in the blob store and records
    the key in the stored detail. It is not part of the clue's value or its JSON.
    """

    kind: str
    value: str
    confidence: float = 1.0
    region: Region | None = None
    detail: ClueDetail = field(default_factory=dict)
    blob: bytes | None = field(default=None, repr=False, compare=False)


@dataclass(frozen=True)
class ClueEvidence:
    """A clue in the role of evidence for the fusion.

    ``label`` names the clue for a person, e.g. ``"clue #12 (text, media 3fa2…)"``;
    ``at`` is the capture time for ``tz_offset`` clues when it is known.
    """

    clue: Clue
    label: str
    at: datetime | None = None

    @property
    def kind(self) -> str:
        return self.clue.kind

    @property
    def value(self) -> str:
        return self.clue.value

    @property
    def confidence(self) -> float:
        return self.clue.confidence
