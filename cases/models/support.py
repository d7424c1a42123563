"""The support that follows a case's opening: 支援経過記録, 中断・再開, 終結・再開.

Plans and the assessment sheet live beside these (``cases.models.plans``). Rows are
written only by ``cases.services.support``; nothing is deleted — a record is
cancelled (取消) with its reason, a closure is followed by a reopening.
"""

from __future__ import annotations

import uuid

from django.conf import settings
from django.db import models
from django.db.models import Q
from simple_history.models import HistoricalRecords

from . import Case, VersionedModel


class SupportRecord(VersionedModel):
    """支援経過記録: what was done for the household, when, how and by which agency.

    閲覧制限: only the managing coordinators and the author's agency see it, and it
    never enters a packet. A correction keeps the earlier text in history.
    """

    class Kind(models.TextChoices):
        VISIT = "visit", "訪問"
        PHONE = "phone", "電話"
        OFFICE = "office", "来所"
        ACCOMPANY = "accompany", "同行"
        MEETING = "meeting", "会議"
        OTHER = "other", "その他"

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    case = models.ForeignKey(
        Case, verbose_name="ケース", on_delete=models.PROTECT, related_name="records"
    )
    occurred_on = models.DateField("実施日")
    kind = models.CharField("種別", max_length=20, choices=Kind.choices)
    content = models.TextField("内容", max_length=4000)
    restricted = models.BooleanField(
        "閲覧制限",
        default=False,
        help_text="担当の調整役と記録した機関だけが見られます。会議資料には載りません。",
    )
    agency = models.ForeignKey(
        "agencies.Agency",
        verbose_name="記録した機関",
        on_delete=models.PROTECT,
        related_name="+",
        editable=False,
    )
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name="記録した職員",
        on_delete=models.PROTECT,
        related_name="+",
        editable=False,
    )
    cancelled_at = models.DateTimeField("取消日時", null=True, blank=True, editable=False)
    cancelled_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name="取り消した職員",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        editable=False,
    )
    cancel_reason = models.CharField("取消の理由", max_length=200, blank=True, editable=False)
    history = HistoricalRecords()

    class Meta:
        verbose_name = "支援経過記録"
        verbose_name_plural = "支援経過記録"
        ordering = ["-occurred_on", "-created_at"]
        indexes = [models.Index(fields=["case", "-occurred_on"], name="record_case_date")]

    def __str__(self) -> str:
        return f"{self.get_kind_display()}の記録"

    @property
    def is_cancelled(self) -> bool:
        return self.cancelled_at is not None


class CaseSuspension(models.Model):
    """中断: support paused (lost contact, refusal); 再開 returns the case to where it was."""

    class Reason(models.TextChoices):
        LOST_CONTACT = "lost_contact", "連絡が取れない"
        REFUSAL = "refusal", "本人・世帯が支援を拒否"
        OTHER = "other", "その他"

    case = models.ForeignKey(
        Case, verbose_name="ケース", on_delete=models.PROTECT, related_name="suspensions"
    )
    reason = models.CharField("中断の理由", max_length=20, choices=Reason.choices)
    note = models.CharField("中断の経緯", max_length=500)
    previous_status = models.CharField("中断前の状態", max_length=20, choices=Case.Status.choices)
    suspended_at = models.DateTimeField("中断日時")
    suspended_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name="中断した職員",
        on_delete=models.PROTECT,
        related_name="+",
    )
    resumed_at = models.DateTimeField("再開日時", null=True, blank=True)
    resumed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name="再開した職員",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    resume_note = models.CharField("再開の経緯", max_length=500, blank=True)
    history = HistoricalRecords()

    class Meta:
        verbose_name = "ケースの中断"
        verbose_name_plural = "ケースの中断"
        ordering = ["-suspended_at"]
        constraints = [
            models.UniqueConstraint(
                fields=["case"],
                condition=Q(resumed_at__isnull=True),
                name="one_open_suspension_per_case",
            )
        ]

    def __str__(self) -> str:
        return f"{self.case} の中断（{self.get_reason_display()}）"


class CaseClosure(models.Model):
    """終結 with its reason and final evaluation; a reopening is recorded on the same row."""

    class Reason(models.TextChoices):
        RESOLVED = "resolved", "主訴解消"
        EXISTING_WINDOW = "existing_window", "既存の窓口で支援可能"
        BACK_TO_COMPREHENSIVE = "comprehensive", "包括的相談支援へ戻す"
        MOVED_OUT = "moved_out", "転出"
        DECEASED = "deceased", "死亡"
        OTHER = "other", "その他"

    # Reasons that hand the support over to an agency that carries on.
    HANDOVER_REASONS = frozenset({Reason.EXISTING_WINDOW, Reason.BACK_TO_COMPREHENSIVE})

    class Improvement(models.TextChoices):
        IMPROVED = "improved", "改善が見られた"
        NOT_IMPROVED = "not_improved", "改善が見られなかった"
        UNKNOWN = "unknown", "判断できない"

    case = models.ForeignKey(
        Case, verbose_name="ケース", on_delete=models.PROTECT, related_name="closures"
    )
    reason = models.CharField("終結の理由", max_length=20, choices=Reason.choices)
    note = models.CharField("終結の経緯", max_length=500, blank=True)
    handover_agency = models.ForeignKey(
        "agencies.Agency",
        verbose_name="引き継ぐ主担当機関",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    # The national outcome 「自立に向けた改善が見られた者」 (a 実績報告 item).
    improvement = models.CharField("自立に向けた改善", max_length=20, choices=Improvement.choices)
    evaluation = models.TextField("最終評価（支援の経過と成果）", max_length=2000)
    closed_at = models.DateTimeField("終結日時")
    closed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name="終結した職員",
        on_delete=models.PROTECT,
        related_name="+",
    )
    reopened_at = models.DateTimeField("再開日時", null=True, blank=True)
    reopened_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name="再開した職員",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    reopen_reason = models.CharField("再開の理由", max_length=500, blank=True)
    history = HistoricalRecords()

    class Meta:
        verbose_name = "ケースの終結"
        verbose_name_plural = "ケースの終結"
        ordering = ["-closed_at"]
        constraints = [
            models.UniqueConstraint(
                fields=["case"],
                condition=Q(reopened_at__isnull=True),
                name="one_standing_closure_per_case",
            )
        ]

    def __str__(self) -> str:
        return f"{self.case} の終結（{self.get_reason_display()}）"
