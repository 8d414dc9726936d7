"""Background jobs on the database queue, run in this process the way a worker runs them."""

from __future__ import annotations

from decimal import Decimal

import pytest
from django.core.exceptions import PermissionDenied
from django.http import Http404
from jobs_support import filled_item_template

from lvzhi.accounts import scoping
from lvzhi.accounts.models import RoleAssignment
from lvzhi.audit.models import AuditRecord
from lvzhi.evaluations.errors import ActionError
from lvzhi.evaluations.models import DataValue
from lvzhi.jobs import runner, services
from lvzhi.jobs.models import Job, JobRun, Status
from lvzhi.jobs.worker import drain

pytestmark = pytest.mark.django_db


def value(ev, code):
    dv = DataValue.objects.filter(evaluation=ev, item_code=code).first()
    return dv.value if dv else None


def test_an_import_job_checks_writes_and_reports_in_chinese_with_an_audit_record(cast):
    data = filled_item_template(cast, cast.jia1_filler, "990101", {"kg_public_share": "61.5"})
    job, created = services.submit(
        cast.jia1_filler, "import_workbook", round_id=cast.round.pk, upload=("甲.xlsx", data)
    )
    assert created and job.status == Status.QUEUED and value(cast.jia1, "kg_public_share") is None
    drain()
    job.refresh_from_db()
    assert job.status == Status.SUCCEEDED, job.message
    assert job.message == "已导入“甲.xlsx”：1 个地区，写入 1 个数值。"
    assert (job.done, job.total, job.attempts) == (1, 1, 1)
    assert value(cast.jia1, "kg_public_share") == Decimal("61.5")
    actions = list(AuditRecord.objects.filter(object_id=str(job.pk)).values_list("action", flat=True))
    assert actions == ["job.submit", "job.succeeded"]


def test_the_same_upload_submitted_twice_is_one_job_and_writes_once(cast):
    data = filled_item_template(cast, cast.jia1_filler, "990101", {"kg_public_share": 70})
    first, created = services.submit(
        cast.jia1_filler, "import_workbook", round_id=cast.round.pk, upload=("a.xlsx", data)
    )
    again, created_again = services.submit(
        cast.jia1_filler, "import_workbook", round_id=cast.round.pk, upload=("a-copy.xlsx", data)
    )
    assert created and not created_again and again.pk == first.pk
    drain()
    assert Job.objects.count() == 1
    assert AuditRecord.objects.filter(action="value.import").count() == 1


def test_a_bad_workbook_fails_naming_every_cell_and_writes_nothing(cast):
    data = filled_item_template(
        cast, cast.jia1_filler, "990101", {"kg_public_share": 150, "kg_inclusive_coverage": "很多"}
    )
    job, _ = services.submit(
        cast.jia1_filler, "import_workbook", round_id=cast.round.pk, upload=("坏.xlsx", data)
    )
    drain()
    job.refresh_from_db()
    assert job.status == Status.FAILED
    assert job.message.startswith("有 2 处错误，未写入任何数据")
    assert all("数据填报!E" in e for e in job.errors), job.errors
    assert not DataValue.objects.filter(evaluation=cast.jia1).exists()
    # A failed upload frees its key: the corrected file, or even the same one, may be submitted again.
    retry, created = services.submit(
        cast.jia1_filler, "import_workbook", round_id=cast.round.pk, upload=("坏.xlsx", data)
    )
    assert created and retry.pk != job.pk


def test_a_county_user_can_neither_see_nor_cancel_another_countys_job(cast):
    data = filled_item_template(cast, cast.jia1_filler, "990101", {"kg_public_share": 55})
    job, _ = services.submit(
        cast.jia1_filler, "import_workbook", round_id=cast.round.pk, upload=("a.xlsx", data)
    )
    assert list(scoping.jobs_for(cast.jia2_filler)) == []
    with pytest.raises(Http404):
        scoping.get_job_for(cast.jia2_filler, job.pk)
    with pytest.raises(Http404):
        services.cancel(cast.jia2_filler, job.pk)
    assert list(scoping.jobs_for(cast.jia1_filler)) == [job]
    assert job in scoping.jobs_for(cast.admin)
    job.refresh_from_db()
    assert job.status == Status.QUEUED and not job.cancel_requested


def test_a_cancelled_queued_job_never_runs(cast):
    data = filled_item_template(cast, cast.jia1_filler, "990101", {"kg_public_share": 55})
    job, _ = services.submit(
        cast.jia1_filler, "import_workbook", round_id=cast.round.pk, upload=("a.xlsx", data)
    )
    services.cancel(cast.jia1_filler, job.pk)
    drain()
    job.refresh_from_db()
    assert job.status == Status.CANCELLED and job.attempts == 0
    assert value(cast.jia1, "kg_public_share") is None
    assert list(JobRun.objects.filter(job=job).values_list("claimed", flat=True)) == [False]
    with pytest.raises(ActionError, match="已取消，无法取消"):
        services.cancel(cast.jia1_filler, job.pk)


def test_the_worker_checks_the_owners_permission_again(cast):
    data = filled_item_template(cast, cast.jia1_filler, "990101", {"kg_public_share": 55})
    job, _ = services.submit(
        cast.jia1_filler, "import_workbook", round_id=cast.round.pk, upload=("a.xlsx", data)
    )
    # The role is taken away while the job waits in the queue.
    RoleAssignment.objects.filter(user=cast.jia1_filler).delete()
    drain()
    job.refresh_from_db()
    assert job.status == Status.FAILED and job.message.startswith("无权执行此任务")
    assert value(cast.jia1, "kg_public_share") is None


def test_a_county_filler_may_not_start_a_full_round_rescore(cast):
    with pytest.raises(PermissionDenied):
        services.submit(cast.jia1_filler, "rescore_round", round_id=cast.round.pk)
    job, _ = services.submit(cast.prov_office, "rescore_round", round_id=cast.round.pk)
    drain()
    job.refresh_from_db()
    assert job.status == Status.SUCCEEDED and (job.done, job.total) == (3, 3)
    assert AuditRecord.objects.filter(action="round.rescore").count() == 1


def test_a_job_whose_worker_died_is_queued_again_then_failed_with_the_reason(cast):
    job, _ = services.submit(cast.prov_office, "rescore_round", round_id=cast.round.pk)
    for attempt in (1, 2):
        # What a SIGKILLed worker leaves: the claim, and a process that no longer exists on this host.
        Job.objects.filter(pk=job.pk).update(
            status=Status.RUNNING, attempts=attempt, worker_id=f"{runner.HOST}:999999999:x"
        )
        assert runner.reap() == [str(job.pk)]
        job.refresh_from_db()
    assert job.status == Status.FAILED
    assert "工作进程在执行中意外终止" in job.message and "已执行 2 次仍未完成" in job.message
    assert list(AuditRecord.objects.filter(object_id=str(job.pk)).values_list("action", flat=True)) == [
        "job.submit",
        "job.requeued",
        "job.failed",
    ]


def test_a_running_job_of_a_live_worker_is_left_alone(cast):
    import os

    job, _ = services.submit(cast.prov_office, "rescore_round", round_id=cast.round.pk)
    Job.objects.filter(pk=job.pk).update(
        status=Status.RUNNING, attempts=1, worker_id=f"{runner.HOST}:{os.getpid()}:x"
    )
    assert runner.reap() == []


def test_scheduled_work_runs_once_a_day_whichever_worker_looks_first(db, settings, tmp_path):
    from datetime import datetime, timedelta
    from zoneinfo import ZoneInfo

    from lvzhi.jobs.schedule import SCHEDULE, due

    settings.LVZHI_AUDIT_ANCHOR_FILE = str(tmp_path / "anchors.jsonl")
    morning = datetime(2026, 3, 2, 9, 0, tzinfo=ZoneInfo("Asia/Shanghai"))
    assert sorted(due(morning)) == sorted(SCHEDULE)
    assert due(morning + timedelta(hours=5)) == []  # the same day again: already claimed
    drain()
    jobs = {j.params["name"]: j for j in Job.objects.filter(kind="scheduled")}
    assert {j.status for j in jobs.values()} == {Status.SUCCEEDED}, [j.message for j in jobs.values()]
    assert jobs["audit_anchor"].message.startswith("已写入审计链锚点")
    assert (tmp_path / "anchors.jsonl").read_text(encoding="utf-8").count("\n") == 1
    assert jobs["evidence_cleanup"].message.startswith("已删除 0 个无引用的文件")
    assert jobs["reminders"].message.startswith("已发送 0 条提醒")
    assert sorted(due(morning + timedelta(days=1))) == sorted(SCHEDULE)  # the next day's slot
    early = datetime(2026, 3, 4, 0, 30, tzinfo=ZoneInfo("Asia/Shanghai"))
    assert due(early) == []  # before every entry's hour


def test_a_job_whose_queue_push_was_lost_with_the_web_process_is_pushed_by_the_sweep(cast):
    from datetime import timedelta

    from django.utils import timezone
    from django_tasks_db.models import DBTaskResult

    job, _ = services.submit(cast.prov_office, "rescore_round", round_id=cast.round.pk)
    # What a web process killed between its commit and the push to Redis leaves: a job and no queue entry.
    DBTaskResult.objects.all().delete()
    Job.objects.filter(pk=job.pk).update(task_id="", created_at=timezone.now() - timedelta(minutes=1))
    assert not DBTaskResult.objects.exists()
    drain()  # a worker's sweep pushes it again, then runs it
    job.refresh_from_db()
    assert job.status == Status.SUCCEEDED and job.attempts == 1
    assert DBTaskResult.objects.get().id.hex == job.task_id.replace("-", "")
