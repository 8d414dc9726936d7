"""Every audit action code, once: its Chinese label and the sentence that tells a person what happened.

`record()` refuses a code that is not registered here, so an action cannot write a record that pages and
exports would show as a bare code. A sentence template may use {who} (the actor), {what} (the object as
recorded) and {change} (the fields that changed, "标签：旧值 → 新值", joined with "；").
"""

from __future__ import annotations

import functools
import re
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from django.apps import apps
from django.core.exceptions import FieldDoesNotExist


@dataclass(frozen=True)
class AuditAction:
    code: str
    label: str
    sentence: str


_ACTIONS = (
    # Evaluations: rounds, workflow, values and scores.
    AuditAction("scheme.create_version", "导入评价方案", "{who}导入了评价方案“{what}”：{change}"),
    AuditAction("scheme.activate", "启用评价方案", "{who}启用了评价方案“{what}”：{change}"),
    AuditAction("round.open", "开启评价轮次", "{who}开启了评价轮次“{what}”：{change}"),
    AuditAction("round.add_regions", "补充评价区划", "{who}为评价轮次“{what}”补充了区划：{change}"),
    AuditAction("round.close", "关闭评价轮次", "{who}关闭了评价轮次“{what}”"),
    AuditAction("round.update", "修改评价轮次", "{who}修改了评价轮次“{what}”：{change}"),
    AuditAction("round.assign_expert", "分配专家", "{who}分配了评审专家：{what}"),
    AuditAction("round.unassign_expert", "撤销专家分配", "{who}撤销了专家分配：{what}"),
    AuditAction("evaluation.transition", "状态变更", "{who}变更了“{what}”的状态：{change}"),
    AuditAction("evaluation.extend_deadline", "填报延期", "{who}为“{what}”延长了填报截止时间：{change}"),
    AuditAction("value.save", "修改数据", "{who}修改了“{what}”：{change}"),
    AuditAction("value.import", "Excel 导入", "{who}通过 Excel 导入了“{what}”：{change}"),
    AuditAction("value.confirm", "确认预填数据", "{who}确认了报告预填的“{what}”"),
    AuditAction("score.self", "自评打分", "{who}为“{what}”自评打分：{change}"),
    AuditAction("score.review", "评审打分", "{who}评审了“{what}”：{change}"),
    AuditAction("review.complete", "评审完成", "{who}完成了“{what}”的评审：{change}"),
    AuditAction("evidence.attach", "上传证明材料", "{who}为“{what}”上传了证明材料：{change}"),
    AuditAction("evidence.remove", "删除证明材料", "{who}删除了“{what}”的证明材料：{change}"),
    # Rectification of the problems found.
    AuditAction("problem.raise", "提出整改问题", "{who}提出了整改问题“{what}”：{change}"),
    AuditAction("problem.transition", "整改状态变更", "{who}变更了整改问题“{what}”的状态：{change}"),
    AuditAction("problem.add_measure", "添加整改措施", "{who}为整改问题“{what}”添加了措施：{change}"),
    AuditAction("problem.progress", "报告整改进展", "{who}报告了整改问题“{what}”的进展：{change}"),
    AuditAction("problem.request_closure", "申请销号", "{who}为整改问题“{what}”申请销号：{change}"),
    AuditAction("problem.verify_closure", "核验销号", "{who}核验并同意整改问题“{what}”销号：{change}"),
    AuditAction("problem.refuse_closure", "不同意销号", "{who}不同意整改问题“{what}”销号：{change}"),
    AuditAction("problem.carry_over", "结转整改问题", "{who}将整改问题“{what}”结转到新一年：{change}"),
    # On-site inspection (lvzhi.inspections): risk-based draws, plans and what the inspectors found.
    AuditAction("inspection.plan", "制定督导计划", "{who}制定了实地督导计划“{what}”：{change}"),
    AuditAction("inspection.finding", "记录督导发现", "{who}记录了实地督导发现“{what}”：{change}"),
    AuditAction(
        "inspection.finding.correct", "更正督导发现", "{who}更正了实地督导发现“{what}”的核查结果：{change}"
    ),
    AuditAction("inspection.draw", "抽取督导区划", "{who}按风险抽取了实地督导区划“{what}”：{change}"),
    AuditAction("inspection.settings", "修改风险参数", "{who}修改了“{what}”的督导抽取风险参数：{change}"),
    # Satisfaction surveys (lvzhi.surveys).
    AuditAction("survey.open", "开启满意度调查", "{who}开启了满意度调查“{what}”：{change}"),
    AuditAction("survey.respond", "提交调查答卷", "匿名受访者提交了满意度调查答卷“{what}”：{change}"),
    AuditAction("survey.import", "导入调查答卷", "{who}通过 Excel 导入了满意度调查“{what}”的答卷：{change}"),
    AuditAction("survey.add_tokens", "增发答卷链接", "{who}为满意度调查“{what}”增发了答卷链接：{change}"),
    AuditAction("survey.upload_questionnaire", "上传调查问卷", "{who}上传了调查问卷“{what}”：{change}"),
    # Users, roles, sessions and API tokens.
    AuditAction("login.lockout", "登录锁定", "用户名“{what}”登录失败次数过多，已暂时锁定：{change}"),
    AuditAction("user.create", "创建用户", "{who}创建了用户“{what}”：{change}"),
    AuditAction("user.set_password", "修改密码", "{who}修改了用户“{what}”的密码"),
    AuditAction("user.deactivate", "停用用户", "{who}停用了用户“{what}”"),
    AuditAction("role.grant", "授予角色", "{who}授予了角色：{what}"),
    AuditAction("role.revoke", "撤销角色", "{who}撤销了角色：{what}"),
    AuditAction("session.revoke", "注销会话", "{who}注销了用户“{what}”的一个登录会话：{change}"),
    AuditAction("session.revoke_all", "注销全部会话", "{who}注销了用户“{what}”的全部登录会话：{change}"),
    AuditAction("token.create", "创建 API 令牌", "{who}创建了 API 令牌“{what}”：{change}"),
    AuditAction("token.revoke", "撤销 API 令牌", "{who}撤销了 API 令牌“{what}”"),
    # Administrative divisions.
    AuditAction("regions.upsert", "更新行政区划", "{who}更新了行政区划：{change}"),
    AuditAction("regions.change", "区划变更", "{who}登记了区划变更（停用的代码及新旧代码对应）：{change}"),
    AuditAction("regions.add_unit", "新增非标准单位", "{who}新增了非标准单位“{what}”：{change}"),
    # Background jobs (lvzhi.jobs) and the work only a job does.
    AuditAction("job.submit", "提交后台任务", "{who}提交了后台任务“{what}”：{change}"),
    AuditAction("job.cancel", "取消后台任务", "{who}取消了后台任务“{what}”"),
    AuditAction("job.succeeded", "后台任务完成", "后台任务“{what}”已完成：{change}"),
    AuditAction("job.failed", "后台任务失败", "后台任务“{what}”失败：{change}"),
    AuditAction("job.cancelled", "后台任务已取消", "后台任务“{what}”已取消：{change}"),
    AuditAction("job.requeued", "后台任务重新排队", "后台任务“{what}”重新排队：{change}"),
    AuditAction("round.rescore", "全轮次重新计分", "{who}对评价轮次“{what}”全部重新计分：{change}"),
    # Changes made directly in the Django admin.
    AuditAction("admin.add", "后台新增", "{who}在管理后台新增了“{what}”：{change}"),
    AuditAction("admin.change", "后台修改", "{who}在管理后台修改了“{what}”：{change}"),
    AuditAction("admin.delete", "后台删除", "{who}在管理后台删除了“{what}”"),
)

ACTIONS: Mapping[str, AuditAction] = {a.code: a for a in _ACTIONS}

# The keys that actions write into before/after, as people call them.
FIELD_LABELS = {
    "state": "状态",
    "reason": "原因",
    "reasons": "原因",
    "name": "名称",
    "title": "标题",
    "value": "数值",
    "prev_value": "上年数值",
    "source": "来源",
    "confirmed": "已确认",
    "version": "版本",
    "note": "备注",
    "indicator": "指标",
    "self_level": "自评等级",
    "self_score": "自评得分",
    "self_justification": "自评说明",
    "review_score": "评审得分",
    "review_comment": "评审意见",
    "discrepancy": "自评与评审不一致",
    "final_score": "最终得分",
    "review_total": "评审总分",
    "grade": "等次",
    "change_confirmed": "与上年相比变化超出合理范围，已确认",
    "sample": "样本",
    "fill_deadline": "填报截止",
    "active": "已启用",
    "closed": "已关闭",
    "codes": "停用代码",
    "review_deadline": "审核截止",
    "scheme": "评价方案",
    "scheme_id": "方案代码",
    "content_hash": "内容哈希",
    "year": "年度",
    "regions": "区划",
    "region": "区划",
    "round": "评价轮次",
    "expert": "专家",
    "user": "用户",
    "username": "用户名",
    "full_name": "姓名",
    "email": "电子邮箱",
    "role": "角色",
    "is_active": "启用",
    "password": "密码",
    "ip": "IP 地址",
    "started": "登录时间",
    "count": "数量",
    "group": "调查对象",
    "prefix": "前缀",
    "expires_at": "有效期至",
    "file": "文件",
    "files": "附件",
    "file_name": "文件名",
    "size": "大小",
    "sha256": "SHA-256",
    "problem": "问题",
    "text": "内容",
    "responsible_unit": "责任单位",
    "owner": "责任人",
    "percent": "完成比例",
    "summary": "总结",
    "comment": "意见",
    "carried_from": "结转自",
    "measures": "措施数",
    "code": "代码",
    "kind": "类型",
    "level": "层级",
    "parent": "上级",
    "created": "新增",
    "updated": "更新",
    "unchanged": "未变",
    "changes": "变更",
    "evaluation": "评价",
    "severity": "严重程度",
    "description": "问题描述",
    "required_measure": "整改要求",
    "deadline": "整改期限",
    "seed": "随机种子",
    "n": "抽取数量",
    "floor": "基础权重",
    "drawn": "抽中区划",
    "item": "数据项",
    "reported": "填报数值",
    "verified": "核查数值",
    "verified_score": "核查得分",
    "tolerance": "允许偏差（%）",
    "flagged": "超出允许偏差",
    "photos": "照片",
}


class UnknownAuditAction(ValueError):
    """An action tried to write an audit record under a code that lvzhi.audit.codes does not register."""


def require_registered(code: str) -> None:
    if code not in ACTIONS:
        raise UnknownAuditAction(
            f"审计操作代码 {code!r} 未在 lvzhi.audit.codes 中登记 (unregistered audit action)"
        )


def action_label(code: Any) -> str:
    """The Chinese name of an audit action code (the code itself for records of a code since retired)."""
    action = ACTIONS.get(str(code))
    return action.label if action is not None else str(code)


def field_label(key: str) -> str:
    """A before/after key as people call it: a field label, else a statistic's catalogue name (imports and
    saves record values under item codes), else the key."""
    return FIELD_LABELS.get(key) or _item_names().get(key, key)


@functools.lru_cache(maxsize=1)
def _item_names() -> dict[str, str]:
    from lvzhi.schemes import builtin_catalogue  # the pure engine's catalogue: no app import

    return {code: item.name for code, item in builtin_catalogue().items.items()}


def _choice_label(object_type: str, key: str, value: Any) -> str | None:
    # A field of the recorded object with choices (a role, a data source, a problem's severity) is shown by
    # its choice label, read from the model through the app registry so audit imports no other app.
    try:
        field = apps.get_model(object_type)._meta.get_field(key)
    except (LookupError, ValueError, FieldDoesNotExist):
        return None
    choices = getattr(field, "flatchoices", None)
    if not choices:
        return None
    return next((str(label) for code, label in choices if code == value), None)


def show_value(key: str, value: Any, object_type: str = "") -> str:
    """A stored before/after value as a person reads it (object_type: the record's "app.model")."""
    if value is None or value == "":
        return "（空）"
    if isinstance(value, bool):
        return "是" if value else "否"
    if isinstance(value, list):
        return "、".join(show_value(key, v, object_type) for v in value) or "（空）"
    if isinstance(value, dict):
        return "，".join(f"{field_label(k)} {show_value(k, v)}" for k, v in value.items()) or "（空）"
    if key in REGION_KEYS:
        return _region_name(str(value))
    label = _choice_label(object_type, key, value) if object_type else None
    if label is None and isinstance(value, str) and _ISO_MOMENT.match(value):
        return _beijing(value)
    return label if label is not None else str(value)


# Keys whose values are region codes: a person reads the region's name (and the code, to tell apart).
REGION_KEYS = frozenset({"region", "regions", "codes", "owner_region"})


def _region_name(code: str) -> str:
    name = (
        apps.get_model("regions", "Region").objects.filter(code=code).values_list("name", flat=True).first()
    )
    return f"{name}（{code}）" if name else code


# Moments are stored in the records as ISO text in UTC; people read them in Beijing time (settings.TIME_ZONE).
_ISO_MOMENT = re.compile(r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2}(\.\d+)?)?(Z|[+-]\d{2}:?\d{2})$")


def _beijing(text: str) -> str:
    from datetime import datetime

    from django.utils import timezone

    try:
        moment = datetime.fromisoformat(text.replace("Z", "+00:00"))
    except ValueError:
        return text
    return timezone.localtime(moment).strftime("%Y-%m-%d %H:%M")


@dataclass(frozen=True)
class Change:
    key: str
    label: str
    before: str | None  # None: the field was not recorded before (a creation)
    after: str | None  # None: not recorded after (a removal)

    def __str__(self) -> str:
        if self.before is None:
            return f"{self.label}：{self.after}"
        if self.after is None:
            return f"{self.label}：{self.before}"
        return f"{self.label}：{self.before} → {self.after}"


# Kept in the records for machines (identifiers, hashes), left out of the sentences people read.
UNSPOKEN_FIELDS = frozenset({"scheme_id", "content_hash", "sha256"})


def changes(before: Any, after: Any, object_type: str = "") -> list[Change]:
    """The fields that differ between a record's before and after (all of them for a creation or removal)."""
    old = before if isinstance(before, dict) else {}
    new = after if isinstance(after, dict) else {}
    out: list[Change] = []
    for key in [*old, *(k for k in new if k not in old)]:
        if key in UNSPOKEN_FIELDS:
            continue
        if key in old and key in new and old[key] == new[key]:
            continue
        out.append(
            Change(
                key,
                field_label(key),
                show_value(key, old[key], object_type) if key in old else None,
                show_value(key, new[key], object_type) if key in new else None,
            )
        )
    return out


def describe(
    *, actor: str, action: str, object_repr: str, before: Any = None, after: Any = None, object_type: str = ""
) -> str:
    """One Chinese sentence saying who did what to which object, and what changed from → to."""
    entry = ACTIONS.get(action)
    change = "；".join(str(c) for c in changes(before, after, object_type)) or "无字段变化"
    if entry is None:
        return f"{actor or '系统'}执行了 {action}（{object_repr}）：{change}"
    return entry.sentence.format(who=actor or "系统", what=object_repr, change=change)


def describe_record(rec: Any) -> str:
    """describe() for a stored AuditRecord."""
    return describe(
        actor=rec.actor_username,
        action=rec.action,
        object_repr=rec.object_repr,
        before=rec.before,
        after=rec.after,
        object_type=rec.object_type,
    )
