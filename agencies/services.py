"""Writes about staff: 人事異動 (moving agency) and hand-over of a leaving coordinator."""

from __future__ import annotations

from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction

from core.japanese import normalize_text
from core.saving import model_save

from .audit import Action, access_event_record
from .events import staff_transferred
from .models import Agency, CommunityResource, ResourceYearFigures, User
from .permissions import can_maintain_resources
from .roles import Role, roles_text

# The account fields whose change is recorded in the access log (with roles).
ACCOUNT_FIELDS = {
    "agency": "所属機関",
    "is_active": "有効",
    "is_staff": "管理画面",
    "email": "メールアドレス",  # where the one-time links go
}


def _shown(value) -> str:
    """A value as the administrator reads it in the log: no True/False/None."""
    if isinstance(value, bool):
        return "はい" if value else "いいえ"
    return "（なし）" if value in (None, "") else str(value)


def account_snapshot(user: User) -> dict:
    """What an account change is compared against: the stored fields and roles."""
    stored = User.objects.get(pk=user.pk)
    snapshot = {name: getattr(stored, name) for name in ACCOUNT_FIELDS}
    snapshot["roles"] = sorted(stored.groups.values_list("name", flat=True))
    return snapshot


@transaction.atomic
def account_change_record(*, actor: User, user: User, before: dict | None, request=None) -> None:
    """After the admin form saved an account (``before`` is None for a new one): the
    roles go into the user's history (``roles_label``), and what changed — roles,
    agency, active flag, mail address — into the access log, with the acting admin."""
    if not actor.has_role(Role.ADMIN) and not actor.is_superuser:
        raise PermissionDenied
    roles = sorted(user.groups.values_list("name", flat=True))
    label = roles_text(roles)
    if user.roles_label != label:
        user.roles_label = label
        model_save(user, actor=actor, reason="役割の変更", fields=["roles_label"])
    changes = {}
    if before is not None:
        for name, title in ACCOUNT_FIELDS.items():
            if before[name] != getattr(user, name):
                changes[title] = [_shown(before[name]), _shown(getattr(user, name))]
        if before["roles"] != roles:
            changes["役割"] = [roles_text(before["roles"]), label]
        if not changes:
            return
    access_event_record(
        action=Action.ACCOUNT_CHANGED,
        request=request,
        user=actor,
        obj=user,
        changes=changes,
        created=before is None,
    )


@transaction.atomic
def staff_transfer(*, actor: User, user: User, agency: Agency, reason: str = "人事異動") -> None:
    """Move a user to another agency. What they saw through the old agency ends at
    once: agency grants follow the agency, and the apps that hold personal grants end
    them in the same transaction (``staff_transferred``)."""
    if not actor.has_role(Role.ADMIN):
        raise PermissionDenied
    if agency.pk == user.agency_id:
        raise ValidationError({"agency": "現在と同じ機関です。"})
    old_agency = user.agency
    user.agency = agency
    user._history_user = actor
    user._change_reason = reason
    user.save(update_fields=["agency"])
    staff_transferred.send(
        sender=User, user=user, old_agency=old_agency, actor=actor, reason=reason
    )
    access_event_record(
        action=Action.ACCOUNT_CHANGED,
        user=actor,
        obj=user,
        changes={"所属機関": [str(old_agency), str(agency)]},
        reason=reason,
    )


# ---------------------------------------------------------------------------
# 社会資源 (master data): the coordinators in the app, the admin role in the admin

RESOURCE_FIELDS = (
    "name",
    "name_kana",
    "kind",
    "area",
    "contact_person",
    "phone",
    "address",
    "offers",
    "is_active",
)
FIGURE_FIELDS = ("is_hub", "participants", "citizens_running", "agencies_count")


def _require_maintainer(actor: User) -> None:
    if not can_maintain_resources(actor):
        raise PermissionDenied


@transaction.atomic
def resource_save(
    *, actor: User, data: dict[str, Any], resource: CommunityResource | None = None
) -> CommunityResource:
    """Register a 社会資源 (``resource`` None) or change one. Nothing is deleted: a
    resource no longer used is made inactive, and the 参加支援 that named it keep it."""
    _require_maintainer(actor)
    unknown = set(data) - set(RESOURCE_FIELDS)
    if unknown:
        raise ValueError(f"not resource fields: {sorted(unknown)}")
    cleaned = {
        name: value.strip() if isinstance(value, str) else value for name, value in data.items()
    }
    if "name" in cleaned and not cleaned["name"]:
        raise ValidationError({"name": "名称を入力してください。"})
    if "kind" in cleaned and cleaned["kind"] not in CommunityResource.Kind.values:
        raise ValidationError({"kind": "種別を選んでください。"})
    if resource is None:
        resource = CommunityResource(**cleaned)
        reason = "社会資源の登録"
        fields: list[str] = []
    else:
        resource = CommunityResource.objects.select_for_update().get(pk=resource.pk)
        fields = [n for n, v in cleaned.items() if getattr(resource, n) != v]
        if not fields:
            return resource
        for name in fields:
            setattr(resource, name, cleaned[name])
        reason = "社会資源の変更"
        fields += ["search_key", "updated_at"]
    resource.search_key = normalize_text(resource.name) + " " + normalize_text(resource.name_kana)
    model_save(resource, actor=actor, reason=reason, fields=fields)
    return resource


@transaction.atomic
def resource_figures_save(
    *, actor: User, resource: CommunityResource, fiscal_year: int, data: dict[str, Any]
) -> ResourceYearFigures:
    """The 年度 figures of a resource: one row per resource and 年度, written again
    when corrected (the earlier figures stay in its history)."""
    _require_maintainer(actor)
    unknown = set(data) - set(FIGURE_FIELDS)
    if unknown:
        raise ValueError(f"not figure fields: {sorted(unknown)}")
    # The resource's row serializes the writers of its figures: no duplicate year.
    resource = CommunityResource.objects.select_for_update().get(pk=resource.pk)
    figures = ResourceYearFigures.objects.filter(resource=resource, fiscal_year=fiscal_year).first()
    if figures is None:
        figures = ResourceYearFigures(resource=resource, fiscal_year=fiscal_year, **data)
        model_save(figures, actor=actor, reason="年度実績の登録")
        return figures
    changed = [name for name, value in data.items() if getattr(figures, name) != value]
    if changed:
        for name in changed:
            setattr(figures, name, data[name])
        model_save(figures, actor=actor, reason="年度実績の修正", fields=[*changed, "updated_at"])
    return figures
