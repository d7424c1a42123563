"""Who may manage staff (the admin role) and hand over a coordinator's cases."""

from .models import User
from .roles import Role


def can_manage_staff(user: User) -> bool:
    return user.is_authenticated and user.has_role(Role.ADMIN)


def can_hand_over_cases(user: User) -> bool:
    return user.is_authenticated and user.has_role(Role.ADMIN, Role.COORDINATOR)
