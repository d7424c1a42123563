"""Thin views: access helper → form → service → redirect. A sheet the user is not a
side of answers 404; one they see but may not act on answers 403."""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_http_methods, require_POST, require_safe

from agencies.audit import Action, access_event_record
from agencies.roles import Role
from agencies.submissions import AlreadySubmitted, already_submitted_response, submit_once
from cases.forms import add_service_errors
from cases.masking import MASK_TEXT, protected_household_ids
from cases.permissions import Need, can_list_case_data, case_needs
from cases.selectors import case_get_for_user, consultation_get_for_user, members_in_order
from consent.models import Consent
from consent.selectors import covered_agency_names
from core.japanese import fiscal_year, fiscal_year_label
from core.paging import page_of

from . import selectors, services
from .forms import CompleteForm, DeclineForm, FiscalYearForm, ReferralForm, WithdrawForm
from .models import Referral
from .permissions import may_answer, may_send_from_case, may_send_from_consultation, may_withdraw


def _page(request: HttpRequest, queryset):
    return page_of(request, queryset)


# -- lists ---------------------------------------------------------------------


@require_safe
def referral_list(request: HttpRequest) -> HttpResponse:
    """受け取った / 送った, newest first, each flagged when its answer is overdue."""
    if not can_list_case_data(request.user):
        raise PermissionDenied
    tab = "sent" if request.GET.get("tab") == "sent" else "received"
    if tab == "sent":
        referrals = selectors.referrals_sent(user=request.user)
    else:
        referrals = selectors.referrals_received(user=request.user)
    query = request.GET.get("q", "")[:50]
    referrals = selectors.referrals_matching(referrals, query=query)
    status = request.GET.get("status", "")
    if status == "open":
        referrals = referrals.filter(status__in=[Referral.Status.SENT, Referral.Status.ACCEPTED])
    elif status in Referral.Status.values:
        referrals = referrals.filter(status=status)
    else:
        status = ""
    received = selectors.referrals_received(user=request.user)
    return render(
        request,
        "referrals/referral_list.html",
        {
            "tab": tab,
            "status": status,
            "statuses": Referral.Status.choices,
            "page": _page(request, referrals.order_by("-sent_at")),
            "new_count": received.filter(status=Referral.Status.SENT).count(),
            "answer_days": selectors.answer_days(),
            "query": query,
        },
    )


@require_safe
def referral_monthly(request: HttpRequest) -> HttpResponse:
    """Coordinators: sheets sent to 多機関協働 per agency and month of a 年度 — an agency
    from which nothing comes up shows its zeros."""
    if not request.user.has_role(Role.COORDINATOR):
        raise PermissionDenied
    form = FiscalYearForm(request.GET or None)
    current = fiscal_year(timezone.now())
    year = current
    if form.is_valid() and form.cleaned_data["year"] is not None:
        year = form.cleaned_data["year"]
    table = selectors.referrals_monthly_table(year=year)
    return render(
        request,
        "referrals/referral_monthly.html",
        {
            "form": form,
            "table": table,
            "year_label": fiscal_year_label(year),
            "previous": year - 1 if year > 2000 else None,
            "next": year + 1 if year < current else None,
        },
    )


# -- new sheet -------------------------------------------------------------------


def _referral_new(request, *, household, person, subjects, consultation, case, initial, back):
    members = list(members_in_order(household=household))
    form = ReferralForm(
        request.POST or None,
        actor=request.user,
        members=members,
        subjects=subjects,
        initial=initial,
    )
    if request.method == "POST" and form.is_valid():
        try:
            referral = submit_once(
                user=request.user,
                token=form.cleaned_data["form_token"],
                create=lambda: services.referral_send(
                    actor=request.user,
                    to_agency=form.cleaned_data["to_agency"],
                    data=form.service_data(),
                    issues=list(form.cleaned_data["issues"]),
                    consultation=consultation,
                    case=case,
                    person=form.cleaned_data.get("person"),
                    member_notes=form.member_notes(),
                ),
                url_of=lambda sent: reverse("referrals:referral_detail", args=[sent.pk]),
            )
        except AlreadySubmitted as done:
            return already_submitted_response(request, done, fallback=back)
        except ValidationError as exc:
            add_service_errors(form, exc)
        else:
            messages.success(request, f"{referral.to_agency}へつなぐシートを送りました。")
            return redirect("referrals:referral_detail", pk=referral.pk)
    shown_person = person or (subjects.first() if subjects is not None else None)
    return render(
        request,
        "referrals/referral_form.html",
        {
            "form": form,
            "household": household,
            "consultation": consultation,
            "case": case,
            "person": shown_person,
            "covered": (
                covered_agency_names(person=shown_person, on=timezone.localdate())
                if shown_person
                else []
            ),
            "withheld": household.pk in protected_household_ids([household.pk]),
            "back": back,
            "today": timezone.localdate(),
        },
    )


@require_http_methods(["GET", "POST"])
def referral_new_from_consultation(request: HttpRequest, consultation_pk) -> HttpResponse:
    consultation = consultation_get_for_user(user=request.user, pk=consultation_pk)
    if consultation.case_id:
        # A case sends its own sheets (with its subjects and its consent).
        return redirect("referrals:referral_new_from_case", case_pk=consultation.case_id)
    if not may_send_from_consultation(request.user, consultation):
        raise PermissionDenied
    return _referral_new(
        request,
        household=consultation.household,
        person=consultation.person,
        subjects=None,
        consultation=consultation,
        case=None,
        initial={
            "issues": list(consultation.issues.values_list("pk", flat=True)),
            "situation": consultation.summary,
        },
        back=reverse("cases:consultation_detail", args=[consultation.pk]),
    )


@require_http_methods(["GET", "POST"])
def referral_new_from_case(request: HttpRequest, case_pk) -> HttpResponse:
    case = case_get_for_user(user=request.user, pk=case_pk, need=Need.WORK)
    if not may_send_from_case(request.user, case):
        raise PermissionDenied
    consultations = case.consultations.order_by("-received_at")
    latest = consultations.first()
    issue_ids = set()
    for consultation in consultations.prefetch_related("issues"):
        issue_ids |= {issue.pk for issue in consultation.issues.all()}
    subjects = case.subjects.order_by("created_at")
    return _referral_new(
        request,
        household=case.household,
        person=None,
        subjects=subjects,
        consultation=None,
        case=case,
        initial={
            "issues": sorted(issue_ids),
            "situation": latest.summary if latest else "",
            "person": subjects.first().pk if subjects.exists() else None,
        },
        back=reverse("cases:case_detail", args=[case.pk]),
    )


# -- the sheet and its answers ---------------------------------------------------------


def _detail(request, referral: Referral, *, status: int = 200, **forms) -> HttpResponse:
    user = request.user
    answering, withdrawing = may_answer(user, referral), may_withdraw(user, referral)
    case = referral.case
    consultation = referral.consultation
    return render(
        request,
        "referrals/referral_detail.html",
        {
            "referral": referral,
            "issues": referral.issues.all(),
            "liaisons": selectors.liaisons_of(referral.to_agency),
            "answer_due": referral.answer_due(selectors.answer_days()),
            # A measure set since the sheet was sent hides what it carries, too — also
            # when the person has since left for a household of their own (a DV flight).
            "masked": referral.contacts_withheld
            or bool(protected_household_ids([referral.household_id, referral.person.household_id])),
            "mask_text": MASK_TEXT,
            "may_answer": answering and referral.status == Referral.Status.SENT,
            "may_complete": answering and referral.status == Referral.Status.ACCEPTED,
            "may_withdraw": withdrawing and referral.status == Referral.Status.SENT,
            "decline_form": forms.get("decline_form") or DeclineForm(),
            "complete_form": forms.get("complete_form") or CompleteForm(),
            "withdraw_form": forms.get("withdraw_form") or WithdrawForm(),
            "case_link": case if case and Need.VIEW in case_needs(user, case) else None,
            "consultation_link": (
                consultation
                if consultation
                and not consultation.case_id
                and may_send_from_consultation(user, consultation)
                else None
            ),
            "consent": referral.consent if referral.consent_id else None,
            "consent_state_today": (
                Consent.State(referral.consent.state_on(timezone.localdate())).label
                if referral.consent_id
                else ""
            ),
        },
        status=status,
    )


@require_safe
def referral_detail(request: HttpRequest, pk) -> HttpResponse:
    referral = selectors.referral_get_for_user(user=request.user, pk=pk)
    access_event_record(action=Action.VIEW, request=request, obj=referral)
    return _detail(request, referral)


def _answerable(request: HttpRequest, pk, *, check) -> Referral:
    referral = selectors.referral_get_for_user(user=request.user, pk=pk)
    if not check(request.user, referral):
        raise PermissionDenied
    return referral


@require_POST
def referral_accept(request: HttpRequest, pk) -> HttpResponse:
    referral = _answerable(request, pk, check=may_answer)
    try:
        referral = services.referral_accept(actor=request.user, referral=referral)
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
    else:
        messages.success(request, "つなぐシートを受理しました。送付元に伝わります。")
    return redirect("referrals:referral_detail", pk=referral.pk)


@require_POST
def referral_decline(request: HttpRequest, pk) -> HttpResponse:
    referral = _answerable(request, pk, check=may_answer)
    form = DeclineForm(request.POST)
    if form.is_valid():
        try:
            services.referral_decline(
                actor=request.user, referral=referral, reason=form.cleaned_data["reason"]
            )
        except ValidationError as exc:
            add_service_errors(form, exc)
        else:
            messages.success(request, "つなぐシートを辞退しました。理由は送付元に伝わります。")
            return redirect("referrals:referral_detail", pk=referral.pk)
    return _detail(request, referral, decline_form=form)


@require_POST
def referral_complete(request: HttpRequest, pk) -> HttpResponse:
    referral = _answerable(request, pk, check=may_answer)
    form = CompleteForm(request.POST)
    if form.is_valid():
        try:
            services.referral_complete(
                actor=request.user, referral=referral, note=form.cleaned_data["note"]
            )
        except ValidationError as exc:
            add_service_errors(form, exc)
        else:
            messages.success(request, "対応完了にしました。")
            return redirect("referrals:referral_detail", pk=referral.pk)
    return _detail(request, referral, complete_form=form)


@require_POST
def referral_withdraw(request: HttpRequest, pk) -> HttpResponse:
    referral = _answerable(request, pk, check=may_withdraw)
    form = WithdrawForm(request.POST)
    if form.is_valid():
        try:
            services.referral_withdraw(
                actor=request.user, referral=referral, reason=form.cleaned_data["reason"]
            )
        except ValidationError as exc:
            add_service_errors(form, exc)
        else:
            messages.success(request, "つなぐシートを取り下げました。")
            return redirect("referrals:referral_detail", pk=referral.pk)
    return _detail(request, referral, withdraw_form=form)
