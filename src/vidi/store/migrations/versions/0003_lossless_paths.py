"""lossless paths

Paths of occurrences and ingest errors were stored with controls and undecodable
bytes written as ``\\xNN``, but a backslash was left as it was, so the newline in
``a<newline>b`` and a file literally named ``a\\x0ab`` got one text and one place key:
one of the two files was dropped. Names are now written one-to-one
(``vidi.sources.names.encode_name``: a backslash is doubled where it would read as an
escape), and the place key is made from that text as before.

Old rows are rewritten here. Every name without a backslash is unchanged, and so is
its key. A row whose path or archive chain holds a backslash is read back as the old
code wrote it: ``\\xNN`` and ``\\uNNNN`` sequences that the old code wrote for a
control, a byte or a surrogate are read as that character (the old text cannot tell
them from a name spelled that way; such names were the ones that collided), every
other backslash as a plain backslash. The row is then written in the new form with its
new key, so a re-ingest finds it and stores nothing twice.

Not rewritable: ZIP member names without the UTF-8 flag that were not UTF-8 were read
as code page 437 (``cafΘ.txt``); they are now kept as their bytes (``caf\\xe9.txt``).
The old text does not say which names were read that way, so those rows keep their
old text and key, and a re-ingest of their archive stores such a member once more
under its byte name.

Downgrade writes the old form back, except where two rows would then share a key
(names that only the new form tells apart): those keep the new form.

Revision ID: 0003
Revises: 0002
Create Date: 2026-12-01 10:00:00.000000
"""

import re
from collections.abc import Callable, Sequence

import sqlalchemy as sa
from alembic import op

from vidi.sources.base import path_key
from vidi.sources.names import decode_name, encode_name

revision: str = "0003"
down_revision: str | None = "0002"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

# What the old code wrote for a control, an undecodable byte or a lone surrogate.
_OLD_ESCAPE = re.compile(
    r"\\(?:x(?:[01][0-9a-f]|7f|[89a-f][0-9a-f])"
    r"|u(?:d[89ab][0-9a-f]{2}|dc[0-7][0-9a-f]|d[def][0-9a-f]{2}))"
)
_OLD_NEEDS_ESCAPE = re.compile("[\x00-\x1f\x7f\ud800-\udfff]")
_TABLES = {"occurrence": ("source_id",), "ingest_error": ("source_id", "stage")}
"""The tables that record places, and the columns besides path_key in their unique key."""


def _old_decode(text: str) -> str:
    return _OLD_ESCAPE.sub(lambda match: decode_name(match.group()), text)


def _old_encode(raw: str) -> str:
    return _OLD_NEEDS_ESCAPE.sub(lambda match: encode_name(match.group()), raw)


def _to_new(text: str) -> str:
    return encode_name(_old_decode(text))


def _to_old(text: str) -> str:
    return _old_encode(decode_name(text))


def _rewrite(convert: Callable[[str], str]) -> None:
    bind = op.get_bind()
    for name, unique in _TABLES.items():
        table = sa.table(
            name,
            sa.column("id", sa.Integer),
            sa.column("path", sa.Text),
            sa.column("archive_chain", sa.JSON),
            sa.column("path_key", sa.String),
            *(sa.column(column, sa.String) for column in unique if column != "source_id"),
            sa.column("source_id", sa.Integer),
        )
        chain_text = sa.cast(table.c.archive_chain, sa.Text)
        candidates = bind.execute(
            sa.select(table.c.id, table.c.path, table.c.archive_chain, *table.c[unique]).where(
                sa.or_(
                    table.c.path.contains("\\", autoescape=True),
                    chain_text.contains("\\", autoescape=True),
                )
            )
        ).all()
        for row in candidates:
            path = convert(row.path)
            chain = [convert(part) for part in row.archive_chain or []]
            if path == row.path and chain == list(row.archive_chain or []):
                continue
            key = path_key(path, tuple(chain))
            same_place = [table.c[column] == row._mapping[column] for column in unique]
            taken = bind.execute(
                sa.select(table.c.id).where(table.c.path_key == key, *same_place).limit(1)
            ).first()
            if taken is not None:
                continue
            bind.execute(
                table.update()
                .where(table.c.id == row.id)
                .values(path=path, archive_chain=chain, path_key=key)
            )


def upgrade() -> None:
    _rewrite(_to_new)


def downgrade() -> None:
    _rewrite(_to_old)
