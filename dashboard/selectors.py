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
from agencies.selectors import resource_year_totals
from cases.models import Case, CaseClosure, Consultation, SupportPlan
from cases.selectors import outreach_counts, participation_counts, stakeholder_count
from consent.selectors import consents_expiring
from core.japanese import fiscal_year, fiscal_year_bounds
from meetings.models import (
    AgendaItem,
    Attendee,
    ConfidentialityPledge,
    Meeting,
    MeetingBody,
    pledge_valid_q,
)
from meetings.selectors import meetings_visible_to, pledge_gaps, proposals_to_decide
from referrals.models import Referral

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
    return {
        "meetings_ahead": [(m, pledge_gaps(meeting=m)) for m in ahead],
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
        .order_by("date")[:5],
    }


@dataclass
class Figure:
    label: str
    value: int


def manager_home(*, user: User) -> dict:
    """This 年度's counts: no name, no case number, nothing about a person. Meetings are
    shown with what they discussed, not only how many were held (DESIGN.md)."""
    year = fiscal_year(timezone.now())
    start, end = fiscal_year_bounds(year)
    by_status = dict(
        Case.objects.values("status").annotate(n=Count("pk")).values_list("status", "n")
    )
    closures = dict(
        CaseClosure.objects.filter(closed_at__gte=start, closed_at__lt=end, reopened_at=None)
        .values("reason")
        .annotate(n=Count("pk"))
        .values_list("reason", "n")
    )
    stakeholders = stakeholder_count(fiscal_year=year)
    outreach = outreach_counts(fiscal_year=year)
    participation = participation_counts(fiscal_year=year)
    resources = resource_year_totals(fiscal_year=year)
    figures = [
        Figure("相談受付件数（今年度）", Consultation.objects.filter(fiscal_year=year).count()),
        Figure("新規ケース（今年度）", Case.objects.filter(fiscal_year=year).count()),
        *[
            Figure(f"ケース：{label}", by_status.get(value, 0))
            for value, label in Case.Status.choices
        ],
        Figure(
            "つなぐシート（今年度の送付）",
            Referral.objects.filter(sent_at__gte=start, sent_at__lt=end).count(),
        ),
        Figure(
            "支援プランの作成（今年度）",
            SupportPlan.objects.filter(created_at__gte=start, created_at__lt=end).count(),
        ),
        Figure(
            "支援プランの承認（今年度）",
            SupportPlan.objects.filter(approved_at__gte=start, approved_at__lt=end).count(),
        ),
        *[
            Figure(f"終結：{label}（今年度）", closures.get(value, 0))
            for value, label in CaseClosure.Reason.choices
        ],
        Figure("支援のために連携した関係者の数（今年度）", stakeholders.count),
        Figure("アウトリーチ：伴走件数（今年度）", outreach.engagements),
        Figure("アウトリーチ：接触回数（今年度）", outreach.contacts),
        Figure("参加支援：支援対象者数（今年度）", participation.persons),
        Figure("参加支援：協力事業者数（今年度）", participation.cooperating_businesses),
        Figure("地域づくり：拠点数（今年度）", resources.hubs),
        Figure("地域づくり：参加者数（延べ・今年度）", resources.participants),
        Figure("地域づくり：運営に携わる市民数（今年度）", resources.citizens_running),
        Figure("地域づくり：参加機関数（今年度）", resources.agencies_count),
    ]
    return {
        "figures": figures,
        "notes": [
            f"関係者の数え方：{stakeholders.how}",
            f"アウトリーチの数え方：{outreach.how}",
            f"参加支援の数え方：{participation.how}",
            f"地域づくりの数え方：{resources.how}",
        ],
        "meetings": _meeting_rows(year),
    }


@dataclass
class MeetingRow:
    kind: str
    held: int
    agencies: int
    attendees: int
    cases: int


def _meeting_rows(year: int) -> list[MeetingRow]:
    """Per body kind: 開催回数, 参加機関数, 参加者延べ数 and cases discussed, this 年度."""
    held = Meeting.objects.filter(
        closed_at__isnull=False, date__gte=dt.date(year, 4, 1), date__lt=dt.date(year + 1, 4, 1)
    )
    rows = []
    for kind, label in MeetingBody.Kind.choices:
        meetings = held.filter(bodies__kind=kind).distinct()
        attendees = Attendee.objects.filter(meeting__in=meetings)
        rows.append(
            MeetingRow(
                kind=label,
                held=meetings.count(),
                agencies=attendees.values("agency_id").distinct().count(),
                attendees=attendees.count(),
                cases=AgendaItem.objects.filter(
                    meeting__in=meetings, body__kind=kind, case__isnull=False
                )
                .values("case_id")
                .distinct()
                .count(),
            )
        )
    return rows


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
