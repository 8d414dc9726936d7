"""How the packages of lvzhi depend on each other: no cycles, and no module named like another package's.

Imports are read from the source (every import statement, those inside functions too, except the ones
under `if TYPE_CHECKING:` which never run), so a cycle hidden in a function-level import is found as well.
"""

from __future__ import annotations

import ast
from collections import defaultdict
from pathlib import Path

SRC = Path(__file__).resolve().parents[2] / "src" / "lvzhi"
ENGINES = ("schemes", "scoring", "reader", "writer")
# Names a Django app or an engine gives its modules by role, one per package: sharing them is the convention.
ROLE_NAMES = {
    "__init__",
    "__main__",
    "admin",
    "api",
    "apps",
    "actions",
    "errors",
    "model",
    "models",
    "queries",
    "services",
    "signals",
    "urls",
    "views",
    "office",  # the 督导办's work, on each surface (api, cli, actions)
}


def packages() -> list[str]:
    return sorted(p.name for p in SRC.iterdir() if (p / "__init__.py").is_file())


def _runtime_imports(tree: ast.AST) -> list[tuple[int, str]]:
    found: list[tuple[int, str]] = []

    def visit(node: ast.AST) -> None:
        if isinstance(node, ast.If) and "TYPE_CHECKING" in ast.unparse(node.test):
            for child in node.orelse:
                visit(child)
            return
        if isinstance(node, ast.Import):
            found.extend((node.lineno, a.name) for a in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            found.append((node.lineno, node.module))
            if node.module == "lvzhi":
                found.extend((node.lineno, f"lvzhi.{a.name}") for a in node.names)
        for child in ast.iter_child_nodes(node):
            visit(child)

    visit(tree)
    return found


def package_graph() -> dict[str, dict[str, list[str]]]:
    """package → the packages it imports → where (file:line)."""
    graph: dict[str, dict[str, list[str]]] = defaultdict(lambda: defaultdict(list))
    for path in sorted(SRC.rglob("*.py")):
        rel = path.relative_to(SRC)
        if "migrations" in rel.parts or len(rel.parts) < 2:
            continue
        here = rel.parts[0]
        for lineno, module in _runtime_imports(ast.parse(path.read_text(encoding="utf-8"))):
            parts = module.split(".")
            if parts[0] == "lvzhi" and len(parts) > 1 and parts[1] != here and (SRC / parts[1]).is_dir():
                graph[here][parts[1]].append(f"{rel}:{lineno}")
    return graph


def cycles(graph: dict[str, dict[str, list[str]]]) -> list[list[str]]:
    """The strongly connected groups of more than one package (Tarjan)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    found: list[list[str]] = []

    def visit(v: str) -> None:
        index[v] = low[v] = len(index)
        stack.append(v)
        for w in graph.get(v, {}):
            if w not in index:
                visit(w)
                low[v] = min(low[v], low[w])
            elif w in stack:
                low[v] = min(low[v], index[w])
        if low[v] == index[v]:
            group = []
            while True:
                w = stack.pop()
                group.append(w)
                if w == v:
                    break
            if len(group) > 1:
                found.append(sorted(group))

    for v in list(graph):
        if v not in index:
            visit(v)
    return found


def test_the_graph_sees_the_known_dependencies():
    graph = package_graph()
    assert "accounts" in graph["evaluations"] and "schemes" in graph["scoring"]


def test_no_two_packages_depend_on_each_other_even_through_others():
    graph = package_graph()
    found = cycles(graph)
    where = {
        " ↔ ".join(group): {a: {b: graph[a][b][:2] for b in group if b in graph[a]} for a in group}
        for group in found
    }
    assert found == [], f"package cycles: {where}"


def test_the_pure_engines_import_no_platform_package():
    graph = package_graph()
    platform = set(packages()) - set(ENGINES)
    bad = {e: {p: graph[e][p] for p in graph.get(e, {}) if p in platform} for e in ENGINES}
    assert not any(bad.values()), f"engines importing the platform: {bad}"


def test_no_module_is_named_like_a_package_or_shares_its_name_across_packages():
    tops = set(packages())
    by_name: dict[str, list[str]] = defaultdict(list)
    for path in SRC.rglob("*.py"):
        rel = path.relative_to(SRC)
        if "migrations" in rel.parts or len(rel.parts) < 2:
            continue
        by_name[path.stem].append(str(rel))
        # The CLI names its command groups after the package each fronts (cli/schemes.py: `lvzhi scheme …`).
        if path.stem in tops and path.stem != rel.parts[0] and rel.parts[0] != "cli":
            by_name[path.stem].append(f"lvzhi/{path.stem}/ (package)")
    shared = {n: sorted(w) for n, w in by_name.items() if len(w) > 1 and n not in ROLE_NAMES}
    assert shared == {}, f"modules sharing a name: {shared}"


def test_no_package_imports_another_packages_private_names():
    found = []
    for path in sorted(SRC.rglob("*.py")):
        rel = path.relative_to(SRC)
        if "migrations" in rel.parts or len(rel.parts) < 2:
            continue
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.ImportFrom) and node.module and node.module.startswith("lvzhi."):
                other = node.module.split(".")[1]
                private = [
                    a.name for a in node.names if a.name.startswith("_") and not a.name.startswith("__")
                ]
                if other != rel.parts[0] and private:
                    found.append(f"{rel}:{node.lineno} imports {', '.join(private)} from {node.module}")
    assert found == [], "; ".join(found)
