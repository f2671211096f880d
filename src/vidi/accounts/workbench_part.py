"""The accounts workflows as Workbench methods (``class Workbench(AccountsPart)``).

Everything the web does goes through these methods: it never opens the database. A
method that shows case data takes an :class:`Identity` (from :meth:`identify`) and
checks it here, so the rules hold for any caller, not only for the web's routes.
Times default to now; tests pass ``now`` to move the clock.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import TYPE_CHECKING

from vidi.accounts.types import (
    AccountPolicy,
    CaseAccess,
    CaseMembers,
    Exposure,
    ExposureSettings,
    Identity,
    MediaItem,
    Membership,
    NewPassword,
    NotSignedIn,
    Picture,
    Role,
    SignedIn,
    Stage,
    TotpSetup,
    UserInfo,
)
from vidi.results import CaseInfo

if TYPE_CHECKING:
    from vidi.config import Settings
    from vidi.matching.review import MediaStatus
    from vidi.report import CaseReport
    from vidi.store.db import Database
    from vidi.store.models import Case


class AccountsPart:
    """Users, sign-in, case membership and exposure: the web workbench's workflows."""

    account_policy: AccountPolicy = AccountPolicy()

    if TYPE_CHECKING:
        settings: Settings

        @property
        def db(self) -> Database: ...

        def review_order(self, case: str, limit: int | None = None) -> list[MediaStatus]: ...

        def report(self, case: str) -> CaseReport: ...

    # Users and members (an admin's work: the command line, or an admin on the web)
    #
    # WHO is None on the command line (the local user acts); from the web it is the
    # signed-in admin, checked here (full session, role admin) and named in the audit.

    def add_user(self, name: str, role: str, who: Identity | None = None) -> NewPassword:
        """A new user with a one-time password, to be changed at the first sign-in."""
        from vidi.accounts.users import add_user

        with self.db.session() as session:
            return add_user(session, name, role, self.account_policy.hashing, _admin(who))

    def reset_password(self, name: str, who: Identity | None = None) -> NewPassword:
        """A new one-time password for NAME; their open sessions end."""
        from vidi.accounts.users import reset_password

        with self.db.session() as session:
            return reset_password(session, name, self.account_policy.hashing, _admin(who))

    def users(self, who: Identity | None = None) -> list[UserInfo]:
        from vidi.accounts.users import list_users

        _admin(who)
        with self.db.session() as session:
            return list_users(session)

    def add_member(self, case: str, user: str, who: Identity | None = None) -> Membership:
        """Let USER see CASE (every page, thumbnail and API route checks membership)."""
        from vidi.accounts.users import add_member
        from vidi.cases import get_case

        with self.db.session() as session:
            added = add_member(session, get_case(session, case), user, _admin(who))
        return Membership(case, user, added)

    def remove_member(self, case: str, user: str, who: Identity | None = None) -> Membership:
        """USER no longer sees CASE, from their next request on (``added`` False when they
        were not a member)."""
        from vidi.accounts.users import remove_member
        from vidi.cases import get_case

        with self.db.session() as session:
            removed = remove_member(session, get_case(session, case), user, _admin(who))
        return Membership(case, user, removed)

    def case_members(self, who: Identity | None = None) -> list[CaseMembers]:
        """Every case with the names of its members (an admin's overview: names only,
        no case data)."""
        from vidi.accounts.users import case_members

        _admin(who)
        with self.db.session() as session:
            return case_members(session)

    def demo_admin(self, case: str) -> NewPassword | None:
        """An ``admin`` user who is a member of CASE, with a one-time password.

        A new admin, or one who never signed in, gets a (new) one-time password; an
        admin who has chosen a password keeps it (None), and ``vidi user passwd`` resets it.
        """
        from vidi.accounts.users import find_user

        with self.db.session() as session:
            admin = find_user(session, "admin")
            fresh = admin is None or admin.must_change_password
        password = (
            (
                self.add_user("admin", Role.ADMIN.value)
                if admin is None
                else self.reset_password("admin")
            )
            if fresh
            else None
        )
        self.add_member(case, "admin")
        return password

    # Signing in and out

    def sign_in(
        self, name: str, password: str, client: str, *, now: datetime | None = None
    ) -> SignedIn:
        """A new session, or SignInRefused / Throttled (recorded before it is raised)."""
        from vidi.accounts.sessions import sign_in

        with self.db.session() as session:
            outcome = sign_in(session, name, password, client, _now(now), self.account_policy)
        if isinstance(outcome, Exception):
            raise outcome
        return outcome

    def identify(self, token: str | None, *, now: datetime | None = None) -> Identity:
        """Who holds TOKEN (any stage), or NotSignedIn."""
        from vidi.accounts.sessions import identify

        with self.db.session() as session:
            return identify(session, token, _now(now), self.account_policy)

    def change_password(
        self, who: Identity, current: str, new: str, *, now: datetime | None = None
    ) -> SignedIn:
        from vidi.accounts.sessions import change_password

        with self.db.session() as session:
            outcome = change_password(session, who, current, new, _now(now), self.account_policy)
        if isinstance(outcome, Exception):
            raise outcome
        return outcome

    def confirm_totp(self, who: Identity, code: str, *, now: datetime | None = None) -> SignedIn:
        """The second sign-in step: a new, fully signed-in session."""
        from vidi.accounts.sessions import confirm_totp

        with self.db.session() as session:
            outcome = confirm_totp(session, who, code, _now(now), self.account_policy)
        if isinstance(outcome, Exception):
            raise outcome
        return outcome

    def me(self, who: Identity) -> UserInfo:
        """The signed-in user's own account (role, whether TOTP is on)."""
        from vidi.accounts.sessions import signed_in_user

        with self.db.session() as session:
            return signed_in_user(session, who)

    def sign_out(self, who: Identity) -> None:
        """End the session on the server (its token is worthless afterwards)."""
        from vidi.accounts.sessions import sign_out

        with self.db.session() as session:
            sign_out(session, who)

    def begin_totp(self, who: Identity) -> TotpSetup:
        from vidi.accounts.totp import begin_totp

        with self.db.session() as session:
            return begin_totp(session, _full(who))

    def pending_totp(self, who: Identity) -> TotpSetup | None:
        from vidi.accounts.totp import pending_totp

        with self.db.session() as session:
            return pending_totp(session, _full(who))

    def enable_totp(self, who: Identity, code: str, *, now: datetime | None = None) -> bool:
        from vidi.accounts.totp import confirm_enrolment

        with self.db.session() as session:
            return confirm_enrolment(session, _full(who), code, _now(now))

    # Cases a user may see

    def member_cases(self, who: Identity) -> list[CaseInfo]:
        from vidi.accounts.access import member_cases

        with self.db.session() as session:
            return [_case_info(c) for c in member_cases(session, _full(who))]

    def identify_member(
        self, token: str | None, case_id: int | None = None, *, now: datetime | None = None
    ) -> CaseAccess:
        """Who holds TOKEN, with (once fully signed in) their exposure and case CASE_ID
        when they are a member of it, read in one transaction: the web asks this once per
        request, instead of one round trip each."""
        from vidi.accounts.access import member_case
        from vidi.accounts.exposure import exposure
        from vidi.accounts.sessions import identify
        from vidi.errors import NotFound

        when = _now(now)
        with self.db.session() as session:
            who = identify(session, token, when, self.account_policy)
            if who.stage is not Stage.FULL:
                return CaseAccess(who, None, None)
            shown = exposure(session, who, when, self.account_policy)
            if case_id is None:
                return CaseAccess(who, None, shown)
            try:
                return CaseAccess(who, _case_info(member_case(session, who, case_id)), shown)
            except NotFound:
                return CaseAccess(who, None, shown)

    def member_case(self, who: Identity, case_id: int) -> CaseInfo:
        """The case when WHO is a member; NotFound otherwise (also for a guessed id)."""
        from vidi.accounts.access import member_case

        with self.db.session() as session:
            return _case_info(member_case(session, _full(who), case_id))

    def member_report(self, who: Identity, case_id: int) -> CaseReport:
        return self.report(self.member_case(who, case_id).name)

    def member_media(self, who: Identity, case_id: int, limit: int = 48) -> list[MediaItem]:
        """The case's new media in review order (new first), without picture bytes."""
        case = self.member_case(who, case_id)
        return [
            MediaItem(m.sha256, m.media_type, m.status, m.width, m.height)
            for m in self.review_order(case.name, limit)
        ]

    def thumbnail(self, who: Identity, case_id: int, sha256: str) -> Picture:
        """The media item's thumbnail, blurred here with the user's settings."""
        from vidi.accounts.access import case_media, member_case
        from vidi.accounts.exposure import blurred_thumbnail
        from vidi.accounts.users import exposure_settings
        from vidi.store.models import UserAccount

        with self.db.session() as session:
            media = case_media(session, member_case(session, _full(who), case_id), sha256)
            user = session.get(UserAccount, who.user_id)
            if user is None:
                raise NotSignedIn("not signed in")
            settings = exposure_settings(user)
        return blurred_thumbnail(self.settings.blob_dir, media, settings)

    def reveal(self, who: Identity, case_id: int, sha256: str) -> Picture:
        """The clear thumbnail, for investigators and admins only; audited and counted."""
        from vidi.accounts.access import case_media, member_case, require_role
        from vidi.accounts.exposure import reveal

        with self.db.session() as session:
            case = member_case(session, _full(who), case_id)
            media = case_media(session, case, sha256)
            require_role(who, Role.ADMIN, Role.INVESTIGATOR)
            return reveal(session, self.settings.blob_dir, who, case, media)

    # Exposure

    def exposure(self, who: Identity, *, now: datetime | None = None) -> Exposure:
        from vidi.accounts.exposure import exposure

        with self.db.session() as session:
            return exposure(session, _full(who), _now(now), self.account_policy)

    def set_exposure(
        self, who: Identity, blur_strength: int, greyscale: bool, thumb_size: int
    ) -> ExposureSettings:
        from vidi.accounts.users import set_exposure_settings

        with self.db.session() as session:
            return set_exposure_settings(
                session, _full(who).user_id, blur_strength, greyscale, thumb_size
            )


def _now(now: datetime | None) -> datetime:
    return now if now is not None else datetime.now(UTC)


def _admin(who: Identity | None) -> str | None:
    """The actor for the audit trail: None (the local user) on the command line, else WHO
    once checked to be a fully signed-in admin."""
    from vidi.accounts.access import require_role

    if who is None:
        return None
    require_role(_full(who), Role.ADMIN)
    return who.name


def _full(who: Identity) -> Identity:
    """WHO, when fully signed in (no password or code still owed)."""
    if who.stage is not Stage.FULL:
        raise NotSignedIn("finish signing in first")
    return who


def _case_info(case: Case) -> CaseInfo:
    return CaseInfo(case.id, case.name, case.country, case.created_at, case.description)
