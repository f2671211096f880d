"""Users, their roles and exposure settings, and which cases they are members of."""

from __future__ import annotations

import re

from sqlalchemy import select
from sqlalchemy.orm import Session

from vidi.accounts.passwords import hash_password, one_time_password
from vidi.accounts.types import (
    CaseMembers,
    ExposureSettings,
    HashCosts,
    NewPassword,
    Role,
    UserInfo,
)
from vidi.audit import record
from vidi.errors import InvalidInput, NotFound
from vidi.store.models import Case, CaseMember, UserAccount

USER_NAME = re.compile(r"[A-Za-z0-9][A-Za-z0-9._-]{0,63}")


def user_info(user: UserAccount) -> UserInfo:
    return UserInfo(
        user.id, user.name, Role(user.role), user.totp_secret is not None, user.must_change_password
    )


def get_user(session: Session, name: str) -> UserAccount:
    user = session.scalars(select(UserAccount).where(UserAccount.name == name)).first()
    if user is None:
        raise NotFound(f"no user named {name!r}; add one with 'vidi user add {name}'")
    return user


def find_user(session: Session, name: str) -> UserAccount | None:
    return session.scalars(select(UserAccount).where(UserAccount.name == name)).first()


def add_user(
    session: Session, name: str, role: str, costs: HashCosts, actor: str | None = None
) -> NewPassword:
    """A new user with a one-time password (audited)."""
    if not USER_NAME.fullmatch(name):
        raise InvalidInput(
            f"{name!r} is not a user name: use 1 to 64 letters, digits, '.', '_' or '-'"
        )
    try:
        chosen = Role(role)
    except ValueError:
        raise InvalidInput(
            f"{role!r} is not a role: choose {', '.join(r.value for r in Role)}"
        ) from None
    if find_user(session, name) is not None:
        raise InvalidInput(f"a user named {name!r} exists; 'vidi user passwd {name}' resets it")
    password = one_time_password()
    user = UserAccount(
        name=name,
        role=chosen.value,
        password_hash=hash_password(password, costs),
        must_change_password=True,
        blur_strength=ExposureSettings.blur_strength,
        greyscale=ExposureSettings.greyscale,
        thumb_size=ExposureSettings.thumb_size,
    )
    session.add(user)
    session.flush()
    record(session, "user-add", f"user:{name}", {"role": chosen.value}, actor=actor)
    return NewPassword(user_info(user), password)


def reset_password(
    session: Session, name: str, costs: HashCosts, actor: str | None = None
) -> NewPassword:
    """A new one-time password for NAME; their sessions end (audited)."""
    from vidi.accounts.sessions import end_sessions

    user = get_user(session, name)
    password = one_time_password()
    user.password_hash = hash_password(password, costs)
    user.must_change_password = True
    end_sessions(session, user.id)
    record(session, "password-reset", f"user:{name}", None, actor=actor)
    return NewPassword(user_info(user), password)


def list_users(session: Session) -> list[UserInfo]:
    return [user_info(u) for u in session.scalars(select(UserAccount).order_by(UserAccount.name))]


def add_member(session: Session, case: Case, user_name: str, actor: str | None = None) -> bool:
    """Make USER_NAME a member of CASE; False when they already were (audited when added)."""
    user = get_user(session, user_name)
    exists = session.scalars(
        select(CaseMember).where(CaseMember.case_id == case.id, CaseMember.user_id == user.id)
    ).first()
    if exists is not None:
        return False
    session.add(CaseMember(case_id=case.id, user_id=user.id))
    session.flush()
    record(session, "member-add", f"case:{case.id}", {"user": user_name}, actor=actor)
    return True


def remove_member(session: Session, case: Case, user_name: str, actor: str | None = None) -> bool:
    """USER_NAME is no longer a member of CASE; False when they were not (audited when
    removed). Membership is checked on every request, so it takes effect at once."""
    user = get_user(session, user_name)
    held = session.scalars(
        select(CaseMember).where(CaseMember.case_id == case.id, CaseMember.user_id == user.id)
    ).first()
    if held is None:
        return False
    session.delete(held)
    session.flush()
    record(session, "member-remove", f"case:{case.id}", {"user": user_name}, actor=actor)
    return True


def case_members(session: Session) -> list[CaseMembers]:
    """Every case, by name, with its members' names."""
    names: dict[int, list[str]] = {}
    for case_id, name in session.execute(
        select(CaseMember.case_id, UserAccount.name)
        .join(UserAccount, UserAccount.id == CaseMember.user_id)
        .order_by(UserAccount.name)
    ):
        names.setdefault(case_id, []).append(name)
    return [
        CaseMembers(case.id, case.name, tuple(names.get(case.id, ())))
        for case in session.scalars(select(Case).order_by(Case.name))
    ]


def member_case_ids(session: Session, user_id: int) -> list[int]:
    return list(
        session.scalars(
            select(CaseMember.case_id)
            .where(CaseMember.user_id == user_id)
            .order_by(CaseMember.case_id)
        )
    )


def exposure_settings(user: UserAccount) -> ExposureSettings:
    return ExposureSettings(user.blur_strength, user.greyscale, user.thumb_size)


def set_exposure_settings(
    session: Session, user_id: int, blur_strength: int, greyscale: bool, thumb_size: int
) -> ExposureSettings:
    if not ExposureSettings.MIN_BLUR <= blur_strength <= ExposureSettings.MAX_BLUR:
        raise InvalidInput(
            f"blur strength must be between {ExposureSettings.MIN_BLUR} and "
            f"{ExposureSettings.MAX_BLUR}, not {blur_strength}"
        )
    if thumb_size not in ExposureSettings.SIZES:
        sizes = ", ".join(str(s) for s in ExposureSettings.SIZES)
        raise InvalidInput(f"thumbnail size must be one of {sizes}, not {thumb_size}")
    user = session.get(UserAccount, user_id)
    if user is None:
        raise NotFound("the signed-in user no longer exists")
    user.blur_strength, user.greyscale, user.thumb_size = blur_strength, greyscale, thumb_size
    return exposure_settings(user)
