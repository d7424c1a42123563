"""つなぐシート: a referral from one agency's window to another (or to 多機関協働).

The sheet is a document sent at a moment: the household members and the person's
identity are copied from the household when it is sent (never retyped), so the
receiver reads the sheet without any access to the household itself. Who reported
abuse never enters it; contacts hidden by a DV等支援措置 are not copied.
"""

from __future__ import annotations

import datetime as dt
import uuid

from django.conf import settings
from django.db import models
from django.db.models import Q
from simple_history.models import HistoricalRecords

from core.japanese import format_wareki


class Referral(models.Model):
    class Status(models.TextChoices):
        SENT = "sent", "送付"
        ACCEPTED = "accepted", "受理"
        DECLINED = "declined", "辞退"
        COMPLETED = "completed", "対応完了"
        WITHDRAWN = "withdrawn", "取下げ"

    class Urgency(models.TextChoices):
        NORMAL = "normal", "通常"
        URGENT = "urgent", "至急"
        EMERGENCY = "emergency", "緊急"

    class ConsentState(models.TextChoices):
        GIVEN = "given", "本人同意あり"
        # Only to 多機関協働 (the 本人同意なし variant of the national form).
        NONE = "none", "本人同意なし"

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    household = models.ForeignKey(
        "cases.Household", verbose_name="世帯", on_delete=models.PROTECT, related_name="referrals"
    )
    person = models.ForeignKey(
        "cases.Person", verbose_name="本人", on_delete=models.PROTECT, related_name="referrals"
    )
    consultation = models.ForeignKey(
        "cases.Consultation",
        verbose_name="もとの相談受付",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="referrals",
    )
    case = models.ForeignKey(
        "cases.Case",
        verbose_name="ケース",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="referrals",
    )
    from_agency = models.ForeignKey(
        "agencies.Agency",
        verbose_name="送付元の機関",
        on_delete=models.PROTECT,
        related_name="referrals_sent",
    )
    sent_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name="送付した職員",
        on_delete=models.PROTECT,
        related_name="+",
    )
    sent_at = models.DateTimeField("送付日時", db_index=True)
    to_agency = models.ForeignKey(
        "agencies.Agency",
        verbose_name="紹介先の機関",
        on_delete=models.PROTECT,
        related_name="referrals_received",
    )
    urgency = models.CharField(
        "緊急度", max_length=10, choices=Urgency.choices, default=Urgency.NORMAL
    )
    consent_state = models.CharField("本人同意", max_length=10, choices=ConsentState.choices)
    consent = models.ForeignKey(
        "consent.Consent",
        verbose_name="送付の根拠となった同意",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="referrals",
    )
    issues = models.ManyToManyField(
        "cases.IssueCategory", verbose_name="お困りごとの内容", related_name="referrals"
    )
    situation = models.TextField("状況（何が起きているか）", max_length=4000)
    actions_taken = models.TextField("これまでの対応", max_length=2000, blank=True)
    reason = models.TextField("紹介する理由", max_length=2000)
    considerations = models.TextField("配慮してほしいこと", max_length=2000, blank=True)

    # The person as the sheet names them, copied when it is sent.
    person_name = models.CharField("氏名", max_length=101)
    person_kana = models.CharField("ふりがな", max_length=201, blank=True)
    person_sex = models.CharField("性別", max_length=20, blank=True)
    person_birth_date = models.DateField("生年月日", null=True, blank=True)
    person_age = models.CharField("年齢", max_length=20, blank=True)
    postal_code = models.CharField("郵便番号", max_length=8, blank=True)
    address = models.CharField("住所", max_length=200, blank=True)
    phone = models.CharField("電話", max_length=70, blank=True)
    # True when a DV等支援措置 was in effect: the contacts above were not copied.
    contacts_withheld = models.BooleanField(
        "住所・連絡先を記載しない（DV等支援措置）", default=False
    )
    # 世帯構成, 本人 first: [{"name", "age", "relation", "note"}].
    members = models.JSONField("世帯構成", default=list, blank=True)

    status = models.CharField("状態", max_length=10, choices=Status.choices, default=Status.SENT)
    answered_at = models.DateTimeField("回答日時", null=True, blank=True)
    answered_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name="回答した職員",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    decline_reason = models.CharField("辞退の理由", max_length=500, blank=True)
    completed_at = models.DateTimeField("対応完了日時", null=True, blank=True)
    completed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name="対応完了とした職員",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    completion_note = models.CharField("対応の結果", max_length=1000, blank=True)
    withdrawn_at = models.DateTimeField("取下げ日時", null=True, blank=True)
    withdrawn_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name="取り下げた職員",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    withdraw_reason = models.CharField("取下げの理由", max_length=500, blank=True)
    history = HistoricalRecords(m2m_fields=[issues])

    class Meta:
        verbose_name = "つなぐシート"
        verbose_name_plural = "つなぐシート"
        ordering = ["-sent_at"]
        indexes = [
            models.Index(fields=["to_agency", "status", "-sent_at"]),
            models.Index(fields=["from_agency", "-sent_at"]),
        ]
        constraints = [
            models.CheckConstraint(
                condition=~Q(from_agency=models.F("to_agency")), name="referral_not_to_itself"
            ),
            models.CheckConstraint(
                condition=~Q(status="declined") | ~Q(decline_reason=""),
                name="referral_declined_has_reason",
            ),
            models.CheckConstraint(
                condition=Q(consent_state="none") | Q(consent__isnull=False),
                name="referral_given_names_its_consent",
            ),
        ]

    def __str__(self) -> str:
        return f"つなぐシート（{self.to_agency}宛、{format_wareki(self.sent_at)}）"

    def answer_due(self, days: int) -> dt.datetime:
        return self.sent_at + dt.timedelta(days=days)

    def is_overdue(self, *, at: dt.datetime, days: int) -> bool:
        """回答期限超過: still unanswered ``days`` days after it was sent."""
        return self.status == self.Status.SENT and at > self.answer_due(days)
