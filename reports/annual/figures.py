"""The annual evaluation's figures (DESIGN.md "Figures the annual evaluation must carry").

``annual_figures(fiscal_year=…)`` reads aggregates only — counts, never a name, a case
number or a free text — into one frozen dataclass. The renderers (CSV, xlsx, PDF) and the
manager's home print from it, so every number is counted once, here.

The indicators that have a counting rule of their own are read from their selectors
(``stakeholder_count``, ``outreach_counts``, ``participation_counts``,
``resource_year_totals``) and keep the selector's ``how`` text beside their value.

A 年度 runs from 1 April 00:00 to the next 1 April 00:00 in Asia/Tokyo (15:00 UTC), from
``core.japanese.fiscal_year_bounds``; date-only records (meetings, 参加支援) compare
dates. The query count does not depend on the data: every figure is a GROUP BY.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from django.db.models import Count, Min, Q

from agencies.models import Area
from agencies.selectors import ResourceYearTotals, resource_year_totals
from cases.models import Case, CaseClosure, Consultation, IssueCategory
from cases.models.plans import PlanStakeholder, SupportPlan
from cases.selectors import (
    OutreachCounts,
    ParticipationCounts,
    StakeholderCount,
    outreach_counts,
    participation_counts,
    stakeholder_count,
)
from core.japanese import fiscal_year_bounds, fiscal_year_label, fiscal_year_prefix
from meetings.models import AgendaItem, Attendee, Decision, Meeting, MeetingBody, RegionalIssue
from referrals.models import Referral

from ..models import OutcomeTarget
from .suppression import AreaTable, suppress_areas

# The trend shows this 年度 and the four before it (長久手市's 通知表 shows R2–R5), and
# any later 年度 with a target up to five years ahead (its R8 目標).
TREND_PAST_YEARS = 4
TREND_FUTURE_YEARS = 5
NO_AREA = "圏域の指定なし（市全域）"


@dataclass(frozen=True)
class Row:
    label: str
    value: int


@dataclass(frozen=True)
class Breakdown:
    """Counts by one attribute. ``overlapping`` (延べ): one record may count in several
    rows, so the rows add up to more than the records."""

    title: str
    rows: tuple[Row, ...]
    how: str
    overlapping: bool = False
    unit: str = "件"

    @property
    def total(self) -> int:
        return sum(row.value for row in self.rows)

    def value_of(self, label: str) -> int:
        return next((row.value for row in self.rows if row.label == label), 0)


@dataclass(frozen=True)
class ConsultationFigures:
    total: int
    by_area: AreaTable  # 圏域 → 受付機関, small cells 「3未満」
    by_channel: Breakdown
    by_main_issue: Breakdown
    by_issue: Breakdown  # 延べ
    by_issue_group: Breakdown  # 延べ, the national form's 区分
    by_outcome: Breakdown
    how: str = (
        "受付日時（日本時間）がその年度（4月1日0時〜翌年4月1日0時）にある相談受付を1件と数えます。"
        "同じ世帯・同じ人の相談でも、受け付けるたびに1件です。"
    )
    area_how: str = (
        "受付機関（窓口）の圏域ごとに数えます（世帯の住所の地区は記録していません）。"
        "1件・2件の欄は、個人が分からないよう「3未満」と表示します。合計やほかの欄からの"
        "引き算で戻せないよう、必要なだけほかの欄も伏せ、「秘匿」（3件以上）と表示します。"
    )


@dataclass(frozen=True)
class CaseFigures:
    new_cases: int
    plans_created: int
    plans_approved: int
    plans_discussed: int
    referrals_sent: int
    closures: Breakdown
    improvement: Breakdown
    stakeholders_by_kind: Breakdown
    new_cases_how: str = "その年度に開始した多機関協働のケースです（ケース番号の年度と同じ）。"
    plans_created_how: str = (
        "支援プランの版ごとに、作成日時がその年度にあるものを数えます（改訂した版も1件）。"
    )
    plans_approved_how: str = (
        "支援プランの版ごとに、承認日時がその年度にあるものを数えます（改訂した版も1件）。"
    )
    plans_discussed_how: str = (
        "重層的支援会議でプランの適切性を協議した日がその年度にある版を数えます。"
    )
    referrals_how: str = "その年度に送付したつなぐシート（後で取り下げたものを含む）の数です。"
    closures_how: str = (
        "その年度に終結し、年度末までに再開されなかったケースを終結の理由ごとに数えます"
        "（年度内に再開したものは数えません）。"
    )


@dataclass(frozen=True)
class MeetingRow:
    """One kind of body (its legal basis): how often it met and what it discussed."""

    kind: str  # the kind's label, e.g. 支援会議（社会福祉法第106条の6）
    held: int  # 開催回数
    agencies: int  # 参加機関数 (distinct)
    attendees: int  # 参加者延べ数
    cases: int  # cases discussed (distinct)
    households: int  # households of concern discussed before a case (distinct)
    decisions: int  # 決定事項 recorded
    regional_issues: int  # 地域課題 raised


@dataclass(frozen=True)
class MeetingFigures:
    rows: tuple[MeetingRow, ...]
    regional_issues: int
    how: str = (
        "開催済みにした会議を、開催日がその年度にあるものについて、会議体の種類（根拠）ごとに"
        "数えます。合同開催の会議は、それぞれの種類に1回ずつ数えます。参加機関数は出席した"
        "機関の数（同じ機関は1つ）、参加者延べ数は出席者を会議ごとに数えた合計です。"
        "協議したケース・世帯は、その種類の議題になった数（同じケースは1件。同意の確認が"
        "できず資料から外した議題は除く）です。"
        "会議は多ければよいものではありません。協議したケースと決定事項を並べて示します。"
    )


@dataclass(frozen=True)
class TrendPoint:
    fiscal_year: int
    label: str  # 令和5年度
    short_label: str  # R5
    actual: int | None  # None: before Kasane held data, or a 年度 not reached yet
    target: int | None


@dataclass(frozen=True)
class AnnualFigures:
    fiscal_year: int
    label: str  # 令和7年度
    first_day: dt.date
    last_day: dt.date
    consultations: ConsultationFigures
    cases: CaseFigures
    meetings: MeetingFigures
    stakeholders: StakeholderCount
    participation: ParticipationCounts
    community: ResourceYearTotals
    outreach: OutreachCounts
    trend: tuple[TrendPoint, ...]
    trend_how: str = (
        "成果指標「支援のために連携した関係者の数」の実績は、年度ごとに集計した値です"
        "（数え方は関係者の欄のとおり）。目標値は管理職が年度ごとに設定します。"
        "「—」はその年度の記録がないこと（システムの利用前、またはまだ来ていない年度）を示します。"
    )

    @property
    def target(self) -> int | None:
        return next((p.target for p in self.trend if p.fiscal_year == self.fiscal_year), None)


# ---------------------------------------------------------------------------


def annual_figures(*, fiscal_year: int) -> AnnualFigures:
    """Every figure of the annual evaluation for one 年度 (April–March)."""
    start, end = fiscal_year_bounds(fiscal_year)
    first_day, next_first = start.date(), end.date()
    stakeholders = stakeholder_count(fiscal_year=fiscal_year)
    return AnnualFigures(
        fiscal_year=fiscal_year,
        label=fiscal_year_label(fiscal_year),
        first_day=first_day,
        last_day=next_first - dt.timedelta(days=1),
        consultations=_consultations(fiscal_year),
        cases=_cases(fiscal_year, start, end, stakeholders),
        meetings=meeting_figures(first_day=first_day, next_first=next_first),
        stakeholders=stakeholders,
        participation=participation_counts(fiscal_year=fiscal_year),
        community=resource_year_totals(fiscal_year=fiscal_year),
        outreach=outreach_counts(fiscal_year=fiscal_year),
        trend=outcome_trend(fiscal_year=fiscal_year, current=stakeholders),
    )


def _choices_breakdown(title, choices, counts: dict, how: str) -> Breakdown:
    return Breakdown(
        title=title,
        rows=tuple(Row(label, counts.get(value, 0)) for value, label in choices),
        how=how,
    )


def _consultations(year: int) -> ConsultationFigures:
    taken = Consultation.objects.filter(fiscal_year=year)

    by_window = list(
        taken.values(
            "receiving_agency_id",
            "receiving_agency__name",
            "receiving_agency__name_kana",
            "receiving_agency__area_id",
        ).annotate(n=Count("pk"))
    )
    areas = list(Area.objects.order_by("sort_order", "name").values_list("pk", "name"))
    windows_of: dict[int | None, list[tuple[str, str, int]]] = {}
    for row in by_window:
        windows_of.setdefault(row["receiving_agency__area_id"], []).append(
            (row["receiving_agency__name_kana"], row["receiving_agency__name"], row["n"])
        )
    groups = [
        (name, [(label, n) for _, label, n in sorted(windows_of.get(pk, []))]) for pk, name in areas
    ]
    if windows_of.get(None):
        groups.append((NO_AREA, [(label, n) for _, label, n in sorted(windows_of[None])]))

    def counted(field: str) -> dict:
        return dict(taken.values(field).annotate(n=Count("pk")).values_list(field, "n"))

    categories = list(IssueCategory.objects.order_by("sort_order", "name"))
    main = counted("main_issue_id")
    through = Consultation.issues.through.objects.filter(consultation__fiscal_year=year)
    named = dict(
        through.values("issuecategory_id")
        .annotate(n=Count("pk"))
        .values_list("issuecategory_id", "n")
    )
    grouped = dict(
        through.values("issuecategory__report_group")
        .annotate(n=Count("consultation_id", distinct=True))
        .values_list("issuecategory__report_group", "n")
    )
    # Retired categories stay while a consultation of the year names them.
    shown = [c for c in categories if c.is_active or main.get(c.pk) or named.get(c.pk)]
    channel = counted("channel")
    outcome = counted("outcome")
    return ConsultationFigures(
        total=taken.count(),
        by_area=suppress_areas(groups),
        by_channel=_choices_breakdown(
            "相談経路別", Consultation.Channel.choices, channel, "1件の相談に経路は1つです。"
        ),
        by_main_issue=Breakdown(
            title="主な相談内容別",
            rows=tuple(Row(c.name, main.get(c.pk, 0)) for c in shown),
            how="1件の相談に主な相談内容は1つです（合計は相談受付件数と同じ）。",
        ),
        by_issue=Breakdown(
            title="相談内容別（延べ）",
            rows=tuple(Row(c.name, named.get(c.pk, 0)) for c in shown),
            how="1件の相談で選んだ相談内容をすべて数えます（延べ件数。合計は相談受付件数より多くなります）。",
            overlapping=True,
        ),
        by_issue_group=Breakdown(
            title="相談内容の国の区分別（延べ）",
            rows=tuple(
                Row(label, grouped.get(value, 0))
                for value, label in IssueCategory.ReportGroup.choices
            ),
            how="相談内容を国の実績報告の区分にまとめ、1件の相談を区分ごとに1回数えます（延べ件数）。",
            overlapping=True,
        ),
        by_outcome=_choices_breakdown(
            "対応結果別",
            Consultation.Outcome.choices,
            outcome,
            "受付時に記録した対応結果です。ケースを開始した相談は「多機関協働へ」になります。",
        ),
    )


def _cases(year: int, start, end, stakeholders: StakeholderCount) -> CaseFigures:
    plans = SupportPlan.objects.aggregate(
        created=Count("pk", filter=Q(created_at__gte=start, created_at__lt=end)),
        approved=Count("pk", filter=Q(approved_at__gte=start, approved_at__lt=end)),
        discussed=Count(
            "pk", filter=Q(discussed_on__gte=start.date(), discussed_on__lt=end.date())
        ),
    )
    # A closure counts when it stood at the end of the 年度: one reopened within the
    # year was undone, one reopened later was still a 終結 of this year.
    closed = CaseClosure.objects.filter(closed_at__gte=start, closed_at__lt=end).filter(
        Q(reopened_at__isnull=True) | Q(reopened_at__gte=end)
    )
    by_reason: dict[str, int] = {}
    by_improvement: dict[str, int] = {}
    for reason, improvement, n in (
        closed.values("reason", "improvement")
        .annotate(n=Count("pk"))
        .values_list("reason", "improvement", "n")
    ):
        by_reason[reason] = by_reason.get(reason, 0) + n
        by_improvement[improvement] = by_improvement.get(improvement, 0) + n
    return CaseFigures(
        new_cases=Case.objects.filter(fiscal_year=year).count(),
        plans_created=plans["created"],
        plans_approved=plans["approved"],
        plans_discussed=plans["discussed"],
        referrals_sent=Referral.objects.filter(sent_at__gte=start, sent_at__lt=end).count(),
        closures=_choices_breakdown(
            "終結の理由別", CaseClosure.Reason.choices, by_reason, CaseFigures.closures_how
        ),
        improvement=_choices_breakdown(
            "終結時の自立に向けた改善",
            CaseClosure.Improvement.choices,
            by_improvement,
            "終結したケースの最終評価（国の実績報告「自立に向けた改善が見られた者」）です。",
        ),
        stakeholders_by_kind=Breakdown(
            title="連携した関係者の種別",
            rows=tuple(
                Row(label, stakeholders.by_kind.get(value, 0))
                for value, label in PlanStakeholder.Kind.choices
            ),
            how=stakeholders.how,
            unit="者",
        ),
    )


def meeting_figures(*, first_day: dt.date, next_first: dt.date) -> MeetingFigures:
    """Per body kind: 開催回数, 参加機関数, 参加者延べ数 beside what the meetings discussed
    and decided (more meetings is not better). One GROUP BY per measure."""
    held = Meeting.objects.filter(
        closed_at__isnull=False, date__gte=first_day, date__lt=next_first
    ).values("pk")
    sittings = dict(
        Meeting.bodies.through.objects.filter(meeting__in=held)
        .values("meetingbody__kind")
        .annotate(n=Count("meeting_id", distinct=True))
        .values_list("meetingbody__kind", "n")
    )
    attendance = {
        row["meeting__bodies__kind"]: row
        for row in Attendee.objects.filter(meeting__in=held)
        .values("meeting__bodies__kind")
        .annotate(agencies=Count("agency_id", distinct=True), people=Count("pk", distinct=True))
    }
    discussed = {
        row["body__kind"]: row
        # An item that failed gate 1 was left out of the packet: it was not discussed.
        for row in AgendaItem.objects.filter(meeting__in=held, gate_blocked=False)
        .values("body__kind")
        .annotate(
            cases=Count("case_id", distinct=True),
            households=Count("household_id", distinct=True),
        )
    }
    decisions = dict(
        Decision.objects.filter(item__meeting__in=held)
        .values("item__body__kind")
        .annotate(n=Count("pk"))
        .values_list("item__body__kind", "n")
    )
    issues = RegionalIssue.objects.filter(meeting__in=held)
    issues_by_kind = dict(
        issues.values("meeting__bodies__kind")
        .annotate(n=Count("pk", distinct=True))
        .values_list("meeting__bodies__kind", "n")
    )
    rows = tuple(
        MeetingRow(
            kind=label,
            held=sittings.get(kind, 0),
            agencies=attendance.get(kind, {}).get("agencies", 0),
            attendees=attendance.get(kind, {}).get("people", 0),
            cases=discussed.get(kind, {}).get("cases", 0),
            households=discussed.get(kind, {}).get("households", 0),
            decisions=decisions.get(kind, 0),
            regional_issues=issues_by_kind.get(kind, 0),
        )
        for kind, label in MeetingBody.Kind.choices
    )
    return MeetingFigures(rows=rows, regional_issues=issues.count())


def outcome_trend(
    *, fiscal_year: int, current: StakeholderCount | None = None
) -> tuple[TrendPoint, ...]:
    """The 成果指標's actual and target per 年度: this one, the four before it, and later
    ones that have a target. One count per past 年度 (a fixed number of queries), by the
    indicator's own rule (``stakeholder_count``)."""
    targets = dict(
        OutcomeTarget.objects.filter(
            fiscal_year__gte=fiscal_year - TREND_PAST_YEARS,
            fiscal_year__lte=fiscal_year + TREND_FUTURE_YEARS,
        ).values_list("fiscal_year", "target")
    )
    first = _first_year_with_data()
    last = max([fiscal_year, *(y for y in targets if y > fiscal_year)])
    points = []
    for year in range(fiscal_year - TREND_PAST_YEARS, last + 1):
        if year > fiscal_year or first is None or year < first:
            actual = None
        elif year == fiscal_year and current is not None:
            actual = current.count
        else:
            actual = stakeholder_count(fiscal_year=year).count
        points.append(
            TrendPoint(
                fiscal_year=year,
                label=fiscal_year_label(year),
                short_label=fiscal_year_prefix(year),
                actual=actual,
                target=targets.get(year),
            )
        )
    return tuple(points)


def _first_year_with_data() -> int | None:
    """The first 年度 Kasane holds records of: before it, an actual of 0 would say that
    nobody worked with anyone, when the work was simply not recorded here."""
    consultation = Consultation.objects.aggregate(first=Min("fiscal_year"))["first"]
    case = Case.objects.aggregate(first=Min("fiscal_year"))["first"]
    years = [y for y in (consultation, case) if y is not None]
    return min(years) if years else None
