"""世帯の統合・分離 (thin: access helper → form → service → redirect)."""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_http_methods

from agencies.roles import Role

from .. import selectors
from ..forms import add_service_errors
from ..forms.households import HouseholdMergeForm, HouseholdSplitForm, PersonMergeForm
from ..masking import masking_for
from ..permissions import Need
from ..services import households as services


@require_http_methods(["GET", "POST"])
def household_merge(request: HttpRequest, pk) -> HttpResponse:
    """Find the other record of the same household and merge this one into it."""
    household = selectors.household_get_for_user(user=request.user, pk=pk, need=Need.MANAGE)
    if not request.user.has_role(Role.COORDINATOR):
        raise PermissionDenied
    query = request.GET.get("q", "")[:50]
    candidates = selectors.merge_candidates(user=request.user, household=household, query=query)
    form = HouseholdMergeForm(request.POST or None, candidates=candidates)
    if request.method == "POST" and form.is_valid():
        try:
            target = services.household_merge(
                actor=request.user,
                source=household,
                target=form.cleaned_data["target"],
                reason=form.cleaned_data["reason"],
            )
        except ValidationError as exc:
            add_service_errors(form, exc)
        except PermissionDenied:
            # This record is the user's to manage; the chosen one is not.
            form.add_error("target", "選んだ世帯の記録を変更する権限がありません。")
        else:
            messages.success(
                request,
                f"{target.display_name}さん世帯に統合しました。元の記録は履歴とともに残ります。",
            )
            return redirect("cases:household_detail", pk=target.pk)
    return render(
        request,
        "cases/household_merge.html",
        {
            "household": household,
            "form": form,
            "query": query,
            "candidates": candidates[:20],
            "masking": masking_for(user=request.user, households=[household, *candidates[:20]]),
        },
    )


@require_http_methods(["GET", "POST"])
def household_split(request: HttpRequest, pk) -> HttpResponse:
    household = selectors.household_get_for_user(user=request.user, pk=pk, need=Need.MANAGE)
    form = HouseholdSplitForm(request.POST or None, household=household)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            new = services.household_split(
                actor=request.user,
                household=household,
                members=list(data["members"]),
                reason_kind=data["reason_kind"],
                note=data["note"],
                contact={k: data[k] for k in ("postal_code", "address", "phone")},
            )
        except ValidationError as exc:
            add_service_errors(form, exc)
        else:
            messages.success(request, f"{new.display_name}さんの世帯を分けました。")
            if selectors.households_visible_to(request.user).filter(pk=new.pk).exists():
                return redirect("cases:household_detail", pk=new.pk)
            messages.info(
                request,
                "移った世帯員には相談やケースがないため、新しい世帯は一覧に表示されません。"
                "相談があれば、新しい相談として受け付けてください。",
            )
            return redirect("cases:household_detail", pk=household.pk)
    return render(request, "cases/household_split.html", {"household": household, "form": form})


@require_http_methods(["GET", "POST"])
def person_merge(request: HttpRequest, pk) -> HttpResponse:
    """Two records of one person in the household (a typo in ふりがな, a household merged)."""
    household = selectors.household_get_for_user(user=request.user, pk=pk, need=Need.MANAGE)
    if not request.user.has_role(Role.COORDINATOR):
        raise PermissionDenied
    form = PersonMergeForm(request.POST or None, household=household)
    if request.method == "POST" and form.is_valid():
        try:
            target = services.person_merge(
                actor=request.user,
                source=form.cleaned_data["source"],
                target=form.cleaned_data["target"],
                reason=form.cleaned_data["reason"],
            )
        except ValidationError as exc:
            add_service_errors(form, exc)
        else:
            messages.success(request, f"{target.full_name}さんの記録に統合しました。")
            return redirect("cases:household_detail", pk=household.pk)
    return render(request, "cases/person_merge.html", {"household": household, "form": form})
