"""Who may see and act on what. One place, so every view and service asks the same question."""

from accounts.regions import Region
from accounts.users import Role, User


def jurisdiction(user: User) -> Region | None:
    """The region a staff member works in; None means everywhere (admins, system-wide staff)."""
    if user.role == Role.ADMIN:
        return None
    if user.role == Role.OFFICIAL and user.region is None and user.department is not None:
        return user.department.region
    return user.region


def oversees(user: User | None, region: Region | None) -> bool:
    """True when a staff member may act on people and content in ``region``."""
    if user is None or not user.is_authenticated or not user.is_staff:
        return False
    scope = jurisdiction(user)
    if user.role != Role.ADMIN and scope is None and user.role == Role.OFFICIAL:
        return False
    return scope is None or (region is not None and scope.contains(region))


def has_role(user: User | None, *roles: str) -> bool:
    return bool(user is not None and user.is_authenticated and user.role in roles)
