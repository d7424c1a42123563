"""成果指標の目標値: who may set them (the policy), the one write (the service) and the
reads. The manager sets a target per 年度; the actual value is always counted
(``cases.selectors.stakeholder_count``), never typed."""

from __future__ import annotations

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import QuerySet

from agencies.models import User
from core.saving import model_save

from .models import OutcomeTarget
from .permissions import may_set_outcome_targets


def outcome_targets() -> QuerySet[OutcomeTarget]:
    """Every 年度's target, oldest first (aggregate master data: no personal data)."""
    return OutcomeTarget.objects.select_related("set_by").order_by("fiscal_year")


def outcome_target_for(*, fiscal_year: int) -> OutcomeTarget | None:
    return OutcomeTarget.objects.filter(fiscal_year=fiscal_year).first()


@transaction.atomic
def outcome_target_set(
    *, actor: User, fiscal_year: int, target: int, note: str = ""
) -> OutcomeTarget:
    """Set (or correct) the target of a 年度. The earlier value stays in the history
    with who changed it. Refused (PermissionDenied) for anyone but a manager; the
    request path writes the refusal to the access log (CaseDataDeniedLogMiddleware),
    as for every other service."""
    if not may_set_outcome_targets(user=actor):
        raise PermissionDenied
    note = (note or "").strip()
    # Bad input is a ValidationError with a Japanese message, never a TypeError: a
    # caller other than the form (a shell, a task) gets the same answer.
    if isinstance(fiscal_year, bool) or not isinstance(fiscal_year, int):
        raise ValidationError({"fiscal_year": "年度を選んでください。"})
    if isinstance(target, bool) or not isinstance(target, int):
        raise ValidationError({"target": "目標値は整数で入力してください。"})
    if target < 0:
        raise ValidationError({"target": "目標値は0以上にしてください。"})
    # The year's row, locked: two managers saving at once write one row after the other.
    existing = OutcomeTarget.objects.select_for_update().filter(fiscal_year=fiscal_year).first()
    if existing is None:
        made = OutcomeTarget(fiscal_year=fiscal_year, target=target, note=note, set_by=actor)
        model_save(made, actor=actor, reason="成果指標の目標値の設定")
        return made
    changed = [
        name
        for name, value in (("target", target), ("note", note))
        if getattr(existing, name) != value
    ]
    if not changed:
        return existing
    existing.target = target
    existing.note = note
    existing.set_by = actor
    model_save(
        existing,
        actor=actor,
        reason="成果指標の目標値の変更",
        fields=[*changed, "set_by", "updated_at"],
    )
    return existing
