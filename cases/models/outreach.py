"""アウトリーチ等を通じた継続的支援: engagements with a household of concern and the
contacts log, which may start before a case exists (DESIGN.md "The flow").

Rows are written only by ``cases.services.outreach``, which deletes nothing — an
engagement is ended (終了) with its reason, and it stays linked to the consultation it
became. Past its 保存年限 it is disposed of by ``retention`` with that consultation, or
on its own (with its contacts log) when it never became one.
"""

from __future__ import annotations

import uuid

from django.conf import settings
from django.db import models
from simple_history.models import HistoricalRecords

from . import Consultation, Household, VersionedModel


class OutreachEngagement(VersionedModel):
    """A household of concern that an agency goes out to (伴走): who carries it, why,
    and — once it becomes one — the consultation it led to."""

    class Status(models.TextChoices):
        ACTIVE = "active", "伴走中"
        ENDED = "ended", "終了"

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    household = models.ForeignKey(
        Household,
        verbose_name="世帯",
        on_delete=models.PROTECT,
        related_name="outreach_engagements",
    )
    started_on = models.DateField("開始日")
    started_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name="開始した職員",
        on_delete=models.PROTECT,
        related_name="+",
        editable=False,
    )
    agency = models.ForeignKey(
        "agencies.Agency",
        verbose_name="担当機関",
        on_delete=models.PROTECT,
        related_name="outreach_engagements",
        editable=False,
    )
    concern = models.TextField("気になっていること（主訴）", max_length=2000)
    status = models.CharField(
        "状態", max_length=10, choices=Status.choices, default=Status.ACTIVE, editable=False
    )
    ended_on = models.DateField("終了日", null=True, blank=True, editable=False)
    end_reason = models.CharField("終了の理由", max_length=500, blank=True, editable=False)
    consultation = models.ForeignKey(
        Consultation,
        verbose_name="つながった相談受付",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="outreach_engagements",
        editable=False,
    )
    history = HistoricalRecords()

    class Meta:
        verbose_name = "アウトリーチ"
        verbose_name_plural = "アウトリーチ"
        ordering = ["-started_on", "-created_at"]
        indexes = [models.Index(fields=["agency", "status"], name="outreach_agency_status")]

    def __str__(self) -> str:
        return f"{self.household}さん世帯へのアウトリーチ"

    @property
    def is_active(self) -> bool:
        return self.status == self.Status.ACTIVE


class OutreachContact(VersionedModel):
    """One contact of the log: when, how, with whom, what happened."""

    class Method(models.TextChoices):
        VISIT = "visit", "訪問"
        PHONE = "phone", "電話"
        LETTER = "letter", "手紙"
        ACCOMPANY = "accompany", "同行"
        FROM_AGENCY = "from_agency", "関係機関から"
        OTHER = "other", "その他"

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    engagement = models.ForeignKey(
        OutreachEngagement,
        verbose_name="アウトリーチ",
        on_delete=models.PROTECT,
        related_name="contacts",
    )
    contacted_on = models.DateField("日付")
    method = models.CharField("方法", max_length=20, choices=Method.choices)
    with_whom = models.CharField("会えた人・話した相手", max_length=100, blank=True)
    what_happened = models.TextField("様子・やりとり", max_length=4000)
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name="記録した職員",
        on_delete=models.PROTECT,
        related_name="+",
        editable=False,
    )
    agency = models.ForeignKey(
        "agencies.Agency",
        verbose_name="記録した機関",
        on_delete=models.PROTECT,
        related_name="+",
        editable=False,
    )
    history = HistoricalRecords()

    class Meta:
        verbose_name = "アウトリーチの接触記録"
        verbose_name_plural = "アウトリーチの接触記録"
        ordering = ["-contacted_on", "-created_at"]
        indexes = [
            models.Index(fields=["engagement", "-contacted_on"], name="outreach_contact_date")
        ]

    def __str__(self) -> str:
        return f"{self.get_method_display()}の記録"
