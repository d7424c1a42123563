"""廃棄記録: the plans that dispose of case content past its 保存年限, and what each did.

A plan is listed by one manager, approved by another, and executed; it is never
deleted (no service deletes it, the admin does not show it, its items are PROTECTed to
it). What it keeps is what a 廃棄簿 holds — the kind of record, its number, its dates,
how many rows went — and no personal data: no name, no address, no content.
"""

from __future__ import annotations

import uuid

from django.conf import settings
from django.db import models
from django.db.models import F, Q
from simple_history.models import HistoricalRecords

from core.japanese import fiscal_year_label


class RecordKind(models.TextChoices):
    CASE = "case", "ケース（多機関協働）"
    CONSULTATION = "consultation", "相談受付（ケースにならなかったもの）"
    OUTREACH = "outreach", "アウトリーチ（相談につながらなかったもの）"


class DisposalPlan(models.Model):
    class Status(models.TextChoices):
        LISTED = "listed", "一覧作成（承認待ち）"
        APPROVED = "approved", "承認済み（実行待ち）"
        EXECUTED = "executed", "廃棄済み"
        CANCELLED = "cancelled", "取りやめ"

    OPEN_STATUSES = (Status.LISTED, Status.APPROVED)

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    status = models.CharField(
        "状態", max_length=10, choices=Status.choices, default=Status.LISTED, editable=False
    )
    # The 保存年限 the list was made under, per record kind ({"case": 5, …}).
    retention_years = models.JSONField("保存年限（年）", default=dict, editable=False)
    listed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name="一覧を作成した職員",
        on_delete=models.PROTECT,
        related_name="+",
        editable=False,
    )
    listed_at = models.DateTimeField("一覧作成日時", editable=False)
    approved_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name="承認した職員",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        editable=False,
    )
    approved_at = models.DateTimeField("承認日時", null=True, blank=True, editable=False)
    executed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name="廃棄を実行した職員",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        editable=False,
    )
    executed_at = models.DateTimeField("廃棄日時", null=True, blank=True, editable=False)
    cancelled_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name="取りやめた職員",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        editable=False,
    )
    cancelled_at = models.DateTimeField("取りやめ日時", null=True, blank=True, editable=False)
    cancel_reason = models.CharField("取りやめの理由", max_length=200, blank=True)
    history = HistoricalRecords()

    class Meta:
        verbose_name = "廃棄記録"
        verbose_name_plural = "廃棄記録"
        ordering = ["-listed_at"]
        constraints = [
            # The second person: whoever listed may not approve (checked by the
            # service with a message; the database refuses it too).
            models.CheckConstraint(
                condition=Q(approved_by__isnull=True) | ~Q(approved_by=F("listed_by")),
                name="disposal_plan_second_person",
            ),
            models.CheckConstraint(
                condition=~Q(status="executed")
                | (Q(approved_by__isnull=False) & Q(executed_by__isnull=False)),
                name="disposal_plan_executed_was_approved",
            ),
        ]

    def __str__(self) -> str:
        return f"廃棄記録 {self.short_id}（{self.get_status_display()}）"

    @property
    def short_id(self) -> str:
        return str(self.id)[:8]

    @property
    def is_open(self) -> bool:
        return self.status in self.OPEN_STATUSES


class DisposalItem(models.Model):
    """One record on a plan: listed, then disposed of or skipped (with the reason)."""

    class Status(models.TextChoices):
        LISTED = "listed", "廃棄予定"
        DISPOSED = "disposed", "廃棄済み"
        SKIPPED = "skipped", "廃棄せず"

    plan = models.ForeignKey(
        DisposalPlan, verbose_name="廃棄記録", on_delete=models.PROTECT, related_name="items"
    )
    kind = models.CharField("記録の種類", max_length=20, choices=RecordKind.choices)
    record_id = models.CharField("記録のID", max_length=64)
    number = models.CharField("番号", max_length=20, blank=True)
    # 年度 of 終結 (a case), of 受付 (a consultation) or of 終了 (an アウトリーチ): where
    # the 保存年限 counts from.
    fiscal_year = models.PositiveSmallIntegerField("起算の年度")
    ended_on = models.DateField("終結日・受付日・終了日")
    retained_until = models.DateField("保存期間の満了日")
    # The standing closure when listed: a case reopened (and perhaps closed again) since
    # is not the record that was approved, and is skipped.
    closure_id = models.PositiveBigIntegerField("終結の記録のID", null=True, blank=True)
    status = models.CharField("結果", max_length=10, choices=Status.choices, default=Status.LISTED)
    skip_reason = models.CharField("廃棄しなかった理由", max_length=200, blank=True)
    # Rows deleted, by kind ({"支援経過記録": 12, …, "変更履歴": 80}): counts only.
    counts = models.JSONField("廃棄した件数", default=dict, blank=True)
    disposed_at = models.DateTimeField("廃棄日時", null=True, blank=True)
    history = HistoricalRecords()

    class Meta:
        verbose_name = "廃棄記録の明細"
        verbose_name_plural = "廃棄記録の明細"
        ordering = ["kind", "fiscal_year", "number", "ended_on", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["plan", "kind", "record_id"], name="disposal_item_once_per_plan"
            )
        ]
        indexes = [models.Index(fields=["kind", "record_id"], name="disposal_item_record")]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} {self.label}"

    @property
    def label(self) -> str:
        """What the 廃棄簿 calls the record: the case number, or for a consultation or an
        アウトリーチ its 年度 and the head of its id (neither has a number)."""
        if self.number:
            return self.number
        return f"{fiscal_year_label(self.fiscal_year)}（ID {self.record_id[:8]}）"
