"""The national yearly report (実績報告) as a per-case CSV, for the coordinators.

Generated from the fields the models mark as national-report items
(``cases.models.plans.NATIONAL_REPORT_FIELDS``, the 太枠 of the assessment sheet): each
declared field has one column builder below, and a declared field without one stops the
report (``NationalReportFieldMissing``) instead of being left out silently.

Which cases: every 多機関協働 case **supported during the 年度** — opened before the
年度 ended and not closed through all of it (a closure before the 年度 that stood past
its end) — and every case that a consultation of the 年度 belongs to. One row per case,
keyed by its case number (R7-0012); no name, birth date, address, phone, free text or
agency appears. Then one last row, 「ケース化していない相談」, counts the 年度's
consultations that never became a case, so that each 対応結果 column adds up to the
year's consultations with that outcome.

How each column is taken:
- 相談受付 (経路, 相談者, 主な相談内容, 相談内容 and their 国の区分): from the case's first
  consultation, the one it was opened from (an intake describes the case); the 対応結果
  columns count the case's consultations received in the 年度, one column per outcome.
- アセスメント: each member's value with their 続柄, 本人 first (「本人：年金生活／子：…」);
  the household's 抱える課題 as names and as 国の区分.
- 支援プラン: the number of versions approved in the 年度, the first approval of the case
  (プラン作成), and the state of its newest version.
- 関係者: per 種別, the distinct stakeholders of the plans approved in the 年度 (the
  成果指標's rule, within the case).
- 終結: a closure in the 年度 that stood at its end (reason, 自立に向けた改善, date).

Dates are ISO (2025-04-01), in Asia/Tokyo. Same CSV rules as every export: UTF-8 with
BOM, CRLF, text that a spreadsheet would run as a formula neutralised.
"""

from __future__ import annotations

import datetime as dt
import functools
from collections.abc import Callable
from dataclasses import dataclass, field

from django.apps import apps
from django.db.models import Count, Q, QuerySet

from cases.models import Case, CaseClosure, Consultation, IssueCategory, Person
from cases.models.plans import (
    NATIONAL_REPORT_FIELDS,
    AssessmentMember,
    PlanStakeholder,
    SupportPlan,
)
from core.japanese import fiscal_year_bounds, to_tokyo

from .tabular import csv_bytes

UNCASED_ROW = "ケース化していない相談"


class NationalReportFieldMissing(LookupError):
    """A field marked for the national report has no column: add one here."""


def national_report_cases(*, fiscal_year: int) -> QuerySet[Case]:
    """The cases of the report (see the module's docstring), by case number."""
    start, end = fiscal_year_bounds(fiscal_year)
    # Two uncorrelated subqueries (hashed once by PostgreSQL), not an EXISTS per case:
    # every read of the report repeats this choice.
    closed_through = CaseClosure.objects.filter(closed_at__lt=start).filter(
        Q(reopened_at__isnull=True) | Q(reopened_at__gte=end)
    )
    consulted = Consultation.objects.filter(fiscal_year=fiscal_year, case__isnull=False)
    return Case.objects.filter(
        (Q(opened_at__lt=end) & ~Q(pk__in=closed_through.values("case_id")))
        | Q(pk__in=consulted.values("case_id"))
    ).order_by("fiscal_year", "sequence")


# ---------------------------------------------------------------------------
# The rows' data, read in a fixed number of queries


@dataclass
class _CaseData:
    number: str
    opened_on: dt.date | None
    first_consultation: dict | None = None
    outcomes: dict[str, int] = field(default_factory=dict)
    consultation_issues: dict[object, list[int]] = field(default_factory=dict)
    members: list[dict] = field(default_factory=list)
    plans_approved: int = 0
    first_approval: dt.datetime | None = None
    newest_plan: dict | None = None
    stakeholders: dict[str, set[str]] = field(default_factory=dict)
    closure: dict | None = None


def _collect(fiscal_year: int) -> tuple[list[_CaseData], dict[str, int], dict[int, IssueCategory]]:
    start, end = fiscal_year_bounds(fiscal_year)
    chosen = national_report_cases(fiscal_year=fiscal_year)
    rows: dict[object, _CaseData] = {}
    for case in chosen.only("pk", "fiscal_year", "sequence", "opened_at"):
        rows[case.pk] = _CaseData(number=case.number, opened_on=to_tokyo(case.opened_at).date())
    ids = chosen.values("pk")
    categories = {c.pk: c for c in IssueCategory.objects.all()}

    for c in (
        Consultation.objects.filter(case__in=ids)
        .order_by("received_at", "pk")
        .values("pk", "case_id", "channel", "consulter", "main_issue_id", "outcome", "fiscal_year")
    ):
        data = rows[c["case_id"]]
        if data.first_consultation is None:
            data.first_consultation = c
        if c["fiscal_year"] == fiscal_year:
            data.outcomes[c["outcome"]] = data.outcomes.get(c["outcome"], 0) + 1
    for consultation_id, case_id, category_id in Consultation.issues.through.objects.filter(
        consultation__case__in=ids
    ).values_list("consultation_id", "consultation__case_id", "issuecategory_id"):
        rows[case_id].consultation_issues.setdefault(consultation_id, []).append(category_id)

    relation_rank = {value: rank for rank, (value, _) in enumerate(Person.Relation.choices)}
    member_issues: dict[int, list[int]] = {}
    for member_id, category_id in AssessmentMember.issues.through.objects.filter(
        assessmentmember__assessment__case__in=ids
    ).values_list("assessmentmember_id", "issuecategory_id"):
        member_issues.setdefault(member_id, []).append(category_id)
    members = (
        AssessmentMember.objects.filter(assessment__case__in=ids, person__merged_into__isnull=True)
        .values(
            "pk",
            "assessment__case_id",
            "person__relation",
            "person__created_at",
            "work",
            "housing",
            "insurance",
            "pension",
        )
        .order_by("person__created_at", "pk")
    )
    for member in members:
        member["issues"] = member_issues.get(member["pk"], [])
        rows[member["assessment__case_id"]].members.append(member)
    for data in rows.values():
        data.members.sort(key=lambda m: relation_rank.get(m["person__relation"], 99))

    for plan in SupportPlan.objects.filter(case__in=ids).values(
        "case_id", "number", "status", "approved_at"
    ):
        data = rows[plan["case_id"]]
        approved = plan["approved_at"]
        if approved is not None:
            if start <= approved < end:
                data.plans_approved += 1
            if data.first_approval is None or approved < data.first_approval:
                data.first_approval = approved
        if data.newest_plan is None or plan["number"] > data.newest_plan["number"]:
            data.newest_plan = plan
    for case_id, key, kind in (
        PlanStakeholder.objects.filter(
            plan__case__in=ids, plan__approved_at__gte=start, plan__approved_at__lt=end
        )
        .values_list("plan__case_id", "dedup_key", "kind")
        .distinct()
    ):
        rows[case_id].stakeholders.setdefault(kind, set()).add(key)
    for closure in (
        CaseClosure.objects.filter(case__in=ids, closed_at__gte=start, closed_at__lt=end)
        .filter(Q(reopened_at__isnull=True) | Q(reopened_at__gte=end))
        .values("case_id", "reason", "improvement", "closed_at")
        .order_by("closed_at")
    ):
        rows[closure["case_id"]].closure = closure

    uncased = dict(
        Consultation.objects.filter(fiscal_year=fiscal_year, case__isnull=True)
        .values("outcome")
        .annotate(n=Count("pk"))
        .values_list("outcome", "n")
    )
    return list(rows.values()), uncased, categories


# ---------------------------------------------------------------------------
# One column builder per national-report field


@dataclass(frozen=True)
class _Column:
    header: str
    value: Callable[[_CaseData, dict[int, IssueCategory]], object]
    # Filled in the last row too (the consultations that never became a case).
    uncased: bool = False


def _label(model_label: str, name: str) -> tuple[str, str]:
    model = apps.get_model(model_label)
    return str(model._meta.verbose_name), str(model._meta.get_field(name).verbose_name)


@functools.cache
def _choices(model_label: str, name: str) -> dict[object, str]:
    field = apps.get_model(model_label)._meta.get_field(name)
    return {value: str(label) for value, label in field.flatchoices}


def _display(model_label: str, name: str, value: object) -> str:
    if value in (None, ""):
        return ""
    return _choices(model_label, name).get(value, str(value))


def _names(ids, categories) -> str:
    seen = sorted(
        {i for i in ids if i in categories},
        key=lambda i: (categories[i].sort_order, categories[i].name),
    )
    return "、".join(categories[i].name for i in seen)


_GROUPS = tuple((value, str(label)) for value, label in IssueCategory.ReportGroup.choices)
_GROUP_LABELS = dict(_GROUPS)


def _groups(ids, categories) -> str:
    present = {categories[i].report_group for i in ids if i in categories}
    return "、".join(label for value, label in _GROUPS if value in present)


def _first(key: str, model: str = "cases.Consultation"):
    def value(data: _CaseData, categories) -> object:
        if data.first_consultation is None:
            return ""
        return _display(model, key, data.first_consultation[key])

    return value


def _first_issues(data: _CaseData) -> list[int]:
    if data.first_consultation is None:
        return []
    return data.consultation_issues.get(data.first_consultation["pk"], [])


def _per_member(name: str):
    relations = dict(Person.Relation.choices)

    def value(data: _CaseData, categories) -> object:
        return "／".join(
            f"{relations.get(m['person__relation'], '')}："
            f"{_display('cases.AssessmentMember', name, m[name])}"
            for m in data.members
        )

    return value


def _member_issue_ids(data: _CaseData) -> list[int]:
    return [i for m in data.members for i in m["issues"]]


def _iso(moment: dt.datetime | None) -> str:
    return to_tokyo(moment).date().isoformat() if moment else ""


def _columns_for(model_label: str, name: str) -> list[_Column]:
    model, title = _label(model_label, name)
    head = f"{model}：{title}"
    match (model_label, name):
        case ("cases.Consultation", "channel" | "consulter"):
            return [_Column(f"{head}（最初の相談）", _first(name))]
        case ("cases.Consultation", "main_issue"):

            def main(data, categories):
                first = data.first_consultation
                category = categories.get(first["main_issue_id"]) if first else None
                return category.name if category else ""

            def main_group(data, categories):
                first = data.first_consultation
                category = categories.get(first["main_issue_id"]) if first else None
                return _GROUP_LABELS.get(category.report_group, "") if category else ""

            return [
                _Column(f"{head}（最初の相談）", main),
                _Column(f"{head}の国の区分（最初の相談）", main_group),
            ]
        case ("cases.Consultation", "issues"):
            return [
                _Column(f"{head}（最初の相談）", lambda d, c: _names(_first_issues(d), c)),
                _Column(
                    f"{head}の国の区分（最初の相談）", lambda d, c: _groups(_first_issues(d), c)
                ),
            ]
        case ("cases.Consultation", "outcome"):
            return [
                _Column(
                    f"{head}：{label}（この年度の件数）",
                    lambda d, c, value=value: d.outcomes.get(value, 0),
                    uncased=True,
                )
                for value, label in Consultation.Outcome.choices
            ]
        case ("cases.AssessmentMember", "work" | "housing" | "insurance" | "pension"):
            return [_Column(f"アセスメント：{title}（続柄ごと）", _per_member(name))]
        case ("cases.AssessmentMember", "issues"):
            return [
                _Column(
                    f"アセスメント：{title}（世帯）",
                    lambda d, c: _names(_member_issue_ids(d), c),
                ),
                _Column(
                    f"アセスメント：{title}の国の区分（世帯）",
                    lambda d, c: _groups(_member_issue_ids(d), c),
                ),
            ]
        case ("cases.SupportPlan", "status"):
            return [
                _Column(
                    f"{head}（最新の版）",
                    lambda d, c: (
                        _display("cases.SupportPlan", "status", d.newest_plan["status"])
                        if d.newest_plan
                        else ""
                    ),
                )
            ]
        case ("cases.SupportPlan", "approved_at"):
            return [
                _Column(
                    f"{model}：初回の承認日（プラン作成）", lambda d, c: _iso(d.first_approval)
                ),
                _Column(f"{model}：この年度に承認した版の数", lambda d, c: d.plans_approved),
            ]
        case ("cases.PlanStakeholder", "kind"):
            return [
                _Column(
                    f"{model}：{label}（この年度のプラン）",
                    lambda d, c, value=value: len(d.stakeholders.get(value, ())),
                )
                for value, label in PlanStakeholder.Kind.choices
            ]
        case ("cases.CaseClosure", "reason"):
            return [
                _Column(
                    f"{model}：終結日（この年度）",
                    lambda d, c: _iso(d.closure["closed_at"]) if d.closure else "",
                ),
                _Column(
                    f"{head}（この年度）",
                    lambda d, c: (
                        _display("cases.CaseClosure", "reason", d.closure["reason"])
                        if d.closure
                        else ""
                    ),
                ),
            ]
        case ("cases.CaseClosure", "improvement"):
            return [
                _Column(
                    f"{head}（この年度）",
                    lambda d, c: (
                        _display("cases.CaseClosure", "improvement", d.closure["improvement"])
                        if d.closure
                        else ""
                    ),
                )
            ]
    raise NationalReportFieldMissing(f"{model_label}.{name}")


def national_report_columns() -> list[_Column]:
    """The CSV's columns: the case number and opening date, then the national fields in
    their declared order."""
    columns = [
        _Column("ケース番号", lambda d, c: d.number),
        _Column("ケース開始日", lambda d, c: d.opened_on.isoformat()),
    ]
    for model_label, name in NATIONAL_REPORT_FIELDS:
        columns.extend(_columns_for(model_label, name))
    return columns


def national_report_csv(*, fiscal_year: int) -> bytes:
    """One row per case of the 年度 (see the module's docstring), then the uncased
    consultations' outcome counts. UTF-8 with BOM, CRLF, injection-safe."""
    columns = national_report_columns()
    cases, uncased, categories = _collect(fiscal_year)
    rows: list[list[object]] = [[column.header for column in columns]]
    rows.extend([column.value(data, categories) for column in columns] for data in cases)
    uncased_data = _CaseData(number=UNCASED_ROW, opened_on=None, outcomes=uncased)
    last = [
        UNCASED_ROW
        if index == 0
        else column.value(uncased_data, categories)
        if column.uncased
        else ""
        for index, column in enumerate(columns)
    ]
    rows.append(last)
    return csv_bytes(rows)
