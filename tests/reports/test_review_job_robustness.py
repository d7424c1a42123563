"""Review: the job framework's edges."""

from __future__ import annotations

import pytest

from reports import renderers, services
from reports.models import ReportFile, ReportJob
from reports.renderers import Output

Status = ReportJob.Status


@pytest.mark.django_db
def test_an_attempt_failing_after_another_finished_leaves_the_job_done(
    manager, monkeypatch, private_root
):
    """Two deliveries at once: the one that fails after the other finished must not turn
    the finished job (whose files are recorded and downloadable) into 失敗."""
    job = ReportJob.objects.create(
        kind=ReportJob.Kind.ANNUAL, fiscal_year=2025, requested_by=manager
    )

    def ok(job_, progress):
        return [Output("年次評価", "nenji.pdf", renderers.PDF, b"%PDF ok", groups=["manager"])]

    def finish_other_then_crash(job_, progress):
        monkeypatch.setitem(renderers.RENDERERS, ReportJob.Kind.ANNUAL, ok)
        ReportJob.objects.filter(pk=job_.pk).update(status=Status.QUEUED)
        services.report_job_run(job_id=job_.pk)
        raise RuntimeError("this attempt crashed")

    monkeypatch.setitem(renderers.RENDERERS, ReportJob.Kind.ANNUAL, finish_other_then_crash)
    services.report_job_run(job_id=job.pk)
    job.refresh_from_db()
    assert ReportFile.objects.filter(job=job).count() == 1
    assert job.status == Status.DONE, job.error
    assert job.error == ""


@pytest.mark.django_db
def test_a_copy_returned_while_its_reissue_waits_is_not_reissued(
    secretariat, coordinator, case, django_capture_on_commit_callbacks, settings
):
    """回収済 after the reissue was asked: the job must not issue a new copy of the
    papers nor overwrite the return with 無効."""
    from tests.meetings.helpers import add_item, attend, make_body, make_meeting, pledge

    body = make_body(secretariat)
    pledge(secretariat, body, secretariat)
    pledge(secretariat, body, coordinator)
    meeting = make_meeting(secretariat, [body])
    attend(secretariat, meeting, coordinator)
    add_item(secretariat, meeting, body, case=case)
    with django_capture_on_commit_callbacks(execute=True):
        first = services.packet_request(actor=secretariat, meeting=meeting)
    old = first.files.get()
    job = services.packet_copy_reissue(actor=secretariat, file=old)  # not run yet
    services.packet_copy_return(actor=secretariat, file=old)
    services.report_job_run(job_id=job.pk)
    old.refresh_from_db()
    job.refresh_from_db()
    assert old.copy_status == ReportFile.CopyStatus.RETURNED
    assert job.status == Status.FAILED
    assert not job.files.exists()
