"""Computing results reads its inputs with a fixed handful of statements, whatever the call's size."""
from __future__ import annotations

from sqlalchemy import event

from gongyi.calls.service import find_call
from gongyi.db import get_session
from gongyi.results.importer import import_package_files
from gongyi.results.inputs import load_inputs
from gongyi.results.service import compute_call
from tests.package_gen import random_package


def _statements(app, files: dict[str, bytes], slug: str) -> tuple[int, int]:
    with app.app_context():
        session = get_session()
        import_package_files(session, None, files)
        session.commit()
        call = find_call(session, slug)
        rules = call.rules  # read before counting: whether it needs a statement depends on what the session still holds
        seen: list[str] = []
        engine = app.extensions["gongyi.engine"]
        listener = lambda *args, **kwargs: seen.append(args[2])  # noqa: E731
        event.listen(engine, "before_cursor_execute", listener)
        try:
            inputs = load_inputs(session, call, rules)
            loading = len(seen)
            compute_call(session, None, call)
            session.commit()
        finally:
            event.remove(engine, "before_cursor_execute", listener)
        assert inputs.entries
        return loading, len(seen) - loading


def test_the_number_of_statements_does_not_grow_with_the_call(app):
    small = _statements(app, random_package(501, submissions=6, reviewers=6, v2=True, random_rules=False), "random-501")
    large = _statements(app, random_package(502, submissions=60, reviewers=20, v2=True, random_rules=False), "random-502")
    assert small == large
    assert small[0] == 6  # submissions, funding lines, reviewer panels, complete review totals, holds, pool grants
