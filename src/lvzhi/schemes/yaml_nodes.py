"""Reading YAML nodes with their places: every problem is kept with file:line:column, in Chinese and English.

PyYAML composes a file into nodes that keep their start marks; the loader walks them through `Ctx`, whose
typed readers record a problem and return None when a node is wrong, so that every problem of a file is
reported at once. Numbers are read from the scalar's text into Decimal, never through float.
"""

from __future__ import annotations

from collections.abc import Callable, Container
from decimal import Decimal, InvalidOperation
from pathlib import Path
from typing import TypeVar

import yaml

from lvzhi.schemes.errors import FormulaError, Problem
from lvzhi.schemes.formula import Formula, compile_formula

T = TypeVar("T")
_STR = "tag:yaml.org,2002:str"
_INT = "tag:yaml.org,2002:int"
_FLOAT = "tag:yaml.org,2002:float"
NULL = "tag:yaml.org,2002:null"
_BOOL = "tag:yaml.org,2002:bool"
MAX_FILE_CHARS = 2_000_000
MAX_YAML_DEPTH = 40  # an indicator tree of 10 levels nests about 25 deep


class Ctx:
    """Collects problems for one file."""

    def __init__(self, file: str) -> None:
        self.file = file
        self.problems: list[Problem] = []

    def add(self, node: yaml.Node | None, zh: str, en: str, extra_col: int = 0) -> None:
        line = node.start_mark.line + 1 if node is not None else 0
        col = node.start_mark.column + 1 + extra_col if node is not None else 0
        self.problems.append(Problem(self.file, line, col, zh, en))

    # ---- typed readers: return None (after recording a problem) when the node is wrong
    def mapping(self, node: yaml.Node, what: str, allowed: set[str] | None) -> dict[str, yaml.Node] | None:
        if not isinstance(node, yaml.MappingNode):
            self.add(node, f"{what} 应为键值映射", f"{what} must be a mapping")
            return None
        out: dict[str, yaml.Node] = {}
        for key, value in node.value:
            name = key.value if isinstance(key, yaml.ScalarNode) else None
            if name is None:
                self.add(key, f"{what} 的键应为文本", f"keys of {what} must be plain text")
                continue
            if name in out:
                self.add(key, f"{what}中重复的键 “{name}”", f"duplicate key {name!r} in {what}")
            if allowed is not None and name not in allowed:
                known = "、".join(sorted(allowed))
                self.add(
                    key,
                    f"{what}中未知的键 “{name}”（可用: {known}）",
                    f"unknown key {name!r} in {what} (allowed: {', '.join(sorted(allowed))})",
                )
                continue
            out[name] = value
        return out

    def seq(self, node: yaml.Node, what: str) -> list[yaml.Node] | None:
        if isinstance(node, yaml.ScalarNode) and node.tag == NULL:
            return []
        if not isinstance(node, yaml.SequenceNode):
            self.add(node, f"{what} 应为列表", f"{what} must be a list")
            return None
        return list(node.value)

    def text(self, node: yaml.Node, what: str, *, allow_null: bool = False) -> str | None:
        if isinstance(node, yaml.ScalarNode):
            if node.tag == NULL:
                if not allow_null:
                    self.add(node, f"{what} 不能为空", f"{what} may not be empty")
                return None
            if node.tag in (_STR, _INT, _FLOAT):
                value = str(node.value).strip()
                if not value and not allow_null:
                    self.add(node, f"{what} 不能为空", f"{what} may not be empty")
                return value
        self.add(node, f"{what} 应为文本", f"{what} must be text")
        return None

    def number(
        self,
        node: yaml.Node,
        what: str,
        *,
        allow_null: bool = False,
        minimum: Decimal | None = None,
        maximum: Decimal | None = None,
    ) -> Decimal | None:
        if isinstance(node, yaml.ScalarNode):
            if node.tag == NULL and allow_null:
                return None
            if node.tag in (_INT, _FLOAT) or (node.tag == _STR and node.style is None):
                try:
                    value = Decimal(str(node.value).replace("_", ""))
                except InvalidOperation:
                    value = None
                if value is not None and value.is_finite():
                    if minimum is not None and value < minimum:
                        self.add(node, f"{what} 不能小于 {minimum}", f"{what} must be at least {minimum}")
                    if maximum is not None and value > maximum:
                        self.add(node, f"{what} 不能大于 {maximum}", f"{what} must be at most {maximum}")
                    return value
        self.add(node, f"{what} 应为数字", f"{what} must be a number")
        return None

    def integer(self, node: yaml.Node, what: str, *, allow_null: bool = False) -> int | None:
        value = self.number(node, what, allow_null=allow_null)
        if value is None:
            return None
        if value != value.to_integral_value():
            self.add(node, f"{what} 应为整数", f"{what} must be an integer")
            return None
        return int(value)

    def boolean(self, node: yaml.Node, what: str) -> bool:
        if isinstance(node, yaml.ScalarNode) and node.tag == _BOOL:
            return str(node.value).lower() in ("true", "yes", "on", "y")
        self.add(node, f"{what} 应为 true 或 false", f"{what} must be true or false")
        return False

    def formula(self, node: yaml.Node, what: str, known: Container[str]) -> Formula | None:
        if not isinstance(node, yaml.ScalarNode) or node.tag in (NULL, _BOOL):
            self.add(node, f"{what} 应为公式文本", f"{what} must be a formula (text)")
            return None
        try:
            return compile_formula(str(node.value), known)
        except FormulaError as exc:
            # Columns inside single-line scalars are exact; quoted scalars start one character later.
            quote = 1 if node.style in ('"', "'") else 0
            self.add(
                node, f"{what} 公式错误: {exc.zh}", f"bad formula in {what}: {exc.en}", quote + exc.position
            )
            return None


def compose(path: Path, ctx: Ctx) -> yaml.Node | None:
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        ctx.add(None, "文件不存在", "file not found")
        return None
    except UnicodeDecodeError as exc:
        ctx.add(None, f"不是 UTF-8 编码 (第 {exc.start} 字节)", f"not UTF-8 (byte {exc.start})")
        return None
    return compose_text(text, ctx)


def compose_text(text: str, ctx: Ctx) -> yaml.Node | None:
    """Compose YAML text already read (e.g. a reviewed file stored with what it configures); see compose()."""
    if len(text) > MAX_FILE_CHARS:
        ctx.add(
            None,
            f"文件过大（上限 {MAX_FILE_CHARS} 个字符）",
            f"file too large (limit {MAX_FILE_CHARS} characters)",
        )
        return None
    try:
        # Aliases are refused before composing: they let a few lines expand into billions of nodes.
        depth = 0
        for event in yaml.parse(text, Loader=yaml.SafeLoader):
            mark = event.start_mark
            line, col = (mark.line + 1, mark.column + 1) if mark is not None else (0, 0)
            if isinstance(event, yaml.AliasEvent):
                ctx.problems.append(
                    Problem(
                        ctx.file,
                        line,
                        col,
                        "不支持 YAML 别名 (*alias)，请直接写出内容",
                        "YAML aliases are not supported; write the content out",
                    )
                )
                return None
            if isinstance(event, yaml.CollectionStartEvent):
                depth += 1
                if depth > MAX_YAML_DEPTH:
                    ctx.problems.append(
                        Problem(
                            ctx.file,
                            line,
                            col,
                            f"嵌套过深（上限 {MAX_YAML_DEPTH} 层）",
                            f"nested too deeply (limit {MAX_YAML_DEPTH})",
                        )
                    )
                    return None
            elif isinstance(event, yaml.CollectionEndEvent):
                depth -= 1
        node = yaml.compose(text, Loader=yaml.SafeLoader)
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark
        line = mark.line + 1 if mark is not None else 0
        col = mark.column + 1 if mark is not None else 0
        ctx.problems.append(
            Problem(ctx.file, line, col, f"YAML 语法错误: {exc.problem}", f"YAML syntax error: {exc.problem}")
        )
        return None
    except yaml.YAMLError as exc:
        ctx.add(None, f"YAML 错误: {exc}", f"YAML error: {exc}")
        return None
    if node is None:
        ctx.add(None, "文件为空", "file is empty")
    return node


def get(
    m: dict[str, yaml.Node],
    key: str,
    ctx: Ctx,
    parent: yaml.Node,
    what: str,
    reader: Callable[[yaml.Node], T | None],
) -> T | None:
    if key not in m:
        ctx.add(parent, f"{what} 缺少 “{key}”", f"{what} is missing {key!r}")
        return None
    return reader(m[key])


def fmt_number(d: Decimal) -> str:
    return format(d.normalize(), "f") if d == d.to_integral_value() or d.as_tuple().exponent != 0 else str(d)
