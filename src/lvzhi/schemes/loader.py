"""Load and validate scheme and catalogue YAML files into the frozen model, collecting every problem.

Every problem (unknown key, wrong type, bad formula, points that do not add up …) is reported with
file:line:column, all of them at once, in Chinese and English: the nodes are read through
`yaml_nodes.Ctx`; the rules of leaves are read per kind by `rule_syntax`.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Container, Mapping
from decimal import Decimal
from pathlib import Path
from typing import TypeVar

import yaml

from lvzhi.schemes.errors import Problem, SchemeError
from lvzhi.schemes.formula import Formula, FormulaCycle, dependency_order
from lvzhi.schemes.model import (
    Catalogue,
    Condition,
    DataItem,
    Grade,
    Indicator,
    Provenance,
    Rounding,
    Scheme,
    ScoreLayer,
    ScoreLayers,
    Source,
)
from lvzhi.schemes.rule_syntax import parse_rule
from lvzhi.schemes.yaml_nodes import NULL, Ctx, compose, fmt_number, get

T = TypeVar("T")
ID_RE = re.compile(r"^[a-z0-9][a-z0-9-]*$")
CODE_RE = re.compile(r"^[A-Za-z][A-Za-z0-9_]*$")
LEVELS = ("省", "市", "县")

SCHEME_KEYS = {
    "id",
    "title",
    "issuer",
    "level",
    "year",
    "document",
    "total",
    "grades",
    "bonus_cap",
    "report_limit",
    "provenance",
    "computed",
    "indicators",
    "bonus",
    "deductions",
    "vetoes",
    "caps",
    "points_note",
    "description",
    "notes",
    "rounding",
    "deduction_cap",
    "score_layers",
}
INDICATOR_KEYS = {
    "code",
    "name",
    "points",
    "points_note",
    "children",
    "rule",
    "description",
    "note",
    "charge_to",
}
ITEM_KEYS = {
    "code",
    "name",
    "unit",
    "required",
    "min",
    "max",
    "integer",
    "aliases",
    "formula",
    "note",
    "description",
    "change_tolerance",
}


# ----------------------------------------------------------------------------------------- catalogue
def load_catalogue(path: str | Path) -> Catalogue:
    """Load and validate a statistics catalogue; raises SchemeError listing every problem."""
    path = Path(path)
    ctx = Ctx(str(path))
    root = compose(path, ctx)
    catalogue = None
    if root is not None:
        catalogue = _catalogue(root, ctx)
    if ctx.problems or catalogue is None:
        raise SchemeError(ctx.problems)
    return catalogue


def _catalogue(root: yaml.Node, ctx: Ctx) -> Catalogue | None:
    top = ctx.mapping(root, "数据项目录", {"items", "description", "notes"})
    if top is None:
        return None
    if "items" not in top:
        ctx.add(root, "数据项目录缺少 “items”", "catalogue is missing 'items'")
        return None
    nodes = ctx.seq(top["items"], "items") or []
    codes: dict[str, yaml.Node] = {}
    raw: list[tuple[yaml.Node, dict[str, yaml.Node]]] = []
    for node in nodes:
        m = ctx.mapping(node, "数据项", ITEM_KEYS)
        if m is None:
            continue
        code = get(m, "code", ctx, node, "数据项", lambda n: ctx.text(n, "code"))
        if code is None:
            continue
        if not CODE_RE.match(code):
            ctx.add(
                m["code"],
                f"数据项代码 “{code}” 只能用英文字母、数字和下划线，且以字母开头",
                f"item code {code!r} must be ASCII letters, digits and underscores, starting with a letter",
            )
        if code in codes:
            ctx.add(
                m["code"],
                f"重复的数据项代码 “{code}”（第 {codes[code].start_mark.line + 1} 行已有）",
                f"duplicate item code {code!r} (first at line {codes[code].start_mark.line + 1})",
            )
            continue
        codes[code] = m["code"]
        raw.append((node, m))
    items: dict[str, DataItem] = {}
    for node, m in raw:
        code = str(m["code"].value)
        name = get(m, "name", ctx, node, f"数据项 {code}", lambda n: ctx.text(n, "name")) or code
        unit = get(m, "unit", ctx, node, f"数据项 {code}", lambda n: ctx.text(n, "unit")) or ""
        formula = ctx.formula(m["formula"], f"数据项 {code} 的 formula", codes) if "formula" in m else None
        aliases: list[str] = []
        for a in ctx.seq(m["aliases"], "aliases") or [] if "aliases" in m else []:
            text = ctx.text(a, "alias")
            if text:
                aliases.append(text)
        lo = ctx.number(m["min"], "min", allow_null=True) if "min" in m else None
        hi = ctx.number(m["max"], "max", allow_null=True) if "max" in m else None
        if lo is not None and hi is not None and lo > hi:
            ctx.add(m["max"], f"数据项 {code} 的 max 小于 min", f"item {code}: max is below min")
        tolerance = (
            ctx.number(m["change_tolerance"], "change_tolerance", allow_null=True)
            if "change_tolerance" in m
            else None
        )
        if tolerance is not None and tolerance <= 0:
            ctx.add(
                m["change_tolerance"],
                f"数据项 {code} 的 change_tolerance 应为正数（上年数值的百分比）",
                f"item {code}: change_tolerance must be positive (percent of last year's value)",
            )
        note = ""
        for key in ("note", "description"):
            if key in m:
                note = ctx.text(m[key], key, allow_null=True) or note
        items[code] = DataItem(
            code=code,
            name=name,
            unit=unit,
            required=ctx.boolean(m["required"], "required") if "required" in m else False,
            min=lo,
            max=hi,
            integer=ctx.boolean(m["integer"], "integer") if "integer" in m else False,
            aliases=tuple(aliases),
            formula=formula,
            note=note,
            line=node.start_mark.line + 1,
            change_tolerance=tolerance,
        )
    _check_cycles(
        {c: i.formula.names for c, i in items.items() if i.formula is not None},
        {c: codes[c] for c in items},
        ctx,
    )
    return Catalogue(items, ctx.file)


def _check_cycles(deps: Mapping[str, frozenset[str]], where: Mapping[str, yaml.Node], ctx: Ctx) -> None:
    try:
        dependency_order(deps)
    except FormulaCycle as cyc:
        chain = " → ".join(cyc.names)
        ctx.add(
            where.get(cyc.names[0]), f"计算公式循环依赖: {chain}", f"computed items form a cycle: {chain}"
        )


# ----------------------------------------------------------------------------------------- scheme
def load_scheme(path: str | Path, catalogue: Catalogue | None = None) -> Scheme:
    """Load and validate a scheme file against a catalogue (default: the built-in one)."""
    if catalogue is None:
        from lvzhi.schemes.registry import builtin_catalogue

        catalogue = builtin_catalogue()
    path = Path(path)
    ctx = Ctx(str(path))
    root = compose(path, ctx)
    scheme = _scheme(root, ctx, catalogue) if root is not None else None
    if ctx.problems or scheme is None:
        raise SchemeError(ctx.problems)
    return scheme


def validate_scheme(path: str | Path, catalogue: Catalogue | None = None) -> list[Problem]:
    """Every problem of a scheme file (empty when it is valid)."""
    try:
        load_scheme(path, catalogue)
    except SchemeError as exc:
        return list(exc.problems)
    return []


class _SchemeBuilder:
    def __init__(self, ctx: Ctx, catalogue: Catalogue, known: Container[str], grade_codes: set[str]) -> None:
        self.ctx = ctx
        self.grade_codes = grade_codes
        self.catalogue = catalogue
        self.known = known
        self.codes: dict[str, yaml.Node] = {}
        self.charges: list[tuple[str, yaml.Node]] = []  # (charge_to, its node), checked once the tree is read
        self.layer_codes: set[str] | None = None  # the scheme's score layers (None: none declared)

    def claim_code(self, code: str, node: yaml.Node) -> None:
        if code in self.codes:
            first = self.codes[code].start_mark.line + 1
            self.ctx.add(
                node,
                f"重复的指标代码 “{code}”（第 {first} 行已有）",
                f"duplicate code {code!r} (first at line {first})",
            )
        else:
            self.codes[code] = node

    def indicators(self, node: yaml.Node, what: str, section: str) -> tuple[Indicator, ...]:
        out = []
        for child in self.ctx.seq(node, what) or []:
            ind = self.indicator(child, section)
            if ind is not None:
                out.append(ind)
        return tuple(out)

    def indicator(self, node: yaml.Node, section: str) -> Indicator | None:
        ctx = self.ctx
        m = ctx.mapping(node, "指标", INDICATOR_KEYS)
        if m is None:
            return None
        code = get(m, "code", ctx, node, "指标", lambda n: ctx.text(n, "code"))
        if code is None:
            return None
        self.claim_code(code, m["code"])
        what = f"指标 {code}"
        name = get(m, "name", ctx, node, what, lambda n: ctx.text(n, "name")) or code
        points = get(
            m, "points", ctx, node, what, lambda n: ctx.number(n, f"{what} 的 points", minimum=Decimal(0))
        )
        points_note = (
            ctx.text(m["points_note"], "points_note", allow_null=True) or "" if "points_note" in m else ""
        )
        note = ""
        for key in ("note", "description"):
            if key in m:
                note = ctx.text(m[key], key, allow_null=True) or note
        children: tuple[Indicator, ...] = ()
        rule = None
        if "children" in m:
            if section != "tree":
                ctx.add(
                    m["children"],
                    f"{what}: 加分/扣分项不能有下级指标",
                    f"{code}: bonus/deduction items cannot have children",
                )
            children = self.indicators(m["children"], f"{what} 的 children", section)
            if "rule" in m:
                ctx.add(
                    m["rule"],
                    f"{what} 有下级指标，不能同时有 rule（规则只用于末级指标）",
                    f"{code} has children and a rule; rules belong to leaves",
                )
            if points is not None and children and not points_note:
                total = sum((c.points for c in children), Decimal(0))
                if total != points:
                    ctx.add(
                        m["points"],
                        f"{what} 的分值 {fmt_number(points)} 与下级分值之和 {fmt_number(total)} 不符（如属有意，请写 points_note 说明）",
                        f"{code}: points {fmt_number(points)} differ from the children's sum {fmt_number(total)} (explain in points_note if intended)",
                    )
        elif "rule" in m:
            rule = parse_rule(ctx, m["rule"], what, points, self.known, self.layer_codes)
            if rule is not None and rule.kind == "rank" and section != "tree":
                # Bonus and deduction items are judged per region; ranking belongs to the indicator tree.
                ctx.add(
                    m["rule"],
                    f"{what}: rank 规则只能用于指标树，不能用于加分/扣分项",
                    f"{code}: rank rules belong to the indicator tree, not to bonus/deduction items",
                )
        else:
            ctx.add(node, f"{what} 既无下级指标也无 rule", f"{code} has neither children nor a rule")
        charge_to = ""
        if "charge_to" in m:
            if section != "deductions":
                ctx.add(
                    m["charge_to"],
                    f"{what}: 只有扣分项可以写 charge_to",
                    f"{code}: only deduction items take charge_to",
                )
            else:
                charge_to = ctx.text(m["charge_to"], "charge_to") or ""
                self.charges.append((charge_to, m["charge_to"]))
        return Indicator(
            code,
            name,
            points if points is not None else Decimal(0),
            rule,
            children,
            points_note,
            note,
            node.start_mark.line + 1,
            charge_to,
        )

    def condition(self, node: yaml.Node, kind: str) -> Condition | None:
        ctx = self.ctx
        keys = {"code", "name", "when", "note", "description"} | (
            {"max_grade", "demote"} if kind != "veto" else set()
        )
        what = "一票否决项" if kind == "veto" else "等次限制条件"
        m = ctx.mapping(node, what, keys)
        if m is None:
            return None
        code = get(m, "code", ctx, node, what, lambda n: ctx.text(n, "code"))
        if code is None:
            return None
        self.claim_code(code, m["code"])
        name = get(m, "name", ctx, node, what, lambda n: ctx.text(n, "name")) or code
        when = get(m, "when", ctx, node, what, lambda n: ctx.formula(n, f"{code} 的 when", self.known))
        note = ctx.text(m["note"], "note", allow_null=True) or "" if "note" in m else ""
        max_grade = None
        demote = 0
        if kind != "veto":
            if ("max_grade" in m) == ("demote" in m):
                ctx.add(
                    node,
                    f"{code} 须有 max_grade 或 demote（二选一）",
                    f"{code} needs either max_grade or demote",
                )
                return None
            if "max_grade" in m:
                kind = "max_grade"
                max_grade = ctx.text(m["max_grade"], "max_grade")
                if max_grade is not None and max_grade not in self.grade_codes:
                    ctx.add(
                        m["max_grade"],
                        f"{code} 的 max_grade “{max_grade}” 不是本方案的等次",
                        f"{code}: max_grade {max_grade!r} is not one of the scheme's grades",
                    )
            else:
                kind = "demote"
                demote = ctx.integer(m["demote"], "demote") or 0
                if demote < 1:
                    ctx.add(m["demote"], "demote 应为正整数", "demote must be a positive integer")
        if when is None:
            return None
        return Condition(code, name, kind, when, max_grade, demote, note, node.start_mark.line + 1)


def _scheme(root: yaml.Node, ctx: Ctx, catalogue: Catalogue) -> Scheme | None:
    m = ctx.mapping(root, "评价方案", SCHEME_KEYS)
    if m is None:
        return None

    def req(key: str, reader: Callable[[yaml.Node], T | None]) -> T | None:
        return get(m, key, ctx, root, "评价方案", reader)

    scheme_id = req("id", lambda n: ctx.text(n, "id"))
    if scheme_id is not None and not ID_RE.match(scheme_id):
        ctx.add(
            m["id"],
            f"方案 id “{scheme_id}” 只能用小写字母、数字和连字符",
            f"scheme id {scheme_id!r} must be lowercase letters, digits and hyphens",
        )
    title = req("title", lambda n: ctx.text(n, "title"))
    issuer = req("issuer", lambda n: ctx.text(n, "issuer"))
    level = req("level", lambda n: ctx.text(n, "level"))
    if level is not None and level not in LEVELS:
        ctx.add(
            m["level"],
            f"level 应为 {'/'.join(LEVELS)}（被评价的政府层级）",
            f"level must be one of {', '.join(LEVELS)}",
        )
    year = req("year", lambda n: ctx.integer(n, "year"))
    if year is not None and not 1990 <= year <= 2100:
        ctx.add(m["year"], f"年份 {year} 不合理", f"implausible year {year}")
    document = req("document", lambda n: ctx.text(n, "document", allow_null=True))
    total = req("total", lambda n: ctx.number(n, "total", allow_null=True, minimum=Decimal(0)))
    bonus_cap = (
        ctx.number(m["bonus_cap"], "bonus_cap", allow_null=True, minimum=Decimal(0))
        if "bonus_cap" in m
        else None
    )
    report_limit = (
        ctx.integer(m["report_limit"], "report_limit", allow_null=True) if "report_limit" in m else None
    )
    description = ""
    for key in ("description", "notes"):
        if key in m:
            description = ctx.text(m[key], key, allow_null=True) or description

    grades = _grades(m, root, ctx)
    provenance = req("provenance", lambda n: _provenance(n, ctx))

    # Computed names: scheme-local formulas may read catalogue items and each other.
    computed_nodes: dict[str, tuple[yaml.Node, yaml.Node]] = {}
    if "computed" in m:
        cm = m["computed"]
        if isinstance(cm, yaml.MappingNode):
            for k, v in cm.value:
                if k.value in catalogue:
                    ctx.add(
                        k,
                        f"计算项 “{k.value}” 与数据项目录中的代码重名",
                        f"computed name {k.value!r} clashes with a catalogue item",
                    )
                elif not CODE_RE.match(str(k.value)):
                    ctx.add(
                        k,
                        f"计算项名称 “{k.value}” 只能用英文字母、数字和下划线",
                        f"computed name {k.value!r} must be ASCII letters, digits and underscores",
                    )
                computed_nodes[str(k.value)] = (k, v)
        elif not (isinstance(cm, yaml.ScalarNode) and cm.tag == NULL):
            ctx.add(cm, "computed 应为 名称: 公式 的映射", "computed must map names to formulas")
    known = _Known(catalogue, computed_nodes.keys())
    computed: dict[str, Formula] = {}
    for name, (_, vnode) in computed_nodes.items():
        f = ctx.formula(vnode, f"计算项 {name}", known)
        if f is not None:
            computed[name] = f
    deps = {c: i.formula.names for c, i in catalogue.items.items() if i.formula is not None}
    deps.update({n: f.names for n, f in computed.items()})
    _check_cycles(deps, {n: k for n, (k, _) in computed_nodes.items()}, ctx)

    layers = _score_layers(m["score_layers"], ctx) if "score_layers" in m else None
    builder = _SchemeBuilder(ctx, catalogue, known, {g.code for g in grades})
    builder.layer_codes = {layer.code for layer in layers.layers} if layers is not None else None
    indicators = req("indicators", lambda n: builder.indicators(n, "indicators", "tree")) or ()
    if "indicators" in m and not indicators:
        ctx.add(m["indicators"], "indicators 不能为空", "indicators may not be empty")
    if total is not None and indicators and "points_note" not in m:
        s = sum((i.points for i in indicators), Decimal(0))
        if s != total:
            ctx.add(
                m["total"],
                f"总分 {fmt_number(total)} 与一级指标分值之和 {fmt_number(s)} 不符（如属有意，请写 points_note 说明）",
                f"total {fmt_number(total)} differs from the top-level indicators' sum {fmt_number(s)} (explain in points_note if intended)",
            )
    bonus = builder.indicators(m["bonus"], "bonus", "bonus") if "bonus" in m else ()
    if bonus and bonus_cap is None:
        ctx.add(m["bonus"], "有加分项时须给出 bonus_cap", "bonus items need a bonus_cap")
    deductions = builder.indicators(m["deductions"], "deductions", "deductions") if "deductions" in m else ()
    tree_codes = {i.code for top in indicators for i in top.walk()}
    for target, node in builder.charges:
        if target and target not in tree_codes:
            ctx.add(
                node,
                f"charge_to “{target}” 不是指标树中的指标代码",
                f"charge_to {target!r} is not the code of an indicator of the tree",
            )
    deduction_cap = (
        ctx.number(m["deduction_cap"], "deduction_cap", allow_null=True, minimum=Decimal(0))
        if "deduction_cap" in m
        else None
    )
    rounding = _rounding(m["rounding"], ctx) if "rounding" in m else Rounding()
    vetoes = _conditions(m, "vetoes", "veto", builder)
    caps = _conditions(m, "caps", "cap", builder)
    if (vetoes or caps) and not grades:
        ctx.add(root, "有一票否决或等次限制时须定义 grades", "vetoes and caps need grades")
    if ctx.problems or None in (scheme_id, title, issuer, level, year, provenance):
        return None
    assert scheme_id and title and issuer and level and year is not None and provenance is not None
    return Scheme(
        id=scheme_id,
        title=title,
        issuer=issuer,
        level=level,
        year=year,
        document=document,
        total=total,
        grades=grades,
        bonus_cap=bonus_cap,
        report_limit=report_limit,
        provenance=provenance,
        indicators=indicators,
        catalogue=catalogue,
        computed=computed,
        bonus=bonus,
        deductions=deductions,
        vetoes=vetoes,
        caps=caps,
        description=description,
        file=ctx.file,
        rounding=rounding,
        deduction_cap=deduction_cap,
        score_layers=layers,
    )


def _rounding(node: yaml.Node, ctx: Ctx) -> Rounding:
    """`rounding: {items: 2, total: 2}` — decimal places (0–6), or null to keep a value exact."""
    m = ctx.mapping(node, "rounding", {"items", "total"}) or {}
    places: dict[str, int | None] = {"items": None, "total": Rounding().total}
    for key, n in m.items():
        v = ctx.integer(n, f"rounding 的 {key}", allow_null=True)
        if v is not None and not 0 <= v <= 6:
            ctx.add(n, f"rounding 的 {key} 须为 0–6 位小数", f"rounding {key} must be 0–6 decimal places")
            continue
        places[key] = v
    return Rounding(places["items"], places["total"])


def _score_layers(node: yaml.Node, ctx: Ctx) -> ScoreLayers | None:
    """`score_layers: {layers: [{code: verified, name: 实地核查}, …], final: first}`, most trusted first."""
    m = ctx.mapping(node, "score_layers", {"layers", "final"})
    if m is None:
        return None
    layers: list[ScoreLayer] = []
    for n in ctx.seq(m["layers"], "layers") or [] if "layers" in m else []:
        lm = ctx.mapping(n, "评分层", {"code", "name"})
        if lm is None:
            continue
        code = get(lm, "code", ctx, n, "评分层", lambda x: ctx.text(x, "code"))
        name = get(lm, "name", ctx, n, "评分层", lambda x: ctx.text(x, "name"))
        if code is None or name is None:
            continue
        if any(layer.code == code for layer in layers):
            ctx.add(n, f"重复的评分层代码 “{code}”", f"duplicate layer code {code!r}")
        layers.append(ScoreLayer(code, name))
    if not layers:
        ctx.add(node, "score_layers 须列出至少一个评分层 (layers)", "score_layers needs at least one layer")
    final = "first"
    if "final" in m:
        final = ctx.text(m["final"], "final") or "first"
        if final not in ("first", "min", "max", "mean"):
            ctx.add(
                m["final"],
                "score_layers 的 final 应为 first / min / max / mean",
                "final must be one of first, min, max, mean",
            )
            final = "first"
    return ScoreLayers(tuple(layers), final)


class _Known:
    """Names a scheme's formulas may read: catalogue codes and scheme-local computed names."""

    def __init__(self, catalogue: Catalogue, computed: Container[str]) -> None:
        self.catalogue = catalogue
        self.computed = computed

    def __contains__(self, name: object) -> bool:
        return name in self.catalogue or name in self.computed


def _conditions(
    m: dict[str, yaml.Node], key: str, kind: str, builder: _SchemeBuilder
) -> tuple[Condition, ...]:
    if key not in m:
        return ()
    out = []
    for n in builder.ctx.seq(m[key], key) or []:
        c = builder.condition(n, kind)
        if c is not None:
            out.append(c)
    return tuple(out)


def _grades(m: dict[str, yaml.Node], root: yaml.Node, ctx: Ctx) -> tuple[Grade, ...]:
    if "grades" not in m:
        ctx.add(root, "评价方案缺少 “grades”", "scheme is missing 'grades'")
        return ()
    grades: list[Grade] = []
    seen: set[str] = set()
    for g in ctx.seq(m["grades"], "grades") or []:
        gm = ctx.mapping(g, "等次", {"code", "name", "min", "quota"})
        if gm is None:
            continue
        code = get(gm, "code", ctx, g, "等次", lambda n: ctx.text(n, "code"))
        name = get(gm, "name", ctx, g, "等次", lambda n: ctx.text(n, "name"))
        lo = get(gm, "min", ctx, g, "等次", lambda n: ctx.number(n, "min"))
        if code is None or name is None or lo is None:
            continue
        if code in seen:
            ctx.add(g, f"重复的等次代码 “{code}”", f"duplicate grade code {code!r}")
        seen.add(code)
        if grades and lo >= grades[-1].min:
            ctx.add(
                gm["min"],
                f"等次须从高到低排列：{code} 的 min {fmt_number(lo)} 不低于 {grades[-1].code} 的 {fmt_number(grades[-1].min)}",
                f"grades must go from highest to lowest: {code} min {fmt_number(lo)} is not below {grades[-1].code}'s {fmt_number(grades[-1].min)}",
            )
        quota = None
        if "quota" in gm:
            quota = ctx.number(
                gm["quota"], f"等次 {code} 的 quota（百分比）", minimum=Decimal(0), maximum=Decimal(100)
            )
        grades.append(Grade(code, name, lo, quota))
    if grades and grades[-1].quota is not None:
        ctx.add(
            m["grades"],
            f"最低等次 {grades[-1].code} 不能有名额限制 (quota)：超出名额的地区无处可降",
            f"the lowest grade {grades[-1].code} cannot have a quota: there is no grade below it",
        )
    return tuple(grades)


def _provenance(node: yaml.Node, ctx: Ctx) -> Provenance | None:
    m = ctx.mapping(node, "provenance", {"status", "sources", "notes"})
    if m is None:
        return None
    status = get(m, "status", ctx, node, "provenance", lambda n: ctx.text(n, "status"))
    if status is not None and status not in ("official", "reconstructed"):
        ctx.add(
            m["status"],
            "provenance.status 应为 official 或 reconstructed",
            "provenance.status must be official or reconstructed",
        )
    sources: list[Source] = []
    for s in ctx.seq(m["sources"], "sources") or [] if "sources" in m else []:
        sm = ctx.mapping(s, "source", {"title", "url", "note"})
        if sm is None:
            continue
        title = get(sm, "title", ctx, s, "source", lambda n: ctx.text(n, "title"))
        url = ctx.text(sm["url"], "url", allow_null=True) or "" if "url" in sm else ""
        note = ctx.text(sm["note"], "note", allow_null=True) or "" if "note" in sm else ""
        if title:
            sources.append(Source(title, url, note))
    notes = ctx.text(m["notes"], "notes", allow_null=True) or "" if "notes" in m else ""
    if not sources:
        ctx.add(node, "provenance 须列出至少一个来源 (sources)", "provenance needs at least one source")
    if status == "reconstructed" and not notes:
        ctx.add(
            node,
            "重构的方案须在 provenance.notes 中说明哪些是推断",
            "a reconstructed scheme must say in notes what was inferred",
        )
    return Provenance(status or "reconstructed", tuple(sources), notes)
