"""The reports app's data.

Each section below belongs to one part of the app; keep them apart so that a section can
be read (and merged) on its own.
"""

from __future__ import annotations

import datetime as dt
import uuid

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import F, Q
from simple_history.models import HistoricalRecords

from core.japanese import fiscal_year_label

# ---------------------------------------------------------------------------
# 成果指標の目標値 (annual evaluation): written only by reports.targets.outcome_target_set

# 重層的支援体制整備事業 began in 令和3年度 (2021); 令和元年度 leaves room for the 移行準備
# years a municipality may want beside it. Beyond 2100 is a typing error, not a plan.
OUTCOME_TARGET_FIRST_YEAR = 2019
OUTCOME_TARGET_LAST_YEAR = 2100
# 長久手市 aims at 102 for a city of 60,000; a hundred thousand 関係者 is no city's target.
OUTCOME_TARGET_MAX = 100_000


class OutcomeTarget(models.Model):
    """成果指標 「支援のために連携した関係者の数」: the target of one 年度 (長久手市's
    通知表 sets one for R8). The actual value is counted, never typed: see
    ``cases.selectors.stakeholder_count``."""

    fiscal_year = models.PositiveSmallIntegerField(
        "年度",
        unique=True,
        validators=[
            MinValueValidator(
                OUTCOME_TARGET_FIRST_YEAR,
                message="年度は令和元年度（2019年度）以降にしてください。",
            ),
            MaxValueValidator(
                OUTCOME_TARGET_LAST_YEAR, message="年度は2100年度までにしてください。"
            ),
        ],
    )
    target = models.PositiveIntegerField(
        "目標値",
        validators=[
            MaxValueValidator(
                OUTCOME_TARGET_MAX, message="目標値は100,000以下の整数にしてください。"
            )
        ],
    )
    note = models.CharField("備考（目標の根拠など）", max_length=500, blank=True)
    set_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name="設定した職員",
        on_delete=models.PROTECT,
        related_name="+",
        editable=False,
    )
    updated_at = models.DateTimeField("更新日時", auto_now=True)
    history = HistoricalRecords()

    class Meta:
        verbose_name = "成果指標の目標値"
        verbose_name_plural = "成果指標の目標値"
        ordering = ["fiscal_year"]
        constraints = [
            models.CheckConstraint(
                condition=Q(fiscal_year__gte=OUTCOME_TARGET_FIRST_YEAR)
                & Q(fiscal_year__lte=OUTCOME_TARGET_LAST_YEAR),
                name="outcome_target_year_in_range",
            ),
            models.CheckConstraint(
                condition=Q(target__lte=OUTCOME_TARGET_MAX),
                name="outcome_target_value_in_range",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.year_label}の目標 {self.target}"

    @property
    def year_label(self) -> str:
        return fiscal_year_label(self.fiscal_year)


# ---------------------------------------------------------------------------
# Report jobs and their files (the outbox; downloads are guardian object permissions)


class ReportJob(models.Model):
    class Kind(models.TextChoices):
        MEETING_PACKET = "meeting_packet", "会議資料（PDF）"
        PACKET_REISSUE = "packet_reissue", "会議資料の再発行（PDF）"
        ANNUAL = "annual", "年次評価（PDF・CSV・Excel）"
        NATIONAL = "national", "実績報告用CSV（国の調査）"
        DISCLOSURE_DRAFT = "disclosure_draft", "開示決定用の下書き（PDF）"

    class Status(models.TextChoices):
        QUEUED = "queued", "待機"
        RUNNING = "running", "作成中"
        DONE = "done", "完了"
        FAILED = "failed", "失敗"

    FINISHED = (Status.DONE, Status.FAILED)

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    kind = models.CharField("種類", max_length=20, choices=Kind.choices)
    params = models.JSONField("条件", default=dict, blank=True)
    meeting = models.ForeignKey(
        "meetings.Meeting",
        verbose_name="会議",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="report_jobs",
    )
    fiscal_year = models.PositiveSmallIntegerField("年度", null=True, blank=True)
    disclosure = models.ForeignKey(
        "reports.DisclosureRequest",
        verbose_name="開示請求",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="draft_jobs",
    )
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name="依頼者",
        on_delete=models.PROTECT,
        related_name="report_jobs",
    )
    status = models.CharField(
        "状態", max_length=10, choices=Status.choices, default=Status.QUEUED, db_index=True
    )
    progress = models.PositiveSmallIntegerField("進み具合（％）", default=0)
    error = models.CharField("エラー", max_length=500, blank=True)
    attempts = models.PositiveSmallIntegerField("試行回数", default=0)
    created_at = models.DateTimeField("依頼日時", auto_now_add=True, db_index=True)
    enqueued_at = models.DateTimeField("キュー投入日時", null=True, blank=True)
    started_at = models.DateTimeField("開始日時", null=True, blank=True)
    finished_at = models.DateTimeField("完了日時", null=True, blank=True)
    expires_at = models.DateTimeField("保存期限", null=True, blank=True)
    # Job rows carry no history: progress is written many times and holds no case
    # content (DESIGN.md). What a file held and who got it is on ReportFile.

    class Meta:
        verbose_name = "帳票の作成"
        verbose_name_plural = "帳票の作成"
        ordering = ["-created_at"]
        indexes = [models.Index(fields=["status", "enqueued_at"], name="reportjob_outbox")]

    def __str__(self) -> str:
        return f"{self.get_kind_display()}（{self.get_status_display()}）"

    @property
    def finished(self) -> bool:
        return self.status in self.FINISHED


class ReportFile(models.Model):
    """One generated file. For a meeting packet, one numbered copy for one recipient:
    who received which copy is kept, and the secretariat marks it 回収済 or void."""

    class CopyStatus(models.TextChoices):
        ISSUED = "issued", "配付中"
        RETURNED = "returned", "回収済"
        VOID = "void", "無効（再発行済）"

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    job = models.ForeignKey(
        ReportJob, verbose_name="作成", on_delete=models.PROTECT, related_name="files"
    )
    label = models.CharField("名称", max_length=200)
    filename = models.CharField("ファイル名", max_length=200)
    content_type = models.CharField("形式", max_length=100)
    path = models.CharField("保存先", max_length=300, editable=False)
    size = models.PositiveIntegerField("サイズ（バイト）")
    sha256 = models.CharField("SHA-256", max_length=64)
    created_at = models.DateTimeField("作成日時", auto_now_add=True)
    purged_at = models.DateTimeField("削除日時", null=True, blank=True)
    # A meeting packet's copy.
    meeting = models.ForeignKey(
        "meetings.Meeting",
        verbose_name="会議",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="packet_copies",
    )
    # An attendee taken off the meeting leaves the record of the copy (name and agency
    # are kept below) and, with it, the copy's download.
    attendee = models.ForeignKey(
        "meetings.Attendee",
        verbose_name="受領者",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="packet_copies",
    )
    copy_number = models.PositiveIntegerField("部数番号", null=True, blank=True)
    recipient_name = models.CharField("受領者氏名", max_length=100, blank=True)
    recipient_agency = models.CharField("受領者の所属", max_length=100, blank=True)
    copy_status = models.CharField(
        "配付状況", max_length=10, choices=CopyStatus.choices, blank=True
    )
    copy_status_at = models.DateTimeField("配付状況の更新日時", null=True, blank=True)
    # The 支援会議 bodies whose items the copy holds: gate 2 for them is asked again at
    # every download (a revoked pledge or 人事異動 ends the copy's download).
    support_body_ids = models.JSONField(
        "載せた支援会議の会議体", default=list, blank=True, editable=False
    )
    # The 重層的支援会議 items the copy holds: gate 1 (consent valid on the meeting date)
    # is asked again at every download — a withdrawal recorded after the copy was made
    # but effective by the meeting date ends its download.
    consent_item_ids = models.JSONField(
        "載せた重層的支援会議の議題", default=list, blank=True, editable=False
    )
    replaced_by = models.ForeignKey(
        "self",
        verbose_name="再発行した部",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    history = HistoricalRecords()

    class Meta:
        verbose_name = "帳票ファイル"
        verbose_name_plural = "帳票ファイル"
        ordering = ["copy_number", "label"]
        default_permissions = ()
        permissions = [("download_reportfile", "帳票ファイルをダウンロードできる")]
        constraints = [
            models.UniqueConstraint(
                fields=["meeting", "copy_number"],
                condition=models.Q(copy_number__isnull=False),
                name="packet_copy_number_once_per_meeting",
            ),
        ]

    def __str__(self) -> str:
        return self.label

    @property
    def available(self) -> bool:
        return self.purged_at is None


class PacketCounter(models.Model):
    """The last copy number handed out for a meeting: a number is never given twice,
    across jobs and reissues (the row is locked while numbers are reserved)."""

    meeting = models.OneToOneField(
        "meetings.Meeting", on_delete=models.CASCADE, primary_key=True, related_name="+"
    )
    last_number = models.PositiveIntegerField(default=0)

    class Meta:
        verbose_name = "会議資料の部数番号"
        verbose_name_plural = "会議資料の部数番号"

    def __str__(self) -> str:
        return f"No.{self.last_number}"


# ---------------------------------------------------------------------------
# 開示請求 (個人情報保護法76条以下): written only by reports.disclosure services

# A request received before the 個人情報保護法's 2022 consolidation is not kept here.
DISCLOSURE_FIRST_DAY = dt.date(2022, 4, 1)


# What was withheld and why is a free note; the notice to the person is written outside.
DISCLOSURE_WITHHELD_NOTE_MAX = 2000


class DisclosureRequestQuerySet(models.QuerySet):
    def pending(self) -> DisclosureRequestQuerySet:
        """The requests still waiting for their 開示決定 (受付, not 決定済).

        A pending request holds what it asks about: the retention work (保存年限の廃棄)
        must not dispose of anything a pending request's person is referenced by. Once
        the 開示決定 is recorded (``reports.services.disclosure_decide``) the request
        no longer holds anything; it stays as the record of the decision."""
        return self.filter(status=DisclosureRequest.Status.RECEIVED)

    def decided(self) -> DisclosureRequestQuerySet:
        return self.filter(status=DisclosureRequest.Status.DECIDED)


class DisclosureRequest(models.Model):
    """A person's request to see what the municipality holds about them. Kasane records
    it, drafts the material for the 開示決定 and records the decision (全部開示・一部開示・
    不開示, its date, what was withheld); the notice and what is sent to the person are
    made outside (nothing here reaches the person).

    ``DisclosureRequest.objects.pending()`` is the one definition of a request that
    still holds its person's records (see ``DisclosureRequestQuerySet.pending``)."""

    class Status(models.TextChoices):
        RECEIVED = "received", "受付"
        DECIDED = "decided", "決定済"

    class Decision(models.TextChoices):
        FULL = "full", "全部開示"
        PARTIAL = "partial", "一部開示"
        NONE = "none", "不開示"

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    person = models.ForeignKey(
        "cases.Person",
        verbose_name="請求した本人",
        on_delete=models.PROTECT,
        related_name="disclosure_requests",
    )
    received_on = models.DateField("受付日")
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name="記録した職員",
        on_delete=models.PROTECT,
        related_name="+",
        editable=False,
    )
    recorded_at = models.DateTimeField("記録日時", auto_now_add=True)
    status = models.CharField(
        "状態", max_length=10, choices=Status.choices, default=Status.RECEIVED
    )
    note = models.TextField("備考", max_length=1000, blank=True)
    decision = models.CharField(
        "開示決定", max_length=10, choices=Decision.choices, blank=True, editable=False
    )
    decided_on = models.DateField("決定日", null=True, blank=True, editable=False)
    withheld_note = models.TextField(
        "開示しなかった部分とその理由",
        max_length=DISCLOSURE_WITHHELD_NOTE_MAX,
        blank=True,
        editable=False,
    )
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name="決定を記録した職員",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        editable=False,
    )
    decided_at = models.DateTimeField("決定の記録日時", null=True, blank=True, editable=False)
    history = HistoricalRecords()

    objects = DisclosureRequestQuerySet.as_manager()

    class Meta:
        verbose_name = "開示請求"
        verbose_name_plural = "開示請求"
        ordering = ["-received_on", "-recorded_at"]
        constraints = [
            models.CheckConstraint(
                condition=Q(received_on__gte=DISCLOSURE_FIRST_DAY),
                name="disclosure_received_on_in_range",
                violation_error_message="受付日は令和4年4月1日以降の日付にしてください。",
            ),
            # 受付 has no decision; 決定済 has all of it, dated on or after receipt.
            models.CheckConstraint(
                condition=(
                    Q(
                        status="received",
                        decision="",
                        decided_on__isnull=True,
                        decided_by__isnull=True,
                        decided_at__isnull=True,
                        withheld_note="",
                    )
                    | Q(
                        status="decided",
                        decision__in=["full", "partial", "none"],
                        decided_on__isnull=False,
                        decided_on__gte=F("received_on"),
                        decided_by__isnull=False,
                        decided_at__isnull=False,
                    )
                ),
                name="disclosure_decision_complete",
                violation_error_message="開示決定の内容・決定日がそろっていません。",
            ),
            # What was withheld, and why, is stated whenever something was (一部開示・不開示).
            models.CheckConstraint(
                condition=Q(decision__in=["", "full"]) | ~Q(withheld_note=""),
                name="disclosure_withheld_stated",
                violation_error_message="一部開示・不開示では、開示しなかった部分とその理由を入力してください。",
            ),
        ]

    def __str__(self) -> str:
        return f"開示請求（{self.received_on:%Y-%m-%d}受付）"

    @property
    def is_pending(self) -> bool:
        """The same test as ``DisclosureRequest.objects.pending()``, on one row."""
        return self.status == self.Status.RECEIVED
