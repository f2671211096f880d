"""Know what is known: hash-list import, the PDQ index kept in step, matching, groups.

Services for the ``vidi hashlist``, ``match``, ``lookup``, ``groups``, ``export`` and
``category`` commands and for the ingest pipeline; how it works is in docs/matching.md.
"""

from vidi.matching.casematch import MatchSummary, match_case, match_run
from vidi.matching.export import export_case, set_category
from vidi.matching.groups import Group, GroupMember
from vidi.matching.importing import HashListInfo, ImportResult, import_hashlist, list_hashlists
from vidi.matching.known_index import KnownIndex, SyncReport
from vidi.matching.lookup import LookupHit, LookupResult, lookup_file, lookup_pdq, lookup_pdqs
from vidi.matching.review import case_groups, known_section, new_first

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
