"""Writes of the reports app: asking for a report, running it, handing out and taking
back packet copies, purging expired files.

A job is written in the request's transaction and enqueued only after commit; if the
enqueue fails (Redis down) the row stays 待機 and ``report_jobs_sweep`` enqueues it
again. ``report_job_run`` is idempotent: a job already finished is left alone, each
attempt writes its files into a directory of its own, and only the attempt that
finishes first under the job's row lock records its files — so a job retried after a
worker died ends with exactly one set of files.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import logging
import os
import shutil
import threading
import uuid
from pathlib import Path

from django.conf import settings
from django.contrib.auth.models import Group
from django.contrib.contenttypes.models import ContentType
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import close_old_connections, connections, transaction
from django.db.models import Q
from django.utils import timezone
from guardian.shortcuts import assign_perm

from agencies.models import User
from cases.models import Person
from core.japanese import fiscal_year
from core.saving import model_save
from meetings.models import Meeting

from .models import DisclosureRequest, PacketCounter, ReportFile, ReportJob
from .permissions import (
    DOWNLOAD,
    may_decide_disclosure,
    may_handle_copy,
    may_handle_disclosure,
    may_request_annual,
    may_request_national,
    may_request_packet,
)

logger = logging.getLogger(__name__)

Status = ReportJob.Status
Kind = ReportJob.Kind

MAX_ATTEMPTS = 3
# A job still 待機 this long after it was handed to the broker is handed over again
# (the message may have been lost with Redis).
REQUEUE_AFTER = dt.timedelta(minutes=10)


class ReportError(Exception):
    """A failure to tell the user as it is (Japanese, no internals)."""


# ---------------------------------------------------------------------------
# Asking for a report


def _fiscal_year_checked(value) -> int:
    current = fiscal_year(timezone.now())
    if not isinstance(value, int) or not (2015 <= value <= current):
        raise ValidationError(
            {"fiscal_year": "年度は平成27年度（2015年度）から今年度までで選んでください。"}
        )
    return value


def _job_create(*, actor: User, kind: str, **fields) -> ReportJob:
    job = ReportJob(kind=kind, requested_by=actor, **fields)
    job.full_clean()
    job.save()
    transaction.on_commit(lambda: report_job_enqueue(job_id=job.pk))
    return job


@transaction.atomic
def packet_request(*, actor: User, meeting: Meeting) -> ReportJob:
    """The secretariat asks for the numbered copies of a meeting's papers."""
    if not may_request_packet(user=actor, meeting=meeting):
        raise PermissionDenied
    return _job_create(actor=actor, kind=Kind.MEETING_PACKET, meeting=meeting)


@transaction.atomic
def annual_request(*, actor: User, fiscal_year: int) -> ReportJob:
    if not may_request_annual(user=actor):
        raise PermissionDenied
    year = _fiscal_year_checked(fiscal_year)
    return _job_create(actor=actor, kind=Kind.ANNUAL, fiscal_year=year)


@transaction.atomic
def national_report_request(*, actor: User, fiscal_year: int) -> ReportJob:
    if not may_request_national(user=actor):
        raise PermissionDenied
    year = _fiscal_year_checked(fiscal_year)
    return _job_create(actor=actor, kind=Kind.NATIONAL, fiscal_year=year)


# ---------------------------------------------------------------------------
# 開示請求: the record of the request, and the draft for the 開示決定


@transaction.atomic
def disclosure_request_record(
    *, actor: User, person: Person, received_on: dt.date, note: str = ""
) -> DisclosureRequest:
    """Record a person's 開示請求 (受付). Only a coordinator who manages the person."""
    if not may_handle_disclosure(user=actor, person=person):
        raise PermissionDenied
    if received_on > timezone.localdate():
        raise ValidationError({"received_on": "受付日に未来の日付は入力できません。"})
    disclosure = DisclosureRequest(
        person=person, received_on=received_on, recorded_by=actor, note=note
    )
    model_save(disclosure, actor=actor, reason="開示請求を受付")
    return disclosure


@transaction.atomic
def disclosure_draft_request(*, actor: User, disclosure: DisclosureRequest) -> ReportJob:
    """Ask for the draft of the 開示決定; only its requester will download it."""
    if not may_handle_disclosure(user=actor, person=disclosure.person):
        raise PermissionDenied
    pending = ReportJob.objects.filter(
        kind=Kind.DISCLOSURE_DRAFT,
        disclosure=disclosure,
        requested_by=actor,
        status__in=[Status.QUEUED, Status.RUNNING],
    )
    if pending.exists():
        raise ValidationError("この開示請求の下書きはすでに作成中です。")
    return _job_create(actor=actor, kind=Kind.DISCLOSURE_DRAFT, disclosure=disclosure)


ALREADY_DECIDED = "この開示請求はすでに決定済みです。決定は変更できません。"


@transaction.atomic
def disclosure_decide(
    *,
    actor: User,
    disclosure: DisclosureRequest,
    decision: str,
    decided_on: dt.date,
    withheld_note: str = "",
) -> DisclosureRequest:
    """Record the 開示決定 (全部開示・一部開示・不開示): the request becomes 決定済 and is no
    longer pending (``DisclosureRequest.objects.pending()``). Once only: a decided request
    is refused, as are a decision dated before receipt or in the future, and 一部開示・
    不開示 without saying what was withheld. A refusal changes nothing."""
    if not may_decide_disclosure(user=actor, disclosure=disclosure):
        raise PermissionDenied
    locked = DisclosureRequest.objects.select_for_update().get(pk=disclosure.pk)
    if not locked.is_pending:
        raise ValidationError(ALREADY_DECIDED)
    errors = {}
    if decision not in DisclosureRequest.Decision.values:
        errors["decision"] = "開示決定を「全部開示」「一部開示」「不開示」から選んでください。"
    if decided_on > timezone.localdate():
        errors["decided_on"] = "決定日に未来の日付は入力できません。"
    elif decided_on < locked.received_on:
        errors["decided_on"] = "決定日は受付日以降の日付にしてください。"
    withheld_note = (withheld_note or "").strip()
    if decision != DisclosureRequest.Decision.FULL and not withheld_note:
        errors["withheld_note"] = (
            "一部開示・不開示では、開示しなかった部分とその理由を入力してください。"
        )
    if errors:
        raise ValidationError(errors)
    locked.status = DisclosureRequest.Status.DECIDED
    locked.decision = decision
    locked.decided_on = decided_on
    locked.withheld_note = withheld_note
    locked.decided_by = actor
    locked.decided_at = timezone.now()
    model_save(
        locked,
        actor=actor,
        reason=f"開示決定（{locked.get_decision_display()}）を記録",
        fields=["status", "decision", "decided_on", "withheld_note", "decided_by", "decided_at"],
    )
    return locked


# ---------------------------------------------------------------------------
# Packet copies: 回収済 and 再発行


def _copy_locked(*, actor: User, file: ReportFile) -> ReportFile:
    """The copy as the database holds it now, locked; refused unless the actor is the
    secretariat and may hold this copy, and refused once it is void."""
    if not may_handle_copy(user=actor, file=file):
        raise PermissionDenied
    locked = ReportFile.objects.select_for_update().get(pk=file.pk)
    if locked.copy_status == ReportFile.CopyStatus.VOID:
        raise ValidationError("この部は再発行により無効になっています。")
    return locked


@transaction.atomic
def packet_copy_return(*, actor: User, file: ReportFile) -> ReportFile:
    """Mark a copy 回収済 after the meeting; the file itself stays until it expires."""
    copy = _copy_locked(actor=actor, file=file)
    if copy.copy_status == ReportFile.CopyStatus.RETURNED:
        return copy
    copy.copy_status = ReportFile.CopyStatus.RETURNED
    copy.copy_status_at = timezone.now()
    model_save(copy, actor=actor, reason="会議資料を回収", fields=["copy_status", "copy_status_at"])
    return copy


@transaction.atomic
def packet_copy_reissue(*, actor: User, file: ReportFile) -> ReportJob:
    """A new numbered copy for the same recipient; the old one is recorded as void
    when the new one is written (until then it stays the valid copy)."""
    copy = _copy_locked(actor=actor, file=file)
    if copy.copy_status == ReportFile.CopyStatus.RETURNED:
        raise ValidationError("回収済の部は再発行できません。新しく会議資料を作成してください。")
    pending = ReportJob.objects.filter(
        kind=Kind.PACKET_REISSUE,
        params__replaces=str(copy.pk),
        status__in=[Status.QUEUED, Status.RUNNING],
    )
    if pending.exists():
        raise ValidationError("この部の再発行はすでに作成中です。")
    return _job_create(
        actor=actor,
        kind=Kind.PACKET_REISSUE,
        meeting_id=copy.meeting_id,
        params={"replaces": str(copy.pk)},
    )


# ---------------------------------------------------------------------------
# Enqueueing: Celery on Redis, a thread of this process, or at once (tests)


def report_job_enqueue(*, job_id) -> bool:
    """Hand a job to whatever runs reports here. False if the broker refused it: the
    job stays 待機 and the sweep tries again."""
    runner = settings.KASANE_REPORT_RUNNER
    if runner == "eager":
        report_job_run(job_id=job_id)
        return True
    if runner == "thread":
        ReportJob.objects.filter(pk=job_id).update(enqueued_at=timezone.now())
        threading.Thread(
            target=_run_in_thread, args=(job_id,), name=f"report-{job_id}", daemon=True
        ).start()
        return True
    from .tasks import report_job_run_task

    try:
        report_job_run_task.apply_async(args=[str(job_id)], retry=False)
    except Exception:  # the broker is down or refuses: the outbox keeps the job
        logger.warning("report job %s could not be enqueued; the sweep will retry", job_id)
        return False
    ReportJob.objects.filter(pk=job_id, status=Status.QUEUED).update(enqueued_at=timezone.now())
    return True


def _run_in_thread(job_id) -> None:
    close_old_connections()
    try:
        report_job_run(job_id=job_id)
    except Exception:
        logger.exception("report job %s failed in its thread", job_id)
    finally:
        connections.close_all()


def report_jobs_sweep(*, now: dt.datetime | None = None) -> int:
    """Enqueue again what is waiting and was never handed over (or long ago), and what
    has been 作成中 longer than a worker may run (its worker died unseen)."""
    now = now or timezone.now()
    stuck_after = dt.timedelta(seconds=settings.KASANE_REPORT_TIME_LIMIT) + REQUEUE_AFTER
    stuck = ReportJob.objects.filter(status=Status.RUNNING, started_at__lt=now - stuck_after)
    stuck.update(status=Status.QUEUED, enqueued_at=None)
    waiting = list(
        ReportJob.objects.filter(status=Status.QUEUED)
        .filter(Q(enqueued_at__isnull=True) | Q(enqueued_at__lt=now - REQUEUE_AFTER))
        .order_by("created_at")
        .values_list("pk", flat=True)
    )
    return sum(1 for pk in waiting if report_job_enqueue(job_id=pk))


# ---------------------------------------------------------------------------
# Running a job


def _private_dir() -> Path:
    return Path(settings.KASANE_PRIVATE_ROOT) / "reports"


def _job_update(job: ReportJob, **fields) -> None:
    ReportJob.objects.filter(pk=job.pk).update(**fields)
    for name, value in fields.items():
        setattr(job, name, value)


def _fail(job: ReportJob, message: str) -> None:
    """Record the failure — unless another attempt has finished the job meanwhile: its
    files are recorded, and the job stays as that attempt left it."""
    fields = {"status": Status.FAILED, "error": message[:500], "finished_at": timezone.now()}
    if ReportJob.objects.filter(pk=job.pk).exclude(status__in=ReportJob.FINISHED).update(**fields):
        for name, value in fields.items():
            setattr(job, name, value)


def report_job_run(*, job_id) -> None:
    """Run one job to the end. Safe to call twice, at the same time or after a crash."""
    from .renderers import RENDERERS

    # A worker lives for days: content types it cached may have been renumbered since
    # (a flushed test database, a restored one), and guardian looks them up.
    ContentType.objects.clear_cache()
    with transaction.atomic():
        job = ReportJob.objects.select_for_update().filter(pk=job_id).first()
        if job is None or job.finished:
            return
        if job.attempts >= MAX_ATTEMPTS:
            _fail(
                job, f"{MAX_ATTEMPTS}回試みましたが作成できませんでした。もう一度依頼してください。"
            )
            return
        _job_update(
            job,
            status=Status.RUNNING,
            attempts=job.attempts + 1,
            started_at=timezone.now(),
            progress=0,
            error="",
        )

    def progress(done: int, total: int) -> None:
        percent = min(99, int(100 * done / total)) if total else 0
        ReportJob.objects.filter(pk=job.pk, status=Status.RUNNING).update(progress=percent)

    attempt_dir = _private_dir() / str(job.pk) / uuid.uuid4().hex
    try:
        outputs = RENDERERS[job.kind](job, progress)
        written = [_write(attempt_dir, index, output) for index, output in enumerate(outputs)]
        _finish(job, written, attempt_dir)
    except ReportError as error:
        shutil.rmtree(attempt_dir, ignore_errors=True)
        _fail(job, str(error))
    except Exception as error:
        shutil.rmtree(attempt_dir, ignore_errors=True)
        if type(error).__name__ == "SoftTimeLimitExceeded":
            _fail(job, "作成に時間がかかりすぎたため中止しました。もう一度依頼してください。")
            return
        logger.exception("report job %s failed", job.pk)
        _fail(
            job,
            "作成中に予期しないエラーが発生しました。もう一度依頼し、"
            "続くようならシステム管理者に連絡してください。",
        )


def _write(directory: Path, index: int, output) -> tuple:
    directory.mkdir(parents=True, exist_ok=True)
    extension = Path(output.filename).suffix or ".bin"
    path = directory / f"{index:03d}{extension}"
    temporary = path.with_suffix(path.suffix + ".part")
    temporary.write_bytes(output.data)
    os.replace(temporary, path)
    digest = hashlib.sha256(output.data).hexdigest()
    return output, path, digest


def _retention(job: ReportJob) -> dt.timedelta:
    if job.kind in (Kind.MEETING_PACKET, Kind.PACKET_REISSUE):
        return dt.timedelta(days=settings.KASANE_PACKET_RETENTION_DAYS)
    return dt.timedelta(days=settings.KASANE_REPORT_RETENTION_DAYS)


def _finish(job: ReportJob, written: list[tuple], attempt_dir: Path) -> None:
    root = Path(settings.KASANE_PRIVATE_ROOT)
    with transaction.atomic():
        current = ReportJob.objects.select_for_update().get(pk=job.pk)
        if current.finished:
            # Another attempt finished first: its files are the job's, ours go.
            shutil.rmtree(attempt_dir, ignore_errors=True)
            return
        # What an attempt that died left behind is no one's file.
        siblings = attempt_dir.parent.iterdir() if attempt_dir.parent.exists() else ()
        for leftover in siblings:
            if leftover != attempt_dir:
                shutil.rmtree(leftover, ignore_errors=True)
        actor = current.requested_by
        now = timezone.now()
        for output, path, digest in written:
            file = ReportFile(
                job=current,
                label=output.label[:200],
                filename=output.filename[:200],
                content_type=output.content_type,
                path=str(path.relative_to(root)),
                size=len(output.data),
                sha256=digest,
                meeting_id=output.meeting_id,
                attendee_id=output.attendee_id,
                copy_number=output.copy_number,
                recipient_name=output.recipient_name[:100],
                recipient_agency=output.recipient_agency[:100],
                copy_status=ReportFile.CopyStatus.ISSUED if output.copy_number else "",
                copy_status_at=now if output.copy_number else None,
                support_body_ids=output.support_body_ids,
                consent_item_ids=output.consent_item_ids,
            )
            model_save(file, actor=actor, reason=f"{current.get_kind_display()}を作成")
            for user in output.users:
                assign_perm(DOWNLOAD, user, file)
            for group_name in output.groups:
                group, _ = Group.objects.get_or_create(name=group_name)
                assign_perm(DOWNLOAD, group, file)
            if output.replaces_id:
                old = ReportFile.objects.select_for_update().get(pk=output.replaces_id)
                if old.copy_status != ReportFile.CopyStatus.ISSUED:
                    # Returned (or voided) since the reissue was asked: nothing to replace,
                    # and the record of the return stays. The transaction drops the new row.
                    raise ReportError(
                        f"No.{old.copy_number} は依頼の後に{old.get_copy_status_display()}"
                        "になったため、再発行しませんでした。"
                    )
                old.copy_status = ReportFile.CopyStatus.VOID
                old.copy_status_at = now
                old.replaced_by = file
                model_save(
                    old,
                    actor=actor,
                    reason=f"再発行（No.{file.copy_number}）により無効",
                    fields=["copy_status", "copy_status_at", "replaced_by"],
                )
        _job_update(
            current,
            status=Status.DONE,
            progress=100,
            finished_at=now,
            expires_at=now + _retention(current),
        )
        job.status = Status.DONE


# ---------------------------------------------------------------------------
# Copy numbers


def copy_numbers_reserve(*, job: ReportJob, attendee_ids: list) -> dict[str, int]:
    """Numbers for this job's copies, reserved once: a retried job reuses the numbers
    its first attempt reserved, so a copy's number never changes or repeats."""
    with transaction.atomic():
        locked = ReportJob.objects.select_for_update().get(pk=job.pk)
        reserved = locked.params.get("copy_numbers")
        if reserved is None:
            counter, _ = PacketCounter.objects.get_or_create(meeting_id=locked.meeting_id)
            counter = PacketCounter.objects.select_for_update().get(pk=counter.pk)
            reserved = {}
            for attendee_id in attendee_ids:
                counter.last_number += 1
                reserved[str(attendee_id)] = counter.last_number
            counter.save(update_fields=["last_number"])
            params = {**locked.params, "copy_numbers": reserved}
            _job_update(locked, params=params)
            job.params = params
    return {str(key): value for key, value in reserved.items()}


# ---------------------------------------------------------------------------
# Purge


def report_files_purge(*, now: dt.datetime | None = None) -> int:
    """Delete the bytes of files past their job's 保存期限. The rows stay: who received
    which copy, and its checksum, remain on record."""
    now = now or timezone.now()
    root = Path(settings.KASANE_PRIVATE_ROOT)
    purged = 0
    expired = ReportFile.objects.filter(purged_at=None, job__expires_at__lt=now).select_related(
        "job__requested_by"
    )
    for file in expired:
        (root / file.path).unlink(missing_ok=True)
        file.purged_at = now
        model_save(file, actor=None, reason="保存期限を過ぎたため削除", fields=["purged_at"])
        purged += 1
    return purged


def file_open(*, file: ReportFile):
    """The stored bytes, opened for reading (raises FileNotFoundError if gone)."""
    return (Path(settings.KASANE_PRIVATE_ROOT) / file.path).open("rb")
