"""The administrators' screening lists: submissions with their fund totals (filtered, sorted,
paginated, exported), the funding-line queue, and one submission's screening history.

The queries are set-based (fund totals by SQL aggregates), so a page or an export costs the
same few statements whatever the number of rows.
"""
from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import Select, case, func, or_, select
from sqlalchemy.orm import Session

from gongyi.calls.models import Call
from gongyi.catalogue.models import Item
from gongyi.orgs.models import Organisation
from gongyi.submissions.models import Attachment, FundingLine, Submission, SubmissionItem

PER_PAGE = 50


@dataclass(frozen=True)
class SubmissionFilters:
    call_id: int | None = None
    status: str = ""  # "" = everything but drafts; "all" = drafts too; else one status
    eligibility: str = ""
    category: str = ""  # catalogue category code: submissions that ordered an item of it
    district: str = ""
    organisation: str = ""  # part of the name, or the whole credit code
    sort: str = "ref"  # a key of SUBMISSION_SORTS, "-" in front for descending


def _fund_total(status: str | None, label: str):
    """A row's funding lines summed (of one status, or all), correlated to the row: a page of 50
    rows sums only its own lines, not every line of the call."""
    amount = FundingLine.amount_fen if status is None else case((FundingLine.status == status, FundingLine.amount_fen),
                                                                  else_=0)
    return (select(func.coalesce(func.sum(amount), 0)).where(FundingLine.submission_id == Submission.id)
            .correlate(Submission).scalar_subquery().label(label))


def _organisation_matches(text: str):
    text = text.strip()
    return or_(Organisation.name.icontains(text, autoescape=True), Organisation.credit_code == text.upper())


def _where(stmt: Select, f: SubmissionFilters, *, with_status: bool = True) -> Select:
    if f.call_id is not None:
        stmt = stmt.where(Submission.call_id == f.call_id)
    if with_status:
        if f.status == "":
            stmt = stmt.where(Submission.status != "draft")
        elif f.status != "all":
            stmt = stmt.where(Submission.status == f.status)
    if f.eligibility:
        stmt = stmt.where(Submission.eligibility == f.eligibility)
    if f.category:
        ordered = (select(SubmissionItem.submission_id).join(Item, Item.code == SubmissionItem.item_code)
                   .where(Item.category_code == f.category))
        stmt = stmt.where(Submission.id.in_(ordered))
    if f.district:
        stmt = stmt.where(Submission.community_district == f.district)
    if f.organisation.strip():
        stmt = stmt.where(_organisation_matches(f.organisation))
    return stmt


SUBMISSION_SORTS = ("ref", "title", "organisation", "district", "requested", "declared", "verified", "pending",
                    "submitted", "eligibility")


def filtered_submissions(session: Session, filters: SubmissionFilters) -> Select:
    """The admin list's rows (one per submission, with fund totals), filtered and sorted.

    The page paginates it and the export reads all of it, so both show exactly the same rows.
    """
    declared, verified = _fund_total(None, "declared_fen"), _fund_total("verified", "verified_fen")
    pending = _fund_total("pending", "pending_fen")
    stmt = (
        select(Submission.id, Submission.ref, Submission.title, Submission.status, Submission.eligibility,
               Submission.eligibility_reason, Submission.community_name, Submission.community_district,
               Submission.requested_fen, Submission.submitted_at, Submission.call_id,
               Call.title.label("call_title"), Organisation.name.label("organisation_name"),
               Organisation.credit_code, declared, verified, pending)
        .join(Call, Call.id == Submission.call_id)
        .join(Organisation, Organisation.id == Submission.organisation_id)
    )
    stmt = _where(stmt, filters)
    columns = {
        "ref": Submission.ref, "title": Submission.title, "organisation": Organisation.name,
        "district": Submission.community_district, "requested": Submission.requested_fen, "declared": declared,
        "verified": verified, "pending": pending, "submitted": Submission.submitted_at,
        "eligibility": Submission.eligibility,
    }
    key = filters.sort.lstrip("-")
    if key not in columns:
        raise ValueError(f"unknown sort key: {filters.sort!r}")
    column = columns[key]
    order = column.desc() if filters.sort.startswith("-") else column.asc()
    return stmt.order_by(order.nulls_last(), Submission.ref, Submission.id)


def _counted(stmt: Select, filters: SubmissionFilters) -> Select:
    """`stmt` over submissions, joined to their organisations only when a filter names one."""
    return stmt.join(Organisation, Organisation.id == Submission.organisation_id) if filters.organisation.strip() else stmt


def status_counts(session: Session, filters: SubmissionFilters) -> dict[str, int]:
    """How many submissions of each status match the other filters (for the status tabs)."""
    stmt = _where(_counted(select(Submission.status, func.count()).select_from(Submission), filters),
                  filters, with_status=False).group_by(Submission.status)
    return {status: int(n) for status, n in session.execute(stmt)}


def total_of(counts: dict[str, int], filters: SubmissionFilters) -> int:
    """How many rows filtered_submissions() has, from the status tabs' counts (the fund totals
    and the joined names do not change the number of rows)."""
    if filters.status == "":
        return sum(n for status, n in counts.items() if status != "draft")
    return sum(counts.values()) if filters.status == "all" else counts.get(filters.status, 0)


def items_by_submission(session: Session, stmt: Select) -> dict[int, list[str]]:
    """The catalogue item codes ordered by each submission of `stmt` (a filtered_submissions select), in one query."""
    ids = stmt.order_by(None).subquery()
    rows = session.execute(
        select(SubmissionItem.submission_id, SubmissionItem.item_code)
        .where(SubmissionItem.submission_id.in_(select(ids.c.id)))
        .order_by(SubmissionItem.submission_id, SubmissionItem.item_code)
    )
    items: dict[int, list[str]] = {}
    for submission_id, code in rows:
        items.setdefault(submission_id, []).append(code)
    return items


@dataclass(frozen=True)
class FundingFilters:
    call_id: int | None = None
    status: str = "pending"  # "" = every status
    source: str = ""
    organisation: str = ""


def filtered_funding_lines(session: Session, filters: FundingFilters) -> Select:
    """Funding lines of submitted projects, with their project, organisation and evidence file name."""
    stmt = (
        select(FundingLine.id, FundingLine.source, FundingLine.donor, FundingLine.amount_fen, FundingLine.received_on,
               FundingLine.status, FundingLine.status_reason, FundingLine.evidence_id,
               Attachment.filename.label("evidence_filename"), Submission.id.label("submission_id"),
               Submission.ref, Submission.title, Organisation.name.label("organisation_name"),
               Call.title.label("call_title"))
        .join(Submission, Submission.id == FundingLine.submission_id)
        .join(Call, Call.id == Submission.call_id)
        .join(Organisation, Organisation.id == Submission.organisation_id)
        .outerjoin(Attachment, Attachment.id == FundingLine.evidence_id)
        .where(Submission.status == "submitted")
    )
    if filters.call_id is not None:
        stmt = stmt.where(Submission.call_id == filters.call_id)
    if filters.status:
        stmt = stmt.where(FundingLine.status == filters.status)
    if filters.source:
        stmt = stmt.where(FundingLine.source == filters.source)
    if filters.organisation.strip():
        stmt = stmt.where(_organisation_matches(filters.organisation))
    return stmt.order_by(Submission.ref, FundingLine.id)



def next_to_screen(session: Session, submission: Submission) -> Submission | None:
    """The next submitted project of the same call still waiting for a screening decision, in
    reference order after `submission` (wrapping round to the first); None when none is left."""
    waiting = select(Submission).where(
        Submission.call_id == submission.call_id, Submission.status == "submitted",
        Submission.eligibility == "pending", Submission.id != submission.id).order_by(Submission.ref).limit(1)
    return session.scalar(waiting.where(Submission.ref > submission.ref)) or session.scalar(waiting)
