"""Funds raised (募得社会资金): the organisation declares a funding line, with an optional evidence
file, and may take back one not yet verified. Administrators verify or reject lines in
`screening`; only verified lines count towards matching (totals: `funds`).

Functions take (session, actor, ...), check who may act and when, flush and audit; views commit.
"""
from __future__ import annotations

from datetime import date, datetime
from typing import Any

from sqlalchemy.orm import Session

from gongyi.audit.service import record
from gongyi.clock import china_date, utcnow
from gongyi.errors import N_
from gongyi.submissions.attachments import DEFAULT_MAX_BYTES, Upload
from gongyi.submissions.models import FUND_SOURCES, FundingLine, Submission
from gongyi.submissions.project import SubmissionError, SubmissionInvalid, parse_amount, text, too_long
from gongyi.submissions.refusals import check_editable, funding_line_removal_refusal
from gongyi.submissions.uploads import new_attachment

DONOR_LIMIT = 200


def _received_on(value: date | str | None, now: datetime | None, problems: list[SubmissionError]) -> date | None:
    """The day the funds arrived: a date or "YYYY-MM-DD" text, not after today (in Beijing)."""
    if isinstance(value, str):
        try:
            value = date.fromisoformat(value.strip()) if value.strip() else None
        except ValueError:
            problems.append(SubmissionError(N_("请按“年-月-日”填写日期，例如 2025-03-01"), "received_on"))
            return None
    if value is not None and value > china_date(now or utcnow()):
        problems.append(SubmissionError(N_("到账日期不能晚于今天"), "received_on"))
    return value


def _declared_amount(amount: str, problems: list[SubmissionError]) -> int:
    try:
        fen = parse_amount(text(amount), "amount")
    except SubmissionError as exc:
        problems.append(exc)
        return 0
    if fen == 0:
        problems.append(SubmissionError(N_("金额须大于 0"), "amount"))
    return fen


def add_funding_line(session: Session, actor: Any, submission: Submission, *, source: str, donor: str, amount: str,
                     received_on: date | str | None = None, evidence: Upload | None = None,
                     max_bytes: int = DEFAULT_MAX_BYTES, now: datetime | None = None) -> FundingLine:
    """Declare funds raised: `amount` in yuan as text ("5000.00"), `received_on` a date or
    "YYYY-MM-DD" text, an optional evidence file.

    The line is `pending` until an administrator verifies or rejects it. SubmissionInvalid lists
    every problem (fields "source", "donor", "amount", "received_on", "evidence"); nothing is stored then.
    """
    check_editable(session, actor, submission, now)
    problems: list[SubmissionError] = []
    if source not in FUND_SOURCES:
        problems.append(SubmissionError(N_("请选择资金来源"), "source"))
    donor = text(donor)
    if not donor:
        problems.append(SubmissionError(N_("请填写捐赠方"), "donor"))
    elif len(donor) > DONOR_LIMIT:
        problems.append(too_long("donor", donor, DONOR_LIMIT))
    fen = _declared_amount(amount, problems)
    received_on = _received_on(received_on, now, problems)
    attachment = None
    if evidence is not None:
        try:
            attachment = new_attachment(submission, evidence, max_bytes, "evidence")
        except SubmissionError as exc:
            problems.append(exc)
    if problems:
        raise SubmissionInvalid(problems)
    if attachment is not None:
        submission.attachments.append(attachment)
        session.flush()
    line = FundingLine(source=source, donor=donor, amount_fen=fen, received_on=received_on, status="pending",
                       evidence_id=attachment.id if attachment is not None else None)
    submission.funding_lines.append(line)
    session.flush()
    record(session, actor, "funding_line.declare", line, submission_id=submission.id, source=source, donor=donor,
           amount_fen=fen, evidence=attachment.filename if attachment is not None else None)
    return line


def remove_funding_line(session: Session, actor: Any, line: FundingLine, now: datetime | None = None) -> None:
    """Take back a declared line that is not verified (a verified one is what the administrator checked)."""
    submission = line.submission
    check_editable(session, actor, submission, now, also=funding_line_removal_refusal(line))
    record(session, actor, "funding_line.remove", line, submission_id=submission.id, donor=line.donor,
           amount_fen=line.amount_fen, status=line.status)
    submission.funding_lines.remove(line)
    session.flush()
