"""Near-duplicate groups: media linked by near matches, so a reviewer sees one of each.

A group is a connected component of the media ↔ media near matches (``pdq``, ``frame``,
``vpdq``), found by walking the match table outward from the media of interest and
joining with union-find. Its id is the smallest SHA-256 among its members: stable while
the group only grows by larger hashes, and the same whichever member the walk started
from. A media item with no near match is its own group. The representative is the
member with the best PDQ quality, then the most pixels, then the largest file.

Same-scene links (local features, kind ``scene``) do not join a group: pictures of one
room, or sharing one object, are different pictures, and a group is reviewed and graded
as one picture's copies. A chain of such links joined 1,732 of the demo's 2,197 pictures
(docs/objects.md, "Same-scene links"); they propose series members instead
(:mod:`vidi.series.proposals`).
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from vidi.matching.matcher import NEAR_KINDS
from vidi.results import jsonable
from vidi.store.models import Match, Media
from vidi.store.queries import in_chunks

CHUNK = 500


@dataclass(frozen=True)
class GroupMember:
    sha256: str
    pdq_quality: int | None
    width: int | None
    height: int | None
    size: int
    media_type: str


@dataclass(frozen=True)
class Group:
    id: str
    representative: GroupMember
    members: tuple[GroupMember, ...]

    def to_dict(self) -> dict[str, Any]:
        return jsonable(self)  # type: ignore[no-any-return]


class UnionFind:
    def __init__(self) -> None:
        self.parent: dict[str, str] = {}

    def find(self, item: str) -> str:
        parent = self.parent.setdefault(item, item)
        while parent != self.parent[parent]:
            self.parent[parent] = self.parent[self.parent[parent]]
            parent = self.parent[parent]
        self.parent[item] = parent
        return parent

    def union(self, a: str, b: str) -> None:
        ra, rb = self.find(a), self.find(b)
        if ra != rb:
            # The smaller hash becomes the root, so a root is its component's group id.
            low, high = (ra, rb) if ra < rb else (rb, ra)
            self.parent[high] = low


def near_components(session: Session, seeds: Iterable[str]) -> UnionFind:
    """Union-find over every media item reachable from the seeds by near matches."""
    found = UnionFind()
    frontier = sorted(set(seeds))
    for sha in frontier:
        found.find(sha)
    while frontier:
        reached: list[str] = []
        for chunk in in_chunks(frontier, CHUNK):
            edges = session.execute(
                select(Match.media_sha256, Match.other_sha256).where(
                    Match.media_sha256.in_(chunk),
                    Match.other_sha256.is_not(None),
                    Match.kind.in_(NEAR_KINDS),
                )
            )
            for me, other in edges:
                assert other is not None
                if other not in found.parent:
                    reached.append(other)
                found.union(me, other)
        frontier = sorted(set(reached))
    return found


def assign_groups(session: Session, seeds: Iterable[str]) -> int:
    """Set ``media.group_id`` for the seeds' components; returns how many rows changed."""
    found = near_components(session, seeds)
    members = list(found.parent)
    changes = []
    for chunk in in_chunks(members, CHUNK):
        current = session.execute(
            select(Media.sha256, Media.group_id).where(Media.sha256.in_(chunk))
        )
        for sha, group_id in current:
            wanted = found.find(sha)
            if group_id != wanted:
                changes.append({"sha256": sha, "group_id": wanted})
    for start in range(0, len(changes), 5000):
        session.execute(update(Media), changes[start : start + 5000])
    return len(changes)


def representative(members: Sequence[GroupMember]) -> GroupMember:
    def rank(m: GroupMember) -> tuple[int, int, int, str]:
        pixels = (m.width or 0) * (m.height or 0)
        return (-(m.pdq_quality or 0), -pixels, -m.size, m.sha256)

    return min(members, key=rank)
