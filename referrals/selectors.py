"""Reads of つなぐシート that depend on who asks, the consent check a sheet needs, and the
coordinators' monthly table."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from django.conf import settings
from django.db.models import BooleanField, Count, Q, QuerySet, Value, When
from django.db.models import Case as Case_
from django.db.models.functions import TruncMonth
from django.http import Http404
from django.utils import timezone

from agencies.models import Agency, User
from cases.models import Person
from cases.selectors import people_matching_q
from consent.models import Consent
from core.japanese import TOKYO, fiscal_year, fiscal_year_bounds, format_wareki

from .models import Referral
from .permissions import referrals_visible_q


def answer_days() -> int:
    return settings.REFERRAL_ANSWER_DAYS


def referrals_visible_to(user: User) -> QuerySet[Referral]:
    return Referral.objects.filter(referrals_visible_q(user))


def with_overdue(queryset: QuerySet[Referral], *, at: dt.datetime | None = None):
    """Each sheet with ``overdue``: still 送付 ``REFERRAL_ANSWER_DAYS`` days after it was sent."""
    cutoff = (at or timezone.now()) - dt.timedelta(days=answer_days())
    return queryset.annotate(
        overdue=Case_(
            When(Q(status=Referral.Status.SENT, sent_at__lt=cutoff), then=Value(True)),
            default=Value(False),
            output_field=BooleanField(),
        )
    )


def referrals_received(*, user: User) -> QuerySet[Referral]:
    """What was sent to the user's agency (for a hub: to its coordinators)."""
    return with_overdue(
        referrals_visible_to(user).filter(to_agency_id=user.agency_id)
    ).select_related("from_agency", "to_agency", "sent_by")


def referrals_sent(*, user: User) -> QuerySet[Referral]:
    return with_overdue(
        referrals_visible_to(user).filter(from_agency_id=user.agency_id)
    ).select_related("from_agency", "to_agency", "sent_by")


def referral_get_for_user(*, user: User, pk) -> Referral:
    """The sheet, or 404 when the user is not one of its two sides (the same answer
    as for a sheet that does not exist)."""
    try:
        return (
            with_overdue(referrals_visible_to(user))
            .select_related(
                "from_agency", "to_agency", "sent_by", "answered_by", "case", "consultation"
            )
            .get(pk=pk)
        )
    except (Referral.DoesNotExist, ValueError) as exc:
        raise Http404 from exc


def liaisons_of(agency: Agency) -> list[User]:
    return list(agency.liaisons.filter(is_active=True).order_by("name_kana", "username"))


# ---------------------------------------------------------------------------
# The consent a sheet to an agency other than 多機関協働 needs


def missing_consent_message(*, person: Person, agency: Agency, on: dt.date) -> str:
    """Why no sheet may go to ``agency``: whose consent is missing, for which agency."""
    scoped = list(person.consents.filter(purpose_sharing=True, agencies=agency))
    states = {consent.state_on(on) for consent in scoped}
    if Consent.State.WITHDRAWN in states:
        why = f"{agency}を範囲に含む同意は撤回されています"
    elif Consent.State.EXPIRED in states:
        why = f"{agency}を範囲に含む同意は有効期限が切れています"
    elif Consent.State.NOT_YET in states:
        why = f"{agency}を範囲に含む同意は、同意を得た日が{format_wareki(on)}より後です"
    elif person.consents.filter(purpose_sharing=True).exists():
        why = f"同意の範囲に{agency}が含まれていません"
    else:
        why = "「関係機関との情報共有」への同意が記録されていません"
    return (
        f"送付していません。{person.full_name}さんの、{agency}への情報共有についての有効な同意"
        f"（{format_wareki(on)}時点）がありません（{why}）。同意を記録してから送るか、"
        "多機関協働（本人同意なしでも送れます）へ送ってください。"
    )


# ---------------------------------------------------------------------------
# The coordinators' table: sheets sent to 多機関協働, per agency and month


@dataclass
class MonthlyRow:
    agency: Agency
    counts: list[int]

    @property
    def total(self) -> int:
        return sum(self.counts)


@dataclass
class MonthlyTable:
    year: int
    months: list[dt.date]
    rows: list[MonthlyRow]

    @property
    def column_totals(self) -> list[int]:
        return [sum(row.counts[i] for row in self.rows) for i in range(len(self.months))]

    @property
    def total(self) -> int:
        return sum(row.total for row in self.rows)


def fiscal_months(year: int) -> list[dt.date]:
    return [dt.date(year + (m < 4), m, 1) for m in (*range(4, 13), 1, 2, 3)]


def referrals_monthly_table(*, year: int | None = None) -> MonthlyTable:
    """Rows: every active agency (and any other that sent in the year), so that one
    from which nothing comes up shows its zeros; columns: April to March of the 年度,
    months counted in Asia/Tokyo. A withdrawn sheet was not sent in the end: not counted."""
    year = fiscal_year(timezone.now()) if year is None else year
    start, end = fiscal_year_bounds(year)
    months = fiscal_months(year)
    counted = (
        Referral.objects.filter(
            to_agency__is_collaboration_hub=True, sent_at__gte=start, sent_at__lt=end
        )
        .exclude(status=Referral.Status.WITHDRAWN)
        .annotate(month=TruncMonth("sent_at", tzinfo=TOKYO))
        .values("from_agency_id", "month")
        .annotate(n=Count("pk"))
        .order_by()
    )
    cells: dict[tuple[int, dt.date], int] = {}
    for row in counted:
        month = row["month"]
        day = month.astimezone(TOKYO).date() if isinstance(month, dt.datetime) else month
        cells[(row["from_agency_id"], day.replace(day=1))] = row["n"]
    senders = {agency_id for agency_id, _ in cells}
    agencies = Agency.objects.filter(Q(is_active=True) | Q(pk__in=senders)).order_by(
        "name_kana", "name"
    )
    rows = [
        MonthlyRow(agency=agency, counts=[cells.get((agency.pk, month), 0) for month in months])
        for agency in agencies
    ]
    return MonthlyTable(year=year, months=months, rows=rows)


def referrals_matching(referrals: QuerySet[Referral], *, query: str) -> QuerySet[Referral]:
    """Narrow a list to sheets whose 本人's name or ふりがな matches (全角/半角 and
    ひらがな/カタカナ ignored); an empty query leaves it as it is."""
    matching = people_matching_q(query)
    if matching is None:
        return referrals
    return referrals.filter(person_id__in=Person.all_objects.filter(matching).values("pk"))
