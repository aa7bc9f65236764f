"""Every audit action code and outbox message kind the code base writes has a label.

The codes are found by reading the source (calls to `record` and `queue_message`), so a new
action without a label fails here rather than showing up raw in a history.
"""
from __future__ import annotations

import ast
from pathlib import Path

from flask import Flask
from flask_babel import Babel, force_locale

from gongyi.audit.labels import ACTION_LABELS, MAIL_KIND_LABELS, action_label, mail_kind_label
from gongyi.calls.workflow import TRANSITIONS

SRC = Path(__file__).resolve().parents[2] / "src" / "gongyi"

# Codes built with an f-string, by their template ({} for the variable part), and what they expand to.
DYNAMIC = {
    "call.{}": {f"call.{t.name}" for t in TRANSITIONS},  # calls.service.transition_call
    "submission.mark_{}": {"submission.mark_eligible", "submission.mark_ineligible"},  # screening._eligibility
}


def _where(path: Path, node: ast.AST) -> str:
    return f"{path.relative_to(SRC)}:{node.lineno}"


def _codes(node: ast.AST, path: Path, function: ast.AST | None) -> set[str]:
    """The strings an expression can be: a literal, either branch of `a if c else b`, a known
    f-string template, or a local variable assigned literals in the same function."""
    if isinstance(node, ast.Constant) and isinstance(node.value, str):
        return {node.value}
    if isinstance(node, ast.IfExp):
        return _codes(node.body, path, function) | _codes(node.orelse, path, function)
    if isinstance(node, ast.JoinedStr):
        template = "".join(v.value if isinstance(v, ast.Constant) else "{}" for v in node.values)
        assert template in DYNAMIC, f"{_where(path, node)}: add the f-string code {template!r} to DYNAMIC"
        return DYNAMIC[template]
    if isinstance(node, ast.Name) and function is not None:
        values = {a.value.value for a in ast.walk(function) if isinstance(a, ast.Assign)
                  and isinstance(a.value, ast.Constant) and isinstance(a.value.value, str)
                  and any(isinstance(t, ast.Name) and t.id == node.id for t in a.targets)}
        assert values, f"{_where(path, node)}: cannot tell which strings {node.id} holds"
        return values
    raise AssertionError(f"{_where(path, node)}: cannot read the code {ast.unparse(node)!r}")


def _calls(name: str) -> list[tuple[ast.Call, Path, ast.AST | None]]:
    """Every call of a function called `name` (plain or as an attribute), with its enclosing function."""
    found = []
    for path in sorted(SRC.rglob("*.py")):
        tree = ast.parse(path.read_text(encoding="utf-8"), str(path))
        functions = [f for f in ast.walk(tree) if isinstance(f, (ast.FunctionDef, ast.AsyncFunctionDef))]
        for node in ast.walk(tree):
            if isinstance(node, ast.Call) and getattr(node.func, "id", getattr(node.func, "attr", None)) == name:
                enclosing = [f for f in functions if f.lineno <= node.lineno <= f.end_lineno]
                found.append((node, path, min(enclosing, key=lambda f: f.end_lineno - f.lineno, default=None)))
    return found


def written_actions() -> set[str]:
    codes = set()
    for call, path, function in _calls("record"):
        if len(call.args) >= 3:  # record(session, actor, action, obj, ...)
            codes |= _codes(call.args[2], path, function)
    return codes


def written_mail_kinds() -> set[str]:
    kinds = set()
    for call, path, function in _calls("queue_message"):
        kind = next((k.value for k in call.keywords if k.arg == "kind"), None)
        if kind is not None:
            kinds |= _codes(kind, path, function)
    return kinds


def test_the_scan_finds_the_codes_written_by_members_administrators_and_jobs():
    actions = written_actions()
    assert {"submission.save", "submission.edit", "funding_line.declare", "review.auto_assign", "call.open",
            "submission.mark_ineligible", "mail.queue", "run.publish"} <= actions
    assert {"review_due", "review_overdue", "objection_answer"} <= written_mail_kinds()


def test_every_written_action_code_and_mail_kind_has_a_label():
    assert sorted(written_actions() - ACTION_LABELS.keys()) == []
    assert sorted(written_mail_kinds() - MAIL_KIND_LABELS.keys()) == []


def test_labels_are_translated_and_unknown_codes_shown_as_they_are():
    app = Flask(__name__)
    Babel(app, default_translation_directories=str(SRC / "translations"))
    with app.test_request_context():
        with force_locale("zh_CN"):
            assert action_label("submission.save") == "保存草稿"
            assert mail_kind_label("objection_answer") == "异议答复通知"
        with force_locale("en"):
            assert action_label("funding_line.declare") == "Declare funds raised"
            assert action_label("call.finish_review") == "End review"
            assert mail_kind_label("review_due") == "Review deadline reminder"
        assert action_label("something.new") == "something.new" and mail_kind_label("digest") == "digest"
