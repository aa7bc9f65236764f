"""An object's history as people read it: who did what when, with the details in words.

One rendering for every page that shows a history (templates/_history.html), whatever wrote
the entries: a member, an administrator, an import or a scheduled job.
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from flask_babel import gettext as _
from sqlalchemy import or_, select
from sqlalchemy.orm import Session

from gongyi.audit.labels import action_label
from gongyi.audit.models import AuditEntry
from gongyi.auth.vocab import ROLES
from gongyi.auth.models import User
from gongyi.calls.rules import SETTING_LABELS
from gongyi.calls.service import CALL_FIELD_LABELS
from gongyi.calls.workflow import CALL_STATES
from gongyi.formatting import label, local_time
from gongyi.money import format_fen
from gongyi.orgs.vocab import DOCUMENT_KINDS, ORG_FIELD_LABELS
from gongyi.results.vocab import OBJECTION_STATUSES, PUBLICATIONS


@dataclass(frozen=True)
class HistoryLine:
    at: datetime
    actor: str
    action: str
    details: list[str]
    object: tuple[str, str] | None = None  # (object_type, object_id), for a link to the audit trail


def _when(iso: str | None) -> str:
    return local_time(datetime.fromisoformat(iso)) if iso else _("（无）")


def _names(keys: list[str], labels: dict[str, str]) -> str:
    return "、".join(label(k, labels) for k in keys)


def describe(detail: dict[str, Any]) -> list[str]:
    """An entry's detail as short lines a person reads (times in Beijing time, money in yuan)."""
    d, lines = detail, []
    if "slug" in d:
        lines.append(_("标识：%(slug)s", slug=d["slug"]))
    if "source" in d and "target" in d:
        lines.append(f"{label(d['source'], CALL_STATES)} → {label(d['target'], CALL_STATES)}")
    if "version" in d:
        lines.append(_("第 %(v)s 版", v=d["version"]))
    changes = d.get("changes") or {}
    other_fields = [f for f in d.get("fields", []) if f not in changes]  # dates are shown with their values below
    if other_fields:
        lines.append(_("修改：%(f)s", f=_names(other_fields, CALL_FIELD_LABELS)))
    for name, (old, new) in changes.items():
        lines.append(f"{label(name, CALL_FIELD_LABELS)}：{_when(old)} → {_when(new)}")
    if d.get("keys"):
        lines.append(_("修改的设置：%(k)s", k=_names(d["keys"], SETTING_LABELS)))
    if d.get("organisation"):
        lines.append(_("组织：%(name)s", name=d["organisation"]))
    if d.get("donor") is not None and d.get("amount_fen") is not None:
        lines.append(f"{d['donor']} ¥{format_fen(d['amount_fen'])}")
    if d.get("co_funder") and d.get("amount_fen") is not None:
        lines.append(f"{d['co_funder']} ¥{format_fen(d['amount_fen'])}")
    if d.get("from_edition"):
        lines.append(_("来自：%(edition)s", edition=d["from_edition"]))
    if d.get("expires_after"):
        lines.append(_("已在项目库中 %(n)s 届（有效 %(m)s 届）", n=d.get("editions"), m=d["expires_after"]))
    if d.get("grant_fen") is not None:
        lines.append(_("资助金额：¥%(amount)s", amount=format_fen(d["grant_fen"])))
    if d.get("until"):
        lines.append(_("允许补交至 %(t)s", t=_when(d["until"])))
    lines += _organisation_lines(d) + _result_lines(d)
    if d.get("reason"):
        lines.append(_("理由：%(r)s", r=d["reason"]))
    return lines


def _organisation_lines(d: dict[str, Any]) -> list[str]:
    """An organisation's edits, papers and invitations."""
    lines = [f"{label(name, ORG_FIELD_LABELS)}：{old} → {new}" for name, (old, new) in (d.get("edits") or {}).items()]
    if d.get("reverify"):
        lines.append(_("需要重新认证"))
    if d.get("kind") in DOCUMENT_KINDS:
        lines.append(label(d["kind"], DOCUMENT_KINDS) + (f" {d['year']}" if d.get("year") else ""))
    if d.get("filename"):
        lines.append(_("文件：%(name)s", name=d["filename"]))
    if d.get("email"):
        lines.append(_("邮箱：%(email)s", email=d["email"]))
    return lines


def _result_lines(d: dict[str, Any]) -> list[str]:
    """A run's computation and publication, an objection's answer, an account's role."""
    lines = []
    if d.get("number") is not None:
        lines.append(_("第 %(n)s 次计算", n=d["number"]))
    if d.get("kind") in PUBLICATIONS:
        lines.append(label(d["kind"], PUBLICATIONS))
    if d.get("replaces") is not None:
        lines.append(_("取代第 %(n)s 次计算", n=d["replaces"]))
    if d.get("decision") in OBJECTION_STATUSES:
        lines.append(label(d["decision"], OBJECTION_STATUSES))
    if d.get("answer"):
        lines.append(_("答复：%(a)s", a=d["answer"]))
    if d.get("role") in ROLES:
        lines.append(label(d["role"], ROLES))
    return lines


def object_history(session: Session, *objects: Any, newest_first: bool = False) -> list[HistoryLine]:
    """The audit entries of `objects` (model instances), with their actors' names, in one query."""
    targets = [(obj.__tablename__, str(obj.id)) for obj in objects if obj is not None and obj.id is not None]
    if not targets:
        return []
    stmt = (select(AuditEntry, User.name).outerjoin(User, User.id == AuditEntry.actor_id)
            .where(or_(*((AuditEntry.object_type == kind) & (AuditEntry.object_id == oid) for kind, oid in targets)))
            .order_by(AuditEntry.id.desc() if newest_first else AuditEntry.id))
    return [HistoryLine(entry.at, name or _("系统"), action_label(entry.action), describe(entry.detail),
                        (entry.object_type, entry.object_id))
            for entry, name in session.execute(stmt)]
