"""How every service saves a model: validated, with the acting user and the reason on
its history row, only the fields it changed."""

from __future__ import annotations

from collections.abc import Iterable

from django.db import models


def model_save(
    instance: models.Model, *, actor, reason: str = "", fields: Iterable[str] = ()
) -> None:
    """``full_clean`` then ``save(update_fields=…)``; simple-history records ``actor``
    and ``reason`` (the change reason) on the history row it writes."""
    instance._history_user = actor
    instance._change_reason = reason or None
    instance.full_clean()
    update_fields = list(fields) or None
    instance.save(update_fields=update_fields)
