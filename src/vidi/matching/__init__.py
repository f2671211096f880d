"""Know what is known: hash-list import, the PDQ index kept in step, matching, groups.

Services for the ``vidi hashlist``, ``match``, ``lookup``, ``groups``, ``export`` and
``category`` commands and for the ingest pipeline; how it works is in docs/matching.md.

The names below are loaded on first use (PEP 562): the Workbench's matching part lives in
this package, and importing every service with it would put the audit chain, NumPy and
the PDQ index on the start-up of every command, ``vidi case list`` included.
"""

from __future__ import annotations

from importlib import import_module
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from vidi.matching.casematch import MatchSummary, match_case, match_run
    from vidi.matching.export import export_case, set_category
    from vidi.matching.groups import Group, GroupMember
    from vidi.matching.importing import (
        HashListInfo,
        ImportResult,
        import_hashlist,
        list_hashlists,
    )
    from vidi.matching.known_index import KnownIndex, SyncReport
    from vidi.matching.lookup import LookupHit, LookupResult, lookup_file, lookup_pdq, lookup_pdqs
    from vidi.matching.review import case_groups, known_section, new_first

_HOMES = {
    "MatchSummary": "casematch",
    "match_case": "casematch",
    "match_run": "casematch",
    "export_case": "export",
    "set_category": "export",
    "Group": "groups",
    "GroupMember": "groups",
    "HashListInfo": "importing",
    "ImportResult": "importing",
    "import_hashlist": "importing",
    "list_hashlists": "importing",
    "KnownIndex": "known_index",
    "SyncReport": "known_index",
    "LookupHit": "lookup",
    "LookupResult": "lookup",
    "lookup_file": "lookup",
    "lookup_pdq": "lookup",
    "lookup_pdqs": "lookup",
    "case_groups": "review",
    "known_section": "review",
    "new_first": "review",
}

__all__ = [
    "Group",
    "GroupMember",
    "HashListInfo",
    "ImportResult",
    "KnownIndex",
    "LookupHit",
    "LookupResult",
    "MatchSummary",
    "SyncReport",
    "case_groups",
    "export_case",
    "import_hashlist",
    "known_section",
    "list_hashlists",
    "lookup_file",
    "lookup_pdq",
    "lookup_pdqs",
    "match_case",
    "match_run",
    "new_first",
    "set_category",
]


def __getattr__(name: str) -> Any:
    home = _HOMES.get(name)
    if home is None:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    value = getattr(import_module(f"{__name__}.{home}"), name)
    globals()[name] = value
    return value
