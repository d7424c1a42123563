"""The one place that decides who may see and change case data (DESIGN.md gate 3).

``access_rows_for`` is the policy: the CaseAccess rows that apply to a user at a
moment. Every selector and access helper is built on it; nothing else decides.
"""

from __future__ import annotations

import datetime as dt
from enum import StrEnum

from django.db.models import Q, QuerySet
from django.utils import timezone

from agencies.models import User
from agencies.roles import CASE_ROLES, Role

from .models import CaseAccess

Basis = CaseAccess.Basis


class Need(StrEnum):
    VIEW = "view"
    CHANGE = "change"


# Which roles of an agency an agency-level grant reaches, per basis.
AGENCY_BASIS_ROLES: dict[str, frozenset[Role]] = {
    Basis.RECEIVING_AGENCY: frozenset({Role.COORDINATOR, Role.AGENCY_STAFF}),
    Basis.COLLABORATION: frozenset({Role.COORDINATOR}),
    Basis.COLLABORATION_PARTNER: frozenset({Role.COORDINATOR, Role.AGENCY_STAFF}),
    # 同意: the whole agency the consent's scope names, while the consent is valid.
    Basis.CONSENT: frozenset({Role.COORDINATOR, Role.AGENCY_STAFF}),
    Basis.EMERGENCY: frozenset({Role.COORDINATOR, Role.AGENCY_STAFF}),
    # 支援会議 grants are user-level (the pledged members only), never agency-wide.
}

# Which bases let a holder change the case (status, 主担当, members) rather than only read it.
CHANGE_BASES: dict[str, frozenset[Role]] = {
    Basis.COLLABORATION: frozenset({Role.COORDINATOR}),
}


def active_q(at: dt.datetime) -> Q:
    return (
        Q(valid_from__lte=at)
        & (Q(valid_until__isnull=True) | Q(valid_until__gt=at))
        & Q(revoked_at__isnull=True)
    )


def access_rows_for(user: User, *, at: dt.datetime | None = None) -> QuerySet[CaseAccess]:
    """The CaseAccess rows that give ``user`` access at ``at`` (default: now)."""
    if not user.is_authenticated or not user.is_active:
        return CaseAccess.objects.none()
    roles = user.role_names
    if not roles & CASE_ROLES:
        # manager, admin and secretariat see no case content through these bases.
        return CaseAccess.objects.none()
    agency_bases = [basis for basis, allowed in AGENCY_BASIS_ROLES.items() if roles & allowed]
    who = Q(user_id=user.pk) | Q(agency_id=user.agency_id, basis__in=agency_bases)
    return CaseAccess.objects.filter(active_q(at or timezone.now()) & who)


def case_needs_met(user: User, bases: set[str]) -> set[Need]:
    """What a user may do with a case, given the bases by which they reach it."""
    if not bases:
        return set()
    needs = {Need.VIEW}
    if any(user.role_names & CHANGE_BASES.get(basis, frozenset()) for basis in bases):
        needs.add(Need.CHANGE)
    return needs


# The django-guardian permissions that mirror each need (never the source of truth).
NEED_PERMISSIONS: dict[Need, tuple[str, ...]] = {
    Need.VIEW: ("view_case",),
    Need.CHANGE: ("change_case", "add_supportrecord"),
}


def users_reached_by(access: CaseAccess) -> QuerySet[User]:
    """The users an access row gives access to right now (before dates are checked)."""
    if access.user_id:
        return User.objects.filter(pk=access.user_id, is_active=True)
    roles = AGENCY_BASIS_ROLES.get(access.basis, frozenset())
    return User.objects.filter(
        agency_id=access.agency_id, is_active=True, groups__name__in=roles
    ).distinct()


def can_record_consultation(user: User) -> bool:
    """Every window takes consultations (断らない相談): coordinators and agency staff."""
    return user.is_authenticated and user.has_role(Role.COORDINATOR, Role.AGENCY_STAFF)


def can_list_case_data(user: User) -> bool:
    """Lists of cases, consultations and households are for the roles that work cases;
    for the others they would only ever be empty, so they are refused outright."""
    return user.is_authenticated and user.has_role(Role.COORDINATOR, Role.AGENCY_STAFF)


def can_open_case(user: User) -> bool:
    return user.is_authenticated and user.has_role(Role.COORDINATOR)


def sees_all_uncased_consultations(user: User) -> bool:
    """Coordinators see every consultation not yet in a case (to pick up つなぎ)."""
    return user.has_role(Role.COORDINATOR)
