"""The manager's page for the 成果指標's targets: the trend of actual and target per
年度, and the form that sets one. Thin: permission → form → service → redirect."""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.views.decorators.http import require_http_methods

from core.japanese import fiscal_year, fiscal_year_label

from . import targets as target_services
from .annual import outcome_trend, trend_svg
from .forms import OutcomeTargetForm
from .permissions import may_set_outcome_targets


def _add_errors(form: OutcomeTargetForm, exc: ValidationError) -> None:
    if hasattr(exc, "error_dict"):
        for name, errors in exc.error_dict.items():
            form.add_error(name if name in form.fields else None, errors)
    else:
        form.add_error(None, exc.messages)


@require_http_methods(["GET", "POST"])
def targets(request: HttpRequest) -> HttpResponse:
    if not may_set_outcome_targets(user=request.user):
        raise PermissionDenied
    current = fiscal_year(timezone.now())
    if request.method == "POST":
        form = OutcomeTargetForm(request.POST)
        if form.is_valid():
            data = form.cleaned_data
            try:
                target_services.outcome_target_set(
                    actor=request.user,
                    fiscal_year=data["fiscal_year"],
                    target=data["target"],
                    note=data["note"],
                )
            except ValidationError as exc:
                _add_errors(form, exc)
            else:
                messages.success(
                    request, f"{fiscal_year_label(data['fiscal_year'])}の目標値を保存しました。"
                )
                return redirect("reports:targets")
    else:
        year = current
        requested = request.GET.get("year", "")
        if requested.isascii() and requested.isdigit() and len(requested) == 4:
            year = int(requested)
        existing = target_services.outcome_target_for(fiscal_year=year)
        initial = {"fiscal_year": year}
        if existing is not None:
            initial |= {"target": existing.target, "note": existing.note}
        form = OutcomeTargetForm(initial=initial)
    trend = outcome_trend(fiscal_year=current)
    return render(
        request,
        "reports/targets.html",
        {
            "form": form,
            "trend": trend,
            "chart": trend_svg(trend),
            "targets": target_services.outcome_targets(),
            "fiscal_year_label": fiscal_year_label(current),
        },
    )
