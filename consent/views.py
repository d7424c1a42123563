"""Thin views: access helper → form → service → redirect."""

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.http import require_http_methods, require_safe

from agencies.audit import Action, access_event_record
from agencies.documents import private_document_response
from agencies.roles import Role
from agencies.submissions import AlreadySubmitted, already_submitted_response, submit_once
from cases import selectors as case_selectors
from cases.forms import add_service_errors
from cases.permissions import Need, person_consent_needs_met
from core.paging import page_of

from . import selectors, services
from .forms import ConsentForm, ConsentWithdrawForm


def _person(request, household_pk, person_pk, need=Need.VIEW):
    household = case_selectors.household_get_for_user(user=request.user, pk=household_pk, need=need)
    person = case_selectors.person_get_for_user(
        user=request.user, household=household, pk=person_pk
    )
    return household, person


@require_safe
def person_consents(request: HttpRequest, household_pk, person_pk) -> HttpResponse:
    household, person = _person(request, household_pk, person_pk)
    access_event_record(action=Action.VIEW, request=request, obj=person, page="同意")
    return render(
        request,
        "consent/person_consents.html",
        {
            "household": household,
            "person": person,
            "consents": person.consents.prefetch_related("agencies").select_related(
                "obtained_by", "withdrawn_by"
            ),
            "state": selectors.person_consent_state(person=person),
            "can_record": person_consent_needs_met(request.user, person),
            "can_withdraw": Need.WORK
            in case_selectors.household_needs_for_user(user=request.user, household=household),
        },
    )


@require_http_methods(["GET", "POST"])
def consent_new(request: HttpRequest, household_pk, person_pk) -> HttpResponse:
    household, person = _person(request, household_pk, person_pk)
    if not person_consent_needs_met(request.user, person):
        raise PermissionDenied
    intake = _intake_consultation(request, person)
    initial = {}
    if intake is not None:
        # 同意あり at the intake: the date it was explained and given, and by 本人 unless
        # the staff change it; purposes and scope are the person's to choose now.
        initial = {"obtained_on": intake.consent_explained_on, "given_by": "self"}
    form = ConsentForm(request.POST or None, request.FILES or None, initial=initial, person=person)
    back = _back(request) or reverse(
        "consent:person_consents",
        kwargs={"household_pk": household.pk, "person_pk": person.pk},
    )
    if request.method == "POST" and form.is_valid():
        try:
            submit_once(
                user=request.user,
                token=form.cleaned_data["form_token"],
                create=lambda: services.consent_record(
                    actor=request.user,
                    person=person,
                    data=form.service_data(),
                    agencies=list(form.cleaned_data["agencies"]),
                    document=form.cleaned_data.get("document"),
                ),
                url_of=lambda _consent: back,
            )
        except AlreadySubmitted as done:
            return already_submitted_response(request, done, fallback=back)
        except ValidationError as exc:
            add_service_errors(form, exc)
        else:
            messages.success(request, f"{person.full_name}さんの同意を記録しました。")
            return redirect(back)
    return render(
        request,
        "consent/consent_form.html",
        {"household": household, "person": person, "form": form, "intake": intake},
    )


def _intake_consultation(request: HttpRequest, person):
    """The consultation the consent was given at (同意あり), when the page came from it."""
    pk = request.GET.get("consultation")
    if not pk:
        return None
    consultation = case_selectors.consultation_get_for_user(user=request.user, pk=pk)
    if consultation.person_id != person.pk or consultation.consent_state != "given":
        return None
    return consultation


def _back(request: HttpRequest) -> str:
    """Where the user came from (a page of this site only), to return after saving."""
    back = request.GET.get("next", "")
    if back and url_has_allowed_host_and_scheme(
        back, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return back
    return ""


@require_http_methods(["GET", "POST"])
def consent_withdraw(request: HttpRequest, household_pk, person_pk, pk) -> HttpResponse:
    household, person = _person(request, household_pk, person_pk, need=Need.WORK)
    consent = selectors.consent_get_for_user(user=request.user, person=person, pk=pk)
    form = ConsentWithdrawForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            revoked = services.consent_withdraw(
                actor=request.user, consent=consent, **form.cleaned_data
            )
        except ValidationError as exc:
            add_service_errors(form, exc)
        else:
            messages.success(
                request,
                "同意の撤回を記録しました。"
                f"この同意を根拠とした閲覧権限 {len(revoked)} 件を取り消しました。",
            )
            return redirect(
                "consent:person_consents", household_pk=household.pk, person_pk=person.pk
            )
    return render(
        request,
        "consent/consent_withdraw.html",
        {"household": household, "person": person, "consent": consent, "form": form},
    )


@require_safe
def consent_document(request: HttpRequest, household_pk, person_pk, pk) -> FileResponse:
    _household, person = _person(request, household_pk, person_pk)
    consent = selectors.consent_get_for_user(user=request.user, person=person, pk=pk)
    if not consent.document:
        raise Http404
    access_event_record(action=Action.DOWNLOAD, request=request, obj=consent, file="同意書")
    return private_document_response(
        consent.document,
        content_type=consent.document_content_type,
        filename=f"同意書_{person.family_name}_{consent.obtained_on:%Y%m%d}",
    )


@require_safe
def consents_expiring(request: HttpRequest) -> HttpResponse:
    if not request.user.has_role(Role.COORDINATOR):
        raise PermissionDenied
    query = request.GET.get("q", "")[:50]
    consents = selectors.consents_expiring(user=request.user, query=query)
    page = page_of(request, consents)
    return render(request, "consent/consents_expiring.html", {"page": page, "query": query})
