"""The kinds of background job: who may submit each (checked again in the worker) and what it does.

Every kind reuses the platform's own code for the work (the Excel import of lvzhi.entry, the scoring of
lvzhi.evaluations, the writer's report bundle, the report reader, the regions registry); a kind only adds
progress points and turns the outcome into a sentence in Chinese. A kind that writes does so in one
transaction, so a worker killed in the middle leaves the database as it was.
"""

from __future__ import annotations

import io
import tempfile
import zipfile
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path, PurePosixPath
from typing import Any

from django.db import transaction

from lvzhi.accounts import scoping
from lvzhi.accounts.scoping import Forbidden, Perm
from lvzhi.entry.report_files import REPORT_SUFFIXES, ReportUnreadable, read_limited
from lvzhi.jobs.context import JobContext, Outcome
from lvzhi.jobs.models import Job, ReportReading


@dataclass(frozen=True)
class Kind:
    name: str
    label: str
    # Raises NotFound/Forbidden (scoping) when `owner` may not run this job; called on submit and in the worker.
    authorize: Callable[[Any, Job], None]
    run: Callable[[JobContext], Outcome]
    needs_round: bool = True


KINDS: dict[str, Kind] = {}


def register(kind: Kind) -> Kind:
    KINDS[kind.name] = kind
    return kind


def _round(owner: Any, job: Job, perm: Perm = Perm.VIEW) -> Any:
    return scoping.get_round_for(owner, job.round_id, perm)


def _views_round(owner: Any, job: Job) -> None:
    _round(owner, job)


def _manages_round(owner: Any, job: Job) -> None:
    _round(owner, job, Perm.MANAGE)


# ------------------------------------------------------------------------------------------ Excel import


def _authorize_import(owner: Any, job: Job) -> None:
    from lvzhi.entry.services import fillable_evaluations

    rnd = _round(owner, job)
    if not fillable_evaluations(owner, rnd).exists():
        raise Forbidden(f"您在评价轮次“{rnd}”中没有可填报的地区")


def _run_import(ctx: JobContext) -> Outcome:
    from lvzhi.entry.services import import_workbook

    job = ctx.job
    result = import_workbook(
        ctx.owner, job.round_id, ctx.input_bytes(), job.input_name, progress=ctx.progress
    )
    doubtful = ""
    if result.doubtful:
        shown = "；".join(result.doubtful[:DOUBTFUL_SHOWN])
        more = f"等 {len(result.doubtful)} 项" if len(result.doubtful) > DOUBTFUL_SHOWN else ""
        doubtful = f"其中与上年相比变动超出合理范围、已标为待确认的数值{more}：{shown}。请到各地区的数据页逐项核对并确认。"
    return Outcome(
        f"已导入“{job.input_name}”：{result.regions} 个地区，写入 {result.values_written} 个数值。{doubtful}",
        {
            "regions": result.regions,
            "values_written": result.values_written,
            "doubtful": list(result.doubtful),
        },
    )


# The doubtful values named in an import's message (all of them are in its result and on the rows).
DOUBTFUL_SHOWN = 10


register(Kind("import_workbook", "Excel 数据导入", _authorize_import, _run_import))


# ------------------------------------------------------------------------------------------ round re-score


def _run_rescore(ctx: JobContext) -> Outcome:
    from lvzhi.audit.services import record
    from lvzhi.evaluations import rescoring
    from lvzhi.evaluations.locks import lock_round
    from lvzhi.evaluations.models import Evaluation

    round_id = ctx.job.round_id
    if round_id is None:
        raise ValueError("重新计分任务没有指定评价轮次")
    n = Evaluation.objects.filter(round_id=round_id).count()
    ctx.progress(0, n, "重新计分")
    with transaction.atomic():
        # Same lock order as every action: round first, so no save interleaves with the full re-score.
        rnd = lock_round(round_id)
        rescoring.rescore_round(rnd)
        record(
            actor=ctx.owner,
            action="round.rescore",
            obj=rnd,
            region_code=rnd.owner_region.code,
            after={"evaluations": n},
        )
        ctx.progress(n, n, "重新计分")
    return Outcome(f"已对评价轮次“{rnd}”的 {n} 个评价全部重新计分。", {"evaluations": n})


register(Kind("rescore_round", "全轮次重新计分", _manages_round, _run_rescore))


# ------------------------------------------------------------------------------------------ bulk reports


def _run_reports(ctx: JobContext) -> Outcome:
    from lvzhi.evaluations.reporting import report_contexts
    from lvzhi.writer.bundle import report_bundle

    job = ctx.job
    rnd = _round(ctx.owner, job)
    evaluations = list(
        scoping.evaluations_for(ctx.owner)
        .filter(round=rnd)
        .select_related("region", "round__scheme_version", "round__owner_region")
        .order_by("region__code")
    )
    part = job.params.get("part")
    if part:
        # One share of the round (i of n), so several workers build one round's reports side by side.
        i, n = int(part[0]), int(part[1])
        evaluations = evaluations[i::n]
    formats = [f for f in job.params.get("formats", ["docx"]) if f in ("docx", "pdf", "html")] or ["docx"]
    feedback = bool(job.params.get("feedback", True))
    ctx.progress(0, len(evaluations), "计分")
    contexts = report_contexts(evaluations)
    buffer = io.BytesIO()
    warnings: list[str] = []
    files = 0
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as zf:
        for k, ev in enumerate(evaluations):
            ctx.progress(k, len(evaluations), f"生成报告：{ev.region.name}")
            bundle = report_bundle(
                contexts[ev.pk], formats, feedback=feedback, charts=bool(job.params.get("charts"))
            )
            warnings += bundle.warnings
            for name, data in bundle.files.items():
                zf.writestr(f"{ev.region.code}-{ev.region.name}/{name}", data)
                files += 1
    ctx.progress(len(evaluations), len(evaluations), "打包")
    zip_name = f"{rnd.name}-自评报告{'与反馈意见' if feedback else ''}.zip"
    return Outcome(
        f"已生成 {len(evaluations)} 个地区的 {files} 个文件，打包为“{zip_name}”。",
        {"regions": len(evaluations), "files": files, "warnings": warnings[:200]},
        (zip_name, buffer.getvalue()),
    )


register(Kind("bulk_reports", "批量生成自评报告和反馈意见", _views_round, _run_reports))


# ------------------------------------------------------------------------------------------ reading many reports


def _match(member: str, by_code: dict[str, Any], by_name: dict[str, Any]) -> Any:
    """The evaluation a report file belongs to: its region code in the path, else its region's name."""
    import re

    for code in re.findall(r"\d{6,12}", member):
        if code in by_code:
            return by_code[code]
    hits = [ev for name, ev in by_name.items() if name in member]
    # The longest name wins: 甲市一县 inside a path must not match 甲市.
    return max(hits, key=lambda ev: len(ev.region.name)) if hits else None


def _run_readings(ctx: JobContext) -> Outcome:
    from lvzhi.reader.pipeline import analyse

    job = ctx.job
    rnd = _round(ctx.owner, job)
    visible = list(scoping.evaluations_for(ctx.owner).filter(round=rnd).select_related("region"))
    by_code = {ev.region.code: ev for ev in visible}
    by_name = {ev.region.name: ev for ev in visible}
    try:
        zf = zipfile.ZipFile(io.BytesIO(ctx.input_bytes()))
    except zipfile.BadZipFile:
        raise ValueError(f"“{job.input_name}”不是有效的 zip 压缩包") from None
    members = [
        m
        for m in zf.infolist()
        if not m.is_dir() and PurePosixPath(m.filename).suffix.lower() in REPORT_SUFFIXES
    ]
    problems: list[str] = []
    readings: list[ReportReading] = []
    with tempfile.TemporaryDirectory(prefix="lvzhi-readings-") as tmp:
        for k, m in enumerate(members):
            # Zip members written by Windows tools carry GBK names flagged as cp437.
            shown = m.filename if m.flag_bits & 0x800 else m.filename.encode("cp437").decode("gbk", "replace")
            ctx.progress(k, len(members), f"阅读：{shown}")
            ev = _match(shown, by_code, by_name)
            if ev is None:
                problems.append(f"{shown}：文件名中没有本轮次可见地区的代码或名称，未阅读")
                continue
            path = Path(tmp) / f"{k}{PurePosixPath(shown).suffix.lower()}"
            path.write_bytes(zf.read(m))
            try:
                # In a child process with memory and time limits, like a report uploaded on the reader page.
                text = read_limited(path, shown)
            except ReportUnreadable as exc:
                problems.append(f"{shown}：无法读取（{str(exc).replace(str(path), shown)}）")
                continue
            analysis = analyse(text)
            findings = [
                {"kind": f.kind, "severity": f.severity, "message": f.message} for f in analysis.findings
            ]
            readings.append(
                ReportReading(
                    job=job,
                    evaluation=ev,
                    file_name=shown[:255],
                    figures=len(analysis.claims),
                    findings=findings,
                    summary={
                        "sections": len(analysis.sections),
                        "checks": len(analysis.checks),
                        "inconsistent": sum(1 for c in analysis.checks if not c.consistent),
                        "chars": len(text),
                    },
                )
            )
    ctx.progress(len(members), len(members), "保存结果")
    with transaction.atomic():
        ReportReading.objects.bulk_create(readings)
    flagged = sum(1 for r in readings if r.findings)
    return Outcome(
        f"已阅读 {len(readings)} 份报告（{flagged} 份有需要核对的问题）"
        + (f"，{len(problems)} 个文件未能阅读" if problems else "")
        + "。",
        {"read": len(readings), "flagged": flagged, "problems": problems[:200]},
    )


register(Kind("read_reports", "批量阅读自评报告", _views_round, _run_readings))


# ------------------------------------------------------------------------------------------ regions registry


def _authorize_admin(owner: Any, job: Job) -> None:
    if not scoping.is_admin(owner):
        raise Forbidden("只有系统管理员可以更新行政区划")


def _run_regions(ctx: JobContext) -> Outcome:
    from lvzhi.regions import divisions

    ctx.progress(0, 1, "更新行政区划")
    suffix = "".join(PurePosixPath(ctx.job.input_name).suffixes[-2:]) or ".csv"
    with tempfile.TemporaryDirectory(prefix="lvzhi-regions-") as tmp:
        path = Path(tmp) / f"registry{suffix}"
        path.write_bytes(ctx.input_bytes())
        result = divisions.load(path, acting_user=ctx.owner)
    ctx.progress(1, 1, "更新行政区划")
    return Outcome(
        f"行政区划已更新：新增 {result.created}，修改 {result.updated}，未变 {result.unchanged}。",
        {"created": result.created, "updated": result.updated, "unchanged": result.unchanged},
    )


register(Kind("regions_update", "更新行政区划", _authorize_admin, _run_regions, needs_round=False))


# ------------------------------------------------------------------------------------------ scheduled work


def _authorize_system(owner: Any, job: Job) -> None:
    # Scheduled jobs have no owner (the system runs them); a person may start one only as administrator.
    if owner is not None and not scoping.is_admin(owner):
        raise Forbidden("只有系统管理员可以运行定时任务")


def _run_scheduled(ctx: JobContext) -> Outcome:
    from lvzhi.jobs.schedule import SCHEDULE

    entry = SCHEDULE[ctx.job.params["name"]]
    ctx.progress(0, 1, entry.label)
    message = entry.run()
    ctx.progress(1, 1, entry.label)
    return Outcome(message, {"name": entry.name})


register(Kind("scheduled", "定时任务", _authorize_system, _run_scheduled, needs_round=False))
