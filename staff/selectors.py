"""Reads about staff for the staff-management pages (counts only, no case content)."""

from __future__ import annotations

from django.db.models import Count, Q, QuerySet
from django.http import Http404

from agencies.models import User
from cases.models import Case


def staff_for_management() -> QuerySet[User]:
    """Every user with the number of open cases they lead, in 五十音 order by agency."""
    return (
        User.objects.select_related("agency")
        .prefetch_related("groups")
        .annotate(
            open_led_cases=Count(
                "led_cases", filter=Q(led_cases__status__in=Case.OPEN_STATUSES), distinct=True
            )
        )
        .order_by("agency__name_kana", "name_kana", "username")
    )


def staff_get(*, pk) -> User:
    try:
        return User.objects.select_related("agency").get(pk=pk)
    except (User.DoesNotExist, ValueError) as exc:
        raise Http404 from exc


def open_cases_led_count(*, user: User) -> int:
    return Case.objects.filter(lead_coordinator=user, status__in=Case.OPEN_STATUSES).count()
