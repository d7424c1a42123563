"""The 開示請求 draft: everything Kasane holds about one person, each item with its source,
and the items a human must review for 不開示 flagged with the reason.

Nothing is dropped for being sensitive — the point is that the 開示決定 is a person's
decision, not the system's — with two exceptions the law leaves no room for, which are
withheld here and flagged in their place (DESIGN.md): who reported abuse (通報者・相談者 of
a 虐待 consultation: 児童虐待防止法7条, 高齢者・障害者虐待防止法), and what a DV等支援措置
hides (addresses and phones are never printed). 支援会議 material the requester is not
pledged for is listed with its source, its content left to a pledged member.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

from django.db.models import Prefetch, Q
from django.utils import timezone

from agencies.models import User
from cases.masking import (
    CONSULTER_MASK_TEXT,
    is_abuse_consultation,
    masking_for_print,
)
from cases.models import Case, CaseAccess, Consultation, Person
from cases.models.outreach import OutreachContact, OutreachEngagement
from cases.models.participation import ParticipationSupport
from cases.models.plans import AssessmentMember, SupportPlan
from cases.models.support import SupportRecord
from core.japanese import format_wareki
from meetings.models import AgendaItem
from meetings.permissions import support_items_seen_by
from referrals.models import Referral

# The reasons an item is put to review (不開示の検討); the PDF prints them as they are.
FLAG_OTHER_MEMBER = "不開示の検討：他の世帯員"
FLAG_REPORTER = "不開示の検討：通報者（虐待の通報・相談をした人）"
FLAG_CONSULTER = "不開示の検討：相談者（本人以外）"
FLAG_SUPPORT_MEETING = "不開示の検討：支援会議（守秘義務）"
FLAG_OTHER_AGENCY = "不開示の検討：他機関の記録"
FLAG_RESTRICTED = "不開示の検討：閲覧制限の記録"
FLAG_THIRD_PARTY = "不開示の検討：本人以外の人から聞いたこと・話した相手"

# 参加支援 for someone under a DV等支援措置: where they go is where they can be found.
RESOURCE_MASK_TEXT = "（名称は非表示：DV等支援措置）"

SUPPORT_MEETING_WITHHELD = (
    "（支援会議の守秘義務により、誓約書のない職員には内容を表示しません。"
    "誓約した構成員が確認してください）"
)


@dataclass
class Item:
    title: str
    source: str
    fields: list[tuple[str, str]]
    flags: list[str] = field(default_factory=list)


@dataclass
class Section:
    heading: str
    items: list[Item]


def _day(value) -> str:
    if value is None:
        return ""
    if isinstance(value, dt.datetime):
        value = timezone.localdate(value)
    return format_wareki(value)


def _agency_of(user: User | None) -> str:
    return str(user.agency) if user is not None and user.agency_id else ""


def _other_agency(agency_id, requester: User) -> list[str]:
    return [FLAG_OTHER_AGENCY] if agency_id is not None and agency_id != requester.agency_id else []


def _source(model: str, ident, day, agency: str) -> str:
    parts = [f"{model} {ident}", _day(day), agency]
    return "出典：" + "／".join(p for p in parts if p)


def _person_fields(person: Person, masking) -> list[tuple[str, str]]:
    return [
        ("氏名", person.full_name),
        ("ふりがな", person.full_name_kana),
        ("生年月日", _day(person.birth_date)),
        ("性別", person.get_sex_display()),
        ("続柄", person.get_relation_display()),
        ("住所", masking.value(person, "address")),
        ("電話", masking.value(person, "phone")),
        ("メール", masking.value(person, "email")),
        ("備考", person.notes),
    ]


def _person_section(person: Person, others: list[Person], masking) -> Section:
    household = person.household
    items = [
        Item(
            "本人の基本情報",
            _source("世帯員", person.pk, person.created_at, ""),
            _person_fields(person, masking),
        ),
        Item(
            "世帯の情報",
            _source("世帯", household.pk, household.created_at, ""),
            [
                ("世帯名", household.display_name),
                ("郵便番号", masking.value(household, "postal_code")),
                ("住所", masking.value(household, "address")),
                ("電話", masking.value(household, "phone")),
                ("世帯の備考", household.notes),
            ],
            # The household's notes speak of every member.
            [FLAG_OTHER_MEMBER] if household.notes else [],
        ),
    ]
    for member in others:
        items.append(
            Item(
                f"世帯員：{member.full_name}",
                _source("世帯員", member.pk, member.created_at, ""),
                _person_fields(member, masking),
                [FLAG_OTHER_MEMBER],
            )
        )
    return Section("本人と世帯", items)


def _consultation_item(consultation: Consultation, person: Person, requester: User) -> Item:
    flags = _other_agency(consultation.receiving_agency_id, requester)
    if consultation.person_id != person.pk:
        flags.append(FLAG_OTHER_MEMBER)
    consulter = [
        ("相談者", consultation.get_consulter_display()),
        ("相談者の氏名", consultation.consulter_name),
        ("本人との関係", consultation.consulter_relation),
        ("相談者の連絡先", consultation.consulter_phone),
    ]
    if is_abuse_consultation(consultation):
        # Who reported abuse never leaves the window and the managing coordinators'
        # screens: not even into a draft for review. Its place is flagged.
        consulter = [("相談者・通報者", CONSULTER_MASK_TEXT)]
        flags.append(FLAG_REPORTER)
    elif consultation.consulter != Consultation.Consulter.SELF:
        flags.append(FLAG_CONSULTER)
    return Item(
        f"相談受付（{_day(consultation.received_at)}）",
        _source(
            "相談受付",
            consultation.pk,
            consultation.received_at,
            str(consultation.receiving_agency),
        ),
        [
            ("相談の対象者", consultation.person.full_name),
            ("相談経路", consultation.get_channel_display()),
            *consulter,
            ("主訴（相談したいこと）", consultation.summary),
            ("支援への希望", consultation.wishes),
            ("対応結果", consultation.get_outcome_display()),
            ("つなぎ先・対応の記録", consultation.outcome_note),
        ],
        flags,
    )


def _case_items(cases: list[Case], requester: User) -> list[Item]:
    items = []
    for case in cases:
        items.append(
            Item(
                f"ケース {case.number}",
                _source("ケース", case.number, case.opened_at, _agency_of(case.opened_by)),
                [
                    ("状態", case.get_status_display()),
                    ("対象者", "、".join(p.full_name for p in case.subjects.all())),
                    ("主担当機関", str(case.main_agency or "")),
                    ("開始日", _day(case.opened_at)),
                ],
            )
        )
    return items


def _consent_items(person: Person, requester: User) -> list[Item]:
    items = []
    for consent in person.consents.select_related("obtained_by__agency").prefetch_related(
        "agencies"
    ):
        purposes = [
            label
            for flag, label in (
                (consent.purpose_sharing, "関係機関との情報共有"),
                (consent.purpose_meeting, "重層的支援会議での協議"),
                (consent.purpose_plan, "支援プランの作成"),
            )
            if flag
        ]
        items.append(
            Item(
                f"同意（{_day(consent.obtained_on)}）",
                _source("同意", consent.pk, consent.obtained_on, _agency_of(consent.obtained_by)),
                [
                    ("目的", "、".join(purposes)),
                    ("共有してよい機関", "、".join(str(a) for a in consent.agencies.all())),
                    ("同意の方法", consent.get_method_display()),
                    ("同意した人", consent.get_given_by_display()),
                    ("法定代理人の氏名", consent.proxy_name),
                    ("有効期限", _day(consent.valid_until)),
                    ("撤回日", _day(consent.withdrawn_on)),
                    ("撤回の理由", consent.withdrawal_reason),
                ],
                _other_agency(consent.obtained_by.agency_id, requester),
            )
        )
    return items


def _assessment_items(person: Person, cases: list[Case], requester: User) -> list[Item]:
    items = []
    rows = AssessmentMember.objects.filter(
        person=person, assessment__case__in=cases
    ).select_related("assessment__case", "assessment__assessed_by__agency")
    for row in rows:
        assessment = row.assessment
        items.append(
            Item(
                f"アセスメント（本人の欄）ケース {assessment.case.number}",
                _source(
                    "アセスメント",
                    assessment.pk,
                    assessment.assessed_on,
                    _agency_of(assessment.assessed_by),
                ),
                [
                    ("仕事", row.get_work_display()),
                    ("健康・障害の状況", row.health),
                    ("日常生活・家計の状況", row.daily_life),
                    ("家族関係・つながり", row.relations),
                    ("強み", row.strengths),
                    ("リスク", row.risks),
                    ("本人の思い", row.wishes),
                ],
                _other_agency(assessment.assessed_by.agency_id, requester),
            )
        )
    for case in cases:
        assessment = getattr(case, "assessment", None)
        if assessment is None:
            continue
        items.append(
            Item(
                f"アセスメント（世帯全体）ケース {case.number}",
                _source(
                    "アセスメント",
                    assessment.pk,
                    assessment.assessed_on,
                    _agency_of(assessment.assessed_by),
                ),
                [
                    ("世帯の状況（全体像）", assessment.household_situation),
                    ("世帯の強み", assessment.strengths),
                    ("リスク", assessment.risks),
                ],
                # The whole household's picture speaks of the other members too.
                [FLAG_OTHER_MEMBER, *_other_agency(assessment.assessed_by.agency_id, requester)],
            )
        )
    return items


def _plan_items(cases: list[Case], requester: User) -> list[Item]:
    items = []
    plans = SupportPlan.objects.filter(case__in=cases).select_related("case", "created_by__agency")
    for plan in plans.prefetch_related("tasks__agency"):
        items.append(
            Item(
                f"支援プラン（{plan.get_status_display()}）ケース {plan.case.number}",
                _source("支援プラン", plan.pk, plan.created_at, _agency_of(plan.created_by)),
                [
                    ("長期目標", plan.long_term_goal),
                    ("短期目標", plan.short_term_goal),
                    ("本人・世帯の希望", plan.person_wishes),
                    ("本人の同意日", _day(plan.agreed_on)),
                ],
                _other_agency(plan.created_by.agency_id, requester),
            )
        )
        for task in plan.tasks.all():
            items.append(
                Item(
                    f"役割分担：{task.content}",
                    _source("役割分担", task.pk, task.due_on, task.assignee),
                    [
                        ("担当", task.assignee),
                        ("期限", _day(task.due_on)),
                        ("状態", task.get_status_display()),
                        ("報告", task.report),
                    ],
                    _other_agency(task.agency_id, requester) if task.report else [],
                )
            )
    return items


def _record_items(cases: list[Case], requester: User) -> list[Item]:
    items = []
    records = (
        SupportRecord.objects.filter(case__in=cases, cancelled_at__isnull=True)
        .select_related("case", "agency")
        .order_by("occurred_on", "created_at")
    )
    for record in records:
        flags = _other_agency(record.agency_id, requester)
        if record.restricted:
            flags.append(FLAG_RESTRICTED)
        items.append(
            Item(
                f"支援経過（{_day(record.occurred_on)}・{record.get_kind_display()}）",
                _source("支援経過", record.pk, record.occurred_on, str(record.agency)),
                [("ケース", record.case.number), ("内容", record.content)],
                flags,
            )
        )
    return items


def _referral_items(person: Person, requester: User) -> list[Item]:
    items = []
    referrals = Referral.objects.filter(person=person).select_related("from_agency", "to_agency")
    for sheet in referrals.order_by("sent_at"):
        items.append(
            Item(
                f"つなぐシート（{sheet.from_agency}→{sheet.to_agency}）",
                _source("つなぐシート", sheet.pk, sheet.sent_at, str(sheet.from_agency)),
                [
                    ("状態", sheet.get_status_display()),
                    ("状況", sheet.situation),
                    ("これまでの対応", sheet.actions_taken),
                    ("紹介する理由", sheet.reason),
                    ("配慮してほしいこと", sheet.considerations),
                    ("辞退の理由", sheet.decline_reason),
                    ("対応の結果", sheet.completion_note),
                ],
                _other_agency(sheet.from_agency_id, requester),
            )
        )
    return items


def _meeting_items(person: Person, cases: list[Case], requester: User) -> list[Item]:
    items = []
    agenda = (
        AgendaItem.objects.filter(
            Q(case__in=cases) | Q(case__isnull=True, household_id=person.household_id)
        )
        .select_related("meeting", "body", "case")
        .prefetch_related("decisions__assignee_agency")
        .order_by("meeting__date", "order")
    )
    agenda = list(agenda)
    # Gate 2 for every 支援会議 item at once: the draft's queries do not grow with them.
    seen = support_items_seen_by(user=requester, items=agenda)
    for item in agenda:
        flags = []
        minutes = item.minutes
        decisions = [
            f"{d.content}（{d.assignee_agency or d.assignee_name}）" for d in item.decisions.all()
        ]
        if item.body.confidentiality_duty:
            flags.append(FLAG_SUPPORT_MEETING)
            if item.pk not in seen:
                minutes = SUPPORT_MEETING_WITHHELD
                decisions = [SUPPORT_MEETING_WITHHELD] if decisions else []
        items.append(
            Item(
                f"会議の議題（{item.body}・{_day(item.meeting.date)}）",
                _source("議題", item.pk, item.meeting.date, str(item.body)),
                [
                    ("対象", f"ケース {item.case.number}" if item.case_id else "世帯"),
                    ("協議の目的", item.get_purpose_display()),
                    ("議事録", minutes),
                    ("決定事項", "／".join(decisions)),
                ],
                flags,
            )
        )
    return items


def _outreach_items(person: Person, requester: User, *, has_other_members: bool) -> list[Item]:
    """アウトリーチ on the person's household: each engagement, then its contacts. An
    engagement is about the household as a whole; one that led to a 虐待 consultation
    may repeat what the reporter said (the reporter's own fields are never printed)."""
    items = []
    engagements = (
        OutreachEngagement.objects.filter(household_id=person.household_id)
        .select_related("agency", "consultation__main_issue")
        .prefetch_related(
            "consultation__issues",
            Prefetch(
                "contacts",
                queryset=OutreachContact.objects.select_related("agency").order_by(
                    "contacted_on", "created_at"
                ),
            ),
        )
        .order_by("started_on", "created_at")
    )
    for engagement in engagements:
        flags = _other_agency(engagement.agency_id, requester)
        if has_other_members:
            flags.append(FLAG_OTHER_MEMBER)
        consultation = engagement.consultation
        if consultation is not None and is_abuse_consultation(consultation):
            flags.append(FLAG_REPORTER)
        items.append(
            Item(
                f"アウトリーチ（{_day(engagement.started_on)}開始・"
                f"{engagement.get_status_display()}）",
                _source(
                    "アウトリーチ", engagement.pk, engagement.started_on, str(engagement.agency)
                ),
                [
                    ("担当機関", str(engagement.agency)),
                    ("開始日", _day(engagement.started_on)),
                    ("気になっていること（主訴）", engagement.concern),
                    ("状態", engagement.get_status_display()),
                    ("終了日", _day(engagement.ended_on)),
                    ("終了の理由", engagement.end_reason),
                    (
                        "つながった相談受付",
                        _day(consultation.received_at) if consultation is not None else "",
                    ),
                ],
                flags,
            )
        )
        for contact in engagement.contacts.all():
            flags = _other_agency(contact.agency_id, requester)
            if contact.method == OutreachContact.Method.FROM_AGENCY:
                flags = [FLAG_OTHER_AGENCY]  # what another agency told, whoever wrote it
            if contact.with_whom and contact.with_whom != "本人":
                flags.append(FLAG_THIRD_PARTY)
            if has_other_members:
                flags.append(FLAG_OTHER_MEMBER)
            items.append(
                Item(
                    f"アウトリーチの接触（{_day(contact.contacted_on)}・"
                    f"{contact.get_method_display()}）",
                    _source("接触記録", contact.pk, contact.contacted_on, str(contact.agency)),
                    [
                        ("方法", contact.get_method_display()),
                        ("会えた人・話した相手", contact.with_whom),
                        ("様子・やりとり", contact.what_happened),
                    ],
                    flags,
                )
            )
    return items


def _participation_items(person: Person, requester: User, masking) -> list[Item]:
    """参加支援 of the person (another member's matches are theirs, not the person's).
    Under a DV等支援措置 the resource is named by its kind only, as on screen for those
    who do not manage the household: on paper nobody does."""
    items = []
    matches = (
        ParticipationSupport.objects.filter(person=person)
        .select_related("case", "resource", "agency")
        .order_by("started_on", "created_at")
    )
    hidden = masking.household_masked(person.household_id)
    for match in matches:
        resource = match.resource
        named = (
            f"{resource.get_kind_display()}{RESOURCE_MASK_TEXT}"
            if hidden
            else f"{resource.name}（{resource.get_kind_display()}）"
        )
        items.append(
            Item(
                f"参加支援（{_day(match.started_on)}・{match.get_status_display()}）",
                _source("参加支援", match.pk, match.started_on, str(match.agency)),
                [
                    ("ケース", match.case.number),
                    ("つなぐ社会資源", named),
                    ("開始日", _day(match.started_on)),
                    ("状況", match.get_status_display()),
                    ("参加の様子・成果", match.outcome),
                    ("終了日", _day(match.ended_on)),
                    ("備考", match.note),
                ],
                _other_agency(match.agency_id, requester),
            )
        )
    return items


def _access_items(cases: list[Case]) -> list[Item]:
    items = []
    grants = CaseAccess.objects.filter(case__in=cases).select_related(
        "case", "agency", "user", "granted_by__agency"
    )
    for grant in grants.order_by("valid_from"):
        items.append(
            Item(
                f"提供先：{grant.agency or grant.user}（{grant.get_basis_display()}）",
                _source("アクセス権", grant.pk, grant.valid_from, _agency_of(grant.granted_by)),
                [
                    ("ケース", grant.case.number),
                    ("根拠", grant.get_basis_display()),
                    ("付与の理由", grant.reason),
                    ("開始", _day(grant.valid_from)),
                    ("終了", _day(grant.valid_until)),
                    ("取消", _day(grant.revoked_at)),
                ],
            )
        )
    return items


def disclosure_sections(*, person: Person, requester: User) -> list[Section]:
    """The draft's content, section by section, for the coordinator who asked for it
    (who manages the person: ``may_handle_disclosure`` was asked by the caller)."""
    masking = masking_for_print(households=[person.household])
    others = list(person.household.members.exclude(pk=person.pk))
    cases = list(
        Case.objects.filter(subjects=person)
        .select_related("main_agency", "opened_by__agency", "assessment__assessed_by__agency")
        .prefetch_related("subjects")
        .order_by("opened_at")
    )
    consultations = (
        Consultation.objects.filter(household_id=person.household_id)
        .select_related("person", "receiving_agency", "main_issue")
        .prefetch_related("issues")
        .order_by("received_at")
    )
    return [
        _person_section(person, others, masking),
        Section(
            "相談受付",
            [_consultation_item(c, person, requester) for c in consultations],
        ),
        Section("ケース", _case_items(cases, requester)),
        Section("同意", _consent_items(person, requester)),
        Section("アセスメント", _assessment_items(person, cases, requester)),
        Section("支援プランと役割分担", _plan_items(cases, requester)),
        Section("支援経過", _record_items(cases, requester)),
        Section(
            "アウトリーチ",
            _outreach_items(person, requester, has_other_members=bool(others)),
        ),
        Section("参加支援", _participation_items(person, requester, masking)),
        Section("つなぐシート", _referral_items(person, requester)),
        Section("会議の議題と決定事項", _meeting_items(person, cases, requester)),
        Section("情報の提供先（アクセス権）", _access_items(cases)),
    ]


def flag_count(sections: list[Section]) -> int:
    return sum(1 for section in sections for item in section.items if item.flags)
