"""Template filters of the web interface: exact numbers as people write them."""

from __future__ import annotations

import re
from decimal import Decimal, InvalidOperation
from typing import Any

from django import template

register = template.Library()


@register.filter
def num(value: Any, places: int | None = None) -> str:
    """A number without float noise or trailing zeros ('1500', '20.68'); empty for None."""
    if value is None or value == "":
        return ""
    try:
        d = value if isinstance(value, Decimal) else Decimal(str(value))
    except InvalidOperation:
        return str(value)
    if places is not None:
        d = d.quantize(Decimal(1).scaleb(-int(places)))
        return format(d, "f")
    text = format(d.normalize(), "f")
    if "." in text:
        text = text.rstrip("0").rstrip(".")
    return "0" if text in ("-0", "") else text


@register.filter
def get(mapping: Any, key: Any) -> Any:
    """mapping[key] in a template, None when absent."""
    try:
        return mapping.get(key)
    except AttributeError:
        return None


@register.filter
def domid(code: Any) -> str:
    """An indicator or item code made safe for an element id and a CSS selector ('1.1' → '1_1')."""
    return re.sub(r"[^A-Za-z0-9_-]", "_", str(code))


RULE_KINDS = {
    "manual": "人工评定",
    "threshold": "达标计分",
    "linear": "按差距扣分",
    "ladder": "分档计分",
    "all": "全部满足",
    "any": "满足其一",
    "rank": "按排名计分",
    "per_item_deduction": "按项扣分",
    "formula": "公式计分",
}


@register.filter
def rule_kind(kind: Any) -> str:
    """The Chinese name of a scoring rule kind."""
    return RULE_KINDS.get(str(kind), str(kind))


# Audit action codes (written by the action functions) as people call them.
ACTIONS = {
    "evaluation.transition": "状态变更",
    "value.save": "修改数据",
    "value.import": "Excel 导入",
    "value.confirm": "确认预填数据",
    "score.self": "自评打分",
    "score.review": "评审打分",
    "round.open": "开启评价轮次",
    "round.assign_expert": "分配专家",
    "round.unassign_expert": "撤销专家分配",
    "evidence.attach": "上传证明材料",
    "evidence.remove": "删除证明材料",
    "scheme.create_version": "导入评价方案",
    "user.create": "创建用户",
    "role.grant": "授予角色",
    "role.revoke": "撤销角色",
    "regions.upsert": "更新行政区划",
    "regions.add_unit": "新增非标准单位",
}


@register.filter
def action_label(code: Any) -> str:
    """The Chinese name of an audit action code (the code itself when it has none yet)."""
    return ACTIONS.get(str(code), str(code))
