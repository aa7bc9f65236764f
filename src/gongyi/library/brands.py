"""Brand projects (品牌项目): designation with the criteria met and a public profile; replication
into an open call, linked to the origin; the family tree of replications."""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from gongyi.audit.service import record
from gongyi.calls.models import Call
from gongyi.catalogue.models import Item
from gongyi.errors import N_, UserError
from gongyi.library.entries import settings_for
from gongyi.library.models import Brand, Pledge, Replication
from gongyi.library.record import KnownRecord, known_record
from gongyi.library.vocab import BRAND_CRITERIA, RECORD_CRITERIA, YEARS_RUNNING_MIN
from gongyi.money import fen_to_str
from gongyi.orgs.models import Organisation
from gongyi.submissions.models import Attachment, FundingLine, Submission, SubmissionItem
from gongyi.submissions.project import TEXT_LIMITS
from gongyi.submissions.service import create_submission

COPIED = ("title", "summary", "problem", "objectives", "activities", "beneficiary_group", "team")


class BrandError(UserError):
    pass


def checked_criteria(known: KnownRecord) -> dict[str, bool]:
    """The criteria the record checks, and whether the project meets each: a passed final evaluation
    (the execution record's, once confirmed) and years running (funded in two editions or more)."""
    return {"evaluation_passed": known.evaluation == "passed", "years_running": known.years_running >= YEARS_RUNNING_MIN}


def own_criteria(criteria: list[str]) -> list[str]:
    """The criteria an administrator judged, apart from those the record checks."""
    return [c for c in criteria if c not in RECORD_CRITERIA]


def criteria_problem(criteria: list[str], known: KnownRecord) -> BrandError | None:
    """The first criterion the known record contradicts (evaluation, years running)."""
    for code in criteria:
        if code not in BRAND_CRITERIA:
            return BrandError(N_("未知的标准：%(code)s"), "criteria", code=code)
    checked = checked_criteria(known)
    if "evaluation_passed" in criteria and not checked["evaluation_passed"]:
        return BrandError(N_("该项目没有合格的结项评估记录"), "criteria")
    if "years_running" in criteria and not checked["years_running"]:
        return BrandError(N_("该项目只在 %(n)s 届中获得资助，不足两届"), "criteria", n=known.years_running)
    return None


def designate_brand(session: Session, actor: Any, submission: Submission, *, name: str, what: str, for_whom: str,
                    results: str, criteria: list[str], photo_ids: list[int] = ()) -> Brand:
    """Make a funded project (completed or in execution) a brand project, with its public profile.

    `criteria` are the administrator's; those the record checks (checked_criteria) are added when met."""
    known = known_record(session, submission)
    if not known.funded:
        raise BrandError(N_("只有在最终结果中获得资助的项目才能成为品牌项目"), "name")
    if session.scalar(select(Brand.id).where(Brand.submission_id == submission.id)) is not None:
        raise BrandError(N_("该项目已是品牌项目"), "name")
    if not (name or "").strip():
        raise BrandError(N_("请填写品牌名称"), "name")
    problem = criteria_problem(criteria, known)
    if problem is not None:
        raise problem
    met = [c for c, ok in checked_criteria(known).items() if ok]
    criteria = met + [c for c in criteria if c not in met]  # the record's checked facts first, then the judged ones
    if not criteria:
        raise BrandError(N_("记录中没有核实的标准：请选择项目达到的标准"), "criteria")
    images = {a.id for a in submission.attachments if a.content_type.startswith("image/")}
    if set(photo_ids) - images:
        raise BrandError(N_("只能选择该项目附件中的图片"), "photo_ids")
    brand = Brand(submission_id=submission.id, name=name.strip()[:200], what=(what or "").strip(),
                  for_whom=(for_whom or "").strip(), results=(results or "").strip(), criteria=list(criteria),
                  photo_ids=sorted(set(photo_ids)), designated_by_id=getattr(actor, "id", None),
                  facts={"outcome": known.outcome, "years_running": known.years_running,
                         "evaluation": known.evaluation, "matching": fen_to_str(known.matching_fen),
                         "library": fen_to_str(known.library_fen)})
    session.add(brand)
    session.flush()
    record(session, actor, "brand.designate", brand, ref=submission.ref, criteria=list(criteria))
    return brand


def replicate_brand(session: Session, actor: Any, brand: Brand, call: Call) -> Submission:
    """An organisation adopts a brand project for its own community: a draft in `call` with the
    origin's items, design and budget structure, linked to its origin."""
    origin = brand.submission
    if getattr(actor, "organisation_id", None) == origin.organisation_id:
        raise BrandError(N_("推广复制是其他组织采用品牌项目；本组织的项目请直接申报"), "call")
    fields: dict[str, Any] = {name: getattr(origin, name) for name in COPIED if name in TEXT_LIMITS}
    fields["items"] = {i.item_code: i.need for i in origin.items}
    fields["budget"] = [{"what": line.what, "amount": fen_to_str(line.amount_fen)} for line in origin.budget_lines]
    draft = create_submission(session, actor, call, **fields)
    session.add(Replication(brand_id=brand.id, submission_id=draft.id, created_by_id=getattr(actor, "id", None)))
    session.flush()
    record(session, actor, "brand.replicate", draft, brand=brand.id, origin=origin.ref, call=call.slug)
    return draft


def replication_of(session: Session, submission_id: int) -> Brand | None:
    return session.scalar(select(Brand).join(Replication, Replication.brand_id == Brand.id)
                          .where(Replication.submission_id == submission_id))


@dataclass
class Node:
    submission: Submission
    organisation: str
    call: Call
    outcome: str | None
    funders: list[str]
    brand_id: int | None = None
    children: list["Node"] = field(default_factory=list)
    disclosed: bool = True  # its title, organisation and funders shown (see family_tree)


def _funders(session: Session, submission_id: int) -> list[str]:
    donors = session.scalars(select(FundingLine.donor).where(FundingLine.submission_id == submission_id,
                                                             FundingLine.status == "verified").distinct())
    return sorted(set(donors))


def _node(session: Session, submission: Submission, depth: int, full: bool) -> Node:
    own_brand = session.scalar(select(Brand).where(Brand.submission_id == submission.id))
    outcome = known_record(session, submission).outcome
    disclosed = full or depth == 0 or outcome is not None
    node = Node(submission, submission.organisation.name if disclosed else "", submission.call, outcome,
                _funders(session, submission.id) if disclosed else [], own_brand.id if own_brand else None,
                disclosed=disclosed)
    if own_brand is not None and depth < 5:
        for rep in session.scalars(select(Replication).where(Replication.brand_id == own_brand.id)
                                   .order_by(Replication.id)):
            node.children.append(_node(session, rep.submission, depth + 1, full))
    return node


def family_tree(session: Session, brand: Brand, *, full: bool = False) -> Node:
    """The brand's project and its replications (and theirs, when a replication became a brand).
    A replication whose final results are not published yet is a draft or an entry under review:
    the public sees where and in which edition, not its title, organisation or funders (a blind
    review keeps the organisation from its reviewers); `full` (administrators) shows everything."""
    return _node(session, brand.submission, 0, full)


@dataclass(frozen=True)
class Profile:
    brand: Brand
    submission: Submission
    organisation: Organisation
    call: Call
    tree: Node
    funders: list[str]
    photos: list[Attachment]
    origin: Brand | None  # when the brand is itself a replication
    known: KnownRecord  # the record as it stands: the checked criteria are read from it
    checked: dict[str, bool]

    @property
    def own_criteria(self) -> list[str]:
        return own_criteria(self.brand.criteria)


def brand_profile(session: Session, brand_id: int, *, full: bool = False) -> Profile | None:
    brand = session.get(Brand, brand_id)
    if brand is None:
        return None
    s = brand.submission
    pledged = session.scalars(select(Pledge).where(Pledge.submission_id == s.id, Pledge.status == "confirmed"))
    funders = sorted(set(_funders(session, s.id)) | {p.co_funder.name for p in pledged})
    photos = [a for a in s.attachments if a.id in set(brand.photo_ids)]
    known = known_record(session, s)
    return Profile(brand, s, s.organisation, s.call, family_tree(session, brand, full=full), funders, photos,
                   replication_of(session, s.id), known, checked_criteria(known))


def public_photo(session: Session, brand_id: int, attachment_id: int) -> Attachment | None:
    brand = session.get(Brand, brand_id)
    if brand is None or attachment_id not in brand.photo_ids:
        return None
    attachment = session.get(Attachment, attachment_id)
    return attachment if attachment is not None and attachment.submission_id == brand.submission_id else None


def brand_list(session: Session, *, category: str = "", district: str = "") -> list[tuple[Any, ...]]:
    """(Brand, title, organisation, district, call title, replications) for the public brand library."""
    replications = (select(func.count()).select_from(Replication).where(Replication.brand_id == Brand.id)
                    .correlate(Brand).scalar_subquery())
    stmt = (select(Brand, Submission.title, Organisation.name, Submission.community_district, Call.title, replications)
            .join(Submission, Submission.id == Brand.submission_id)
            .join(Organisation, Organisation.id == Submission.organisation_id)
            .join(Call, Call.id == Submission.call_id).order_by(Brand.designated_at.desc(), Brand.id.desc()))
    if district:
        stmt = stmt.where(Submission.community_district == district)
    if category:
        stmt = stmt.where(Brand.submission_id.in_(select(SubmissionItem.submission_id)
                                                  .join(Item, Item.code == SubmissionItem.item_code)
                                                  .where(Item.category_code == category)))
    return list(session.execute(stmt).all())


def marked_replication(session: Session, submission: Submission) -> Brand | None:
    """The brand a submission replicates, when its call shows reviewers replications (else None)."""
    if not settings_for(session, submission.call).mark_replications:
        return None
    return replication_of(session, submission.id)
