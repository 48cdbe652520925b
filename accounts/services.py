"""Use cases for accounts: register, log in, change password, roles, in-person verification.

Each function takes an explicit ``actor`` (``None`` means the system itself, e.g. the CLI),
validates, changes, flushes and returns. None of them reads the HTTP request."""

import logging
from datetime import timedelta

from flask_babel import lazy_gettext as _l
from sqlalchemy import select, update

from accounts.census import release_claim
from accounts.errors import AccountDeactivated, AccountLocked, DuplicateAccount, WrongPassword
from accounts.notifications import notify
from accounts.passwords import hash_password, needs_rehash, verify_password
from accounts.permissions import has_role, oversees
from accounts.regions import Department, Region, RegionLevel
from accounts.users import Role, User, VerificationMethod
from core.db import db, utcnow
from core.errors import InvalidInput, NotAllowed
from core.rules import rule
from core.validation import check_display_name, check_password, looks_like_email, normalize_email, normalize_phone

log = logging.getLogger(__name__)


def _login_fields(phone, email, phone_region):
    phone = normalize_phone(phone, phone_region) if phone else None
    email = normalize_email(email) if email else None
    if not phone and not email:
        raise InvalidInput(_l("Enter a mobile phone number or an email address."), field="phone")
    if phone and db.session.scalar(select(User.id).where(User.phone == phone)) is not None:
        raise DuplicateAccount(field="phone")
    if email and db.session.scalar(select(User.id).where(User.email == email)) is not None:
        raise DuplicateAccount(field="email")
    return phone, email


def register_resident(*, password, display_name, village, phone=None, email=None, locale=None,
                      phone_region="CN") -> User:
    """A resident signs up for themselves; they start unverified."""
    if village is None or village.level != RegionLevel.VILLAGE:
        raise InvalidInput(_l("Choose the village you live in."), field="village")
    return _new_user(Role.RESIDENT, phone, email, password, display_name, village, None, locale, phone_region)


def create_user(*, actor, role, password, display_name, phone=None, email=None, region=None,
                department=None, phone_region="CN") -> User:
    """An admin (or the CLI, actor=None) creates an account of any role."""
    if actor is not None and not has_role(actor, Role.ADMIN):
        raise NotAllowed()
    _check_role_fields(role, region, department)
    return _new_user(role, phone, email, password, display_name, region, department, None, phone_region)


def _check_role_fields(role, region, department):
    if role not in set(Role):
        raise InvalidInput(_l("Unknown role."), field="role")
    if role == Role.OFFICIAL and department is None:
        raise InvalidInput(_l("An official must belong to a department."), field="department")
    if role != Role.OFFICIAL and department is not None:
        raise InvalidInput(_l("Only officials belong to a department."), field="department")
    if role == Role.RESIDENT and (region is None or region.level != RegionLevel.VILLAGE):
        raise InvalidInput(_l("A resident must belong to a village."), field="region")


def _new_user(role, phone, email, password, display_name, region, department, locale, phone_region):
    name = check_display_name(display_name)
    check_password(password)
    phone, email = _login_fields(phone, email, phone_region)
    user = User(phone=phone, email=email, password_hash=hash_password(password), display_name=name,
                role=role, region=region, department=department, locale=locale)
    db.session.add(user)
    db.session.flush()
    return user


def find_by_login(identifier: str, phone_region="CN") -> User | None:
    identifier = (identifier or "").strip()
    if not identifier:
        return None
    living = User.deleted_at.is_(None)  # a deleted account is nobody's login
    if looks_like_email(identifier):
        return db.session.scalar(select(User).where(User.email == identifier.lower(), living))
    try:
        phone = normalize_phone(identifier, phone_region)
    except InvalidInput:
        return None
    return db.session.scalar(select(User).where(User.phone == phone, living))


def authenticate(identifier: str, password: str, phone_region="CN") -> User:
    """Return the active user with these credentials or raise WrongPassword (same message either way).
    A locked account (``note_failed_login``) is refused even with the right password until its lock ends."""
    user = find_by_login(identifier, phone_region)
    if user is not None and user.is_locked:
        raise AccountLocked()
    ok = verify_password(user.password_hash if user else None, password or "")
    if user is None or not ok:
        raise WrongPassword()
    if not user.active:
        raise AccountDeactivated()  # only said to someone who knows the password
    if needs_rehash(user.password_hash):
        user.password_hash = hash_password(password)
    user.last_login_at, user.failed_logins, user.locked_until = utcnow(), 0, None
    db.session.flush()
    return user


def note_failed_login(identifier: str, phone_region="CN") -> None:
    """Count a wrong password for the account ``identifier`` names (if any). At MINYI_LOCKOUT_FAILURES in a
    row the account is locked for MINYI_LOCKOUT_MINUTES and its owner is told (in the app, and by email),
    so that guessing stops and they know; the lock ends by itself, or an administrator lifts it."""
    user = find_by_login(identifier, phone_region)
    if user is None:
        return
    # Counted in the database: attempts made at the same moment all count.
    count = db.session.execute(update(User).where(User.id == user.id)
                               .values(failed_logins=User.failed_logins + 1)
                               .returning(User.failed_logins)).scalar()
    if count >= int(rule("MINYI_LOCKOUT_FAILURES")):
        until = utcnow() + timedelta(minutes=int(rule("MINYI_LOCKOUT_MINUTES")))
        db.session.execute(update(User).where(User.id == user.id).values(failed_logins=0, locked_until=until))

        notify([user.id], "account_locked", count=count, minutes=int(rule("MINYI_LOCKOUT_MINUTES")))
        log.warning("account %s locked after %d wrong passwords", user.id, count)
    db.session.flush()


def unlock(user: User, *, actor: User) -> User:
    """An administrator lifts an account's lock (its owner asked, having proved who they are)."""
    if not has_role(actor, Role.ADMIN):
        raise NotAllowed()
    user.failed_logins, user.locked_until = 0, None
    db.session.flush()
    return user


def change_password(user: User, *, actor: User, current_password: str, new_password: str) -> User:
    """The user changes their own password; other sessions are logged out."""
    if actor is None or actor.id != user.id:
        raise NotAllowed()
    if not verify_password(user.password_hash, current_password or ""):
        raise InvalidInput(_l("Your current password is not correct."), field="current_password")
    check_password(new_password, field="new_password")
    user.password_hash = hash_password(new_password)
    user.session_version += 1
    db.session.flush()
    return user


def update_user(user: User, *, actor: User, role: str, region: Region | None,
                department: Department | None, active: bool) -> User:
    """An admin changes a user's role, region, department or deactivates them."""
    if not has_role(actor, Role.ADMIN):
        raise NotAllowed()
    if user.id == actor.id and (role != Role.ADMIN or not active):
        raise InvalidInput(_l("You cannot remove your own admin rights."), field="role")
    _check_role_fields(role, region, department)
    user.role = role
    user.region = region
    user.department = department
    user.active = active
    db.session.flush()
    return user


def verify_in_person(resident: User, *, actor: User) -> User:
    """An official who checked the resident in person marks them verified."""
    if resident.role != Role.RESIDENT:
        raise InvalidInput(_l("Only residents are verified."))
    if not has_role(actor, Role.OFFICIAL, Role.ADMIN) or not oversees(actor, resident.region):
        raise NotAllowed()
    if not resident.is_verified:
        resident.verified_at = utcnow()
        resident.verification_method = VerificationMethod.IN_PERSON
        resident.verified_by = actor
        db.session.flush()
    return resident


def revoke_verification(resident: User, *, actor: User) -> User:
    """Undo a verification made in error (the census entry, if any, is freed)."""
    if not has_role(actor, Role.OFFICIAL, Role.ADMIN) or not oversees(actor, resident.region):
        raise NotAllowed()
    resident.verified_at = None
    resident.verification_method = None
    resident.verified_by = None
    release_claim(resident)
    db.session.flush()
    return resident
