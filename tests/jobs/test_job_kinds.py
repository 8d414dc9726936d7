"""The other kinds of job: reading a zip of county reports, the regions registry, cancelling a running job."""

from __future__ import annotations

import io
import zipfile

import pytest
from django.core.exceptions import PermissionDenied

from lvzhi.audit.models import AuditRecord
from lvzhi.jobs import kinds, services
from lvzhi.jobs.models import Job, ReportReading, Status
from lvzhi.jobs.worker import drain
from lvzhi.regions.models import Region

pytestmark = pytest.mark.django_db

REPORT = (
    "{name}人民政府关于2024年度履行教育职责情况的自评报告\n"
    "一、基本情况\n"
    "全县共有幼儿园42所，其中公办幼儿园20所、民办幼儿园22所，公办园占比为60%。\n"
    "二、主要工作\n"
    "普惠性幼儿园覆盖率达到85.3%，比上年提高2.1个百分点。\n"
)


def zip_of(files: dict[str, str]) -> bytes:
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as zf:
        for name, text in files.items():
            zf.writestr(name, text.encode("utf-8"))
    return buf.getvalue()


def test_a_zip_of_county_reports_is_read_into_findings_linked_to_each_evaluation(cast):
    data = zip_of(
        {
            "自评报告/990101-甲市一县.txt": REPORT.format(name="甲市一县"),
            "自评报告/甲市二县自评报告.txt": REPORT.format(name="甲市二县"),
            "自评报告/某某县.txt": REPORT.format(name="某某县"),
            "说明.xlsx": "not a report",
        }
    )
    job, _ = services.submit(
        cast.prov_office, "read_reports", round_id=cast.round.pk, upload=("全省报告.zip", data)
    )
    drain()
    job.refresh_from_db()
    assert job.status == Status.SUCCEEDED, job.message
    readings = {r.evaluation_id: r for r in ReportReading.objects.filter(job=job)}
    # By code in the path, else by the county's name; a file naming no county of the round is reported.
    assert set(readings) == {cast.jia1.pk, cast.jia2.pk}
    assert all(r.figures >= 4 for r in readings.values())
    assert job.result["problems"] == ["自评报告/某某县.txt：文件名中没有本轮次可见地区的代码或名称，未阅读"]
    assert job.message.startswith("已阅读 2 份报告") and "1 个文件未能阅读" in job.message
    assert (job.done, job.total) == (3, 3)


def test_a_county_can_read_only_its_own_report_from_a_zip(cast):
    data = zip_of(
        {"990101.txt": REPORT.format(name="甲市一县"), "990102.txt": REPORT.format(name="甲市二县")}
    )
    job, _ = services.submit(cast.jia1_filler, "read_reports", round_id=cast.round.pk, upload=("z.zip", data))
    drain()
    job.refresh_from_db()
    assert list(ReportReading.objects.filter(job=job).values_list("evaluation_id", flat=True)) == [
        cast.jia1.pk
    ]


def test_a_file_that_is_no_zip_fails_in_chinese(cast):
    job, _ = services.submit(
        cast.prov_office, "read_reports", round_id=cast.round.pk, upload=("a.zip", b"plain")
    )
    drain()
    job.refresh_from_db()
    assert job.status == Status.FAILED and job.message == "未完成：“a.zip”不是有效的 zip 压缩包"


def test_only_the_administrator_updates_the_regions_registry_and_bad_lines_are_named(cast):
    csv = "code,name,level,parent\n990000,示范省,省,\n990300,丙市,市,990000\n990301,丙市一县,县,990300\n"
    with pytest.raises(PermissionDenied):
        services.submit(cast.prov_office, "regions_update", upload=("regions.csv", csv.encode()))
    job, _ = services.submit(cast.admin, "regions_update", upload=("regions.csv", csv.encode()))
    drain()
    job.refresh_from_db()
    assert job.status == Status.SUCCEEDED, job.message
    assert Region.objects.get(code="990301").name == "丙市一县"
    bad, _ = services.submit(
        cast.admin, "regions_update", upload=("bad.csv", "code,name,level,parent\n99,X,省,\n".encode())
    )
    drain()
    bad.refresh_from_db()
    assert bad.status == Status.FAILED and "应为 6 位数字" in bad.message and ":2:" in bad.message


def test_a_running_job_cancelled_stops_at_its_next_progress_point_and_writes_nothing(cast, monkeypatch):
    job, _ = services.submit(cast.prov_office, "rescore_round", round_id=cast.round.pk)
    spec = kinds.KINDS["rescore_round"]

    def cancelled_while_running(ctx):
        services.cancel(cast.prov_office, job.pk)  # the owner presses 取消 on the job page meanwhile
        return spec.run(ctx)

    monkeypatch.setitem(
        kinds.KINDS,
        "rescore_round",
        kinds.Kind(spec.name, spec.label, spec.authorize, cancelled_while_running),
    )
    drain()
    job.refresh_from_db()
    assert job.status == Status.CANCELLED and job.message == "已按要求取消，本任务未写入任何数据。"
    assert not AuditRecord.objects.filter(action="round.rescore").exists()
    assert list(AuditRecord.objects.filter(object_id=str(job.pk)).values_list("action", flat=True)) == [
        "job.submit",
        "job.cancel",
        "job.cancelled",
    ]
    assert Job.objects.get(pk=job.pk).attempts == 1
