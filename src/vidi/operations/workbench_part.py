"""The home's status, the audit check and operations (health, backup, restore, the
shared index server) as Workbench methods (``class Workbench(OperationsPart, …)``)."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from vidi.audit import ChainVerification
    from vidi.config import Settings
    from vidi.home_status import HomeStatus
    from vidi.matching.index_service import IndexServer
    from vidi.operations.backup import BackupResult, RestoreResult
    from vidi.operations.doctor import DoctorReport
    from vidi.store.db import Database


class OperationsPart:
    """Where the data lives and whether it is whole: status, audit, doctor, backup."""

    if TYPE_CHECKING:
        settings: Settings

        @property
        def db(self) -> Database: ...

        def close(self) -> None: ...

    def status(self) -> HomeStatus:
        """Where the data lives, how much there is, and whether the audit trail verifies."""
        from vidi.home_status import home_status

        return home_status(self.settings, self.db)

    def audit_verify(
        self, anchor_copy: Path | None = None, export: Path | None = None
    ) -> ChainVerification:
        """Check the audit chain and anchors; with EXPORT, write the anchor if it verifies."""
        from vidi.audit import verify_chain, write_anchor
        from vidi.audit.anchor import new_anchor

        with self.db.session() as session:
            result = verify_chain(session, self.settings.audit_anchor, anchor_copy)
        if export is not None and result.ok:
            database = self.db.engine.url.render_as_string(hide_password=True)
            write_anchor(export, new_anchor(result.events, result.head_hash, database))
        return result

    def doctor(self) -> DoctorReport:
        """Check database, schema, index, thumbnails, audit chain and free space."""
        from vidi.operations.doctor import examine_home

        return examine_home(self.settings)

    def backup(self, out: Path) -> BackupResult:
        """Copy database, thumbnails, index and anchor to OUT with a SHA-256 manifest."""
        from vidi.operations.backup import backup_home

        return backup_home(self.settings, out)

    def restore(
        self, backup: Path, *, force: bool = False, expect: str | None = None
    ) -> RestoreResult:
        """Check a backup against its manifest, then restore it into this home."""
        from vidi.operations.backup import restore_home

        self.close()  # the database file may be replaced
        return restore_home(self.settings, backup, force=force, expect=expect)

    def index_server(self, host: str, port: int, sync_every_s: float = 30.0) -> IndexServer:
        """The known-hash index, synced, bound to HOST:PORT (call ``serve_forever``)."""
        from vidi.matching.index_service import serve

        return serve(self.db, self.settings, host, port, sync_every_s)
