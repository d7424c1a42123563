"""参加支援: matching a member of a case's household to a 社会資源 (a 居場所, a 協力事業者
…) and following how it goes. Written only by ``cases.services.participation``;
nothing is deleted — a match that did not work out is 中断 or 終了 with its outcome.
"""

from __future__ import annotations

import uuid

from django.conf import settings
from django.db import models
from django.db.models import F, Q
from simple_history.models import HistoricalRecords

from . import Case, Person, VersionedModel


class ParticipationSupport(VersionedModel):
    class Status(models.TextChoices):
        ARRANGING = "arranging", "調整中"
        PARTICIPATING = "participating", "参加中"
        PAUSED = "paused", "中断"
        ENDED = "ended", "終了"

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    case = models.ForeignKey(
        Case, verbose_name="ケース", on_delete=models.PROTECT, related_name="participations"
    )
    person = models.ForeignKey(
        Person, verbose_name="参加する人", on_delete=models.PROTECT, related_name="participations"
    )
    resource = models.ForeignKey(
        "agencies.CommunityResource",
        verbose_name="つなぐ社会資源",
        on_delete=models.PROTECT,
        related_name="participations",
    )
    started_on = models.DateField("開始日")
    status = models.CharField(
        "状況", max_length=20, choices=Status.choices, default=Status.ARRANGING
    )
    outcome = models.TextField("参加の様子・成果", max_length=1000, blank=True)
    ended_on = models.DateField("終了日", null=True, blank=True)
    note = models.CharField("備考", max_length=500, blank=True)
    agency = models.ForeignKey(
        "agencies.Agency",
        verbose_name="つないだ機関",
        on_delete=models.PROTECT,
        related_name="+",
        editable=False,
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name="登録した職員",
        on_delete=models.PROTECT,
        related_name="+",
        editable=False,
    )
    history = HistoricalRecords()

    class Meta:
        verbose_name = "参加支援"
        verbose_name_plural = "参加支援"
        ordering = ["-started_on", "-created_at"]
        indexes = [models.Index(fields=["started_on"], name="participation_started")]
        constraints = [
            models.CheckConstraint(
                condition=Q(ended_on__isnull=True) | Q(ended_on__gte=F("started_on")),
                name="participation_ends_after_start",
                violation_error_message="終了日は開始日以降にしてください。",
            )
        ]

    def __str__(self) -> str:
        return f"{self.resource}への参加支援"
