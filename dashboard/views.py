"""The home page: one section per role the user holds, each a list to act on."""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils import timezone
from django.views.decorators.http import require_safe

from agencies.roles import Role
from cases import selectors as case_selectors
from core.japanese import fiscal_year, fiscal_year_label
from referrals import selectors as referral_selectors
from referrals.models import Referral

from . import selectors


@require_safe
def home(request: HttpRequest) -> HttpResponse:
    user = request.user
    context: dict = {"fiscal_year_label": fiscal_year_label(fiscal_year(timezone.now()))}
    if user.has_role(Role.COORDINATOR, Role.AGENCY_STAFF):
        context.update(case_selectors.case_worker_home(user=user))
        # New つなぐシート for the user's agency (for a hub: its coordinators).
        context["referrals_waiting"] = list(
            referral_selectors.referrals_received(user=user)
            .filter(status=Referral.Status.SENT)
            .order_by("sent_at")[:10]
        )
    if user.has_role(Role.COORDINATOR):
        context.update(selectors.coordinator_home(user=user))
    if user.has_role(Role.SECRETARIAT):
        context["secretariat"] = selectors.secretariat_home(user=user)
    if user.has_role(Role.MANAGER):
        context["manager"] = selectors.manager_home(user=user)
    if user.has_role(Role.ADMIN):
        context["admin"] = selectors.admin_home(user=user)
    return render(request, "dashboard/home.html", context)
