"""Picking a submission's community on the project form (点单), and the needs shown first there.

An organisation may pick a confirmed community, or one it proposed that waits for
confirmation. The submission keeps a link to the record, and its three community fields copy
the record's district, street and name (submissions.project reads them through `lookup`).
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Callable

from sqlalchemy import or_, select
from sqlalchemy.orm import Session

from gongyi.catalogue.models import Item
from gongyi.communities.models import Community, CommunityNeed, SubmissionCommunity
from gongyi.communities.vocab import PRIORITY_ORDER


def pickable(organisation_id: int | None):
    """SQL: the communities an organisation may pick."""
    own = (Community.status == "proposed") & (Community.proposed_by_id == organisation_id)
    return or_(Community.status == "confirmed", own) if organisation_id else Community.status == "confirmed"


def lookup(session: Session, organisation_id: int | None) -> Callable[[int], tuple[str, str, str] | None]:
    """community id -> (district, street, name) when the organisation may pick it, else None."""
    def find(community_id: int) -> tuple[str, str, str] | None:
        found = session.execute(select(Community.district_code, Community.street, Community.name).where(
            Community.id == community_id, pickable(organisation_id))).first()
        return tuple(found) if found else None

    return find


def form_communities(session: Session, submission_id: int,
                     organisation_id: int | None) -> tuple[Community | None, list[Community]]:
    """The submission's linked community (None when it has none) and the list the project form
    offers, by district, street and name, in one statement: a link to a community that is no
    longer pickable still shows as the project's community, but is not offered."""
    linked_id = (select(SubmissionCommunity.community_id).where(SubmissionCommunity.submission_id == submission_id)
                 .scalar_subquery())
    offered = pickable(organisation_id)
    rows = session.execute(select(Community, offered, Community.id == linked_id).where(or_(offered, Community.id == linked_id))
                           .order_by(Community.district_code, Community.street, Community.name)).all()
    linked = next((community for community, _offered, is_linked in rows if is_linked), None)
    return linked, [community for community, is_offered, _linked in rows if is_offered]


def link_community(session: Session, submission_id: int, community_id: int) -> bool:
    """Link the submission to the community (0: to none); whether anything changed."""
    link = session.get(SubmissionCommunity, submission_id)
    if link is not None and link.community_id == community_id:
        return False
    if link is None and not community_id:
        return False
    if link is not None and not community_id:
        session.delete(link)
    elif link is not None:
        link.community_id = community_id
    else:
        session.add(SubmissionCommunity(submission_id=submission_id, community_id=community_id))
    return True


@dataclass(frozen=True)
class ListedNeed:
    item: Item
    priority: str
    note: str


def listed_needs(session: Session, community_id: int | None, year: int) -> list[ListedNeed]:
    """The community's needs list for `year`, most pressing first (one query)."""
    if not community_id:
        return []
    rows = session.execute(select(CommunityNeed, Item).join(Item, Item.code == CommunityNeed.item_code)
                           .where(CommunityNeed.community_id == community_id, CommunityNeed.year == year)).all()
    needs = [ListedNeed(item, need.priority, need.note) for need, item in rows]
    return sorted(needs, key=lambda n: (PRIORITY_ORDER.get(n.priority, 99), n.item.code))
