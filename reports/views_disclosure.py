"""開示請求: the person's requests, recording one, and asking for the draft of the 開示決定.
Thin views: the access helpers answer 404 for a household the user does not see and 403
for a person they see but do not manage; the services ask the policy again."""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.http import require_POST, require_safe

from agencies.audit import Action, access_event_record
from agencies.submissions import AlreadySubmitted, already_submitted_response, submit_once
from cases.models import Person
from cases.selectors import household_get_for_user, person_get_for_user

from . import selectors, services
from .forms import DisclosureDecisionForm, DisclosureRequestForm, ReportRequestForm
from .models import DisclosureRequest
from .permissions import may_handle_disclosure
from .views import _request


def _person_for_disclosure(request: HttpRequest, household_pk, person_pk) -> Person:
    household = household_get_for_user(user=request.user, pk=household_pk)
    person = person_get_for_user(user=request.user, household=household, pk=person_pk)
    if not may_handle_disclosure(user=request.user, person=person):
        raise PermissionDenied
    return person


def _list_url(person: Person) -> str:
    return reverse("reports:disclosure_list", args=[person.household_id, person.pk])


def _detail_url(disclosure: DisclosureRequest) -> str:
    return reverse("reports:disclosure_detail", args=[disclosure.pk])


def _page(request: HttpRequest, person: Person, form, *, status: int = 200) -> HttpResponse:
    disclosures = selectors.disclosures_of(person=person)
    return render(
        request,
        "reports/disclosures.html",
        {
            "person": person,
            "household": person.household,
            "form": form,
            # Each request's draft button carries a form token of its own.
            "rows": [(d, ReportRequestForm()) for d in disclosures],
        },
        status=status,
    )


@require_safe
def disclosure_list(request: HttpRequest, household_pk, pk) -> HttpResponse:
    person = _person_for_disclosure(request, household_pk, pk)
    return _page(request, person, DisclosureRequestForm())


@require_POST
def disclosure_new(request: HttpRequest, household_pk, pk) -> HttpResponse:
    person = _person_for_disclosure(request, household_pk, pk)
    form = DisclosureRequestForm(request.POST)
    if not form.is_valid():
        return _page(request, person, form, status=400)
    data = form.cleaned_data
    try:
        submit_once(
            user=request.user,
            token=data["form_token"],
            create=lambda: services.disclosure_request_record(
                actor=request.user,
                person=person,
                received_on=data["received_on"],
                note=data["note"],
            ),
            url_of=lambda _: _list_url(person),
        )
    except AlreadySubmitted as done:
        return already_submitted_response(request, done, fallback=_list_url(person))
    except ValidationError as error:
        found = error.message_dict if hasattr(error, "error_dict") else {None: error.messages}
        for name, errors in found.items():
            for message in errors:
                form.add_error(name if name in form.fields else None, message)
        return _page(request, person, form, status=400)
    messages.success(request, "開示請求を記録しました。")
    return redirect(_list_url(person))


@require_POST
def disclosure_draft(request: HttpRequest, pk) -> HttpResponse:
    disclosure = selectors.disclosure_get_for_user(user=request.user, pk=pk)

    def create(_data):
        job = services.disclosure_draft_request(actor=request.user, disclosure=disclosure)
        # An export of everything held about a person: logged when asked for (the
        # download is logged again when it happens).
        access_event_record(
            action=Action.EXPORT,
            request=request,
            obj=disclosure,
            kind=job.kind,
            job=str(job.pk),
            person=str(disclosure.person_id),
        )
        return job

    return _request(
        request, ReportRequestForm(request.POST), create, fallback=_list_url(disclosure.person)
    )


def _detail_page(
    request: HttpRequest, disclosure: DisclosureRequest, form, *, status: int = 200
) -> HttpResponse:
    return render(
        request,
        "reports/disclosure_detail.html",
        {
            "disclosure": disclosure,
            "person": disclosure.person,
            "household": disclosure.person.household,
            "jobs": selectors.disclosure_draft_jobs(disclosure=disclosure),
            "draft_form": ReportRequestForm(),
            "form": form if disclosure.is_pending else None,
        },
        status=status,
    )


@require_safe
def disclosure_detail(request: HttpRequest, pk) -> HttpResponse:
    """One request: its drafts and, while it is pending, the form for the 開示決定."""
    disclosure = selectors.disclosure_get_for_user(user=request.user, pk=pk)
    return _detail_page(request, disclosure, DisclosureDecisionForm())


def _decision_refused(request: HttpRequest, disclosure: DisclosureRequest, errors) -> None:
    """A refused 開示決定 (already decided, a bad date, a missing reason) is written to the
    access log as a denied attempt: which fields were refused and why, never the values
    typed. Written outside the refused write's transaction, so it stays."""
    access_event_record(
        action=Action.DENIED,
        request=request,
        obj=disclosure,
        status_code=400,
        page="開示決定",
        refused={str(name or "__all__"): [str(m) for m in msgs] for name, msgs in errors.items()},
    )


@require_POST
def disclosure_decide(request: HttpRequest, pk) -> HttpResponse:
    disclosure = selectors.disclosure_get_for_user(user=request.user, pk=pk)
    form = DisclosureDecisionForm(request.POST)
    if form.is_valid():
        data = form.cleaned_data

        def create():
            decided = services.disclosure_decide(
                actor=request.user,
                disclosure=disclosure,
                decision=data["decision"],
                decided_on=data["decided_on"],
                withheld_note=data["withheld_note"],
            )
            # In the decision's transaction: no 開示決定 without its line in the log.
            access_event_record(
                action=Action.DISCLOSURE_DECISION,
                request=request,
                obj=decided,
                person=str(decided.person_id),
                decision=decided.decision,
                decided_on=decided.decided_on.isoformat(),
            )
            return decided

        try:
            submit_once(
                user=request.user, token=data["form_token"], create=create, url_of=_detail_url
            )
        except AlreadySubmitted as done:
            # A double click: the first press decided; this one is sent to its result.
            return already_submitted_response(request, done, fallback=_detail_url(disclosure))
        except ValidationError as error:
            found = error.message_dict if hasattr(error, "error_dict") else {None: error.messages}
            for name, errors in found.items():
                for message in errors:
                    form.add_error(name if name in form.fields else None, message)
        else:
            messages.success(request, "開示決定を記録しました。")
            return redirect(_detail_url(disclosure))
    disclosure.refresh_from_db()
    if not disclosure.is_pending:
        # Decided already (another tab, a replayed request): the form is gone from the
        # page, so the refusal is said once, above it — whatever else was wrong.
        messages.error(request, services.ALREADY_DECIDED)
        _decision_refused(request, disclosure, {None: [services.ALREADY_DECIDED]})
        return _detail_page(request, disclosure, None, status=400)
    _decision_refused(request, disclosure, form.errors)
    return _detail_page(request, disclosure, form, status=400)
