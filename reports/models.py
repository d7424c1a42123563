"""Report jobs and the files they produce.

A ``ReportJob`` row is the outbox: it is written in the request's transaction, the
task is enqueued after commit, and a periodic sweep enqueues again any job that is
still waiting (Redis was down) or whose worker died. The files live outside
MEDIA_ROOT and are served only by an access-checked view; who may download one is a
django-guardian object permission on its ``ReportFile``.
"""

from __future__ import annotations

import uuid

from django.conf import settings
from django.db import models
from simple_history.models import HistoricalRecords


class ReportJob(models.Model):
    class Kind(models.TextChoices):
        MEETING_PACKET = "meeting_packet", "会議資料（PDF）"
        PACKET_REISSUE = "packet_reissue", "会議資料の再発行（PDF）"
        ANNUAL = "annual", "年次評価（PDF・CSV・Excel）"
        NATIONAL = "national", "実績報告用CSV（国の調査）"

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
    attendee = models.ForeignKey(
        "meetings.Attendee",
        verbose_name="受領者",
        on_delete=models.PROTECT,
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
