"""Cases: the investigations that own sources."""

from __future__ import annotations

import unicodedata

from sqlalchemy import select
from sqlalchemy.orm import Session

from vidi import audit
from vidi.errors import InvalidInput, NotFound, VidiError
from vidi.store.models import Case

CASE_NAME_MAX = 200
"""Characters in a case name: the column's width, checked here so SQLite and PostgreSQL agree."""
BIDI_CONTROLS = frozenset(
    "\u061c\u200e\u200f\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069"
)
"""Characters that reorder how the text around them is shown."""


def check_case_name(name: str) -> None:
    """Refuse a name that is empty, longer than CASE_NAME_MAX or holds control characters.

    Names are typed in commands and shown in listings, where control characters would
    hide or forge text.
    """
    if not name.strip():
        raise InvalidInput("a case needs a name")
    if len(name) > CASE_NAME_MAX:
        raise InvalidInput(
            f"a case name has at most {CASE_NAME_MAX} characters, this one has {len(name):,}; "
            "choose a shorter name (the description can hold the rest)"
        )
    if any(
        unicodedata.category(char) in ("Cc", "Zl", "Zp") or char in BIDI_CONTROLS for char in name
    ):
        raise InvalidInput(
            f"the case name {name!r} holds control characters; "
            "use letters, digits, spaces and punctuation"
        )


def create_case(
    session: Session, name: str, country: str | None = None, description: str | None = None
) -> Case:
    check_case_name(name)
    if session.scalars(select(Case).where(Case.name == name)).first() is not None:
        raise VidiError(f"case {name!r} already exists; choose another name")
    if country is not None and (len(country) != 2 or not country.isalpha()):
        raise InvalidInput(
            f"country must be an ISO 3166-1 alpha-2 code such as PL, got {country!r}"
        )
    case = Case(name=name, country=country.upper() if country else None, description=description)
    session.add(case)
    session.flush()
    audit.record(session, "case.create", f"case:{name}", {"country": case.country})
    return case


def get_case(session: Session, name: str) -> Case:
    case = session.scalars(select(Case).where(Case.name == name)).first()
    if case is None:
        raise NotFound(f"no case named {name!r}; create it with 'vidi case create {name}'")
    return case


def list_cases(session: Session) -> list[Case]:
    return list(session.scalars(select(Case).order_by(Case.id)))
