"""The managers' read-only pages of the 廃棄記録. Listing, approving and executing are
done on the server with ``manage.py dispose_records`` (README): a disposal deletes
records for good, and is not a button on a page."""

from __future__ import annotations

from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.views.decorators.http import require_GET

from .disposal import counts_in_order
from .models import DisposalItem
from .permissions import may_manage_disposal
from .rules import retention_years_all
from .selectors import disposal_plan_get_for_user, disposal_plans_for


@require_GET
def plans(request: HttpRequest) -> HttpResponse:
    if not may_manage_disposal(user=request.user):
        raise PermissionDenied
    return render(
        request,
        "retention/plans.html",
        {"plans": disposal_plans_for(user=request.user), "years": retention_years_all()},
    )


@require_GET
def plan_detail(request: HttpRequest, pk) -> HttpResponse:
    plan = disposal_plan_get_for_user(user=request.user, pk=pk)
    items = [(item, counts_in_order(item.counts)) for item in plan.items.all()]
    disposed = sum(1 for item, _ in items if item.status == DisposalItem.Status.DISPOSED)
    return render(
        request,
        "retention/plan_detail.html",
        {"plan": plan, "items": items, "disposed": disposed},
    )
