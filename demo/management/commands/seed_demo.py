"""Fictional demo data: agencies, one user per role, about 30 households.

Every name, address and phone number here is invented. Idempotent, and refused
unless KASANE_ALLOW_DEMO_SEED is on (production settings force it off).
"""

from __future__ import annotations

import datetime as dt
import random

from django.conf import settings
from django.contrib.auth.models import Group
from django.core.management.base import BaseCommand, CommandError
from django.db import transaction
from django.utils import timezone

from agencies.models import Agency, Area, User
from agencies.roles import Role
from agencies.services import resource_figures_save, resource_save
from cases import services
from cases.models import Case, Consultation, Household, IssueCategory, Person, SupportRecord
from cases.services import outreach, participation, plans, support
from consent.services import consent_record
from core.japanese import age_on, fiscal_year
from meetings import services as meeting_services
from meetings.models import Meeting, MeetingBody
from reports.targets import outcome_target_set

AREAS = ["北部圏域", "中部圏域", "南部圏域"]

RECORD_TEXTS = [
    "自宅を訪問。親と面談し、最近の体調と家計の様子を聞いた。子は部屋から出てこなかった。",
    "電話で近況を確認。介護サービスの説明を希望された。",
    "地域包括支援センターの担当者と同行訪問。介護保険の申請書を一緒に書いた。",
    "来所。滞納している公共料金の相談。分納の手続きを案内した。",
]

AGENCIES = [
    ("福祉総務課（多機関協働事業）", "ふくしそうむか", Agency.Kind.MUNICIPAL_DEPARTMENT, True),
    (
        "地域包括支援センター",
        "ちいきほうかつしえんせんたー",
        Agency.Kind.COMPREHENSIVE_WINDOW,
        False,
    ),
    (
        "障がい者基幹相談支援センター",
        "しょうがいしゃきかん",
        Agency.Kind.COMPREHENSIVE_WINDOW,
        False,
    ),
    ("子育て世代包括支援センター", "こそだてせだい", Agency.Kind.COMPREHENSIVE_WINDOW, False),
    ("生活困窮者自立相談支援機関", "せいかつこんきゅう", Agency.Kind.COMPREHENSIVE_WINDOW, False),
    ("社会福祉協議会", "しゃかいふくしきょうぎかい", Agency.Kind.COUNCIL_OF_SOCIAL_WELFARE, False),
    ("生活福祉課（生活保護）", "せいかつふくしか", Agency.Kind.MUNICIPAL_DEPARTMENT, False),
    ("学校教育課", "がっこうきょういくか", Agency.Kind.MUNICIPAL_DEPARTMENT, False),
]

# username, role, agency index, 姓, 名, ふりがな
USERS = [
    ("coordinator", Role.COORDINATOR, 0, "相川", "美咲", "あいかわ みさき"),
    ("coordinator2", Role.COORDINATOR, 0, "井上", "健太", "いのうえ けんた"),
    ("agency_staff", Role.AGENCY_STAFF, 1, "上田", "由紀", "うえだ ゆき"),
    ("agency_staff2", Role.AGENCY_STAFF, 2, "江口", "拓也", "えぐち たくや"),
    ("secretariat", Role.SECRETARIAT, 0, "大野", "真理", "おおの まり"),
    ("manager", Role.MANAGER, 0, "加藤", "誠", "かとう まこと"),
    ("admin", Role.ADMIN, 0, "木村", "聡", "きむら さとし"),
]

FAMILY = [
    ("山田", "やまだ"),
    ("佐々木", "ささき"),
    ("髙橋", "たかはし"),
    ("田中", "たなか"),
    ("伊藤", "いとう"),
    ("渡邉", "わたなべ"),
    ("中村", "なかむら"),
    ("小林", "こばやし"),
    ("斎藤", "さいとう"),
    ("松本", "まつもと"),
    ("吉田", "よしだ"),
    ("山口", "やまぐち"),
    ("森", "もり"),
    ("池田", "いけだ"),
    ("橋本", "はしもと"),
    ("石川", "いしかわ"),
    ("前田", "まえだ"),
    ("藤田", "ふじた"),
    ("後藤", "ごとう"),
    ("岡田", "おかだ"),
    ("長谷川", "はせがわ"),
    ("村上", "むらかみ"),
    ("近藤", "こんどう"),
    ("坂本", "さかもと"),
    ("遠藤", "えんどう"),
    ("青木", "あおき"),
    ("西村", "にしむら"),
    ("福田", "ふくだ"),
    ("太田", "おおた"),
    ("三浦", "みうら"),
]
OLD_F = [
    ("トミ", "とみ"),
    ("キヨ", "きよ"),
    ("静子", "しずこ"),
    ("和子", "かずこ"),
    ("幸子", "さちこ"),
]
OLD_M = [("正男", "まさお"), ("茂", "しげる"), ("勝", "まさる"), ("清", "きよし"), ("博", "ひろし")]
MID_M = [
    ("浩二", "こうじ"),
    ("大輔", "だいすけ"),
    ("剛", "つよし"),
    ("隆", "たかし"),
    ("誠一", "せいいち"),
]
MID_F = [
    ("恵美", "えみ"),
    ("直美", "なおみ"),
    ("智子", "ともこ"),
    ("由美", "ゆみ"),
    ("久美子", "くみこ"),
]
YOUNG = [("陽菜", "ひな"), ("蓮", "れん"), ("結衣", "ゆい"), ("湊", "みなと"), ("葵", "あおい")]
TOWNS = ["若葉町", "桜ヶ丘", "緑台", "南栄町", "東山", "川原町"]

# (scenario, issues with the main one first, members spec, summary)
SCENARIOS = [
    (
        "8050",
        ["8050", "ひきこもり", "高齢"],
        ["old_f:self", "mid_m:child"],
        "80代の母と50代の息子の二人暮らし。息子は20年以上ひきこもり。母の介護認定を機に地域包括が訪問。",
    ),
    (
        "double",
        ["ダブルケア", "高齢", "子ども・子育て"],
        ["mid_f:self", "old_f:parent", "young:child"],
        "小学生の子育てと実母の介護が重なり、本人が疲弊している。仕事を辞めることも考えている。",
    ),
    (
        "young_carer",
        ["ヤングケアラー", "障がい", "不登校"],
        ["young:self", "mid_f:parent"],
        "中学生が精神疾患のある母の世話と家事を担い、欠席が増えている。学校から相談。",
    ),
    (
        "gomi",
        ["ゴミ屋敷", "孤立", "高齢"],
        ["old_m:self"],
        "一人暮らしの高齢男性。自宅周辺にごみがあふれ、近隣住民から民生委員を通じて相談。",
    ),
    (
        "poverty",
        ["生活困窮", "債務・家計", "仕事・就労"],
        ["mid_m:self", "mid_f:spouse", "young:child"],
        "失業後に家賃とカードローンの滞納が続いている。子の進学費用も心配。",
    ),
    (
        "abuse",
        ["虐待の疑い", "高齢", "家族関係"],
        ["old_f:self", "mid_m:child"],
        "同居の息子からの暴言があるとデイサービス職員から連絡。本人は大ごとにしたくないと話す。",
    ),
]


def _birth(rng: random.Random, kind: str, today: dt.date) -> dt.date:
    ages = {
        "old_f": (78, 92),
        "old_m": (75, 90),
        "mid_m": (45, 58),
        "mid_f": (38, 55),
        "young": (12, 17),
    }
    low, high = ages[kind]
    return today - dt.timedelta(days=rng.randint(low * 365, high * 365))


def _address(rng: random.Random) -> str:
    block = f"{rng.randint(1, 5)}丁目{rng.randint(1, 30)}番{rng.randint(1, 20)}号"
    return f"架空市{rng.choice(TOWNS)}{block}"


class Command(BaseCommand):
    help = "デモ用の架空データ（機関・職員・世帯・相談・ケース）を作成します。"

    def handle(self, *args, **options):
        if not settings.KASANE_ALLOW_DEMO_SEED:
            raise CommandError(
                "この設定ではデモデータを作成できません（KASANE_ALLOW_DEMO_SEED が無効）。"
            )
        with transaction.atomic():
            agencies = self._agencies()
            users = self._users(agencies)
            if Household.objects.exists():
                self.stdout.write("世帯データは作成済みのため、追加しませんでした。")
            else:
                self._households(users, agencies)
            if MeetingBody.objects.exists():
                self.stdout.write("会議体は作成済みのため、追加しませんでした。")
            else:
                self._meetings(users)
        self._print_logins()

    def _agencies(self) -> list[Agency]:
        areas = [Area.objects.get_or_create(name=name)[0] for name in AREAS]
        result = []
        for i, (name, kana, kind, hub) in enumerate(AGENCIES):
            agency, _ = Agency.objects.get_or_create(
                name=name,
                defaults={
                    "name_kana": kana,
                    "kind": kind,
                    "is_collaboration_hub": hub,
                    "area": areas[i % len(areas)]
                    if kind == Agency.Kind.COMPREHENSIVE_WINDOW
                    else None,
                },
            )
            result.append(agency)
        return result

    def _users(self, agencies: list[Agency]) -> dict[str, User]:
        users = {}
        for username, role, agency_index, last, first, kana in USERS:
            user, created = User.objects.get_or_create(
                username=username,
                defaults={
                    "agency": agencies[agency_index],
                    "last_name": last,
                    "first_name": first,
                    "name_kana": kana,
                    "is_staff": role == Role.ADMIN,
                },
            )
            if created:
                user.set_password(settings.KASANE_DEMO_PASSWORD)
                user.save(update_fields=["password"])
                user.groups.add(Group.objects.get(name=role))
            users[username] = user
        return users

    def _households(self, users: dict[str, User], agencies: list[Agency]) -> None:
        rng = random.Random(20250401)
        today = timezone.localdate()
        categories = {c.name: c for c in IssueCategory.objects.all()}
        pools = {"old_f": OLD_F, "old_m": OLD_M, "mid_m": MID_M, "mid_f": MID_F, "young": YOUNG}
        receivers = [users["agency_staff"], users["agency_staff2"], users["coordinator"]]
        opened = 0
        for index, (family, family_kana) in enumerate(FAMILY):
            _scenario, issue_names, members_spec, summary = SCENARIOS[index % len(SCENARIOS)]
            receiver = receivers[index % len(receivers)]
            members = []
            for spec in members_spec:
                kind, relation = spec.split(":")
                given, given_kana = rng.choice(pools[kind])
                members.append(
                    {
                        "family_name": family,
                        "given_name": given,
                        "family_name_kana": family_kana,
                        "given_name_kana": given_kana,
                        "birth_date": _birth(rng, kind, today),
                        "sex": Person.Sex.FEMALE if kind.endswith("_f") else Person.Sex.MALE,
                        "relation": relation,
                        "phone": f"090-0000-{1000 + index * 7:04d}" if relation == "self" else "",
                        "address": "",
                    }
                )
            received_at = timezone.now() - dt.timedelta(
                days=rng.randint(1, 420), hours=rng.randint(0, 6)
            )
            consent = rng.choice(list(Consultation.ConsentState.values))
            to_case = index % 5 in (0, 1, 3)
            collaboration = to_case or index % 5 == 2
            consultation = services.consultation_record(
                actor=receiver,
                household=None,
                household_data={
                    "postal_code": f"480-{1100 + index:04d}",
                    "address": _address(rng),
                    "phone": f"0561-00-{2000 + index:04d}",
                },
                new_members=members,
                subject_new_index=0,
                data={
                    "received_at": received_at,
                    "channel": rng.choice(list(Consultation.Channel.values)),
                    "consulter": Consultation.Consulter.AGENCY
                    if index % 3
                    else Consultation.Consulter.FAMILY,
                    "consulter_name": "民生委員 架空花子" if index % 3 else f"{family} 家族",
                    "consulter_relation": "" if index % 3 else "親族",
                    "consulter_phone": "",
                    "summary": summary,
                    "wishes": "まずは話を聞いてほしい。",
                    "consent_state": consent,
                    "consent_explained_on": received_at.date() if consent == "given" else None,
                    "consent_explained_by": receiver.display_name if consent == "given" else "",
                    "consent_note": "",
                    "outcome": (
                        Consultation.Outcome.COLLABORATION
                        if collaboration
                        else Consultation.Outcome.CONTINUING
                    ),
                    "outcome_note": "",
                },
                issues=[categories[name] for name in issue_names],
                main_issue=categories[issue_names[0]],
            )
            if to_case:
                subjects = list(consultation.household.members.all()[:2])
                case = services.case_open(
                    actor=users["coordinator"],
                    consultation=consultation,
                    subjects=subjects,
                    main_agency=consultation.receiving_agency,
                    lead_coordinator=users["coordinator" if opened % 3 else "coordinator2"],
                )
                opened += 1
                if opened % 3 != 0:
                    # Most demo cases have the person's consent, for 重層的支援会議 too;
                    # a minor's is given by the parent (親権者).
                    person = consultation.person
                    minor = age_on(person.birth_date, received_at.date()) < 18
                    consent_record(
                        actor=users["coordinator"],
                        person=consultation.person,
                        data={
                            "purpose_sharing": True,
                            "purpose_meeting": True,
                            "purpose_plan": True,
                            "method": "written",
                            "witness": "",
                            "obtained_on": received_at.date(),
                            "valid_until": None,
                            "given_by": "parent" if minor else "self",
                            "proxy_name": f"{person.family_name} 恵美（母）" if minor else "",
                        },
                        agencies=[agencies[0], consultation.receiving_agency, agencies[5]],
                    )
                if opened % 4 == 0:
                    services.case_update(
                        actor=users["coordinator"],
                        case=case,
                        data={"status": Case.Status.ASSESSMENT},
                        expected_version=case.version,
                        reason="初回訪問を実施",
                    )
        self.stdout.write(f"架空の世帯 {len(FAMILY)} 件とケース {opened} 件を作成しました。")
        self._lifecycle(users)
        self._outreach(users)
        self._targets(users)

    def _outreach(self, users: dict[str, User]) -> None:
        """A household of concern the window goes out to before anyone asks."""
        staff = users["agency_staff"]
        today = timezone.localdate()
        engagement = outreach.outreach_start(
            actor=staff,
            household=None,
            household_data={"address": "架空市若葉町7-7-7", "phone": ""},
            person_data={
                "family_name": "野村",
                "given_name": "",
                "family_name_kana": "のむら",
                "given_name_kana": "",
                "birth_date": None,
                "estimated_age": 80,
                "sex": "male",
                "relation": "self",
            },
            started_on=today - dt.timedelta(days=14),
            concern="民生委員から：郵便受けがあふれ、庭にごみが積まれている。",
        )
        outreach.outreach_contact_add(
            actor=staff,
            engagement=engagement,
            contacted_on=today - dt.timedelta(days=10),
            method="visit",
            with_whom="本人（玄関先）",
            what_happened="声をかけると少し話ができた。困りごとは「特にない」とのこと。",
        )

    def _lifecycle(self, users: dict[str, User]) -> None:
        """What follows an opening, on the first demo cases: 支援経過 by the window and
        the hub, an assessment, an approved plan with the window's task, one case
        suspended and one closed as a hand-over."""
        coordinator = users["coordinator"]
        today = timezone.localdate()
        cases = list(Case.objects.filter(lead_coordinator=coordinator).order_by("opened_at")[:4])
        for index, case in enumerate(cases):
            window_staff = next(
                (
                    u
                    for u in (users["agency_staff"], users["agency_staff2"])
                    if case.accesses.filter(agency=u.agency, basis="receiving_agency").exists()
                ),
                None,
            )
            writers = [w for w in (window_staff, coordinator) if w is not None]
            for days, writer in zip((20, 12, 3), writers * 2, strict=False):
                support.support_record_add(
                    actor=writer,
                    case=case,
                    occurred_on=max(today - dt.timedelta(days=days), case.opened_at.date()),
                    kind=SupportRecord.Kind.VISIT if writer != coordinator else "phone",
                    content=RECORD_TEXTS[(index + days) % len(RECORD_TEXTS)],
                )
            if index == 0:
                person = case.subjects.order_by("created_at").first()
                plans.assessment_save(
                    actor=coordinator,
                    case=case,
                    data={
                        "household_situation": "高齢の親と、長くひきこもっている子の二人世帯。"
                        "親の介護と家計の不安が重なっている。",
                        "strengths": "近所に気にかけてくれる住民がいる。",
                        "risks": "親の体調が急に悪くなると、子だけでは暮らせない。",
                        "assessed_on": today - dt.timedelta(days=10),
                    },
                    members={person: {"work": "pension", "housing": "owned"}},
                    expected_version=None,
                )
                plan = plans.plan_create(
                    actor=coordinator,
                    case=case,
                    data={
                        "long_term_goal": "親子が地域の中で安心して暮らし続ける。",
                        "short_term_goal": "介護サービスの利用を始め、子の相談先をつくる。",
                        "urgent": True,
                        "monitoring_on": today + dt.timedelta(days=60),
                    },
                )
                if window_staff is not None:
                    plans.plan_task_add(
                        actor=coordinator,
                        plan=plan,
                        agency=window_staff.agency,
                        content="月2回の見守り訪問",
                        due_on=today + dt.timedelta(days=30),
                    )
                plans.plan_task_add(
                    actor=coordinator, plan=plan, stakeholder_name="民生委員", content="声かけ"
                )
                plans.plan_stakeholder_add(
                    actor=coordinator, plan=plan, kind="resident", agency=None, name="民生委員"
                )
                plans.plan_approve(actor=coordinator, plan=plan)
                shop = resource_save(
                    actor=coordinator,
                    data={
                        "name": "みどり商店（協力事業者）",
                        "name_kana": "みどりしょうてん",
                        "kind": "business",
                        "offers": "品出し・清掃の就労体験（週2回、午前）",
                    },
                )
                salon = resource_save(
                    actor=coordinator,
                    data={
                        "name": "ふれあいサロン若葉",
                        "name_kana": "ふれあいさろんわかば",
                        "kind": "salon",
                        "offers": "毎週水曜の茶話会と体操",
                    },
                )
                resource_figures_save(
                    actor=coordinator,
                    resource=salon,
                    fiscal_year=fiscal_year(timezone.now()),
                    data={
                        "is_hub": True,
                        "participants": 420,
                        "citizens_running": 12,
                        "agencies_count": 4,
                    },
                )
                if window_staff is not None:
                    participation.participation_add(
                        actor=window_staff,
                        case=case,
                        person=person,
                        resource=shop,
                        started_on=today - dt.timedelta(days=5),
                    )
            elif index == 2:
                support.case_suspend(
                    actor=coordinator,
                    case=case,
                    reason="lost_contact",
                    note="3回訪問したが不在。手紙を置いてきた。",
                )
            elif index == 3:
                support.case_close(
                    actor=coordinator,
                    case=case,
                    reason="resolved",
                    improvement="improved",
                    evaluation="家計の見直しで滞納が解消し、本人が相談先を持てた。",
                )

    def _meetings(self, users: dict[str, User]) -> None:
        """Two bodies as 長岡京市 runs them, pledges, and an upcoming joint meeting."""
        secretariat = users["secretariat"]
        support = meeting_services.body_create(
            actor=secretariat,
            data={
                "name": "支援会議",
                "kind": MeetingBody.Kind.SOCIAL_WELFARE_ACT,
                "chair": users["coordinator"],
            },
        )
        layered = meeting_services.body_create(
            actor=secretariat,
            data={
                "name": "重層的支援会議",
                "kind": MeetingBody.Kind.GUIDELINE,
                "chair": users["coordinator"],
            },
        )
        signed = timezone.localdate() - dt.timedelta(days=60)
        members = {}
        for body in (support, layered):
            for username in ("secretariat", "coordinator", "agency_staff", "agency_staff2"):
                member = meeting_services.member_add(
                    actor=secretariat, body=body, user=users[username]
                )
                members[(body.pk, username)] = member
                if body.confidentiality_duty and username != "agency_staff2":
                    meeting_services.pledge_record(
                        actor=secretariat, member=member, signed_on=signed
                    )
        meeting = meeting_services.meeting_create(
            actor=secretariat,
            bodies=[support, layered],
            data={
                "date": timezone.localdate() + dt.timedelta(days=14),
                "kind": Meeting.Kind.REGULAR,
                "place": "市役所 第3会議室",
            },
        )
        meeting_services.attendees_add_members(
            actor=secretariat,
            meeting=meeting,
            members=[
                members[(layered.pk, u)] for u in ("secretariat", "coordinator", "agency_staff")
            ],
        )
        self.stdout.write("会議体（支援会議・重層的支援会議）と合同会議 1 件を作成しました。")
        self._proposals_and_measures(users, support, meeting)

    def _proposals_and_measures(
        self, users: dict[str, User], support: MeetingBody, meeting: Meeting
    ) -> None:
        """議題の申出 waiting for the secretariat and for a case's coordinators, and one
        household under DV等支援措置 (its address and phones masked for the windows)."""
        staff = users["agency_staff"]
        windows = Household.objects.filter(consultations__receiving_agency=staff.agency)
        uncased = windows.filter(cases__isnull=True).distinct().order_by("kana_key").first()
        cased = windows.filter(cases__isnull=False).distinct().order_by("kana_key").first()
        proposals = []
        for household, reason in (
            (uncased, "近所の方から、夜間に大きな声が聞こえると何度か連絡がありました。"),
            (cased, "息子さんの就労について、関係機関で役割分担を相談したい。"),
        ):
            if household is not None:
                proposals.append(
                    meeting_services.proposal_submit(
                        actor=staff,
                        household=household,
                        body=support,
                        purpose="roles",
                        reason=reason,
                    )
                )
        # The household of concern is on the 支援会議's agenda, so that the secretariat
        # can make its packet (the pledged attendees each get a numbered copy).
        if proposals:
            meeting_services.proposal_accept(
                actor=users["secretariat"], proposal=proposals[0], meeting=meeting
            )
        # A case of agency_staff's window, so that the demo shows the mask to its staff.
        case = (
            Case.objects.filter(
                status__in=Case.OPEN_STATUSES, consultations__receiving_agency=staff.agency
            )
            .order_by("sequence")
            .last()
        )
        if case is not None:
            services.dv_measure_set(
                actor=case.lead_coordinator,
                person=case.subjects.order_by("created_at").first(),
                valid_from=timezone.localdate() - dt.timedelta(days=30),
                note="住民基本台帳の支援措置（架空）",
            )
        self.stdout.write(
            "議題の申出 2 件（うち 1 件を支援会議の議題に）と、"
            "DV等支援措置の世帯 1 件を作成しました。"
        )

    def _targets(self, users: dict[str, User]) -> None:
        """The 成果指標's targets a manager entered for the last years, this one and the
        next (the annual evaluation draws them beside the counted values)."""
        current = fiscal_year(timezone.now())
        for offset, target in ((-2, 4), (-1, 6), (0, 8), (1, 10)):
            outcome_target_set(
                actor=users["manager"],
                fiscal_year=current + offset,
                target=target,
                note="地域福祉計画の目標（デモ）",
            )

    def _print_logins(self) -> None:
        self.stdout.write("")
        self.stdout.write(
            f"デモ用ログイン（パスワードはすべて DEMO_PASSWORD: {settings.KASANE_DEMO_PASSWORD}）"
        )
        for username, role, agency_index, last, first, _kana in USERS:
            self.stdout.write(
                f"  {username:<14} {role.label}（{AGENCIES[agency_index][0]}） {last} {first}"
            )
