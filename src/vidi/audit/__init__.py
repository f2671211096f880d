"""The audit trail: an append-only, hash-chained log that can be verified.

``record`` appends an event inside the transaction of the audited change; appends are
serialised on the chain head row. ``verify_chain`` checks every link, the head row and
the anchor kept outside the database, and names the first bad event.
"""

from vidi.audit.anchor import Anchor, AuditError, read_anchor, write_anchor
from vidi.audit.chain import GENESIS, current_actor, record
from vidi.audit.verify import AnchorCheck, BadEvent, ChainVerification, verify_chain

__all__ = [
    "GENESIS",
    "Anchor",
    "AnchorCheck",
    "AuditError",
    "BadEvent",
    "ChainVerification",
    "current_actor",
    "read_anchor",
    "record",
    "verify_chain",
    "write_anchor",
]
