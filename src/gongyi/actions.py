"""The one commit point of state-changing views.

A view loads what it needs and checks permissions, then applies one change inside `attempt`:

    with attempt(form) as done:
        call = service.create_call(db, current_user, ...)
        done.flash(_("已创建征集草稿：%(title)s", title=call.title))
    if done.ok:
        return redirect(...)
    return render_template(..., form=form)

On leaving the block the request's session is committed and the success messages are
flashed. A `UserError` raised inside rolls the session back and puts each of its problems
beside the form field it names (or flashes it when there is no such field); nothing else
is stored. A unique constraint refusing a concurrent duplicate is reported the same way.
Any other exception propagates and the session is rolled back when the request
ends, as in Indico's request handler. Views therefore hold no commit, rollback or except.
"""
from __future__ import annotations

import logging
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any, Iterator

from flask import flash

from sqlalchemy.exc import IntegrityError

from gongyi.db import get_session
from gongyi.errors import N_, UserError

log = logging.getLogger(__name__)
CONFLICT = N_("另一项同时进行的操作刚刚改变了这里的数据，本次操作未保存；请刷新页面后查看")


@dataclass
class Outcome:
    """What happened inside `attempt`: ok, or the UserError that stopped it."""

    ok: bool = True
    error: UserError | None = None
    messages: list[tuple[str, str]] = field(default_factory=list)

    def flash(self, message: str, category: str = "success") -> None:
        """Flash `message` once the change is committed."""
        self.messages.append((message, category))

    @property
    def error_message(self) -> str:
        return self.error.translated() if self.error is not None else ""


def report(form: Any, error: UserError) -> None:
    """Each problem of `error` beside its field on `form`, or flashed when it has no place there."""
    for problem in error.problems():
        message = problem.translated()
        if form is None or not form.add_error(problem.field, message):
            flash(message, "error")


@contextmanager
def attempt(form: Any = None, *, quiet: bool = False) -> Iterator[Outcome]:
    """Run one change: commit and flash on success; on UserError roll back and report it.

    quiet: leave the error to the caller (a JSON endpoint answers it itself).
    """
    outcome = Outcome()
    session = get_session()
    try:
        yield outcome
        session.commit()
    except (UserError, IntegrityError) as exc:
        session.rollback()
        if isinstance(exc, IntegrityError):
            # A constraint refused a second, concurrent decision the row locks did not catch.
            log.warning("concurrent change refused by a constraint: %s", exc.orig)
            exc = UserError(CONFLICT)
        outcome.ok, outcome.error, outcome.messages = False, exc, []
        if not quiet:
            report(form, exc)
        return
    for message, category in outcome.messages:
        flash(message, category)
