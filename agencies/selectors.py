"""Reads of master data: the 社会資源 registry and its 地域づくり figures.

The registry holds no personal data of the people supported, so its reads do not
depend on cases; who may read it at all is ``agencies.permissions``.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.db.models import Count, Q, QuerySet, Sum, Value
from django.db.models.functions import Coalesce, NullIf
from django.http import Http404

from core.japanese import normalize_text

from .models import CommunityResource, ResourceYearFigures


def resources_search(
    *, text: str = "", kind: str = "", area_id: int | None = None, active_only: bool = True
) -> QuerySet[CommunityResource]:
    """The registry, searched by name or ふりがな (全角/半角 and ひらがな/カタカナ ignored),
    kind and area; 五十音順."""
    resources = CommunityResource.objects.select_related("area")
    if active_only:
        resources = resources.filter(is_active=True)
    key = normalize_text(text)
    if key:
        resources = resources.filter(search_key__contains=key)
    if kind:
        resources = resources.filter(kind=kind)
    if area_id is not None:
        resources = resources.filter(area_id=area_id)
    # 五十音順 by ふりがな; one registered without it sorts by its name.
    return resources.order_by(Coalesce(NullIf("name_kana", Value("")), "name"), "name", "pk")


def resource_get(*, pk: int) -> CommunityResource:
    resource = CommunityResource.objects.select_related("area").filter(pk=pk).first()
    if resource is None:
        raise Http404
    return resource


def resource_figures(*, resource: CommunityResource) -> QuerySet[ResourceYearFigures]:
    return resource.year_figures.order_by("-fiscal_year")


@dataclass(frozen=True)
class ResourceYearTotals:
    """地域づくり indicators of one 年度 (MHLW's plan guideline; 中間アウトカム)."""

    fiscal_year: int
    hubs: int  # 拠点数
    participants: int  # 参加者数（延べ）
    citizens_running: int  # 居場所等の運営に携わる市民数
    agencies_count: int  # 参加機関数
    how: str = (
        "その年度に登録された社会資源ごとの年度実績を合計します。拠点数は「地域づくりの拠点」"
        "とした社会資源の数です。後で無効にした社会資源の実績も、その年度には数えます。"
    )


def resource_year_totals(*, fiscal_year: int) -> ResourceYearTotals:
    """Aggregate only (no names): for the managers' figures."""
    totals = ResourceYearFigures.objects.filter(fiscal_year=fiscal_year).aggregate(
        hubs=Count("pk", filter=Q(is_hub=True)),
        participants=Sum("participants"),
        citizens_running=Sum("citizens_running"),
        agencies_count=Sum("agencies_count"),
    )
    return ResourceYearTotals(
        fiscal_year=fiscal_year,
        hubs=totals["hubs"] or 0,
        participants=totals["participants"] or 0,
        citizens_running=totals["citizens_running"] or 0,
        agencies_count=totals["agencies_count"] or 0,
    )
