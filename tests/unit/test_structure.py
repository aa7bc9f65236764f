"""Tests that guard the shape of the code: pure modules stay pure, imports run one way (no
circles), and no Chinese text reaches a page without passing through the translation markers."""
from __future__ import annotations

import ast
import re
import subprocess
import sys
from pathlib import Path

import pytest
from jinja2 import Environment

ROOT = Path(__file__).resolve().parents[2]
SRC = ROOT / "src"
PACKAGE = SRC / "gongyi"

# Rules, money, assignment, parsers and vocabularies: plain data in, plain data out.
PURE_MODULES = [
    "gongyi.calls.rules",
    "gongyi.calls.workflow",
    "gongyi.clock",
    "gongyi.communities.vocab",
    "gongyi.communities.years",
    "gongyi.dashboards.charts",
    "gongyi.dashboards.tables",
    "gongyi.errors",
    "gongyi.execution.gates",
    "gongyi.execution.vocab",
    "gongyi.funding.allocate",
    "gongyi.library.carrying",
    "gongyi.library.eligibility",
    "gongyi.library.leverage",
    "gongyi.library.pledges",
    "gongyi.library.vocab",
    "gongyi.money",
    "gongyi.orgs.creditcode",
    "gongyi.orgs.districts",
    "gongyi.results.engine",
    "gongyi.results.package",
    "gongyi.results.package_rows",
    "gongyi.funding.counted",
    "gongyi.funding.sources",
    "gongyi.results.rank",
    "gongyi.review.assign",
    "gongyi.review.scoring",
    "gongyi.textfiles",
    "gongyi.vocab",
]
FRAMEWORKS = ("flask", "flask_babel", "flask_login", "flask_wtf", "sqlalchemy", "werkzeug", "wtforms", "jinja2")
APP_MODULES = ("gongyi.factory", "gongyi.web", "gongyi.db", "gongyi.extensions")


@pytest.mark.parametrize("module", PURE_MODULES)
def test_pure_module_imports_no_framework_and_no_app(module):
    """Imported alone, in a fresh interpreter, a pure module loads neither Flask, SQLAlchemy nor the app."""
    code = (
        f"import sys, {module}\n"
        f"bad = sorted(m for m in sys.modules if m.split('.')[0] in {FRAMEWORKS!r} or m in {APP_MODULES!r})\n"
        "print(','.join(bad))"
    )
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, cwd=ROOT, check=True)
    assert result.stdout.strip() == "", f"{module} imports {result.stdout.strip()}"


def _module_name(path: Path) -> str:
    parts = path.relative_to(SRC).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def _resolve(name: str, modules: set[str]) -> str | None:
    """The gongyi module an import names (`from gongyi.x import y` may name module gongyi.x.y)."""
    while name and name not in modules:
        name = name.rpartition(".")[0]
    return name or None


def _is_type_checking(node: ast.AST) -> bool:
    return isinstance(node, ast.If) and "TYPE_CHECKING" in ast.unparse(node.test)


def _module_imports(tree: ast.Module) -> list[str]:
    """What a module imports when it is loaded: module-level imports, outside `if TYPE_CHECKING:`."""
    names: list[str] = []

    def visit(body: list[ast.stmt]) -> None:
        for node in body:
            if _is_type_checking(node):
                continue
            if isinstance(node, ast.Import):
                names.extend(alias.name for alias in node.names)
            elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
                names.extend(f"{node.module}.{alias.name}" for alias in node.names)
            elif isinstance(node, (ast.If, ast.Try, ast.With)):
                for field in ("body", "orelse", "finalbody", "handlers"):
                    for child in getattr(node, field, []):
                        visit(child.body if isinstance(child, ast.ExceptHandler) else [child])

    visit(tree.body)
    return names


def import_graph() -> dict[str, set[str]]:
    files = {_module_name(p): p for p in PACKAGE.rglob("*.py")}
    modules = set(files)
    graph: dict[str, set[str]] = {}
    for name, path in files.items():
        targets = {_resolve(n, modules) for n in _module_imports(ast.parse(path.read_text(encoding="utf-8")))}
        graph[name] = {t for t in targets if t and t != name and t != "gongyi"}
    return graph


def strongly_connected(graph: dict[str, set[str]]) -> list[list[str]]:
    """Tarjan's algorithm: the groups of modules that import each other, directly or not."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    groups: list[list[str]] = []

    def connect(v: str) -> None:
        index[v] = low[v] = len(index)
        stack.append(v)
        on_stack.add(v)
        for w in graph.get(v, ()):
            if w not in index:
                connect(w)
                low[v] = min(low[v], low[w])
            elif w in on_stack:
                low[v] = min(low[v], index[w])
        if low[v] == index[v]:
            group = []
            while True:
                w = stack.pop()
                on_stack.discard(w)
                group.append(w)
                if w == v:
                    break
            groups.append(sorted(group))

    sys.setrecursionlimit(10_000)
    for v in sorted(graph):
        if v not in index:
            connect(v)
    return [g for g in groups if len(g) > 1]


def test_the_cycle_finder_finds_a_cycle():
    assert strongly_connected({"a": {"b"}, "b": {"c"}, "c": {"a"}, "d": {"a"}}) == [["a", "b", "c"]]
    assert strongly_connected({"a": {"b"}, "b": set()}) == []


def test_no_import_circle_among_gongyi_modules():
    circles = strongly_connected(import_graph())
    assert not circles, "modules that import each other: " + "; ".join(" <-> ".join(c) for c in circles)


# --- Chinese text only through the translation markers ---------------------------------------

HAN = re.compile(r"[\u3400-\u4dbf\u4e00-\u9fff]")
MARKERS = {"_", "N_", "_l", "gettext", "lazy_gettext", "ngettext", "lazy_ngettext", "pgettext"}
# Modules whose Chinese text is data, not interface: stored, imported or compared as it is.
DATA_MODULES = {
    "gongyi/orgs/districts.py": "official district names, chosen per locale",
    "gongyi/demo.py": "the demo edition's projects, organisations and people",
    "gongyi/execution/demo_edition.py": "the demo's agreements, milestones, reports and evaluations",
    "gongyi/demo_rounds.py": "the demo edition judged in rounds: its projects, donors and the reason of its hold",
    "gongyi/library/demo.py": "the demo's past edition, brand project and co-funder",
    "gongyi/calls/rules.py": "the default rubric's criterion names, stored with each call",
    "gongyi/cli.py": "English command-line help naming Chinese terms; the default administrator's name",
    "gongyi/results/api.py": "the OpenAPI document's English descriptions naming Chinese terms",
}
# Interface text that is the same in every language: the name of the Chinese language itself.
UNTRANSLATED_TEXT = {"中文"}


def _docstrings(tree: ast.Module) -> set[int]:
    ids = set()
    for node in ast.walk(tree):
        if isinstance(node, (ast.Module, ast.ClassDef, ast.FunctionDef, ast.AsyncFunctionDef)) and node.body:
            first = node.body[0]
            if isinstance(first, ast.Expr) and isinstance(first.value, ast.Constant):
                ids.add(id(first.value))
    return ids


def untranslated_python_literals(path: Path) -> list[str]:
    tree = ast.parse(path.read_text(encoding="utf-8"))
    allowed = _docstrings(tree)
    for node in ast.walk(tree):
        if isinstance(node, ast.Call):
            func = node.func
            name = func.id if isinstance(func, ast.Name) else func.attr if isinstance(func, ast.Attribute) else None
            if name in MARKERS:
                allowed.update(id(a) for a in node.args[:2] if isinstance(a, ast.Constant))
    found = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Constant) and isinstance(node.value, str) and HAN.search(node.value) \
                and id(node) not in allowed:
            found.append(f"{path.relative_to(SRC)}:{node.lineno}: {node.value[:40]!r}")
    return found


def test_the_python_check_finds_an_unmarked_literal(tmp_path):
    sample = SRC / "gongyi" / "_sample_for_test.py"
    try:
        sample.write_text('x = "未翻译"\ny = _("已翻译")\nz = N_("标记")\n', encoding="utf-8")
        assert [p.split(": ", 1)[1] for p in untranslated_python_literals(sample)] == ["'未翻译'"]
    finally:
        sample.unlink()


def test_no_chinese_literal_in_python_escapes_the_translation_markers():
    found = []
    for path in sorted(PACKAGE.rglob("*.py")):
        if str(path.relative_to(SRC)) not in DATA_MODULES:
            found.extend(untranslated_python_literals(path))
    assert not found, f"{len(found)} Chinese literals outside _()/N_()/_l(): " + "; ".join(found[:10])


def _only(text: str, allowed: set[str]) -> bool:
    """Whether every Chinese run in `text` is one of `allowed`."""
    return all(run in allowed for run in re.findall(r"[\u3400-\u4dbf\u4e00-\u9fff]+", text))


def untranslated_template_text(source: str, name: str) -> list[str]:
    """Chinese in a template's HTML or in a Jinja string not given to _()/gettext()."""
    env = Environment(extensions=["jinja2.ext.i18n"])
    tokens = list(env.lex(source))
    found = []
    for i, (line, kind, value) in enumerate(tokens):
        if not HAN.search(value) or _only(value, UNTRANSLATED_TEXT):
            continue
        if kind == "data":
            found.append(f"{name}:{line}: text {value.strip()[:40]!r}")
        elif kind == "string":
            before = [t for t in tokens[max(0, i - 3):i] if t[1] != "whitespace"]
            if not (len(before) >= 2 and before[-1][2] == "(" and before[-2][2] in MARKERS):
                found.append(f"{name}:{line}: string {value[:40]!r}")
    return found


def test_the_template_check_finds_unmarked_text():
    assert untranslated_template_text("<p>{{ _('好') }}</p>", "t") == []
    assert len(untranslated_template_text("<p>坏</p>{{ x or '坏' }}", "t")) == 2


def test_no_chinese_text_in_templates_escapes_the_translation_markers():
    found = []
    for path in sorted((ROOT / "templates").rglob("*.html")):
        found.extend(untranslated_template_text(path.read_text(encoding="utf-8"), str(path.relative_to(ROOT))))
    assert not found, f"{len(found)} untranslated Chinese texts: " + "; ".join(found[:10])


# --- files that do one thing -----------------------------------------------------------------

MAX_MODULE_LINES, MAX_FUNCTION_LINES = 400, 60


def test_no_module_over_400_lines_and_no_function_over_60():
    too_long = []
    for path in sorted(PACKAGE.rglob("*.py")):
        text = path.read_text(encoding="utf-8")
        name = path.relative_to(SRC)
        if text.count("\n") > MAX_MODULE_LINES:
            too_long.append(f"{name}: {text.count(chr(10))} lines")
        for node in ast.walk(ast.parse(text)):
            if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)):
                length = node.end_lineno - node.lineno + 1
                if length > MAX_FUNCTION_LINES:
                    too_long.append(f"{name}:{node.lineno}: {node.name}() {length} lines")
    assert not too_long, "split along the seams: " + "; ".join(too_long)
