"""Thin views: the request forms, the job's progress (htmx polling that stops when the
job is done) and the access-checked download. A file or job the user may not reach
answers 404, as one that does not exist."""

from __future__ import annotations

from urllib.parse import quote

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import FileResponse, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.http import require_POST, require_safe

from agencies.audit import Action, access_event_record
from agencies.submissions import AlreadySubmitted, already_submitted_response, submit_once
from meetings.selectors import meeting_get_for_user

from . import selectors, services
from .forms import ReportRequestForm, ReportYearForm
from .models import ReportFile
from .permissions import (
    copies_handled_by,
    may_handle_copy,
    may_request_annual,
    may_request_national,
    may_request_packet,
)


def _job_url(job) -> str:
    return reverse("reports:job_detail", args=[job.pk])


def _request(request: HttpRequest, form, create, *, fallback: str) -> HttpResponse:
    """The shared path of every 「作成を依頼」 button: once per form token, then to the
    job's progress page."""
    if not form.is_valid():
        for errors in form.errors.values():
            for error in errors:
                messages.error(request, error)
        return redirect(fallback)
    try:
        job = submit_once(
            user=request.user,
            token=form.cleaned_data["form_token"],
            create=lambda: create(form.cleaned_data),
            url_of=_job_url,
        )
    except AlreadySubmitted as done:
        return already_submitted_response(request, done, fallback=fallback)
    except ValidationError as error:
        for message in error.messages:
            messages.error(request, message)
        return redirect(fallback)
    messages.success(request, "作成を依頼しました。できあがるとこの画面からダウンロードできます。")
    return redirect("reports:job_detail", pk=job.pk)


@require_safe
def index(request: HttpRequest) -> HttpResponse:
    """帳票: what this user may ask for, and the jobs and copies they may follow."""
    user = request.user
    context = {
        "may_annual": may_request_annual(user=user),
        "may_national": may_request_national(user=user),
        "jobs": selectors.jobs_for_user(user=user),
        "my_copies": selectors.copies_issued_to(user=user),
        "year_form": ReportYearForm(),
    }
    return render(request, "reports/index.html", context)


@require_POST
def annual_request(request: HttpRequest) -> HttpResponse:
    if not may_request_annual(user=request.user):
        raise PermissionDenied
    return _request(
        request,
        ReportYearForm(request.POST),
        lambda data: services.annual_request(actor=request.user, fiscal_year=data["fiscal_year"]),
        fallback=reverse("reports:index"),
    )


@require_POST
def national_request(request: HttpRequest) -> HttpResponse:
    if not may_request_national(user=request.user):
        raise PermissionDenied
    return _request(
        request,
        ReportYearForm(request.POST),
        lambda data: services.national_report_request(
            actor=request.user, fiscal_year=data["fiscal_year"]
        ),
        fallback=reverse("reports:index"),
    )


@require_safe
def meeting_packets(request: HttpRequest, pk) -> HttpResponse:
    """The secretariat's page for one meeting's packet: ask for it, follow the jobs,
    and keep the record of who received which numbered copy."""
    meeting = meeting_get_for_user(user=request.user, pk=pk)
    if not may_request_packet(user=request.user, meeting=meeting):
        raise PermissionDenied
    downloadable = selectors.downloadable_copy_ids(user=request.user, meeting=meeting)
    copies = selectors.packet_copies(meeting=meeting)
    handled = copies_handled_by(user=request.user, files=copies)
    return render(
        request,
        "reports/meeting_packets.html",
        {
            "meeting": meeting,
            "jobs": selectors.packet_jobs(meeting=meeting),
            # Each row's reissue button carries a form token of its own.
            "rows": [
                (
                    copy,
                    copy.pk in downloadable,
                    copy.pk in handled,
                    ReportRequestForm(),
                )
                for copy in copies
            ],
            "form": ReportRequestForm(),
        },
    )


@require_POST
def packet_request(request: HttpRequest, pk) -> HttpResponse:
    meeting = meeting_get_for_user(user=request.user, pk=pk)
    if not may_request_packet(user=request.user, meeting=meeting):
        raise PermissionDenied
    return _request(
        request,
        ReportRequestForm(request.POST),
        lambda data: services.packet_request(actor=request.user, meeting=meeting),
        fallback=reverse("reports:meeting_packets", args=[meeting.pk]),
    )


def _copy_for_secretariat(request: HttpRequest, pk) -> ReportFile:
    file = selectors.file_get_for_user(user=request.user, pk=pk)
    if not may_handle_copy(user=request.user, file=file):
        raise PermissionDenied
    return file


@require_POST
def copy_return(request: HttpRequest, pk) -> HttpResponse:
    file = _copy_for_secretariat(request, pk)
    try:
        services.packet_copy_return(actor=request.user, file=file)
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
    else:
        messages.success(request, f"No.{file.copy_number} を回収済にしました。")
    return redirect("reports:meeting_packets", pk=file.meeting_id)


@require_POST
def copy_reissue(request: HttpRequest, pk) -> HttpResponse:
    file = _copy_for_secretariat(request, pk)
    return _request(
        request,
        ReportRequestForm(request.POST),
        lambda data: services.packet_copy_reissue(actor=request.user, file=file),
        fallback=reverse("reports:meeting_packets", args=[file.meeting_id]),
    )


@require_safe
def job_detail(request: HttpRequest, pk) -> HttpResponse:
    job, files = selectors.job_get_for_user(user=request.user, pk=pk)
    can_packets = job.meeting is not None and may_request_packet(
        user=request.user, meeting=job.meeting
    )
    return render(
        request,
        "reports/job_detail.html",
        {"job": job, "files": files, "can_packets": can_packets},
    )


@require_safe
def job_status(request: HttpRequest, pk) -> HttpResponse:
    """The progress fragment htmx polls; once the job is done it carries no trigger,
    so the polling stops."""
    job, files = selectors.job_get_for_user(user=request.user, pk=pk)
    return render(request, "reports/_job_status.html", {"job": job, "files": files})


@require_safe
def file_download(request: HttpRequest, pk) -> HttpResponse:
    """The only way to a generated file: the object permission, then the access log."""
    file = selectors.file_get_for_user(user=request.user, pk=pk)
    try:
        handle = services.file_open(file=file)
    except FileNotFoundError:
        messages.error(request, "ファイルが見つかりません。もう一度作成を依頼してください。")
        return redirect("reports:job_detail", pk=file.job_id)
    access_event_record(
        action=Action.DOWNLOAD,
        request=request,
        obj=file,
        status_code=200,
        kind=file.job.kind,
        copy_number=file.copy_number,
        sha256=file.sha256,
    )
    response = FileResponse(handle, content_type=file.content_type)
    response["Content-Disposition"] = (
        f'attachment; filename="{file.filename.encode("ascii", "ignore").decode()}"; '
        f"filename*=UTF-8''{quote(file.filename)}"
    )
    response["Cache-Control"] = "no-store, private"
    return response
