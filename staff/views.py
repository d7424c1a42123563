"""Staff management pages: 人事異動 and the hand-over of a leaving coordinator's cases.

They show counts, never case content: the admin role sees no case data.
"""

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_http_methods, require_safe

from agencies.permissions import can_hand_over_cases, can_manage_staff
from agencies.roles import Role
from agencies.services import staff_transfer
from cases.services import coordinator_handover

from . import selectors
from .forms import HandoverForm, StaffTransferForm


@require_safe
def staff_list(request: HttpRequest) -> HttpResponse:
    if not can_manage_staff(request.user):
        raise PermissionDenied
    page = Paginator(selectors.staff_for_management(), 50).get_page(request.GET.get("page"))
    return render(request, "agencies/staff_list.html", {"page": page})


@require_http_methods(["GET", "POST"])
def staff_transfer_view(request: HttpRequest, pk) -> HttpResponse:
    if not can_manage_staff(request.user):
        raise PermissionDenied
    staff = selectors.staff_get(pk=pk)
    form = StaffTransferForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            staff_transfer(actor=request.user, user=staff, **form.cleaned_data)
        except ValidationError as exc:
            form.add_error("agency", exc.messages)
        else:
            messages.success(
                request,
                f"{staff.display_name}さんを{form.cleaned_data['agency']}に異動しました。"
                "以前の機関を通じた閲覧はできなくなりました。",
            )
            return redirect("staff:list")
    return render(request, "agencies/staff_transfer.html", {"staff": staff, "form": form})


@require_http_methods(["GET", "POST"])
def staff_handover_view(request: HttpRequest, pk) -> HttpResponse:
    leaving = selectors.staff_get(pk=pk)
    if not can_hand_over_cases(request.user, leaving=leaving):
        raise PermissionDenied
    if not leaving.has_role(Role.COORDINATOR):
        raise Http404
    open_count = selectors.open_cases_led_count(user=leaving)
    form = HandoverForm(request.POST or None, leaving=leaving)
    if request.method == "POST" and form.is_valid():
        try:
            moved = coordinator_handover(actor=request.user, leaving=leaving, **form.cleaned_data)
        except ValidationError as exc:
            form.add_error("successor", exc.messages)
        else:
            messages.success(
                request,
                f"{leaving.display_name}さんの担当ケース {moved} 件を"
                f"{form.cleaned_data['successor'].display_name}さんに引き継ぎました。",
            )
            return redirect("staff:list" if can_manage_staff(request.user) else "home")
    return render(
        request,
        "agencies/staff_handover.html",
        {"leaving": leaving, "form": form, "open_count": open_count},
    )
