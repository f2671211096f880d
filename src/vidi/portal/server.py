"""Starting the portal and exporting its tips: what ``vidi portal`` calls.

The bundle is verified in full before the site starts; a bundle that fails is refused
with one line and the portal does not start. Uvicorn's access log is off (it would log
addresses), and so is its Server header.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

import uvicorn

from vidi.bundles.publication import Publication, read_publication_bundle
from vidi.bundles.signing import SigningKey, load_trusted_key
from vidi.bundles.tips import write_tips_bundle
from vidi.portal.app import create_app
from vidi.portal.settings import (
    TIPS_DATABASE,
    TIPS_KEY_NAME,
    PortalSettings,
    check_apart_from_case_data,
)
from vidi.portal.tipstore import TipStore


def load_publication(settings: PortalSettings) -> Publication:
    """The verified publication (raises BundleRefused or ConfigError with one line)."""
    return read_publication_bundle(settings.bundle, load_trusted_key(settings.publisher_key))


def serve(settings: PortalSettings, environ: Mapping[str, str], host: str, port: int) -> None:
    check_apart_from_case_data(settings, environ)
    publication = load_publication(settings)
    SigningKey.load_or_create(settings.data, TIPS_KEY_NAME)  # the .pub to give the workbench
    app = create_app(publication, settings)
    config = uvicorn.Config(
        app,
        host=host,
        port=port,
        access_log=False,
        server_header=False,
        proxy_headers=False,
        log_level="info",
    )
    uvicorn.Server(config).run()


@dataclass(frozen=True)
class TipsExport:
    tips: int
    out: Path
    public_key: Path
    fingerprint: str


def export_tips(data: Path, out: Path, everything: bool) -> TipsExport:
    """Write the tips not exported yet (or all) as a signed bundle, then mark them exported."""
    key = SigningKey.load_or_create(data, TIPS_KEY_NAME)
    store = TipStore(data / TIPS_DATABASE)
    try:
        tips = store.tips(only_new=not everything)
        write_tips_bundle(out, tips, key)
        store.mark_exported([tip.id for tip in tips])
    finally:
        store.close()
    return TipsExport(len(tips), out, key.public_path, key.fingerprint)
