"""What each role's home shows. Case data only through the case selectors; the manager
and the administrator see counts and accounts, never a person."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from axes.models import AccessAttempt
from django.conf import settings
from django.db.models import Count
from django.utils import timezone
from django_otp.plugins.otp_totp.models import TOTPDevice

from agencies.accounts import MFA_ROLES
from agencies.models import User
from cases.models import Case
from consent.selectors import consents_expiring
from core.japanese import fiscal_year
from meetings.models import ConfidentialityPledge, MeetingBody, pledge_valid_q
from meetings.selectors import meetings_pledge_gaps, meetings_visible_to, proposals_to_decide
from reports.annual import annual_figures, headline

SOON = dt.timedelta(days=30)


def secretariat_home(*, user: User) -> dict:
    """Meetings ahead with who may not receive 支援会議 papers, pledges ending within 30
    days, and proposals waiting for a decision."""
    today = timezone.localdate()
    ahead = list(
        meetings_visible_to(user)
        .filter(date__gte=today, closed_at__isnull=True)
        .prefetch_related("bodies")
        .order_by("date")[:10]
    )
    duty_bodies = MeetingBody.objects.filter(kind__in=list(MeetingBody.LEGAL_PROVISIONS))
    expiring = (
        ConfidentialityPledge.objects.filter(
            pledge_valid_q(today),
            member__body__in=duty_bodies,
            valid_until__lte=today + SOON,
        )
        .select_related("member__body", "member__user", "member__agency")
        .order_by("valid_until")
    )
    gaps = meetings_pledge_gaps(meetings=ahead)
    return {
        "meetings_ahead": [(m, gaps[m.pk]) for m in ahead],
        "pledges_expiring": expiring,
        "proposals_waiting": len(proposals_to_decide(user=user)),
    }


def coordinator_home(*, user: User) -> dict:
    """Consents ending within 30 days and the meetings ahead the coordinator attends."""
    today = timezone.localdate()
    return {
        "consents_expiring": consents_expiring(user=user)[:10],
        "meetings_ahead": meetings_visible_to(user)
        .filter(date__gte=today, closed_at__isnull=True)
        .prefetch_related("bodies")
        .order_by("date")[:5],
    }


@dataclass
class Figure:
    label: str
    value: int
    unit: str = "件"

    @property
    def text(self) -> str:
        return f"{self.value:,}{self.unit}"


def manager_home(*, user: User) -> dict:
    """This 年度's figures, read from the annual evaluation's (one counting, in
    ``reports.annual``): no name, no case number, nothing about a person. Meetings are
    shown with what they discussed, not only how many were held (DESIGN.md)."""
    year = fiscal_year(timezone.now())
    figures = annual_figures(fiscal_year=year)
    by_status = dict(
        Case.objects.values("status").annotate(n=Count("pk")).values_list("status", "n")
    )
    closures = figures.cases.closures
    return {
        "figures": headline(figures),
        "closures": [Figure(f"終結：{row.label}", row.value) for row in closures.rows],
        "statuses": [
            Figure(f"ケース：{label}", by_status.get(value, 0))
            for value, label in Case.Status.choices
        ],
        "notes": [
            f"相談受付の数え方：{figures.consultations.how}",
            f"終結の数え方：{figures.cases.closures_how}",
            f"関係者の数え方：{figures.stakeholders.how}",
            f"アウトリーチの数え方：{figures.outreach.how}",
            f"参加支援の数え方：{figures.participation.how}",
            f"地域づくりの数え方：{figures.community.how}",
        ],
        "meetings": figures.meetings.rows,
        "meetings_how": figures.meetings.how,
        "trend": figures.trend,
    }


def admin_home(*, user: User) -> dict:
    """Accounts to look after: locked user names, and staff who must use a second factor
    but have not set one up."""
    locked = AccessAttempt.objects.filter(
        failures_since_start__gte=settings.AXES_FAILURE_LIMIT,
        attempt_time__gte=timezone.now() - settings.AXES_COOLOFF_TIME,
    ).order_by("-attempt_time")
    with_device = TOTPDevice.objects.filter(confirmed=True).values("user_id")
    without_second_factor = (
        User.objects.filter(is_active=True, groups__name__in=list(MFA_ROLES))
        .exclude(pk__in=with_device)
        .select_related("agency")
        .distinct()
        .order_by("agency__name_kana", "name_kana")
    )
    return {"locked": locked, "without_second_factor": without_second_factor}
