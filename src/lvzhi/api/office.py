"""API of the supervision office's year: add and activate scheme versions; open, close, assign experts,
extend deadlines, take batch steps, read progress and export results of rounds.

The same actions and scoping helper as the web pages and the CLI; refusals come back as the API's usual
Chinese errors (403/404/422).
"""

from __future__ import annotations

from datetime import date, datetime, time
from typing import Any, Literal

from django.http import HttpResponse
from django.utils import timezone
from ninja import Field, File, Router, Schema
from ninja.files import UploadedFile

from lvzhi.accounts import scoping
from lvzhi.accounts.models import User
from lvzhi.accounts.scoping import Perm
from lvzhi.evaluations import actions, progress, results
from lvzhi.evaluations.actions import office
from lvzhi.evaluations.errors import ActionError, Issue, ValidationFailed
from lvzhi.evaluations.models import Evaluation, SchemeVersion
from lvzhi.regions.models import Region
from lvzhi.site.downloads import download
from lvzhi.site.request_types import ApiRequest


def _end_of(day: date | None) -> datetime | None:
    """A deadline given as a date: the end of that day, Beijing time."""
    return None if day is None else timezone.make_aware(datetime.combine(day, time(23, 59, 59)))


class RoundIn(Schema):
    scheme: int
    year: int
    region: str
    level: Literal["county", "city", "province", "all"] = "county"
    fill_deadline: date | None = None
    review_deadline: date | None = None
    name: str = ""


class AssignIn(Schema):
    experts: list[str]
    regions: list[str] = Field(default_factory=list)
    draw: int = 0  # experts per region, drawn at random and balanced (instead of listing regions)
    seed: int | None = None


class ExtendIn(Schema):
    region: str
    until: date
    reason: str


class BatchIn(Schema):
    step: Literal["start_review", "approve", "publish", "reopen"]
    evaluations: list[int]


BATCH = {
    "start_review": actions.do_start_review,
    "approve": actions.do_approve,
    "publish": actions.do_publish,
    "reopen": actions.do_reopen,
}


def _items(items: list[office.BatchItem]) -> list[dict[str, Any]]:
    return [{"item": i.label, "ok": i.ok, "message": i.message} for i in items]


def register(schemes: Router, rounds: Router, scheme_out: Any, round_out: Any) -> None:
    """Add the office's operations to the schemes and rounds routers."""

    @schemes.post("/")
    def add_scheme(request: ApiRequest, file: File[UploadedFile], activate: bool = True) -> Any:
        """导入方案文件为新版本（默认同时启用；activate=false 为草稿）；错误逐行列出 file:line。"""
        sv = actions.do_upload_scheme_version(
            acting_user=request.auth,
            data=file.read(actions.MAX_SCHEME_BYTES + 1),
            file_name=file.name or "",
        )
        if activate:
            actions.do_activate_scheme_version(acting_user=request.auth, version=sv)
        return {**scheme_out(sv), "active": sv.activated_at is not None}

    @schemes.post("/{int:scheme_pk}/activate")
    def activate_scheme(request: ApiRequest, scheme_pk: int) -> Any:
        """启用方案版本（之后可用来开启评价轮次）。"""
        sv = SchemeVersion.objects.filter(pk=scheme_pk).first()
        if sv is None:
            raise scoping.NotFound("评价方案")
        actions.do_activate_scheme_version(acting_user=request.auth, version=sv)
        return {**scheme_out(sv), "active": True}

    @rounds.post("/")
    def open_round(request: ApiRequest, body: RoundIn) -> Any:
        """开启评价轮次：组织单位下某一层级的全部区划；重复调用只补上缺少的区划。"""
        sv = SchemeVersion.objects.filter(pk=body.scheme).first()
        owner = Region.objects.filter(code=body.region).first()
        if sv is None or owner is None:
            raise ValidationFailed([Issue("scheme" if sv is None else "region", "方案版本或组织单位不存在")])
        opened = office.do_open_year_round(
            acting_user=request.auth,
            scheme_version=sv,
            year=body.year,
            owner_region=owner,
            level=office.LEVEL_CHOICES[body.level],
            fill_deadline=_end_of(body.fill_deadline),
            review_deadline=_end_of(body.review_deadline),
            name=body.name,
        )
        return {**round_out(opened.round), "created": opened.created, "added": opened.added}

    @rounds.post("/{int:round_pk}/close")
    def close_round(request: ApiRequest, round_pk: int) -> Any:
        """关闭评价轮次。"""
        rnd = scoping.get_round_for(request.auth, round_pk, Perm.MANAGE)
        office.do_close_round(acting_user=request.auth, round=rnd)
        return {**round_out(rnd), "closed_at": rnd.closed_at}

    @rounds.post("/{int:round_pk}/assign")
    def assign(request: ApiRequest, round_pk: int, body: AssignIn) -> Any:
        """分配评审专家：列出区划，或 draw=N 为每个区划随机均衡抽取 N 名；始终回避。逐项报告结果。"""
        rnd = scoping.get_round_for(request.auth, round_pk, Perm.MANAGE)
        experts = list(User.objects.filter(username__in=body.experts, is_active=True))
        missing = sorted(set(body.experts) - {u.username for u in experts})
        if missing:
            raise ValidationFailed([Issue("experts", f"专家用户 {name} 不存在或已停用") for name in missing])
        if body.draw:
            regions = [e.region for e in Evaluation.objects.filter(round=rnd).select_related("region")]
            pairs = office.balanced_draw(
                experts, regions, body.draw, rnd.owner_region, office.expert_load(rnd), body.seed
            )
        else:
            regions = list(Region.objects.filter(code__in=body.regions))
            unknown = sorted(set(body.regions) - {r.code for r in regions})
            if unknown or not regions:
                raise ValidationFailed(
                    [Issue("regions", f"区划 {c} 不存在") for c in unknown]
                    or [Issue("regions", "请列出区划或用 draw 抽取")]
                )
            pairs = [(r, u) for r in regions for u in experts]
        return _items(office.do_assign_experts(acting_user=request.auth, round=rnd, pairs=pairs))

    @rounds.post("/{int:round_pk}/extend")
    def extend(request: ApiRequest, round_pk: int, body: ExtendIn) -> Any:
        """为一个区划延长填报截止时间（须写原因，记入审计）。"""
        rnd = scoping.get_round_for(request.auth, round_pk, Perm.MANAGE)
        ev = (
            Evaluation.objects.filter(round=rnd, region__code=body.region)
            .select_related("round", "region")
            .first()
        )
        if ev is None:
            raise ActionError(f"{body.region} 不在评价轮次“{rnd}”中")
        until = _end_of(body.until)
        assert until is not None
        office.do_grant_extension(acting_user=request.auth, evaluation=ev, until=until, reason=body.reason)
        return {"region": ev.region.code, "fill_deadline": office.fill_deadline_of(ev)}

    @rounds.post("/{int:round_pk}/batch")
    def batch(request: ApiRequest, round_pk: int, body: BatchIn) -> Any:
        """对选中的评价批量执行一步（开始审核/审核通过/发布/重新开放），每个评价单独执行，逐项报告。"""
        rnd = scoping.get_round_for(request.auth, round_pk, Perm.MANAGE)
        action = BATCH[body.step]
        out = []
        chosen = scoping.evaluations_for(request.auth).filter(round=rnd, pk__in=body.evaluations)
        for ev in chosen.select_related("round", "region"):
            try:
                action(acting_user=request.auth, evaluation=ev)
                out.append(office.BatchItem(ev.region.name, True, ev.state))
            except ValidationFailed as exc:
                out.append(office.BatchItem(ev.region.name, False, "；".join(i.message for i in exc.issues)))
            except (ActionError, scoping.Forbidden) as exc:
                out.append(office.BatchItem(ev.region.name, False, str(exc)))
        return _items(out)

    @rounds.get("/{int:round_pk}/progress")
    def round_progress(request: ApiRequest, round_pk: int, region: str | None = None) -> Any:
        """进度：某区划（默认组织单位）下一级各区划的各状态数量、逾期数和平均总分。"""
        rnd = scoping.get_round_for(request.auth, round_pk)
        under = scoping.get_region_for(request.auth, region) if region else None
        view = progress.progress(request.auth, rnd, under)

        def row(r: progress.Row) -> dict[str, Any]:
            return {
                "region": r.region.code,
                "name": r.region.name,
                "count": r.n,
                "states": r.counts,
                "overdue": r.overdue,
                "average": None if r.average is None else str(r.average),
            }

        return {"region": view.node.code, "rows": [row(r) for r in view.rows], "total": row(view.total)}

    @rounds.get("/{int:round_pk}/export.{fmt}")
    def export(request: ApiRequest, round_pk: int, fmt: str, state: str | None = None) -> HttpResponse:
        """导出结果：总分、等次、排名和每个指标的得分（xlsx 或 csv）。"""
        rnd = scoping.get_round_for(request.auth, round_pk)
        if fmt not in ("xlsx", "csv"):
            raise scoping.NotFound("导出格式")
        table = results.result_table(request.auth, rnd, state or None)
        return download(results.table_bytes(table, fmt), f"round-{rnd.pk}.{fmt}")
