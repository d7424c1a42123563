"""Views of アウトリーチ等を通じた継続的支援.

Thin: access helper (404 unseen, 403 seen but not allowed) → form → service → redirect.
"""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_http_methods, require_safe

from agencies.audit import Action, access_event_record
from agencies.submissions import AlreadySubmitted, already_submitted_response, submit_once
from core.paging import page_of

from .. import selectors
from ..forms import add_service_errors
from ..forms.outreach import (
    OutreachContactForm,
    OutreachEndForm,
    OutreachHouseholdForm,
    OutreachPersonForm,
    OutreachSearchForm,
    OutreachStartForm,
)
from ..masking import masking_for
from ..models import OutreachEngagement
from ..permissions import Need, can_list_case_data, works_cases
from ..services import outreach as services


@require_safe
def outreach_list(request: HttpRequest) -> HttpResponse:
    """アウトリーチ（伴走中）: the engagements the user sees, searchable by name."""
    if not can_list_case_data(request.user):
        raise PermissionDenied
    form = OutreachSearchForm(request.GET or None)
    query, status = "", OutreachEngagement.Status.ACTIVE
    if form.is_bound and form.is_valid():
        query = form.cleaned_data["q"]
        status = form.cleaned_data["status"] or status
    rows = selectors.outreach_list_for_user(user=request.user, query=query, status=status)
    page = page_of(request, rows)
    return render(
        request,
        "cases/outreach_list.html",
        {"form": form, "page": page, "status": status, "query": query},
    )


@require_http_methods(["GET", "POST"])
def outreach_new(request: HttpRequest) -> HttpResponse:
    """Start an outreach: for a household the user works (``?household=``), or for a
    household of concern registered here with its 本人."""
    if not works_cases(request.user):
        raise PermissionDenied
    household = None
    if request.GET.get("household"):
        household = selectors.household_get_for_user(
            user=request.user, pk=request.GET["household"], need=Need.WORK
        )
    data = request.POST if request.method == "POST" else None
    form = OutreachStartForm(data, initial={"started_on": timezone.localdate()})
    household_form = OutreachHouseholdForm(data, prefix="h") if household is None else None
    person_form = OutreachPersonForm(data, prefix="p") if household is None else None
    forms = [f for f in (form, household_form, person_form) if f is not None]
    if request.method == "POST" and all([f.is_valid() for f in forms]):
        try:
            engagement = submit_once(
                user=request.user,
                token=form.cleaned_data["form_token"],
                create=lambda: services.outreach_start(
                    actor=request.user,
                    household=household,
                    household_data=household_form.cleaned_data if household_form else None,
                    person_data=person_form.service_data() if person_form else None,
                    started_on=form.cleaned_data["started_on"],
                    concern=form.cleaned_data["concern"],
                ),
                url_of=lambda engagement: reverse("cases:outreach_detail", args=[engagement.pk]),
            )
        except AlreadySubmitted as done:
            return already_submitted_response(
                request, done, fallback=reverse("cases:outreach_list")
            )
        except ValidationError as exc:
            add_service_errors(form, exc)
        else:
            messages.success(request, "アウトリーチを開始しました。")
            return redirect("cases:outreach_detail", pk=engagement.pk)
    return render(
        request,
        "cases/outreach_form.html",
        {
            "form": form,
            "household": household,
            "household_form": household_form,
            "person_form": person_form,
        },
    )


@require_safe
def outreach_detail(request: HttpRequest, pk) -> HttpResponse:
    engagement = selectors.outreach_get_for_user(user=request.user, pk=pk)
    access_event_record(action=Action.VIEW, request=request, obj=engagement)
    needs = selectors.outreach_needs_for_user(user=request.user, engagement=engagement)
    household = engagement.household
    can_work = Need.WORK in needs and engagement.is_active
    return render(
        request,
        "cases/outreach_detail.html",
        {
            "engagement": engagement,
            "household": household,
            "members": selectors.members_in_order(household=household),
            "masking": masking_for(user=request.user, households=[household]),
            "contacts": selectors.outreach_contacts(engagement=engagement),
            "case": selectors.outreach_case(engagement=engagement),
            "can_work": can_work,
            "can_link": can_work and engagement.consultation_id is None,
        },
    )


@require_http_methods(["GET", "POST"])
def outreach_contact_new(request: HttpRequest, pk) -> HttpResponse:
    engagement = selectors.outreach_get_for_user(user=request.user, pk=pk, need=Need.WORK)
    form = OutreachContactForm(request.POST or None, initial={"contacted_on": timezone.localdate()})
    back = reverse("cases:outreach_detail", args=[engagement.pk])
    if request.method == "POST" and form.is_valid():
        data = {k: v for k, v in form.cleaned_data.items() if k != "form_token"}
        try:
            submit_once(
                user=request.user,
                token=form.cleaned_data["form_token"],
                create=lambda: services.outreach_contact_add(
                    actor=request.user, engagement=engagement, **data
                ),
                url_of=lambda _contact: back,
            )
        except AlreadySubmitted as done:
            return already_submitted_response(request, done, fallback=back)
        except ValidationError as exc:
            add_service_errors(form, exc)
        else:
            messages.success(request, "接触の記録を保存しました。")
            return redirect(back)
    return render(
        request, "cases/outreach_contact_form.html", {"engagement": engagement, "form": form}
    )


@require_http_methods(["GET", "POST"])
def outreach_end(request: HttpRequest, pk) -> HttpResponse:
    engagement = selectors.outreach_get_for_user(user=request.user, pk=pk, need=Need.WORK)
    form = OutreachEndForm(request.POST or None, initial={"ended_on": timezone.localdate()})
    if request.method == "POST" and form.is_valid():
        try:
            services.outreach_end(actor=request.user, engagement=engagement, **form.cleaned_data)
        except ValidationError as exc:
            add_service_errors(form, exc)
        else:
            messages.success(request, "アウトリーチを終了しました。")
            return redirect("cases:outreach_detail", pk=engagement.pk)
    return render(request, "cases/outreach_end.html", {"engagement": engagement, "form": form})
