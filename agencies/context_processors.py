from django.http import HttpRequest

from core.paging import PAGE_SIZES

from .roles import Role

ROLE_NAMES = frozenset(role.value for role in Role)


def kasane(request: HttpRequest) -> dict:
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {}
    return {
        "is_coordinator": user.has_role(Role.COORDINATOR),
        "is_agency_staff": user.has_role(Role.AGENCY_STAFF),
        "is_admin_role": user.has_role(Role.ADMIN),
        "is_secretariat": user.has_role(Role.SECRETARIAT),
        "page_sizes": PAGE_SIZES,
        "user_role_labels": [
            Role(name).label for name in sorted(user.role_names) if name in ROLE_NAMES
        ],
    }
