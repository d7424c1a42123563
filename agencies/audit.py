"""Writing the access log. Every write goes through ``access_event_record``.

A failure to write is never swallowed: the request fails with it, so that no read of
personal data happens without its record.
"""

from __future__ import annotations

import re
from typing import Any

from django.conf import settings
from django.db import models, transaction
from django.http import HttpRequest
from django.utils import timezone

from .models import AccessEvent, User

Action = AccessEvent.Action


def client_ip(request: HttpRequest | None) -> str | None:
    if request is None:
        return None
    if settings.KASANE_TRUST_X_FORWARDED_FOR:
        forwarded = request.META.get("HTTP_X_FORWARDED_FOR", "")
        if forwarded:
            return forwarded.split(",")[0].strip() or None
    return request.META.get("REMOTE_ADDR") or None


def access_label(obj: models.Model) -> str:
    """What the log calls an object: its kind, and a case number where there is one —
    never a name (the administrator, who reads this log, must learn no case content)."""
    kind = str(obj._meta.verbose_name)
    number = getattr(obj, "number", "")
    if not number:
        try:
            number = getattr(getattr(obj, "case", None), "number", "") or ""
        except obj.__class__.DoesNotExist:  # a relation not set
            number = ""
    if isinstance(number, str) and number:
        return f"{kind} {number}"
    return f"{kind}（ID {str(obj.pk)[:8]}）"


_ID_VALUE = re.compile(r"^(?:[0-9a-fA-F-]{32,36}|\d{1,10})$")


def logged_path(request: HttpRequest) -> str:
    """The path and its query, where a value that is not an id (a search's words, a
    person's name) is replaced by 「…」: ids stay, for tracing who reached what."""
    pairs = [
        f"{key}={value if _ID_VALUE.match(value) else '…'}"
        for key, values in request.GET.lists()
        for value in values
    ]
    return request.path[:400] + (f"?{'&'.join(pairs)}" if pairs else "")


def access_event_record(
    *,
    action: str,
    request: HttpRequest | None = None,
    user: User | None = None,
    username: str = "",
    obj: models.Model | None = None,
    object_type: str = "",
    object_id: str = "",
    object_label: str = "",
    status_code: int | None = None,
    **detail: Any,
) -> AccessEvent:
    if user is None and request is not None and request.user.is_authenticated:
        user = request.user
    if obj is not None:
        object_type = object_type or obj._meta.label_lower
        object_id = object_id or str(obj.pk)
        object_label = object_label or access_label(obj)
    return AccessEvent.objects.create(
        at=timezone.now(),
        user=user,
        username=username or (user.get_username() if user else ""),
        agency_name=str(user.agency) if user else "",
        action=action,
        object_type=object_type,
        object_id=object_id,
        object_label=object_label,
        path=logged_path(request)[:500] if request is not None else "",
        method=request.method if request is not None else "",
        status_code=status_code,
        ip_address=client_ip(request),
        detail=detail,
    )


@transaction.atomic
def access_events_purge(*, before, actor_name: str) -> int:
    """Delete events older than ``before`` — the one exception to append-only — and
    record the purge itself, in one transaction.

    On PostgreSQL only the table's owner may delete (a trigger checks the role, no
    setting opens it): run the purge with the owner's database URL, as ``migrate``."""
    deleted, _ = AccessEvent.objects.filter(at__lt=before).delete()
    access_event_record(
        action=Action.PURGE,
        username=actor_name,
        object_type="agencies.accessevent",
        deleted=deleted,
        before=before.isoformat(),
    )
    return deleted
