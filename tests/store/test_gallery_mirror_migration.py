"""Migration 0018: gallery items keep their mirror image's features; items imported
before it keep working without them (docs/objects.md, "Reference galleries")."""

from __future__ import annotations

from datetime import UTC, datetime

import numpy as np
import sqlalchemy as sa
from alembic import command
from sqlalchemy.orm import Session

from vidi.demo.objects import textured_object
from vidi.fingerprints.local_features import EXTRACTOR, encode, extract_features
from vidi.objects.gallery import gallery_index
from vidi.store.db import alembic_config, make_engine

_gallery = sa.table(
    "gallery", *(sa.column(c) for c in ("id", "name", "folder", "item_count", "imported_at"))
)
_item = sa.table(
    "gallery_item",
    *(sa.column(c) for c in ("id", "gallery_id", "file", "sha256", "label", "country")),
)
_features = sa.table(
    "local_features",
    *(sa.column(c) for c in ("id", "gallery_item_id", "extractor", "points", "data", "created_at")),
)


def test_an_item_imported_before_0018_is_still_searched_unmirrored(migration_url: str) -> None:
    engine = make_engine(migration_url)
    config = alembic_config(migration_url)
    features = extract_features(textured_object(540))
    now = datetime.now(UTC)
    with engine.begin() as connection:
        config.attributes["connection"] = connection
        command.upgrade(config, "0017")
        connection.execute(
            sa.insert(_gallery),
            {"id": 1, "name": "old", "folder": "/g", "item_count": 1, "imported_at": now},
        )
        connection.execute(
            sa.insert(_item),
            {
                "id": 1,
                "gallery_id": 1,
                "file": "a.png",
                "sha256": "0" * 64,
                "label": "Bag",
                "country": "PT",
            },
        )
        connection.execute(
            sa.insert(_features),
            {
                "gallery_item_id": 1,
                "extractor": EXTRACTOR,
                "points": len(features),
                "data": encode(features),
                "created_at": now,
            },
        )
        command.upgrade(config, "0018")
        mirror = connection.execute(sa.text("SELECT mirror_features FROM gallery_item")).scalar()
        with Session(bind=connection) as session:
            index = gallery_index(session)
        command.downgrade(config, "0017")
        labels = connection.execute(sa.text("SELECT label FROM gallery_item")).scalars().all()
    engine.dispose()
    assert mirror is None
    assert index is not None and [(e.mirrored, len(e.features)) for e in index.entries] == [
        (False, len(features))
    ]
    assert np.array_equal(index.entries[0].features.descriptors, features.descriptors)
    assert labels == ["Bag"]
