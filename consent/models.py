"""Consent (本人同意) per person: who it covers, for what, until when, given by whom."""

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
    # Scanned documents live outside MEDIA_ROOT and are served only by a checked view.
    return PrivateStorage("consents")


def _document_path(instance: Consent, filename: str) -> str:
    """The client's file name is ignored: the extension is that of the detected type."""
    suffix = document_extension(instance.document_content_type)
    return f"{instance.person_id}/{uuid.uuid4().hex}.{suffix}"


class Consent(models.Model):
    class Purpose(models.TextChoices):
        SHARING = "sharing", "関係機関との情報共有"
        MEETING = "meeting", "重層的支援会議での協議"
        PLAN = "plan", "支援プランの作成"

    class Method(models.TextChoices):
        WRITTEN = "written", "書面"
        ORAL = "oral", "口頭"

    class GivenBy(models.TextChoices):
        SELF = "self", "本人"
        PARENT = "parent", "親権者"
        MINOR_GUARDIAN = "minor_guardian", "未成年後見人"
        ADULT_GUARDIAN = "adult_guardian", "成年後見人"
        CURATOR = "curator", "保佐人・補助人（代理権あり）"

    class State(models.TextChoices):
        VALID = "valid", "有効"
        EXPIRED = "expired", "期限切れ"
        WITHDRAWN = "withdrawn", "撤回"
        NOT_YET = "not_yet", "開始前"
        NONE = "none", "なし"

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    person = models.ForeignKey(
        "cases.Person", verbose_name="本人", on_delete=models.PROTECT, related_name="consents"
    )
    agencies = models.ManyToManyField(
        "agencies.Agency", verbose_name="共有してよい機関（範囲）", related_name="consents"
    )
    purpose_sharing = models.BooleanField("関係機関との情報共有", default=False)
    purpose_meeting = models.BooleanField("重層的支援会議での協議", default=False)
    purpose_plan = models.BooleanField("支援プランの作成", default=False)
    method = models.CharField("同意の方法", max_length=10, choices=Method.choices)
    witness = models.CharField("立ち会った職員（口頭の場合）", max_length=100, blank=True)
    obtained_on = models.DateField("同意を得た日")
    valid_until = models.DateField("有効期限（この日まで有効）", null=True, blank=True)
    obtained_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name="同意を得た職員",
        on_delete=models.PROTECT,
        related_name="+",
    )
    given_by = models.CharField("同意した人", max_length=20, choices=GivenBy.choices)
    proxy_name = models.CharField("法定代理人の氏名", max_length=100, blank=True)
    self_capacity_confirmed = models.BooleanField(
        "15歳以上で、同意の内容を理解できることを確認した",
        default=False,
        help_text="生年月日がわからない方が本人として同意するときに確認します。",
    )
    document = models.FileField(
        "同意書（PDF・JPEG・PNG）",
        storage=private_storage,
        upload_to=_document_path,
        blank=True,
        max_length=200,
    )
    document_content_type = models.CharField(max_length=50, blank=True, editable=False)
    withdrawn_on = models.DateField("撤回日", null=True, blank=True)
    withdrawal_reason = models.CharField("撤回の理由", max_length=200, blank=True)
    withdrawn_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name="撤回を記録した職員",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    created_at = models.DateTimeField("記録日時", auto_now_add=True)
    history = HistoricalRecords(m2m_fields=[agencies])

    class Meta:
        verbose_name = "同意"
        verbose_name_plural = "同意"
        ordering = ["-obtained_on", "-created_at"]
        constraints = [
            models.CheckConstraint(
                condition=Q(valid_until__isnull=True) | Q(valid_until__gte=models.F("obtained_on")),
                name="consent_valid_until_after_obtained",
            ),
        ]
        indexes = [
            # The consents ending soon (coordinator's home, 同意の期限一覧).
            models.Index(
                fields=["valid_until"],
                condition=Q(withdrawn_on__isnull=True),
                name="consent_ending_not_withdrawn",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.person}の同意（{format_wareki(self.obtained_on)}）"

    @property
    def purposes(self) -> list[str]:
        return [
            purpose
            for purpose, flag in (
                (self.Purpose.SHARING, self.purpose_sharing),
                (self.Purpose.MEETING, self.purpose_meeting),
                (self.Purpose.PLAN, self.purpose_plan),
            )
            if flag
        ]

    def state_on(self, day: dt.date) -> str:
        """有効 when obtained on or before ``day``, not expired before it (the end date
        is inclusive) and not withdrawn by then."""
        if self.withdrawn_on is not None and self.withdrawn_on <= day:
            return self.State.WITHDRAWN
        if self.obtained_on > day:
            return self.State.NOT_YET
        if self.valid_until is not None and self.valid_until < day:
            return self.State.EXPIRED
        return self.State.VALID

    def is_valid_on(self, day: dt.date) -> bool:
        return self.state_on(day) == self.State.VALID
