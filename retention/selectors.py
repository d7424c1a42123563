"""Reads of the retention app: the records past their 保存年限, and the 廃棄記録."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from django.db.models import Count, Q, QuerySet
from django.shortcuts import get_object_or_404

from agencies.models import User
from cases.models import Case, CaseClosure, Consultation, OutreachEngagement
from core.japanese import fiscal_year, to_tokyo

from .models import DisposalItem, DisposalPlan, RecordKind
from .permissions import may_manage_disposal
from .rules import disposable_before, last_disposable_year, retained_until, retention_years


@dataclass(frozen=True)
class Candidate:
    kind: str
    record_id: str
    number: str
    fiscal_year: int
    ended_on: dt.date
    retained_until: dt.date
    closure_id: int | None = None

    @property
    def case_ids(self) -> list:
        return [self.record_id] if self.kind == RecordKind.CASE else []

    @property
    def consultation_ids(self) -> list:
        return [self.record_id] if self.kind == RecordKind.CONSULTATION else []

    @property
    def engagement_ids(self) -> list:
        return [self.record_id] if self.kind == RecordKind.OUTREACH else []


def _on_open_plans() -> set[tuple[str, str]]:
    """Records already on a plan that is not executed or cancelled: listed once only."""
    return set(
        DisposalItem.objects.filter(plan__status__in=DisposalPlan.OPEN_STATUSES).values_list(
            "kind", "record_id"
        )
    )


def disposal_candidates(*, now: dt.datetime) -> list[Candidate]:
    """Closed cases, uncased consultations and ended アウトリーチ that never became a
    consultation, past their 保存年限 at ``now``, oldest first within each kind, leaving
    out those on an open plan. No personal data is read."""
    taken = _on_open_plans()
    found: list[Candidate] = []
    years = retention_years(RecordKind.CASE)
    closures = (
        CaseClosure.objects.filter(
            reopened_at__isnull=True,
            case__status=Case.Status.CLOSED,
            closed_at__lt=disposable_before(years=years, now=now),
        )
        .select_related("case")
        .order_by("closed_at", "pk")
    )
    for closure in closures:
        case = closure.case
        if (RecordKind.CASE.value, str(case.pk)) in taken:
            continue
        year = fiscal_year(closure.closed_at)
        found.append(
            Candidate(
                kind=RecordKind.CASE,
                record_id=str(case.pk),
                number=case.number,
                fiscal_year=year,
                ended_on=to_tokyo(closure.closed_at).date(),
                retained_until=retained_until(start_year=year, years=years),
                closure_id=closure.pk,
            )
        )
    years = retention_years(RecordKind.CONSULTATION)
    consultations = Consultation.objects.filter(
        case__isnull=True, fiscal_year__lte=last_disposable_year(years=years, now=now)
    ).order_by("received_at", "pk")
    for consultation in consultations.only("pk", "received_at", "fiscal_year"):
        if (RecordKind.CONSULTATION.value, str(consultation.pk)) in taken:
            continue
        found.append(
            Candidate(
                kind=RecordKind.CONSULTATION,
                record_id=str(consultation.pk),
                number="",
                fiscal_year=consultation.fiscal_year,
                ended_on=to_tokyo(consultation.received_at).date(),
                retained_until=retained_until(start_year=consultation.fiscal_year, years=years),
            )
        )
    years = retention_years(RecordKind.OUTREACH)
    # 終了日 is a date (Tokyo): the first day of the 年度 that is not yet disposable.
    engagements = OutreachEngagement.objects.filter(
        consultation__isnull=True,
        status=OutreachEngagement.Status.ENDED,
        ended_on__lt=disposable_before(years=years, now=now).date(),
    ).order_by("ended_on", "pk")
    for engagement in engagements.only("pk", "ended_on"):
        if (RecordKind.OUTREACH.value, str(engagement.pk)) in taken:
            continue
        year = fiscal_year(engagement.ended_on)
        found.append(
            Candidate(
                kind=RecordKind.OUTREACH,
                record_id=str(engagement.pk),
                number="",
                fiscal_year=year,
                ended_on=engagement.ended_on,
                retained_until=retained_until(start_year=year, years=years),
            )
        )
    return found


def disposal_plans_for(*, user: User) -> QuerySet[DisposalPlan]:
    """The 廃棄記録, newest first: the managers see them all, anyone else none."""
    if not may_manage_disposal(user=user):
        return DisposalPlan.objects.none()
    return (
        DisposalPlan.objects.select_related(
            "listed_by", "approved_by", "executed_by", "cancelled_by"
        )
        .annotate(
            item_count=Count("items"),
            disposed_count=Count("items", filter=Q(items__status=DisposalItem.Status.DISPOSED)),
        )
        .order_by("-listed_at")
    )


def disposal_plan_get_for_user(*, user: User, pk) -> DisposalPlan:
    """One 廃棄記録 with its items; anyone but a manager gets 404, as for one that does
    not exist."""
    return get_object_or_404(disposal_plans_for(user=user), pk=pk)
