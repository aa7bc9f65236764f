"""What an organisation member does with a submission: start one in a call, order from the menu
(点单), write the project and its budget, attach files, submit, withdraw. Funds raised are
declared through `fund_lines`; the form's values are read by the pure `project` module.

Every function takes (session, actor, ...), checks who may act and when (`refusals`), flushes
and audits; views commit. A draft save stores every value that can be stored and names those
that cannot; submitting checks everything and names every problem, each with the form field it
belongs to (see `project`).
"""
from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any, Mapping, Sequence

from sqlalchemy import func, inspect, select
from sqlalchemy.orm import Session, joinedload
from sqlalchemy.orm.attributes import set_committed_value

from gongyi.audit.models import AuditEntry
from gongyi.audit.service import already, covered_by, latest, record
from gongyi.calls.models import Call
from gongyi.catalogue.models import Item
from gongyi.clock import utcnow
from gongyi.communities import picking
from gongyi.db import lock
from gongyi.errors import N_
from gongyi.orgs.models import Organisation
from gongyi.submissions.attachments import DEFAULT_MAX_BYTES, Upload
# Funds raised are declared in fund_lines; importable here too, for the demo edition (gongyi.demo).
from gongyi.submissions.fund_lines import add_funding_line, remove_funding_line  # noqa: F401
from gongyi.submissions.models import Attachment, BudgetLine, FundingLine, Submission, SubmissionItem
from gongyi.submissions.project import (  # REQUIRED_FIELDS: what submit checks, for the services' callers
    PROJECT_FIELDS, REQUIRED_FIELDS, BudgetRow, Changes, Known, SubmissionError, SubmissionInvalid,  # noqa: F401
    completeness, parse_project, text,
)
from gongyi.submissions.refusals import (
    actor_organisation, attachment_removal_refusal, check_editable, check_member, entry_count,
    entry_problems, entry_refusal, max_per_org, over_limit, window_refusal, withdraw_refusal,
)
from gongyi.submissions.uploads import new_attachment

# Autosave stores a draft every few seconds while someone types; its history keeps one line per
# person per quarter of an hour instead of one per keystroke pause.
DRAFT_SAVE_AUDIT_INTERVAL = timedelta(minutes=15)


# ---------------------------------------------------------------------------------------------
# Reading the form (project.parse_project) and storing what can be stored


def _categories_of(session: Session):
    def lookup(codes: Sequence[str]) -> dict[str, str]:
        return dict(session.execute(select(Item.code, Item.category_code).where(Item.code.in_(list(codes)))).all())

    return lookup


def _parse(session: Session, call: Call, submission: Submission | None, data: Mapping[str, Any],
           organisation_id: int | None = None) -> tuple[Changes, list[SubmissionError]]:
    needs = {i.item_code: i.need for i in submission.items} if submission is not None else {}
    lines = {line.id: line for line in submission.budget_lines} if submission is not None else {}
    org_id = submission.organisation_id if submission is not None else organisation_id
    return parse_project(data, Known(call.rules["entry"]["categories"], _categories_of(session), needs, lines,
                                     picking.lookup(session, org_id)))


def _apply_items(submission: Submission, items: dict[str, str]) -> bool:
    current = {i.item_code: i for i in submission.items}
    if {c: i.need for c, i in current.items()} == items:
        return False
    for code, item in current.items():
        if code not in items:
            submission.items.remove(item)
    for code, need in items.items():
        if code in current:
            current[code].need = need
        else:
            submission.items.append(SubmissionItem(item_code=code, need=need))
    return True


def _apply_budget(submission: Submission, rows: list[BudgetRow]) -> bool:
    before = [(line.position, line.what, line.amount_fen) for line in submission.budget_lines]
    kept = {id(r.line) for r in rows if r.line is not None}
    replaced = False  # lines removed or added are a change even when the new ones read the same
    for line in list(submission.budget_lines):
        if id(line) not in kept:
            submission.budget_lines.remove(line)
            replaced = True
    for row in rows:
        if row.line is None:
            replaced = True
            submission.budget_lines.append(BudgetLine(position=row.position, what=row.what, amount_fen=row.amount_fen))
        else:
            row.line.position, row.line.what, row.line.amount_fen = row.position, row.what, row.amount_fen
    submission.budget_lines.sort(key=lambda line: line.position)
    submission.requested_fen = sum(line.amount_fen for line in submission.budget_lines)
    return replaced or before != [(line.position, line.what, line.amount_fen) for line in submission.budget_lines]


def _apply(session: Session, submission: Submission, changes: Changes) -> list[str]:
    """Store the changes; return the names of what changed (for the audit trail)."""
    changed = []
    if changes.community is not None and picking.link_community(session, submission.id, changes.community):
        changed.append("community")
    for name, value in changes.fields.items():
        if getattr(submission, name) != value:
            setattr(submission, name, value)
            changed.append(name)
    if changes.items is not None and _apply_items(submission, changes.items):
        changed.append("items")
    if changes.budget is not None and _apply_budget(submission, changes.budget):
        changed.append("budget")
    if changed:
        submission.updated_at = utcnow()
    return changed


def submit_problems(session: Session, submission: Submission) -> list[SubmissionError]:
    """Every reason this submission, as stored, cannot be submitted (empty when it can)."""
    values = {name: getattr(submission, name) for name in PROJECT_FIELDS}
    values["requested_fen"] = submission.requested_fen
    return completeness(values, {i.item_code: i.need for i in submission.items},
                        [(line.position, line.what, line.amount_fen) for line in submission.budget_lines],
                        submission.call.rules["entry"], _categories_of(session))


def _merged_problems(session: Session, submission: Submission, changes: Changes) -> list[SubmissionError]:
    """submit_problems of the submission as it would be with `changes` stored (nothing is changed)."""
    values = {name: changes.fields.get(name, getattr(submission, name)) for name in PROJECT_FIELDS}
    items = changes.items if changes.items is not None else {i.item_code: i.need for i in submission.items}
    if changes.budget is not None:
        budget = [(r.position, r.what, r.amount_fen) for r in changes.budget]
    else:
        budget = [(line.position, line.what, line.amount_fen) for line in submission.budget_lines]
    return completeness(values, items, budget, submission.call.rules["entry"], _categories_of(session))


def _reopen_screening(submission: Submission) -> dict[str, Any]:
    """A changed submitted project goes back to screening: its earlier decision was about other content."""
    if submission.status != "submitted" or submission.eligibility == "pending":
        return {}
    detail = {"eligibility_reset": submission.eligibility, "eligibility_reason": submission.eligibility_reason}
    submission.eligibility, submission.eligibility_reason = "pending", None
    return detail


# ---------------------------------------------------------------------------------------------
# The lifecycle: start, save, submit, withdraw


# The collections a project's pages read; those without rows are known empty from the project's
# own statement (a count each, by index), so a page reads only the ones that have rows: a project
# just started reads none of the four.
_COLLECTIONS = {"items": SubmissionItem, "budget_lines": BudgetLine, "funding_lines": FundingLine,
                "attachments": Attachment}


def load_submission(session: Session, submission_id: int) -> Submission | None:
    """The project with its call, the call's rules and settings, and its organisation, in one statement."""
    counts = [select(func.count()).where(child.submission_id == Submission.id).correlate(Submission).scalar_subquery()
              for child in _COLLECTIONS.values()]
    row = session.execute(
        select(Submission, *counts).where(Submission.id == submission_id)
        .options(joinedload(Submission.call).options(joinedload(Call.rules_versions), joinedload(Call.settings)),
                 joinedload(Submission.organisation))
    ).unique().one_or_none()
    if row is None:
        return None
    submission, *found = row
    loaded = inspect(submission).dict
    for name, n in zip(_COLLECTIONS, found):
        if n == 0 and name not in loaded:
            set_committed_value(submission, name, [])  # a lock's reread (populate_existing) reads it again
    return submission


def create_submission(session: Session, actor: Any, call: Call, *, now: datetime | None = None,
                      **fields: Any) -> Submission:
    """Start a draft in `call` for the actor's organisation; `fields` (as save_draft's data) fill it in.

    Only members of a verified organisation, only while submissions are open to it, and at most
    rules["entry"]["max_per_org"] non-withdrawn submissions per organisation. The ref is the call's
    next free number, "S0001", "S0002", ... Raises SubmissionError, or SubmissionInvalid when a
    given field cannot be stored; nothing is created then.
    """
    org = actor_organisation(session, actor)
    refusal = window_refusal(session, call, org.id, now) or entry_refusal(session, call, org.id)
    if refusal is not None:
        raise refusal
    changes, problems = _parse(session, call, None, fields, org.id)
    if problems:
        raise SubmissionInvalid(problems)
    # One start at a time per call (a row lock on PostgreSQL), so the limit and the numbering hold.
    session.execute(select(Call.id).where(Call.id == call.id).with_for_update())
    if entry_count(session, call, org.id) >= max_per_org(call):
        raise over_limit(call)
    submission = Submission(call=call, organisation=org, ref=_next_ref(session, call),
                            community_district=org.district_code)
    session.add(submission)
    session.flush()
    _apply(session, submission, changes)
    session.flush()
    record(session, actor, "submission.create", submission, call=call.slug, ref=submission.ref)
    return submission


def _next_ref(session: Session, call: Call) -> str:
    taken = set(session.scalars(select(Submission.ref).where(Submission.call_id == call.id)))
    n = len(taken) + 1
    while f"S{n:04d}" in taken:  # refs imported from a call package may use the same pattern
        n += 1
    return f"S{n:04d}"


def save_draft(session: Session, actor: Any, submission: Submission, data: Mapping[str, Any],
               now: datetime | None = None) -> list[SubmissionError]:
    """Store the submission's fields from `data`; return the problems of values that could not be stored.

    `data` keys: the PROJECT_FIELDS (text as typed; beneficiary_count as text or int), "items"
    (item code -> need, or (code, need) pairs: the whole order), "budget" (the whole budget: rows
    {"what", "amount" in yuan as text, optional "id" of the stored line the row edits, optional
    "position", the row's index in the form, which names its problems; default: its index here}).
    Absent keys are left alone.

    A draft stores every value it can, so nothing typed is lost because something else is wrong.
    A submitted project must stay complete: the change is stored only if the whole project still
    passes submit's checks, else SubmissionInvalid lists every problem and nothing changes; a
    stored change sends it back to screening. Raises SubmissionError when the deadline has passed.
    """
    check_editable(session, actor, submission, now)
    changes, problems = _parse(session, submission.call, submission, data)
    if submission.status == "submitted":
        problems = problems + _merged_problems(session, submission, changes)
        if problems:
            raise SubmissionInvalid(problems)
    changed = _apply(session, submission, changes)
    session.flush()
    if changed:
        if submission.status != "draft":
            record(session, actor, "submission.edit", submission, fields=changed, **_reopen_screening(submission))
        elif (recent := _draft_save_recorded_recently(session, actor, submission)) is not None:
            covered_by(session, recent)
        else:
            record(session, actor, "submission.save", submission, fields=changed)
    return problems


def _draft_save_recorded_recently(session: Session, actor: Any, submission: Submission) -> AuditEntry | None:
    """The submission's latest audit entry when it is this actor's draft save of less than
    DRAFT_SAVE_AUDIT_INTERVAL ago (audit times are the real clock, so not save_draft's `now`)."""
    entry = latest(session, submission)
    recent = (entry is not None and entry.action == "submission.save" and entry.actor_id == getattr(actor, "id", None)
              and utcnow() - entry.at < DRAFT_SAVE_AUDIT_INTERVAL)
    return entry if recent else None


def _hold(session: Session, actor: Any, submission: Submission) -> tuple[Submission, tuple[Any, ...]]:
    """Submit's locks: one submit per organisation at a time (the limit holds), and a double click
    waits and is told. The organisation is locked first (a verification withdrawn meanwhile
    counts). The project, reread under its lock, and the organisation and call, which the caller
    keeps while it decides, so that the reread finds them in the session (the session holds
    only the objects something refers to)."""
    check_member(actor, submission)
    held = (session.scalars(select(Organisation).where(Organisation.id == submission.organisation_id)
                            .with_for_update().execution_options(populate_existing=True)).one(), submission.call)
    # the items and budget lines reread with it, as a concurrent autosave left them (a few of each)
    return lock(session, submission, joinedload(Submission.items), joinedload(Submission.budget_lines)), held


def _submit_held(session: Session, actor: Any, submission: Submission, now: datetime | None) -> None:
    """Submit a project whose locks are held. It refuses before it changes anything."""
    if submission.status == "submitted":
        raise already(SubmissionError, N_("该项目已由 %(name)s 于 %(at)s 提交"), N_("该项目已提交"),
                      session, submission, "submission.submit")
    check_editable(session, actor, submission, now)
    problems = submit_problems(session, submission) + entry_problems(session, submission)
    if problems:
        raise SubmissionInvalid(problems)
    if entry_count(session, submission.call, submission.organisation_id, ("submitted",)) >= max_per_org(submission.call):
        raise over_limit(submission.call)
    submission.status = "submitted"
    submission.submitted_at = now or utcnow()
    session.flush()
    record(session, actor, "submission.submit", submission, ref=submission.ref, requested_fen=submission.requested_fen,
           items=[i.item_code for i in submission.items])


def submit_project(session: Session, actor: Any, submission: Submission, now: datetime | None = None) -> None:
    """Submit a draft: everything is checked and SubmissionInvalid names every problem; nothing changes then."""
    held, _kept = _hold(session, actor, submission)
    _submit_held(session, actor, held, now)


def save_and_submit(session: Session, actor: Any, submission: Submission, data: Mapping[str, Any],
                    now: datetime | None = None) -> tuple[list[SubmissionError], SubmissionError | None]:
    """The form's "Submit": save_draft, then submit, in one transaction under submit's locks,
    taken first, so what is checked is what was just saved, read once. A refused submit changes
    nothing, so the saved changes stand: it is returned beside the save's problems, not raised."""
    held, _kept = _hold(session, actor, submission)
    problems = save_draft(session, actor, held, data, now)
    try:
        _submit_held(session, actor, held, now)
    except SubmissionError as refusal:
        return problems, refusal
    return problems, None


def withdraw_submission(session: Session, actor: Any, submission: Submission, reason: str = "") -> None:
    """The organisation withdraws its project (or discards a draft) before results are computed.

    A withdrawn submission no longer counts towards max_per_org, is not screened, reviewed or
    ranked, and cannot be changed again.
    """
    check_member(actor, submission)
    submission = lock(session, submission)
    refusal = withdraw_refusal(submission)
    if refusal is not None:
        raise refusal
    previous = submission.status
    submission.status = "withdrawn"
    session.flush()
    record(session, actor, "submission.withdraw", submission, previous=previous, reason=text(reason) or None)


# ---------------------------------------------------------------------------------------------
# Attachments


def add_attachment(session: Session, actor: Any, submission: Submission, upload: Upload,
                   max_bytes: int = DEFAULT_MAX_BYTES, now: datetime | None = None) -> Attachment:
    """Attach a file (PDF, PNG/JPEG, Word, Excel; type checked by content, at most `max_bytes`)."""
    check_editable(session, actor, submission, now)
    attachment = new_attachment(submission, upload, max_bytes)
    submission.attachments.append(attachment)
    session.flush()
    reopened = _reopen_screening(submission)
    record(session, actor, "attachment.add", attachment, submission_id=submission.id, filename=attachment.filename,
           size=attachment.size, content_type=attachment.content_type, **reopened)
    return attachment


def remove_attachment(session: Session, actor: Any, attachment: Attachment, now: datetime | None = None) -> None:
    """Delete an attachment; the evidence of a verified funding line stays (it is what was verified)."""
    submission = attachment.submission
    check_editable(session, actor, submission, now, also=attachment_removal_refusal(attachment))
    for line in submission.funding_lines:
        if line.evidence_id == attachment.id:
            line.evidence_id = None
    record(session, actor, "attachment.remove", attachment, submission_id=submission.id, filename=attachment.filename,
           **_reopen_screening(submission))
    submission.attachments.remove(attachment)
    session.flush()
