"""Views of 参加支援 (thin): access helper → form → service → redirect."""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_http_methods

from agencies.submissions import AlreadySubmitted, already_submitted_response, submit_once

from .. import selectors
from ..forms import add_service_errors
from ..forms.participation import ParticipationEditForm, ParticipationForm
from ..masking import masking_for
from ..models.participation import ParticipationSupport
from ..permissions import Need
from ..services import EditConflict
from ..services import participation as services
from . import _rebase


def _back(case) -> str:
    return reverse("cases:case_detail", args=[case.pk]) + "#participation-heading"


@require_http_methods(["GET", "POST"])
def participation_new(request: HttpRequest, pk) -> HttpResponse:
    case = selectors.case_get_for_user(user=request.user, pk=pk, need=Need.WORK)
    form = ParticipationForm(
        request.POST or None,
        members=selectors.members_in_order(household=case.household),
        initial={"started_on": timezone.localdate()},
    )
    if request.method == "POST" and form.is_valid():
        data = {k: v for k, v in form.cleaned_data.items() if k != "form_token"}
        try:
            submit_once(
                user=request.user,
                token=form.cleaned_data["form_token"],
                create=lambda: services.participation_add(actor=request.user, case=case, **data),
                url_of=lambda _made: _back(case),
            )
        except AlreadySubmitted as done:
            return already_submitted_response(request, done, fallback=_back(case))
        except ValidationError as exc:
            add_service_errors(form, exc)
        else:
            messages.success(request, "参加支援を登録しました。")
            return redirect(_back(case))
    return render(
        request,
        "cases/participation_form.html",
        {"case": case, "form": form, "participation": None, "masked": False},
    )


@require_http_methods(["GET", "POST"])
def participation_edit(request: HttpRequest, pk, participation_pk) -> HttpResponse:
    case = selectors.case_get_for_user(user=request.user, pk=pk, need=Need.WORK)
    participation = selectors.participation_get(case=case, pk=participation_pk)
    conflict = None
    if request.method == "POST":
        form = ParticipationEditForm(
            request.POST, instance=ParticipationSupport.objects.get(pk=participation.pk)
        )
        if form.is_valid():
            data = {k: v for k, v in form.cleaned_data.items() if k != "version"}
            try:
                services.participation_update(
                    actor=request.user,
                    participation=participation,
                    data=data,
                    expected_version=form.cleaned_data["version"],
                )
            except EditConflict as exc:
                conflict = exc
                form = _rebase(
                    ParticipationEditForm,
                    request.POST,
                    ParticipationSupport.objects.get(pk=participation.pk),
                )
            except ValidationError as exc:
                add_service_errors(form, exc)
            else:
                messages.success(request, "参加支援を保存しました。")
                return redirect(_back(case))
    else:
        form = ParticipationEditForm(
            instance=participation, initial={"version": participation.version}
        )
    masking = masking_for(user=request.user, households=[case.household])
    return render(
        request,
        "cases/participation_form.html",
        {
            "case": case,
            "form": form,
            "participation": participation,
            "conflict": conflict,
            "masked": masking.household_masked(case.household_id),
        },
    )
