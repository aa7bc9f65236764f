"""Co-funders (企业, 基金会, other organisations) and their pledges to projects of the library and
to brand projects. A confirmed pledge becomes a verified funding line of the project, never above
what the project still needs unless the administrator allows it; confirmations of pledges to the
same project are serialized by a lock on the project's row."""
from __future__ import annotations

from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from gongyi.audit.service import record
from gongyi.auth.service import find_user, grant_role
from gongyi.clock import china_date, utcnow
from gongyi.errors import N_, UserError
from gongyi.funding.service import record_pledged_funds
from gongyi.library.models import Brand, CoFunder, LibraryEntry, Pledge
from gongyi.library.pledges import Need, pledge_problem
from gongyi.library.record import known_record
from gongyi.library.vocab import FUNDER_KINDS, PLEDGEABLE_STATUSES
from gongyi.money import MoneyError, format_fen, parse_yuan
from gongyi.submissions.models import Submission


class PledgeError(UserError):
    pass


def add_co_funder(session: Session, actor: Any, *, email: str, name: str, kind: str) -> CoFunder:
    """Give a registered account the co-funder role, with the name and kind it funds under."""
    user = find_user(session, email or "")
    if user is None:
        raise PledgeError(N_("没有使用该邮箱的账号；请对方先注册"), "email")
    if user.organisation_id is not None or {"admin", "reviewer"} & user.roles:
        raise PledgeError(N_("社会组织成员、评审专家和管理员不能兼任共同资助方"), "email")
    if session.scalar(select(CoFunder.id).where(CoFunder.user_id == user.id)) is not None:
        raise PledgeError(N_("该账号已是共同资助方"), "email")
    if not (name or "").strip():
        raise PledgeError(N_("请填写名称"), "name")
    if kind not in FUNDER_KINDS:
        raise PledgeError(N_("请选择类型"), "kind")
    funder = CoFunder(user_id=user.id, name=name.strip()[:200], kind=kind)
    session.add(funder)
    grant_role(session, actor, user, "co_funder")
    session.flush()
    record(session, actor, "co_funder.add", funder, email=user.email, name=funder.name, kind=kind)
    return funder


def co_funder_of(session: Session, user: Any) -> CoFunder | None:
    if not getattr(user, "is_authenticated", False):
        return None
    return session.scalar(select(CoFunder).where(CoFunder.user_id == user.id))


def need_of(session: Session, submission: Submission, *, excluding: int | None = None) -> Need:
    """What the project requested, the public money of its final results, and confirmed pledges."""
    known = known_record(session, submission)
    stmt = select(func.coalesce(func.sum(Pledge.amount_fen), 0)).where(
        Pledge.submission_id == submission.id, Pledge.status == "confirmed")
    if excluding is not None:
        stmt = stmt.where(Pledge.id != excluding)
    return Need(submission.requested_fen, known.matching_fen + known.library_fen, int(session.scalar(stmt) or 0))


def pledgeable(session: Session, submission: Submission) -> bool:
    """Projects waiting in a library (or funded there for part of their request), and brand projects, take pledges."""
    in_library = session.scalar(select(LibraryEntry.id).where(LibraryEntry.submission_id == submission.id,
                                                              LibraryEntry.status.in_(PLEDGEABLE_STATUSES)).limit(1))
    brand = session.scalar(select(Brand.id).where(Brand.submission_id == submission.id))
    return in_library is not None or brand is not None


def _amount(amount: str) -> int:
    try:
        return parse_yuan(amount or "")
    except MoneyError as exc:
        raise PledgeError(exc.message, "amount", **exc.params) from None


def _check_fits(amount_fen: int, need: Need, allow_over: bool) -> None:
    problem = pledge_problem(amount_fen, need, allow_over=allow_over)
    if problem == "not_positive":
        raise PledgeError(N_("金额必须大于零"), "amount")
    if problem == "over_need":
        raise PledgeError(N_("超出该项目尚需的金额 ¥%(remaining)s"), "amount", remaining=format_fen(need.remaining_fen))


def make_pledge(session: Session, actor: Any, submission: Submission, *, amount: str, conditions: str = "",
                message: str = "") -> Pledge:
    """A co-funder pledges an amount (yuan, as typed) to a project, with conditions and a message."""
    funder = co_funder_of(session, actor)
    if funder is None:
        raise PledgeError(N_("只有共同资助方可以认捐"), "amount")
    if not pledgeable(session, submission):
        raise PledgeError(N_("只能认捐项目库中等待资助的项目或品牌项目"), "amount")
    amount_fen = _amount(amount)
    _check_fits(amount_fen, need_of(session, submission), False)
    pledge = Pledge(co_funder_id=funder.id, submission_id=submission.id, amount_fen=amount_fen,
                    conditions=(conditions or "").strip(), message=(message or "").strip())
    session.add(pledge)
    session.flush()
    record(session, actor, "pledge.make", pledge, ref=submission.ref, amount_fen=amount_fen, co_funder=funder.name)
    return pledge


def confirm_pledge(session: Session, actor: Any, pledge: Pledge, *, allow_over: bool = False) -> Pledge:
    """Confirm a pending pledge: a verified funding line of the project, source the co-funder's kind.

    The project's row is locked first, so two confirmations at once cannot both fit in its need
    (entries.fund_from_pool locks it too, before the entry). A pledge that covers what a waiting
    entry still needs makes it adopted; an entry funded from a library pool stays funded, the pledge
    being one more funding source of it.
    """
    session.execute(select(Submission.id).where(Submission.id == pledge.submission_id).with_for_update())
    session.refresh(pledge)
    if pledge.status != "pending":
        raise PledgeError(N_("该认捐已处理过"), "reason")
    submission = session.get(Submission, pledge.submission_id)
    _check_fits(pledge.amount_fen, need_of(session, submission, excluding=pledge.id), allow_over)
    funder = pledge.co_funder
    line = record_pledged_funds(session, actor, submission, source=funder.kind, donor=funder.name,
                                amount_fen=pledge.amount_fen, received_on=china_date(utcnow()), pledge_id=pledge.id)
    pledge.status, pledge.over_need_allowed, pledge.funding_line_id = "confirmed", allow_over, line.id
    pledge.decided_by_id, pledge.decided_at = getattr(actor, "id", None), utcnow()
    session.flush()
    if need_of(session, submission).covered:  # a funded entry stays funded: the pledge completes its grant
        for entry in session.scalars(select(LibraryEntry).where(LibraryEntry.submission_id == submission.id,
                                                                LibraryEntry.status == "waiting")):
            entry.status, entry.changed_at = "adopted", utcnow()
    session.flush()
    record(session, actor, "pledge.confirm", pledge, ref=submission.ref, amount_fen=pledge.amount_fen,
           allow_over=allow_over, funding_line=line.id)
    return pledge


def decline_pledge(session: Session, actor: Any, pledge: Pledge, reason: str) -> Pledge:
    if pledge.status != "pending":
        raise PledgeError(N_("该认捐已处理过"), "reason")
    if not (reason or "").strip():
        raise PledgeError(N_("请填写不确认的理由，共同资助方会看到它"), "reason")
    pledge.status, pledge.decision_reason = "declined", reason.strip()
    pledge.decided_by_id, pledge.decided_at = getattr(actor, "id", None), utcnow()
    session.flush()
    record(session, actor, "pledge.decline", pledge, reason=pledge.decision_reason)
    return pledge


def pledges(session: Session, *, co_funder_id: int | None = None, status: str | None = None) -> list[Pledge]:
    stmt = select(Pledge).order_by(Pledge.created_at.desc(), Pledge.id.desc())
    if co_funder_id is not None:
        stmt = stmt.where(Pledge.co_funder_id == co_funder_id)
    if status:
        stmt = stmt.where(Pledge.status == status)
    return list(session.scalars(stmt))
