"""社会資源 pages: the registry (read by everyone who matches people to resources and
by managers) kept by the coordinators. Thin: permission → form → service → redirect."""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_http_methods, require_safe

from core.japanese import fiscal_year, fiscal_year_label
from core.paging import page_of

from . import selectors, services
from .forms import ResourceFiguresForm, ResourceForm, ResourceNewForm, ResourceSearchForm
from .permissions import can_maintain_resources_in_app, can_read_resources
from .submissions import AlreadySubmitted, already_submitted_response, submit_once


def _require_read(request: HttpRequest) -> None:
    if not can_read_resources(request.user):
        raise PermissionDenied


def _require_maintain(request: HttpRequest) -> None:
    if not can_maintain_resources_in_app(request.user):
        raise PermissionDenied


def _add_errors(form, exc: ValidationError) -> None:
    if hasattr(exc, "error_dict"):
        for field, errors in exc.error_dict.items():
            form.add_error(field if field in form.fields else None, errors)
    else:
        form.add_error(None, exc.messages)


@require_safe
def resource_list(request: HttpRequest) -> HttpResponse:
    _require_read(request)
    form = ResourceSearchForm(request.GET or None)
    criteria = form.cleaned_data if form.is_valid() else {}
    area = criteria.get("area")
    resources = selectors.resources_search(
        text=criteria.get("q", ""),
        kind=criteria.get("kind", ""),
        area_id=area.pk if area else None,
        active_only=not criteria.get("inactive"),
    )
    page = page_of(request, resources)
    return render(
        request,
        "agencies/resource_list.html",
        {
            "form": form,
            "page": page,
            "can_maintain": can_maintain_resources_in_app(request.user),
        },
    )


@require_safe
def resource_detail(request: HttpRequest, pk: int) -> HttpResponse:
    _require_read(request)
    resource = selectors.resource_get(pk=pk)
    return render(
        request,
        "agencies/resource_detail.html",
        {
            "resource": resource,
            "figures": selectors.resource_figures(resource=resource),
            "can_maintain": can_maintain_resources_in_app(request.user),
        },
    )


@require_http_methods(["GET", "POST"])
def resource_new(request: HttpRequest) -> HttpResponse:
    _require_maintain(request)
    form = ResourceNewForm(request.POST or None)
    fallback = reverse("resources:resource_list")
    if request.method == "POST" and form.is_valid():
        data = {k: v for k, v in form.cleaned_data.items() if k != "form_token"}
        try:
            resource = submit_once(
                user=request.user,
                token=form.cleaned_data["form_token"],
                create=lambda: services.resource_save(actor=request.user, data=data),
                url_of=lambda made: reverse("resources:resource_detail", args=[made.pk]),
            )
        except AlreadySubmitted as done:
            return already_submitted_response(request, done, fallback=fallback)
        except ValidationError as exc:
            _add_errors(form, exc)
        else:
            messages.success(request, f"社会資源「{resource.name}」を登録しました。")
            return redirect("resources:resource_detail", pk=resource.pk)
    return render(request, "agencies/resource_form.html", {"form": form, "resource": None})


@require_http_methods(["GET", "POST"])
def resource_edit(request: HttpRequest, pk: int) -> HttpResponse:
    _require_maintain(request)
    resource = selectors.resource_get(pk=pk)
    if request.method == "POST":
        form = ResourceForm(request.POST, instance=selectors.resource_get(pk=pk))
        if form.is_valid():
            try:
                services.resource_save(
                    actor=request.user, resource=resource, data=form.cleaned_data
                )
            except ValidationError as exc:
                _add_errors(form, exc)
            else:
                messages.success(request, "社会資源を保存しました。")
                return redirect("resources:resource_detail", pk=resource.pk)
    else:
        form = ResourceForm(instance=resource)
    return render(request, "agencies/resource_form.html", {"form": form, "resource": resource})


@require_http_methods(["GET", "POST"])
def resource_figures(request: HttpRequest, pk: int) -> HttpResponse:
    """One 年度's figures of a resource; ``?year=`` opens a year already entered."""
    _require_maintain(request)
    resource = selectors.resource_get(pk=pk)
    if request.method == "POST":
        form = ResourceFiguresForm(request.POST)
        if form.is_valid():
            data = {k: v for k, v in form.cleaned_data.items() if k != "fiscal_year"}
            year = form.cleaned_data["fiscal_year"]
            try:
                services.resource_figures_save(
                    actor=request.user, resource=resource, fiscal_year=year, data=data
                )
            except ValidationError as exc:
                _add_errors(form, exc)
            else:
                messages.success(request, f"{fiscal_year_label(year)}の実績を保存しました。")
                return redirect("resources:resource_detail", pk=resource.pk)
    else:
        year = fiscal_year(timezone.now())
        requested = request.GET.get("year", "")
        if requested.isascii() and requested.isdigit() and len(requested) == 4:
            year = int(requested)
        existing = resource.year_figures.filter(fiscal_year=year).first()
        initial = {"fiscal_year": year, "participants": 0, "citizens_running": 0}
        initial["agencies_count"] = 0
        if existing is not None:
            initial |= {name: getattr(existing, name) for name in services.FIGURE_FIELDS}
        form = ResourceFiguresForm(initial=initial)
    return render(
        request, "agencies/resource_figures_form.html", {"form": form, "resource": resource}
    )
