"""Lists of communities for the pages: the public directory, an organisation's own, the
administrators' list by status. One page of rows in a fixed number of statements."""
from __future__ import annotations

from sqlalchemy import func, select
from sqlalchemy.orm import Session, aliased

from gongyi.communities.models import Community, CommunityNeed, SubmissionCommunity
from gongyi.communities.vocab import COMMUNITY_STATUSES
from gongyi.orgs.models import Organisation
from gongyi.pagination import Page, paginate


def _counted(stmt):
    """Rows of (Community, keeper name, projects linked, need lines listed)."""
    projects = (select(SubmissionCommunity.community_id, func.count().label("n"))
                .group_by(SubmissionCommunity.community_id).subquery())
    needs = select(CommunityNeed.community_id, func.count().label("n")).group_by(CommunityNeed.community_id).subquery()
    keeper = aliased(Organisation)
    return (stmt.add_columns(keeper.name, func.coalesce(projects.c.n, 0), func.coalesce(needs.c.n, 0))
            .outerjoin(keeper, keeper.id == Community.keeper_id)
            .outerjoin(projects, projects.c.community_id == Community.id)
            .outerjoin(needs, needs.c.community_id == Community.id))


def _filtered(stmt, district: str | None, query: str):
    if district:
        stmt = stmt.where(Community.district_code == district)
    if query.strip():
        typed = query.strip()  # "%" and "_" match themselves
        stmt = stmt.where(Community.name.icontains(typed, autoescape=True) | Community.street.icontains(typed, autoescape=True))
    return stmt


ORDER = (Community.district_code, Community.street, Community.name)


def directory(session: Session, *, district: str | None = None, query: str = "", page: int = 1,
              per_page: int = 50, status: str | None = "confirmed") -> Page:
    stmt = select(Community)
    if status in COMMUNITY_STATUSES:
        stmt = stmt.where(Community.status == status)
    return paginate(session, _counted(_filtered(stmt, district, query)).order_by(*ORDER), page, per_page)


def status_counts(session: Session) -> dict[str, int]:
    return dict(session.execute(select(Community.status, func.count()).group_by(Community.status)).all())


def organisation_communities(session: Session, organisation_id: int) -> list:
    """The communities an organisation keeps or proposed, with their counts."""
    stmt = select(Community).where((Community.keeper_id == organisation_id) | (Community.proposed_by_id == organisation_id))
    return list(session.execute(_counted(stmt).order_by(*ORDER)))


def confirmed_in_district(session: Session, district: str, except_id: int) -> list[Community]:
    return list(session.scalars(select(Community).where(
        Community.status == "confirmed", Community.district_code == district, Community.id != except_id)
        .order_by(Community.street, Community.name)))
