"""How every service saves a model: validated, with the acting user and the reason on
its history row, only the fields it changed."""

from __future__ import annotations

from collections.abc import Iterable

from django.core.exceptions import ValidationError
from django.db import models


def model_save(
    instance: models.Model, *, actor, reason: str = "", fields: Iterable[str] = ()
) -> None:
    """``full_clean`` then ``save(update_fields=…)``; simple-history records ``actor``
    and ``reason`` (the change reason) on the history row it writes."""
    instance._history_user = actor
    instance._change_reason = (reason or "").replace("\x00", "") or None
    instance.full_clean()
    _refuse_nul(instance)
    update_fields = list(fields) or None
    instance.save(update_fields=update_fields)


def _refuse_nul(instance: models.Model) -> None:
    """PostgreSQL cannot store a NUL byte in text. Forms refuse it; a value that reached
    a service another way (a view reading request.POST, a task) is refused here, with a
    message, instead of failing in the database."""
    errors = {
        field.name: "使えない文字（制御文字）が含まれています。入力し直してください。"
        for field in instance._meta.concrete_fields
        if isinstance(field, models.CharField | models.TextField)
        and "\x00" in (getattr(instance, field.attname) or "")
    }
    if errors:
        raise ValidationError(errors)
