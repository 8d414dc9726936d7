"""Satisfaction questionnaires (满意度调查问卷): a reviewed YAML file read into frozen objects.

Pure: no Django. Problems are reported the way scheme files report them (lvzhi.schemes.yaml_nodes: every
problem with file:line:column, in Chinese and English, all at once), so an office reviews a questionnaire
exactly as it reviews a scheme.

A question is `likert` (the five-point scale 非常满意 … 很不满意) or `choice` (its own options). A question
that `counts` toward the satisfaction rate names the answers that count as satisfied (`satisfied`; for a
Likert question 非常满意 and 比较满意 unless it says otherwise). Only questions the file declares can be
answered, and only with their options: the platform stores nothing else about a respondent.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

import yaml

from lvzhi.schemes.errors import Problem, SchemeError
from lvzhi.schemes.yaml_nodes import Ctx, compose, compose_text

# The catalogue statistic a survey's rate is saved as (in %), unless the office names another.
SURVEY_STATISTIC = "satisfaction_rate"
LIKERT = ("非常满意", "比较满意", "一般", "不太满意", "很不满意")
LIKERT_SATISFIED = ("非常满意", "比较满意")
KINDS = {"likert": "李克特量表", "choice": "选择题"}
_ROOT_KEYS = {"code", "name", "intro", "groups", "questions"}
_GROUP_KEYS = {"code", "name"}
_QUESTION_KEYS = {"code", "text", "kind", "options", "groups", "counts", "satisfied", "required"}


@dataclass(frozen=True, slots=True)
class Group:
    code: str
    name: str


@dataclass(frozen=True, slots=True)
class Question:
    code: str
    text: str
    kind: str
    options: tuple[str, ...]
    groups: tuple[str, ...]  # codes of the groups asked this question
    counts: bool  # toward the satisfaction rate
    satisfied: tuple[str, ...]  # the options that count as satisfied (empty unless counts)
    required: bool


@dataclass(frozen=True, slots=True)
class Questionnaire:
    code: str
    name: str
    intro: str
    groups: tuple[Group, ...]
    questions: tuple[Question, ...]

    def group(self, code: str) -> Group | None:
        return next((g for g in self.groups if g.code == code), None)

    def questions_for(self, group_code: str) -> tuple[Question, ...]:
        return tuple(q for q in self.questions if group_code in q.groups)


def load_questionnaire(path: str | Path) -> Questionnaire:
    """Read and validate a questionnaire file; SchemeError lists every problem with file:line."""
    path = Path(path)
    ctx = Ctx(path.name)
    return _finish(ctx, compose(path, ctx))


def parse_questionnaire(text: str, file_name: str) -> Questionnaire:
    """The same from text already read (the copy a survey keeps of the file it was opened with)."""
    ctx = Ctx(file_name)
    return _finish(ctx, compose_text(text, ctx))


def _finish(ctx: Ctx, root: yaml.Node | None) -> Questionnaire:
    q = _read(ctx, root) if root is not None else None
    if ctx.problems or q is None:
        raise SchemeError(ctx.problems or [Problem(ctx.file, 0, 0, "问卷为空", "empty questionnaire")])
    return q


def _text_list(ctx: Ctx, node: yaml.Node, what: str) -> list[tuple[str, yaml.Node]]:
    items = ctx.seq(node, what)
    out: list[tuple[str, yaml.Node]] = []
    for item in items or []:
        value = ctx.text(item, what)
        if value is not None:
            out.append((value, item))
    return out


def _read(ctx: Ctx, root: yaml.Node) -> Questionnaire | None:
    m = ctx.mapping(root, "问卷", _ROOT_KEYS)
    if m is None:
        return None
    for key in ("code", "name", "groups", "questions"):
        if key not in m:
            ctx.add(root, f"问卷缺少 “{key}”", f"questionnaire lacks {key!r}")
    code = ctx.text(m["code"], "问卷代码") if "code" in m else None
    name = ctx.text(m["name"], "问卷名称") if "name" in m else None
    intro = (ctx.text(m["intro"], "问卷说明", allow_null=True) or "") if "intro" in m else ""
    groups = _groups(ctx, m["groups"]) if "groups" in m else {}
    questions = _questions(ctx, m["questions"], groups) if "questions" in m else []
    if "questions" in m and not any(q.counts for q in questions):
        ctx.add(
            m["questions"],
            "没有计入满意度的题目（至少一题 counts: true）",
            "no question counts toward the rate",
        )
    for gcode, (_, gnode) in groups.items():
        if not any(gcode in q.groups and q.counts for q in questions):
            ctx.add(
                gnode, f"调查对象 “{gcode}” 没有计入满意度的题目", f"group {gcode!r} has no counted question"
            )
    if code is None or name is None:
        return None
    return Questionnaire(code, name, intro, tuple(g for g, _ in groups.values()), tuple(questions))


def _groups(ctx: Ctx, node: yaml.Node) -> dict[str, tuple[Group, yaml.Node]]:
    out: dict[str, tuple[Group, yaml.Node]] = {}
    items = ctx.seq(node, "调查对象 groups")
    if items == []:
        ctx.add(node, "至少需要一类调查对象", "at least one group is needed")
    for item in items or []:
        g = ctx.mapping(item, "调查对象", _GROUP_KEYS)
        if g is None:
            continue
        if "code" not in g or "name" not in g:
            ctx.add(item, "调查对象需要 code 和 name", "a group needs code and name")
            continue
        code, name = ctx.text(g["code"], "调查对象代码"), ctx.text(g["name"], "调查对象名称")
        if code is None or name is None:
            continue
        if code in out:
            ctx.add(g["code"], f"调查对象代码 “{code}” 重复", f"duplicate group code {code!r}")
            continue
        out[code] = (Group(code, name), item)
    return out


def _questions(ctx: Ctx, node: yaml.Node, groups: Mapping[str, object]) -> list[Question]:
    out: list[Question] = []
    seen: set[str] = set()
    for item in ctx.seq(node, "题目 questions") or []:
        q = _question(ctx, item, groups)
        if q is None:
            continue
        if q.code in seen:
            ctx.add(item, f"题目代码 “{q.code}” 重复", f"duplicate question code {q.code!r}")
            continue
        seen.add(q.code)
        out.append(q)
    return out


def _question(ctx: Ctx, item: yaml.Node, groups: Mapping[str, object]) -> Question | None:
    m = ctx.mapping(item, "题目", _QUESTION_KEYS)
    if m is None:
        return None
    for key in ("code", "text", "kind"):
        if key not in m:
            ctx.add(item, f"题目缺少 “{key}”", f"question lacks {key!r}")
    if not {"code", "text", "kind"} <= m.keys():
        return None
    code, text, kind = (
        ctx.text(m["code"], "题目代码"),
        ctx.text(m["text"], "题干"),
        ctx.text(m["kind"], "题型"),
    )
    if code is None or text is None or kind is None:
        return None
    where = f"题目 {code}"
    if kind not in KINDS:
        ctx.add(m["kind"], f"{where}: 未知题型 “{kind}”（可用: likert、choice）", f"unknown kind {kind!r}")
        return None
    options: tuple[str, ...] = LIKERT
    if kind == "choice":
        if "options" not in m:
            ctx.add(item, f"{where}: 选择题需要 options", f"{code}: a choice question needs options")
            return None
        listed = _text_list(ctx, m["options"], f"{where} 的选项")
        options = tuple(o for o, _ in listed)
        if len(options) < 2:
            ctx.add(m["options"], f"{where}: 至少需要两个选项", f"{code}: at least two options")
        if len(set(options)) != len(options):
            ctx.add(m["options"], f"{where}: 选项重复", f"{code}: duplicate options")
    elif "options" in m:
        ctx.add(
            m["options"],
            f"{where}: 李克特题使用固定的五级量表，不能写 options",
            f"{code}: likert has fixed options",
        )
    asked: list[str] = list(groups)
    if "groups" in m:
        asked = []
        for g, gnode in _text_list(ctx, m["groups"], f"{where} 的调查对象"):
            if g not in groups:
                ctx.add(
                    gnode,
                    f"{where}: 未定义的调查对象 “{g}”（可用: {'、'.join(groups)}）",
                    f"unknown group {g!r}",
                )
            else:
                asked.append(g)
    counts = ctx.boolean(m["counts"], f"{where} 的 counts") if "counts" in m else False
    required = ctx.boolean(m["required"], f"{where} 的 required") if "required" in m else True
    satisfied: tuple[str, ...] = ()
    if "satisfied" in m:
        if not counts:
            ctx.add(
                m["satisfied"],
                f"{where}: 不计入满意度的题目不应写 satisfied",
                f"{code}: satisfied without counts",
            )
        chosen = _text_list(ctx, m["satisfied"], f"{where} 的满意选项")
        for s, snode in chosen:
            if s not in options:
                ctx.add(snode, f"{where}: 满意选项 “{s}” 不在选项中", f"{code}: {s!r} is not an option")
        satisfied = tuple(s for s, _ in chosen if s in options)
        if counts and not satisfied:
            ctx.add(m["satisfied"], f"{where}: 至少需要一个满意选项", f"{code}: no satisfied option")
    elif counts:
        if kind == "likert":
            satisfied = LIKERT_SATISFIED
        else:
            ctx.add(
                item,
                f"{where}: 计入满意度的选择题需要写明 satisfied",
                f"{code}: counted choice needs satisfied",
            )
    return Question(code, text, kind, options, tuple(asked), counts, satisfied, required)


def check_answers(q: Questionnaire, group_code: str, answers: Mapping[str, str]) -> dict[str, str]:
    """The problems of one response, by question code ("" for the response as a whole), in Chinese."""
    problems: dict[str, str] = {}
    if q.group(group_code) is None:
        return {"": f"问卷中没有调查对象 “{group_code}”"}
    asked = {x.code: x for x in q.questions_for(group_code)}
    for code in answers:
        if code not in asked:
            problems[code] = f"问卷没有向该调查对象提出题目 “{code}”"
    for code, question in asked.items():
        answer = (answers.get(code) or "").strip()
        if not answer:
            if question.required:
                problems[code] = f"请回答“{question.text}”"
        elif answer not in question.options:
            problems[code] = f"“{answer}”不是“{question.text}”的选项"
    return problems


def satisfied_share(q: Questionnaire, group_code: str, answers: Mapping[str, str]) -> tuple[int, int]:
    """(satisfied answers, counted answers) of one valid response."""
    hits = total = 0
    for question in q.questions_for(group_code):
        answer = answers.get(question.code)
        if question.counts and answer:
            total += 1
            hits += answer in question.satisfied
    return hits, total
