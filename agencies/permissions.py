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
