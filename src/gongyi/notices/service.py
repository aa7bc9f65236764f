"""Writing, publishing and withdrawing notices, and editing the site's pages; every change audited."""
from __future__ import annotations

from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from gongyi.audit.service import record
from gongyi.clock import utcnow
from gongyi.errors import N_, UserError, UserErrors
from gongyi.notices.models import Notice, SitePage

TITLE_MAX = 200
BODY_MAX = 20_000
PAGES = ("guide",)  # the application guide (申报指南)


def _checked(title: str, body: str) -> tuple[str, str]:
    title, body = (title or "").strip(), (body or "").strip()
    problems = []
    if not title:
        problems.append(UserError(N_("请填写标题"), "title"))
    elif len(title) > TITLE_MAX:
        problems.append(UserError(N_("标题最多 %(n)s 个字符"), "title", n=TITLE_MAX))
    if len(body) > BODY_MAX:
        problems.append(UserError(N_("正文最多 %(n)s 个字符"), "body", n=BODY_MAX))
    if problems:
        raise UserErrors(problems)
    return title, body


def create_notice(session: Session, actor: Any, title: str, body: str) -> Notice:
    """A new notice, not yet published."""
    title, body = _checked(title, body)
    notice = Notice(title=title, body=body, created_by_id=getattr(actor, "id", None))
    session.add(notice)
    session.flush()
    record(session, actor, "notice.create", notice, title=title)
    return notice


def update_notice(session: Session, actor: Any, notice: Notice, title: str, body: str) -> None:
    title, body = _checked(title, body)
    before = notice.title
    notice.title, notice.body, notice.updated_at = title, body, utcnow()
    session.flush()
    record(session, actor, "notice.update", notice, title=title, previous_title=before if before != title else None)


def publish_notice(session: Session, actor: Any, notice: Notice) -> None:
    """Show the notice to everyone, dated now."""
    if notice.published_at is not None:
        raise UserError(N_("这条通知已经发布"))
    notice.published_at = utcnow()
    session.flush()
    record(session, actor, "notice.publish", notice, title=notice.title)


def unpublish_notice(session: Session, actor: Any, notice: Notice) -> None:
    """Take the notice off the public pages (it is kept, and may be published again)."""
    if notice.published_at is None:
        raise UserError(N_("这条通知尚未发布"))
    notice.published_at = None
    session.flush()
    record(session, actor, "notice.unpublish", notice, title=notice.title)


def published_notices(session: Session, limit: int | None = None) -> list[Notice]:
    stmt = select(Notice).where(Notice.published_at.is_not(None)).order_by(Notice.published_at.desc(), Notice.id.desc())
    return list(session.scalars(stmt.limit(limit) if limit else stmt))


def all_notices(session: Session) -> list[Notice]:
    return list(session.scalars(select(Notice).order_by(Notice.created_at.desc(), Notice.id.desc())))


def find_page(session: Session, key: str) -> SitePage | None:
    return session.get(SitePage, key)


def save_page(session: Session, actor: Any, key: str, title: str, body: str) -> SitePage:
    """Write the page `key` (created on its first save)."""
    if key not in PAGES:
        raise ValueError(f"unknown page {key!r}")
    title, body = _checked(title, body)
    page = session.get(SitePage, key)
    if page is None:
        page = SitePage(key=key, title=title, body=body)
        session.add(page)
    page.title, page.body, page.updated_by_id, page.updated_at = title, body, getattr(actor, "id", None), utcnow()
    session.flush()
    record(session, actor, "page.update", page, key=key, title=title)
    return page
