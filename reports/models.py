"""The reports app's data.

Each section below belongs to one part of the app; keep them apart so that a section can
be read (and merged) on its own.
"""

from __future__ import annotations

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import Q
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
