"""What disposing of one record deletes, and what stops it.

A case's content is every row that hangs off it: its consultations, timeline, access
grants and emergency provisions, 支援経過, 中断・終結, plans with their tasks and
関係者, the assessment, 参加支援, つなぐシート, the アウトリーチ that led to its
consultations, and its meeting agenda items with their decisions, proposals and 支援会議
handling. A consultation that never became a case takes its つなぐシート and アウトリーチ.
An アウトリーチ that ended without becoming a consultation is a record of its own: it
takes its contacts log.
Each row goes with its simple-history rows (and the rows of its many-to-many history),
so nothing of it remains in the history either.

The household and its members go only when nothing is left that refers to them: not
another case or consultation, not a meeting item or proposal about the household, not
an アウトリーチ, not a 開示請求, not another household merged into or split from it.
Members go with their household, never one by one: a household that stays keeps all
of its members (an open case's household is never changed by a disposal).

Kept on purpose: the access log (append-only, with its own retention), the meeting
itself and its other items, and the rows of generated files (who received which copy)
— the bytes of a packet or 開示 draft that held the case are deleted.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path

from django.conf import settings
from django.db import models
from django.db.models import Q
from simple_history.models import HistoricalChanges

from cases.models import (
    Assessment,
    AssessmentMember,
    Case,
    CaseAccess,
    CaseClosure,
    CaseEvent,
    CaseSuspension,
    Consultation,
    DvSupportMeasure,
    EmergencyAccessRequest,
    Household,
    OutreachContact,
    OutreachEngagement,
    ParticipationSupport,
    Person,
    PlanStakeholder,
    PlanTask,
    SupportPlan,
    SupportRecord,
)
from consent.models import Consent
from meetings.models import AgendaItem, AgendaProposal, BodyCaseHandling, Decision, Meeting
from referrals.models import Referral
from reports.models import DisclosureRequest, ReportFile, ReportJob

HISTORY_ROWS = "変更履歴"

# The models of a record's content, in the order they are deleted (a row before the
# rows it refers to). ``tests/retention`` checks that every model referring to one of
# these is in the list, so that a new kind of case content cannot be left behind.
CONTENT_MODELS: tuple[type[models.Model], ...] = (
    AgendaProposal,
    Decision,
    AgendaItem,
    BodyCaseHandling,
    Referral,
    OutreachContact,
    OutreachEngagement,
    ParticipationSupport,
    AssessmentMember,
    Assessment,
    PlanTask,
    PlanStakeholder,
    SupportPlan,
    SupportRecord,
    CaseSuspension,
    CaseClosure,
    EmergencyAccessRequest,
    CaseAccess,
    CaseEvent,
    Consultation,
    Case,
)
# What goes with a household that nothing refers to any more, in deletion order.
HOUSEHOLD_MODELS: tuple[type[models.Model], ...] = (
    Consent,
    DvSupportMeasure,
    EmergencyAccessRequest,
    Person,
    Household,
)


def counts_in_order(counts: dict[str, int]) -> list[tuple[str, int]]:
    """A 廃棄記録's counts as the 廃棄簿 shows them: the case first, its content, the
    household, then the history rows (the database keeps no key order)."""
    models_shown = (*reversed(CONTENT_MODELS), *reversed(HOUSEHOLD_MODELS))
    order = [str(model._meta.verbose_name) for model in models_shown]
    order = list(dict.fromkeys([*order, HISTORY_ROWS]))
    rank = {name: index for index, name in enumerate(order)}
    return sorted(counts.items(), key=lambda pair: (rank.get(pair[0], len(rank)), pair[0]))


def is_historical(model: type[models.Model]) -> bool:
    return issubclass(model, HistoricalChanges)


@dataclass
class Content:
    """The rows of one record, by model, gathered before anything is deleted."""

    ids: dict[type[models.Model], list] = field(default_factory=dict)
    household_ids: set = field(default_factory=set)

    def queryset(self, model: type[models.Model]) -> models.QuerySet:
        return model._base_manager.filter(pk__in=self.ids.get(model, []))


def content_of(
    *, case_ids: list, consultation_ids: list, engagement_ids: list | None = None
) -> Content:
    """The content of these cases, of these (uncased) consultations and of these
    アウトリーチ that never became a consultation."""
    consultation_ids = [
        *consultation_ids,
        *Consultation.objects.filter(case_id__in=case_ids).values_list("pk", flat=True),
    ]
    items = AgendaItem.objects.filter(case_id__in=case_ids)
    plans = SupportPlan.objects.filter(case_id__in=case_ids)
    engagements = OutreachEngagement.objects.filter(
        Q(consultation_id__in=consultation_ids) | Q(pk__in=engagement_ids or [])
    )
    by_case = Q(case_id__in=case_ids)
    querysets = {
        AgendaProposal: AgendaProposal.objects.filter(by_case | Q(item__in=items)),
        Decision: Decision.objects.filter(item__in=items),
        AgendaItem: items,
        BodyCaseHandling: BodyCaseHandling.objects.filter(by_case),
        Referral: Referral.objects.filter(by_case | Q(consultation_id__in=consultation_ids)),
        OutreachContact: OutreachContact.objects.filter(engagement__in=engagements),
        OutreachEngagement: engagements,
        ParticipationSupport: ParticipationSupport.objects.filter(by_case),
        AssessmentMember: AssessmentMember.objects.filter(assessment__case_id__in=case_ids),
        Assessment: Assessment.objects.filter(by_case),
        PlanTask: PlanTask.objects.filter(plan__in=plans),
        PlanStakeholder: PlanStakeholder.objects.filter(plan__in=plans),
        SupportPlan: plans,
        SupportRecord: SupportRecord.objects.filter(by_case),
        CaseSuspension: CaseSuspension.objects.filter(by_case),
        CaseClosure: CaseClosure.objects.filter(by_case),
        EmergencyAccessRequest: EmergencyAccessRequest.objects.filter(by_case),
        CaseAccess: CaseAccess.objects.filter(by_case),
        CaseEvent: CaseEvent.objects.filter(by_case),
        Consultation: Consultation.objects.filter(pk__in=consultation_ids),
        Case: Case.objects.filter(pk__in=case_ids),
    }
    content = Content(
        ids={model: list(querysets[model].values_list("pk", flat=True)) for model in CONTENT_MODELS}
    )
    for model in CONTENT_MODELS:
        if any(f.name == "household" for f in model._meta.concrete_fields):
            content.household_ids |= set(
                content.queryset(model)
                .exclude(household__isnull=True)
                .values_list("household_id", flat=True)
            )
    subjects = Person.all_objects.filter(
        Q(cases__in=case_ids)
        | Q(pk__in=content.queryset(Consultation).values("person_id"))
        | Q(pk__in=content.queryset(Referral).values("person_id"))
        | Q(pk__in=content.queryset(ParticipationSupport).values("person_id"))
        | Q(pk__in=content.queryset(AssessmentMember).values("person_id"))
    )
    content.household_ids |= set(subjects.values_list("household_id", flat=True))
    return content


def blockers(*, content: Content, case_ids: list) -> list[str]:
    """Why this content may not go now (empty: it may). Asked at listing and again at
    execution, inside the transaction that deletes."""
    reasons = []
    referrals = content.queryset(Referral)
    elsewhere = referrals.exclude(case__isnull=True).exclude(case_id__in=case_ids)
    if elsewhere.filter(case__status__in=Case.OPEN_STATUSES).exists():
        reasons.append("継続中のケースが参照している（つなぐシート）")
    elif elsewhere.exists():
        reasons.append("ほかのケースが参照している（つなぐシート）")
    if referrals.filter(status__in=[Referral.Status.SENT, Referral.Status.ACCEPTED]).exists():
        reasons.append("対応中のつなぐシートがある")
    engagements = content.queryset(OutreachEngagement)
    if engagements.filter(status=OutreachEngagement.Status.ACTIVE).exists():
        reasons.append("伴走中のアウトリーチがある")
    # An open case's timeline names the engagements it went through (the lines an
    # アウトリーチ writes on the household's open cases): those stay with the case.
    named = [str(pk) for pk in engagements.values_list("pk", flat=True)]
    if (
        named
        and CaseEvent.objects.filter(
            case__household_id__in=engagements.values("household_id"),
            case__status__in=Case.OPEN_STATUSES,
            parameters__engagement_id__in=named,
        )
        .exclude(case_id__in=case_ids)
        .exists()
    ):
        reasons.append("継続中のケースが参照している（アウトリーチ）")
    if content.queryset(AgendaItem).filter(meeting__status=Meeting.Status.SCHEDULED).exists():
        reasons.append("開催前の会議の議題になっている")
    if content.queryset(AgendaProposal).filter(status__in=AgendaProposal.OPEN_STATUSES).exists():
        reasons.append("処理中の議題の申出がある")
    persons = Person.all_objects.filter(household_id__in=content.household_ids)
    if DisclosureRequest.objects.pending().filter(person__in=persons).exists():
        reasons.append("処理中の開示請求がある")
    return reasons


def files_holding(content: Content) -> models.QuerySet[ReportFile]:
    """Generated files not yet purged that hold this content: the packets of meetings
    where it was on the agenda, and 開示 drafts about a member of its households."""
    meetings = content.queryset(AgendaItem).values("meeting_id")
    persons = Person.all_objects.filter(household_id__in=content.household_ids)
    drafts = ReportJob.objects.filter(disclosure__person__in=persons)
    return ReportFile.objects.filter(purged_at__isnull=True).filter(
        Q(meeting_id__in=meetings) | Q(job__meeting_id__in=meetings) | Q(job__in=drafts)
    )


def rows_delete(model: type[models.Model], ids: list, counts: Counter) -> None:
    """Delete these rows and every history row of them (the deletion's own "-" row too)."""
    if not ids:
        return
    model._base_manager.filter(pk__in=ids).delete()
    counts[str(model._meta.verbose_name)] += len(ids)
    history_manager = getattr(model, "history", None)
    if history_manager is None:
        return
    historical = history_manager.model
    rows = historical.objects.filter(**{f"{model._meta.pk.attname}__in": ids})
    history_ids = list(rows.values_list("history_id", flat=True))
    for rel in historical._meta.get_fields(include_hidden=True):
        if rel.auto_created and not rel.concrete and is_historical(rel.related_model):
            # The many-to-many history (``HistoricalCase_subjects`` …) of these rows.
            deleted, _ = rel.related_model.objects.filter(
                **{f"{rel.field.name}__in": history_ids}
            ).delete()
            counts[HISTORY_ROWS] += deleted
    deleted, _ = historical.objects.filter(history_id__in=history_ids).delete()
    counts[HISTORY_ROWS] += deleted


def content_delete(content: Content, counts: Counter) -> None:
    for model in CONTENT_MODELS:
        rows_delete(model, content.ids.get(model, []), counts)


def _references(obj: models.Model):
    """(model, rows) of every row elsewhere that refers to ``obj`` — hidden relations
    (``related_name="+"``) included, history rows left out."""
    for rel in obj._meta.get_fields(include_hidden=True):
        if not rel.auto_created or rel.concrete or rel.many_to_many:
            continue
        related = rel.related_model
        if is_historical(related):
            continue
        yield related, related._base_manager.filter(**{rel.field.name: obj})


def _own_m2m(related: type[models.Model], obj: models.Model) -> bool:
    """A row of ``obj``'s own many-to-many (a consent's agencies): it goes with ``obj``."""
    return related._meta.auto_created is type(obj)


def _consent_free(consent: Consent) -> bool:
    return all(
        _own_m2m(related, consent) or not rows.exists() for related, rows in _references(consent)
    )


def household_unreferenced(household: Household) -> Content | None:
    """What goes with a household that nothing refers to any more, or None if it stays."""
    members = list(Person.all_objects.filter(household=household))
    member_ids = {person.pk for person in members}
    owned: dict[type[models.Model], list] = {model: [] for model in HOUSEHOLD_MODELS}
    for related, rows in _references(household):
        if related is Person:
            continue  # its members: asked one by one below
        if (
            related is EmergencyAccessRequest
            and not rows.filter(Q(case__isnull=False) | Q(access__isnull=False)).exists()
        ):
            owned[EmergencyAccessRequest] += list(rows.values_list("pk", flat=True))
            continue
        if rows.exists():
            return None
    for person in members:
        for related, rows in _references(person):
            if related is Person and set(rows.values_list("pk", flat=True)) <= member_ids:
                continue  # a record of the household merged into another (名寄せ)
            if related is Consent and all(_consent_free(consent) for consent in rows):
                owned[Consent] += list(rows.values_list("pk", flat=True))
                continue
            if related is DvSupportMeasure:
                owned[DvSupportMeasure] += list(rows.values_list("pk", flat=True))
                continue
            if rows.exists():
                return None
    # A merged record points at the one that carries on: it goes first.
    ordered, left = [], {person.pk: person for person in members}
    while left:
        pointed_at = {p.merged_into_id for p in left.values() if p.merged_into_id in left}
        batch = [pk for pk in left if pk not in pointed_at]
        ordered += batch
        for pk in batch:
            del left[pk]
    owned[Person] = ordered
    owned[Household] = [household.pk]
    return Content(ids=owned)


def household_delete(content: Content, counts: Counter, files: list[Path]) -> None:
    for consent in Consent.objects.filter(pk__in=content.ids[Consent]).exclude(document=""):
        files.append(Path(consent.document.path))
    for model in HOUSEHOLD_MODELS:
        if model is Person:
            # One by one, in order: a merged record before the record it points at.
            for pk in content.ids[Person]:
                rows_delete(Person, [pk], counts)
        else:
            rows_delete(model, content.ids[model], counts)


def report_file_path(file: ReportFile) -> Path:
    return Path(settings.KASANE_PRIVATE_ROOT) / file.path
