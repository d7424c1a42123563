"""支援プラン (goals, 役割分担, 関係者, versions) and the インテーク・アセスメントシート.

Written only by ``cases.services.plans``. A plan is never overwritten once approved: a
new version is drafted from it and, when approved, the old one is marked 改訂済.
"""

from __future__ import annotations

import uuid

from django.conf import settings
from django.db import models
from django.db.models import Q
from simple_history.models import HistoricalRecords

from . import Case, IssueCategory, Person, VersionedModel


class SupportPlan(VersionedModel):
    class Status(models.TextChoices):
        DRAFT = "draft", "案"
        DISCUSSED = "discussed", "重層的支援会議で協議済"
        APPROVED = "approved", "承認"
        SUPERSEDED = "superseded", "改訂済（旧版）"

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    case = models.ForeignKey(
        Case, verbose_name="ケース", on_delete=models.PROTECT, related_name="plans"
    )
    number = models.PositiveSmallIntegerField("版", editable=False)
    status = models.CharField(
        "状態", max_length=20, choices=Status.choices, default=Status.DRAFT, editable=False
    )
    long_term_goal = models.TextField("長期目標（支援の方向性）", max_length=1000)
    short_term_goal = models.TextField("短期目標", max_length=1000)
    urgent = models.BooleanField(
        "緊急",
        default=False,
        help_text="会議の前に承認できます。次の重層的支援会議で協議します。",
    )
    monitoring_on = models.DateField("モニタリング（見直し）予定日")
    person_wishes = models.TextField("本人・世帯の希望", max_length=1000, blank=True)
    agreed_on = models.DateField("本人の同意日", null=True, blank=True)
    # The 重層的支援会議 item where the plan was discussed (meetings sit above cases,
    # so the link is by id, like CaseAccess's source).
    discussed_item_id = models.UUIDField("協議した議題", null=True, blank=True, editable=False)
    discussed_on = models.DateField("協議した会議の日", null=True, blank=True, editable=False)
    discussed_body = models.CharField("協議した会議体", max_length=100, blank=True, editable=False)
    approved_at = models.DateTimeField("承認日時", null=True, blank=True, editable=False)
    approved_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name="承認した職員",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        editable=False,
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name="作成した職員",
        on_delete=models.PROTECT,
        related_name="+",
        editable=False,
    )
    history = HistoricalRecords()

    class Meta:
        verbose_name = "支援プラン"
        verbose_name_plural = "支援プラン"
        ordering = ["case", "-number"]
        constraints = [
            models.UniqueConstraint(fields=["case", "number"], name="plan_number_unique_per_case"),
            models.UniqueConstraint(
                fields=["case"],
                condition=Q(status__in=["draft", "discussed"]),
                name="one_plan_in_progress_per_case",
            ),
        ]

    def __str__(self) -> str:
        return f"支援プラン 第{self.number}版"

    @property
    def is_editable(self) -> bool:
        return self.status == self.Status.DRAFT

    @property
    def awaits_discussion(self) -> bool:
        """A plan approved before the meeting (緊急) is discussed at the next one."""
        return self.status == self.Status.APPROVED and self.discussed_item_id is None


class PlanStakeholder(models.Model):
    """関係者: they feed the 成果指標 「支援のために連携した関係者の数」, counted once per
    年度 by ``dedup_key`` however many plans name them."""

    class Kind(models.TextChoices):
        PERSON = "person", "個人（親族・知人など）"
        DEPARTMENT = "department", "庁内の課"
        AGENCY = "agency", "関係機関"
        COMPANY = "company", "企業・事業者"
        RESIDENT = "resident", "地域住民（民生委員など）"
        OTHER = "other", "その他"

    plan = models.ForeignKey(
        SupportPlan,
        verbose_name="支援プラン",
        on_delete=models.CASCADE,
        related_name="stakeholders",
    )
    kind = models.CharField("種別", max_length=20, choices=Kind.choices)
    agency = models.ForeignKey(
        "agencies.Agency",
        verbose_name="機関（登録済みの機関なら）",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    name = models.CharField("名称・氏名", max_length=100, blank=True)
    role = models.CharField("役割", max_length=200, blank=True)
    # kind + registered agency id, or kind + the normalised name: one stakeholder.
    dedup_key = models.CharField(max_length=200, editable=False, db_index=True)
    history = HistoricalRecords()

    class Meta:
        verbose_name = "関係者"
        verbose_name_plural = "関係者"
        ordering = ["plan", "kind", "name"]

    def __str__(self) -> str:
        return str(self.agency or self.name)


class PlanTask(models.Model):
    """役割分担: who (an agency with a working basis on the case, or a named
    stakeholder) does what by when; the agency's staff report on it."""

    class Status(models.TextChoices):
        OPEN = "open", "対応中"
        DONE = "done", "完了"

    plan = models.ForeignKey(
        SupportPlan, verbose_name="支援プラン", on_delete=models.CASCADE, related_name="tasks"
    )
    agency = models.ForeignKey(
        "agencies.Agency",
        verbose_name="担当機関",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="plan_tasks",
    )
    stakeholder_name = models.CharField("担当（機関以外の関係者）", max_length=100, blank=True)
    content = models.CharField("支援内容（何をするか）", max_length=300)
    due_on = models.DateField("期限", null=True, blank=True)
    status = models.CharField(
        "状況", max_length=10, choices=Status.choices, default=Status.OPEN, editable=False
    )
    report = models.CharField("報告", max_length=500, blank=True, editable=False)
    reported_at = models.DateTimeField("報告日時", null=True, blank=True, editable=False)
    reported_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name="報告した職員",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        editable=False,
    )
    # The 重層的支援会議 decision it came from, if any (by id: meetings sit above).
    decision_id = models.PositiveIntegerField("会議の決定事項", null=True, blank=True)
    history = HistoricalRecords()

    class Meta:
        verbose_name = "役割分担"
        verbose_name_plural = "役割分担"
        ordering = ["plan", "due_on", "pk"]
        constraints = [
            models.CheckConstraint(
                condition=Q(agency__isnull=False) | ~Q(stakeholder_name=""),
                name="plan_task_has_someone",
            )
        ]

    def __str__(self) -> str:
        return self.content

    @property
    def assignee(self) -> str:
        return str(self.agency) if self.agency_id else self.stakeholder_name


class Assessment(VersionedModel):
    """インテーク・アセスメントシート for the household as a whole; its rows per member."""

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    case = models.OneToOneField(
        Case, verbose_name="ケース", on_delete=models.PROTECT, related_name="assessment"
    )
    household_situation = models.TextField("世帯の状況（全体像）", max_length=2000)
    strengths = models.TextField("世帯の強み・活用できる資源", max_length=1000, blank=True)
    risks = models.TextField("リスク（緊急性・危険性）", max_length=1000, blank=True)
    assessed_on = models.DateField("アセスメント日")
    assessed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name="記入した職員",
        on_delete=models.PROTECT,
        related_name="+",
        editable=False,
    )
    history = HistoricalRecords()

    class Meta:
        verbose_name = "インテーク・アセスメントシート"
        verbose_name_plural = "インテーク・アセスメントシート"

    def __str__(self) -> str:
        return f"{self.case} のアセスメント"


class AssessmentMember(models.Model):
    class Work(models.TextChoices):
        REGULAR = "regular", "正社員・公務員"
        PART_TIME = "part_time", "臨時・パート・アルバイト・派遣"
        SELF_EMPLOYED = "self_employed", "自営業・家族従業者・内職"
        PENSION = "pension", "年金生活"
        UNEMPLOYED = "unemployed", "失業・休職中"
        STUDENT = "student", "学生・生徒・未就学"
        OTHER = "other", "その他"
        UNKNOWN = "unknown", "不明"

    class Housing(models.TextChoices):
        OWNED = "owned", "持家"
        RENTED = "rented", "借家"
        PUBLIC = "public", "公営住宅"
        COMPANY = "company", "会社寮・借上げ住宅"
        HOMELESS = "homeless", "野宿"
        OTHER = "other", "その他"
        UNKNOWN = "unknown", "不明"

    class Insurance(models.TextChoices):
        NATIONAL = "national", "国民健康保険"
        EMPLOYEE = "employee", "被用者保険（社会保険）"
        ELDERLY = "elderly", "後期高齢者医療"
        WELFARE = "welfare", "生活保護（医療扶助）"
        NONE = "none", "無保険"
        UNKNOWN = "unknown", "不明"

    class Pension(models.TextChoices):
        OLD_AGE = "old_age", "老齢年金"
        DISABILITY = "disability", "障害年金"
        SURVIVOR = "survivor", "遺族年金"
        NONE = "none", "なし"
        UNKNOWN = "unknown", "不明"

    assessment = models.ForeignKey(
        Assessment, verbose_name="アセスメント", on_delete=models.CASCADE, related_name="members"
    )
    person = models.ForeignKey(
        Person, verbose_name="世帯員", on_delete=models.PROTECT, related_name="+"
    )
    work = models.CharField("仕事", max_length=20, choices=Work.choices, default=Work.UNKNOWN)
    housing = models.CharField(
        "住居", max_length=20, choices=Housing.choices, default=Housing.UNKNOWN
    )
    insurance = models.CharField(
        "健康保険", max_length=20, choices=Insurance.choices, default=Insurance.UNKNOWN
    )
    pension = models.CharField(
        "年金", max_length=20, choices=Pension.choices, default=Pension.UNKNOWN
    )
    issues = models.ManyToManyField(IssueCategory, verbose_name="抱える課題", blank=True)
    health = models.CharField("健康・障害の状況", max_length=500, blank=True)
    daily_life = models.CharField("日常生活・家計の状況", max_length=500, blank=True)
    relations = models.CharField("家族関係・つながり", max_length=500, blank=True)
    strengths = models.CharField("強み", max_length=500, blank=True)
    risks = models.CharField("リスク", max_length=500, blank=True)
    wishes = models.CharField("本人の思い", max_length=500, blank=True)
    history = HistoricalRecords(m2m_fields=[issues])

    class Meta:
        verbose_name = "アセスメント（世帯員ごと）"
        verbose_name_plural = "アセスメント（世帯員ごと）"
        constraints = [
            models.UniqueConstraint(fields=["assessment", "person"], name="assessment_member_once")
        ]

    def __str__(self) -> str:
        return str(self.person)


# The 太枠 items: the fields that feed the national 実績報告 — one declared list, from
# which the reports are generated (model label, field name).
NATIONAL_REPORT_FIELDS: tuple[tuple[str, str], ...] = (
    ("cases.Consultation", "channel"),
    ("cases.Consultation", "consulter"),
    ("cases.Consultation", "main_issue"),
    ("cases.Consultation", "issues"),
    ("cases.Consultation", "outcome"),
    ("cases.AssessmentMember", "work"),
    ("cases.AssessmentMember", "housing"),
    ("cases.AssessmentMember", "insurance"),
    ("cases.AssessmentMember", "pension"),
    ("cases.AssessmentMember", "issues"),
    ("cases.SupportPlan", "status"),
    ("cases.SupportPlan", "approved_at"),
    ("cases.PlanStakeholder", "kind"),
    ("cases.CaseClosure", "reason"),
    ("cases.CaseClosure", "improvement"),
)
