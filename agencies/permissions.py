"""Who may manage staff (the admin role) and hand over a coordinator's cases."""

from .models import User
from .roles import Role


def can_manage_staff(user: User) -> bool:
    return user.is_authenticated and user.has_role(Role.ADMIN)


def can_hand_over_cases(user: User, *, leaving: User) -> bool:
    """The admin role hands over anyone's cases; a coordinator only their own (a
    colleague's cases are not theirs to give away)."""
    if not user.is_authenticated:
        return False
    if user.has_role(Role.ADMIN):
        return True
    return user.has_role(Role.COORDINATOR) and user.pk == leaving.pk


# 社会資源: master data with no personal data of the people supported.


def can_read_resources(user: User) -> bool:
    """The roles that match people to resources (coordinators, agency staff) read the
    registry; managers read it for the 地域づくり figures."""
    return user.is_authenticated and user.has_role(
        Role.COORDINATOR, Role.AGENCY_STAFF, Role.MANAGER
    )


def can_maintain_resources(user: User) -> bool:
    """The coordinators keep the registry in the app; the admin role has it in the
    Django admin (master data)."""
    return user.is_authenticated and user.has_role(Role.COORDINATOR, Role.ADMIN)


def can_maintain_resources_in_app(user: User) -> bool:
    return user.is_authenticated and user.has_role(Role.COORDINATOR)
