"""Meeting bodies, their members and confidentiality pledges, meetings and their agendas
(DESIGN.md "The two meetings").

What a body's kind implies — whether the person's consent is needed, whether its members
are bound by a statutory duty of confidentiality, and the wording printed on its papers —
is derived from the kind, never stored, so that it cannot drift from the law.
"""

from __future__ import annotations

import datetime as dt
import uuid

from django.conf import settings
from django.db import models
from django.db.models import Q
from simple_history.models import HistoricalRecords

from agencies.documents import PrivateStorage, document_extension
from core.japanese import format_wareki


def private_storage() -> PrivateStorage:
    # Scanned pledges live outside MEDIA_ROOT and are served only by a checked view.
    return PrivateStorage("pledges")


def _pledge_document_path(instance: ConfidentialityPledge, filename: str) -> str:
    """The client's file name is ignored: the extension is that of the detected type."""
    suffix = document_extension(instance.document_content_type)
    return f"{instance.member.body_id}/{uuid.uuid4().hex}.{suffix}"


class MeetingBody(models.Model):
    """A standing meeting body as the municipality names it (支援会議, まるごと会議 …)."""

    class Kind(models.TextChoices):
        SOCIAL_WELFARE_ACT = "swa_106_6", "支援会議（社会福祉法第106条の6）"
        SELF_RELIANCE_ACT = "self_reliance_9", "支援会議（生活困窮者自立支援法第9条）"
        PUBLIC_ASSISTANCE_ACT = "pa_27_3", "調整会議（生活保護法第27条の3）"
        GUIDELINE = "guideline", "重層的支援会議（実施要綱）"

    class Piggyback(models.TextChoices):
        COMMUNITY_CARE = "community_care", "地域ケア会議"
        SELF_RELIANCE_COUNCIL = "self_reliance_council", "自立支援協議会"
        CHILD_PROTECTION = "child_protection", "要保護児童対策地域協議会"

    # The statutory confidentiality provision of each kind with a duty (要綱 has none).
    LEGAL_PROVISIONS = {
        Kind.SOCIAL_WELFARE_ACT: "社会福祉法第106条の6第5項",
        Kind.SELF_RELIANCE_ACT: "生活困窮者自立支援法第9条第5項",
        Kind.PUBLIC_ASSISTANCE_ACT: "生活保護法第27条の3",
    }

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    name = models.CharField("会議体の名称", max_length=100, unique=True)
    kind = models.CharField("種類（根拠）", max_length=20, choices=Kind.choices)
    chair = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name="会長・座長",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    piggybacks_on = models.CharField(
        "既存の会議体との一体的な開催",
        max_length=30,
        choices=Piggyback.choices,
        blank=True,
    )
    is_active = models.BooleanField("使用中", default=True)
    created_at = models.DateTimeField("作成日時", auto_now_add=True)
    history = HistoricalRecords()

    class Meta:
        verbose_name = "会議体"
        verbose_name_plural = "会議体"
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name

    @property
    def consent_required(self) -> bool:
        """重層的支援会議 (要綱) needs the person's consent; the 支援会議 kinds do not."""
        return self.kind == self.Kind.GUIDELINE

    @property
    def confidentiality_duty(self) -> bool:
        """The 支援会議 kinds bind their members to secrecy by law (gate 2)."""
        return self.kind in self.LEGAL_PROVISIONS

    @property
    def legal_provision(self) -> str:
        return self.LEGAL_PROVISIONS.get(self.kind, "")

    # The basis alone, to follow the body's own name without repeating it.
    KIND_BASES = {
        Kind.SOCIAL_WELFARE_ACT: "社会福祉法第106条の6",
        Kind.SELF_RELIANCE_ACT: "生活困窮者自立支援法第9条",
        Kind.PUBLIC_ASSISTANCE_ACT: "生活保護法第27条の3",
        Kind.GUIDELINE: "実施要綱",
    }

    @property
    def kind_basis(self) -> str:
        """「社会福祉法第106条の6」: so that a page reads 「支援会議（社会福祉法第106条の6）」,
        never 「支援会議（支援会議（…））」."""
        return self.KIND_BASES.get(self.kind, self.get_kind_display())

    @property
    def pledge_text(self) -> str:
        """What a member signs (守秘義務 誓約書) — not the notice printed on papers."""
        if self.confidentiality_duty:
            return (
                f"私は、{self.name}（{self.kind_basis}）の構成員として、{self.legal_provision}"
                "の規定により、正当な理由がなく、会議の事務に関して知り得た秘密を漏らしては"
                "ならないこと、構成員でなくなった後も同じであること、これに違反した場合には"
                "罰則があることについて説明を受けました。これを守ることを誓約します。"
            )
        return (
            f"私は、{self.name}（{self.kind_basis}）に出席する者として、会議で知り得た個人の"
            "情報を、本人が同意した範囲の機関の外に漏らさないことを誓約します。"
        )

    # The line carried to the top of every page of a body's papers and packets. It
    # follows from the kind (the statute that imposes the duty), never from the name.
    GUIDELINE_LINE = (
        "本人が同意した範囲の機関の間でだけ共有できます（実施要綱）。複製・持ち出し禁止"
    )

    @property
    def confidentiality_line(self) -> str:
        """「社会福祉法第106条の6第5項により守秘義務が課されています。複製・持ち出し禁止」"""
        if self.confidentiality_duty:
            return f"{self.legal_provision}により守秘義務が課されています。複製・持ち出し禁止"
        return self.GUIDELINE_LINE

    @property
    def confidentiality_wording(self) -> str:
        """The fuller notice at the head of this body's papers (the line above is what
        every page carries)."""
        if self.confidentiality_duty:
            return (
                f"【取扱注意・非公開】この資料は{self.name}（{self.kind_basis}）の資料です。"
                f"会議の構成員及び構成員であった者は、{self.legal_provision}により、"
                "正当な理由なく、会議の事務に関して知り得た秘密を漏らしてはなりません"
                "（違反には罰則があります）。会議の後は事務局に返却してください。"
            )
        return (
            f"【取扱注意・非公開】この資料は{self.name}（重層的支援会議）の資料です。"
            "本人が同意した範囲の機関の間でだけ共有し、複写・持ち出しはしないでください。"
        )


class BodyMember(models.Model):
    """A named member of a body: staff with a login, or someone without one
    (民生委員・児童委員, 事業者 …). Always of an agency (or organisation kept as one)."""

    body = models.ForeignKey(
        MeetingBody, verbose_name="会議体", on_delete=models.PROTECT, related_name="members"
    )
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name="職員（ログインできる人）",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="meeting_memberships",
    )
    name = models.CharField("氏名", max_length=100)
    agency = models.ForeignKey(
        "agencies.Agency",
        verbose_name="所属機関・団体",
        on_delete=models.PROTECT,
        related_name="meeting_memberships",
    )
    title = models.CharField("役職・立場", max_length=100, blank=True, help_text="例: 民生委員")
    created_at = models.DateTimeField("登録日時", auto_now_add=True)
    history = HistoricalRecords()

    class Meta:
        verbose_name = "会議体の構成員"
        verbose_name_plural = "会議体の構成員"
        ordering = ["agency__name_kana", "name"]
        constraints = [
            models.UniqueConstraint(
                fields=["body", "user"],
                condition=Q(user__isnull=False),
                name="body_member_user_once_per_body",
            )
        ]

    def __str__(self) -> str:
        return f"{self.name}（{self.agency}）"


def pledge_valid_q(day: dt.date) -> Q:
    """The one rule of a pledge's validity on ``day``: signed on or before it, not
    expired before it (the end date is inclusive), and not revoked — a revocation ends
    a pledge at once, for every use from then on. ``valid_on`` is this rule in Python."""
    return Q(revoked_at__isnull=True, signed_on__lte=day) & (
        Q(valid_until__isnull=True) | Q(valid_until__gte=day)
    )


class ConfidentialityPledge(models.Model):
    """守秘義務の誓約書: a member was told of the duty of a body and signed."""

    member = models.ForeignKey(
        BodyMember, verbose_name="構成員", on_delete=models.PROTECT, related_name="pledges"
    )
    signed_on = models.DateField("署名日")
    valid_until = models.DateField("有効期限（この日まで有効）", null=True, blank=True)
    document = models.FileField(
        "誓約書（PDF・JPEG・PNG）",
        storage=private_storage,
        upload_to=_pledge_document_path,
        blank=True,
        max_length=200,
    )
    document_content_type = models.CharField(max_length=50, blank=True, editable=False)
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name="記録した職員",
        on_delete=models.PROTECT,
        related_name="+",
    )
    revoked_at = models.DateTimeField("取消日時", null=True, blank=True)
    revoke_reason = models.CharField("取消の理由", max_length=200, blank=True)
    revoked_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name="取り消した職員",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    created_at = models.DateTimeField("記録日時", auto_now_add=True)
    history = HistoricalRecords()

    class Meta:
        verbose_name = "守秘義務の誓約書"
        verbose_name_plural = "守秘義務の誓約書"
        ordering = ["-signed_on", "-created_at"]
        constraints = [
            models.CheckConstraint(
                condition=Q(valid_until__isnull=True) | Q(valid_until__gte=models.F("signed_on")),
                name="pledge_valid_until_after_signed",
            )
        ]

    def __str__(self) -> str:
        return f"{self.member.name}の誓約書（{format_wareki(self.signed_on)}）"

    @property
    def body(self) -> MeetingBody:
        return self.member.body

    def valid_on(self, day: dt.date) -> bool:
        """``pledge_valid_q`` for one pledge already loaded."""
        if self.revoked_at is not None or self.signed_on > day:
            return False
        return self.valid_until is None or day <= self.valid_until


class Meeting(models.Model):
    """One sitting of one body — or of several at once (a joint meeting)."""

    class Kind(models.TextChoices):
        REGULAR = "regular", "定例"
        AD_HOC = "ad_hoc", "随時"

    class Status(models.TextChoices):
        SCHEDULED = "scheduled", "予定"
        HELD = "held", "開催済み"

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    bodies = models.ManyToManyField(MeetingBody, verbose_name="会議体", related_name="meetings")
    date = models.DateField("開催日")
    start_time = models.TimeField("開始時刻", null=True, blank=True)
    kind = models.CharField("開催の区分", max_length=10, choices=Kind.choices)
    place = models.CharField("場所", max_length=100, blank=True)
    status = models.CharField(
        "状態", max_length=10, choices=Status.choices, default=Status.SCHEDULED
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name="作成した職員",
        on_delete=models.PROTECT,
        related_name="+",
    )
    created_at = models.DateTimeField("作成日時", auto_now_add=True)
    closed_at = models.DateTimeField("開催済みにした日時", null=True, blank=True)
    closed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name="開催済みにした職員",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    history = HistoricalRecords(m2m_fields=[bodies])

    class Meta:
        verbose_name = "会議"
        verbose_name_plural = "会議"
        ordering = ["-date", "-start_time"]

    def __str__(self) -> str:
        return f"{format_wareki(self.date)} {self.title}"

    @property
    def title(self) -> str:
        return "・".join(body.name for body in self.bodies.all()) or "会議"

    @property
    def is_closed(self) -> bool:
        return self.status == self.Status.HELD


class Attendee(models.Model):
    """A person at a meeting: a member of one of its bodies, or someone invited for it.
    Each attends for an agency; people without a login have no user."""

    meeting = models.ForeignKey(
        Meeting, verbose_name="会議", on_delete=models.PROTECT, related_name="attendees"
    )
    member = models.ForeignKey(
        BodyMember,
        verbose_name="構成員",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="attendances",
    )
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name="職員",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="meeting_attendances",
    )
    name = models.CharField("氏名", max_length=100)
    agency = models.ForeignKey(
        "agencies.Agency", verbose_name="所属機関", on_delete=models.PROTECT, related_name="+"
    )
    title = models.CharField("役職・立場", max_length=100, blank=True)
    history = HistoricalRecords()

    class Meta:
        verbose_name = "出席者"
        verbose_name_plural = "出席者"
        ordering = ["agency__name_kana", "name"]
        constraints = [
            models.UniqueConstraint(
                fields=["meeting", "user"],
                condition=Q(user__isnull=False),
                name="attendee_user_once_per_meeting",
            ),
            models.UniqueConstraint(
                fields=["meeting", "member"],
                condition=Q(member__isnull=False),
                name="attendee_member_once_per_meeting",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.name}（{self.agency}）"


class AgendaItem(models.Model):
    """An agenda item: discussed under one body of the meeting, about a case — or,
    under a 支援会議, about a household of concern that is not a case."""

    class Purpose(models.TextChoices):
        SHARING = "sharing", "情報共有"
        PLAN = "plan", "プランの適切性"
        EVALUATION = "evaluation", "経過・成果の評価"
        CLOSURE = "closure", "終結の判断・中断の決定"
        ROLES = "roles", "役割分担"
        RESOURCES = "resources", "社会資源の把握・開発"

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    meeting = models.ForeignKey(
        Meeting, verbose_name="会議", on_delete=models.PROTECT, related_name="items"
    )
    body = models.ForeignKey(
        MeetingBody, verbose_name="会議体", on_delete=models.PROTECT, related_name="items"
    )
    case = models.ForeignKey(
        "cases.Case",
        verbose_name="ケース",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="agenda_items",
    )
    household = models.ForeignKey(
        "cases.Household",
        verbose_name="気になる世帯",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="agenda_items",
    )
    purpose = models.CharField("協議の目的", max_length=20, choices=Purpose.choices)
    order = models.PositiveIntegerField("順番", default=0)
    # Gate 1, as last checked by a service (the pages also check it live).
    gate_blocked = models.BooleanField("同意の確認ができない", default=False)
    gate_reasons = models.JSONField("確認できない理由", default=list, blank=True)
    gate_checked_at = models.DateTimeField("確認日時", null=True, blank=True)
    version = models.PositiveIntegerField("版", default=1, editable=False)
    minutes = models.TextField("議事録", max_length=10000, blank=True)
    ends_handling = models.BooleanField(
        "この会議で支援会議での取扱いを終える",
        default=False,
        help_text="終結の判断をしたときに選びます。会議を開催済みにすると、構成員の閲覧権限も終わります。",
    )
    minutes_recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name="議事録を記録した職員",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name="追加した職員",
        on_delete=models.PROTECT,
        related_name="+",
    )
    created_at = models.DateTimeField("追加日時", auto_now_add=True)
    history = HistoricalRecords()

    class Meta:
        verbose_name = "議題"
        verbose_name_plural = "議題"
        ordering = ["order", "created_at"]
        constraints = [
            models.CheckConstraint(
                condition=(Q(case__isnull=False) & Q(household__isnull=True))
                | (Q(case__isnull=True) & Q(household__isnull=False)),
                name="agenda_item_case_xor_household",
            )
        ]

    def __str__(self) -> str:
        return f"{self.body}：{self.subject_label}（{self.get_purpose_display()}）"

    @property
    def subject_label(self) -> str:
        if self.case_id:
            return f"ケース {self.case.number}　{self.case.household.display_name}さん世帯"
        return f"{self.household.display_name}さん世帯（ケース化前）"


class Decision(models.Model):
    """決定事項: who does what by when (the lifecycle work turns them into plan tasks)."""

    item = models.ForeignKey(
        AgendaItem, verbose_name="議題", on_delete=models.PROTECT, related_name="decisions"
    )
    content = models.CharField("何をするか", max_length=300)
    assignee_agency = models.ForeignKey(
        "agencies.Agency",
        verbose_name="担当機関",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    assignee_name = models.CharField("担当者", max_length=100, blank=True)
    due_on = models.DateField("期限", null=True, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name="記録した職員",
        on_delete=models.PROTECT,
        related_name="+",
    )
    created_at = models.DateTimeField("記録日時", auto_now_add=True)
    # A 支援会議 decision's only write outside the secretariat: the pledged members of
    # the agency it is assigned to mark it done or add a short report (gate 2).
    done = models.BooleanField("完了", default=False)
    report = models.CharField("報告", max_length=500, blank=True)
    reported_at = models.DateTimeField("報告日時", null=True, blank=True)
    reported_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name="報告した職員",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    history = HistoricalRecords()

    class Meta:
        verbose_name = "決定事項"
        verbose_name_plural = "決定事項"
        ordering = ["due_on", "created_at"]

    def __str__(self) -> str:
        return self.content

    @property
    def assignee(self) -> str:
        parts = [str(self.assignee_agency or ""), self.assignee_name]
        return "　".join(p for p in parts if p) or "—"


class RegionalIssue(models.Model):
    """地域課題: a gap in the community's resources raised at a meeting."""

    meeting = models.ForeignKey(
        Meeting, verbose_name="会議", on_delete=models.PROTECT, related_name="regional_issues"
    )
    content = models.TextField("地域課題", max_length=1000)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name="記録した職員",
        on_delete=models.PROTECT,
        related_name="+",
    )
    created_at = models.DateTimeField("記録日時", auto_now_add=True)
    history = HistoricalRecords()

    class Meta:
        verbose_name = "地域課題"
        verbose_name_plural = "地域課題"
        ordering = ["created_at"]

    def __str__(self) -> str:
        return self.content[:50]


class BodyCaseHandling(models.Model):
    """A case under a 支援会議 body's handling: opened when the case first goes on one of
    its agenda items, ended by a 終結の判断 at a held meeting or by the secretariat.
    While it is open, the pledged members who attended see the case (read-only)."""

    body = models.ForeignKey(
        MeetingBody, verbose_name="会議体", on_delete=models.PROTECT, related_name="handlings"
    )
    case = models.ForeignKey(
        "cases.Case", verbose_name="ケース", on_delete=models.PROTECT, related_name="body_handlings"
    )
    started_at = models.DateTimeField("開始日時")
    started_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name="開始した職員",
        on_delete=models.PROTECT,
        related_name="+",
    )
    ended_at = models.DateTimeField("終了日時", null=True, blank=True)
    ended_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name="終了した職員",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    end_reason = models.CharField("終了の理由", max_length=200, blank=True)
    history = HistoricalRecords()

    class Meta:
        verbose_name = "支援会議での取扱い"
        verbose_name_plural = "支援会議での取扱い"
        ordering = ["-started_at"]
        constraints = [
            models.UniqueConstraint(
                fields=["body", "case"],
                condition=Q(ended_at__isnull=True),
                name="one_open_handling_per_body_and_case",
            )
        ]

    def __str__(self) -> str:
        return f"{self.body} / {self.case}"

    @property
    def is_open(self) -> bool:
        return self.ended_at is None


class AgendaProposal(models.Model):
    """議題の申出: a user asks that a household (or a case) be discussed by a body.

    Agendas are built from proposals only, never by searching the city's cases. A
    proposal creates no access. When the household has an open case that the proposer
    does not manage, it goes to that case's coordinators first — without telling the
    proposer why (the case may be one they may not see)."""

    class Status(models.TextChoices):
        PROPOSED = "proposed", "申出"
        WITH_COORDINATORS = "coordinators", "ケースの調整役が確認中"
        ACCEPTED = "accepted", "議題化"
        DECLINED = "declined", "不採択"
        WITHDRAWN = "withdrawn", "取下げ"

    OPEN_STATUSES = (Status.PROPOSED, Status.WITH_COORDINATORS)

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    body = models.ForeignKey(
        MeetingBody, verbose_name="会議体", on_delete=models.PROTECT, related_name="proposals"
    )
    household = models.ForeignKey(
        "cases.Household", verbose_name="世帯", on_delete=models.PROTECT, related_name="+"
    )
    case = models.ForeignKey(
        "cases.Case",
        verbose_name="ケース",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="agenda_proposals",
    )
    purpose = models.CharField(
        "協議の目的", max_length=20, choices=AgendaItem.Purpose.choices, default="sharing"
    )
    reason = models.TextField("協議したいこと（申出の理由）", max_length=1000)
    status = models.CharField(
        "状態", max_length=20, choices=Status.choices, default=Status.PROPOSED
    )
    proposed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name="申し出た職員",
        on_delete=models.PROTECT,
        related_name="+",
    )
    proposed_agency = models.ForeignKey(
        "agencies.Agency",
        verbose_name="申し出た機関",
        on_delete=models.PROTECT,
        related_name="+",
    )
    proposed_at = models.DateTimeField("申出日時")
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name="判断した職員",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    decided_at = models.DateTimeField("判断日時", null=True, blank=True)
    decision_reason = models.CharField("不採択・取下げの理由", max_length=200, blank=True)
    item = models.OneToOneField(
        AgendaItem,
        verbose_name="議題",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="proposal",
    )
    history = HistoricalRecords()

    class Meta:
        verbose_name = "議題の申出"
        verbose_name_plural = "議題の申出"
        ordering = ["proposed_at"]
        constraints = [
            models.CheckConstraint(
                condition=~Q(status="coordinators") | Q(case__isnull=False),
                name="proposal_with_coordinators_names_the_case",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.body}への申出（{self.get_status_display()}）"

    @property
    def is_open(self) -> bool:
        return self.status in self.OPEN_STATUSES

    @property
    def status_for_proposer(self) -> str:
        """What the proposer is told: a proposal with the case's coordinators is simply
        申出 to them (why it went there would reveal the case)."""
        if self.status == self.Status.WITH_COORDINATORS:
            return self.Status.PROPOSED.label
        return self.get_status_display()

    @property
    def subject_label(self) -> str:
        if self.case_id:
            return f"ケース {self.case.number}　{self.household.display_name}さん世帯"
        return f"{self.household.display_name}さん世帯（ケース化前）"
