"""Which panel a reviewer sits on in a call (competition-rules.md section 3), and how many
reviewers of each panel a submission needs in a round.

A reviewer without a row sits on the call's first panel, `expert` by default. A reviewer whose
panel is not one of a round's panels does not review in that round. A round with one panel
gives every submission taking part `reviewers_per_submission` (k) reviewers, as a call judged
in one round always did; with several panels, each panel gives k x its weight, rounded up, and
never fewer than the panel's own minimum for a rank (k = 5, experts 0.7, public 0.3: 4 and 2).
"""
from __future__ import annotations

import math
from fractions import Fraction
from typing import Any, Mapping

from sqlalchemy import select
from sqlalchemy.orm import Session

from gongyi.audit.service import record
from gongyi.auth.models import UserRole
from gongyi.calls.models import Call
from gongyi.calls.rules import DEFAULT_PANEL_CODE, panel_codes, resolved_rounds
from gongyi.errors import N_
from gongyi.review.models import Review, ReviewerPanel
from gongyi.submissions.models import Submission
from gongyi.review.service.scoring import ReviewError, scoring_round


def default_panel(call: Call) -> str:
    codes = panel_codes(call.rules)
    return DEFAULT_PANEL_CODE if DEFAULT_PANEL_CODE in codes else codes[0]


def reviewer_panels(session: Session, call: Call) -> dict[int, str]:
    """Reviewer id -> panel code, for the reviewers with a row (others sit on `default_panel`)."""
    return dict(session.execute(
        select(ReviewerPanel.user_id, ReviewerPanel.panel).where(ReviewerPanel.call_id == call.id)).all())


def panel_of(session: Session, call: Call, reviewer_id: int) -> str:
    return reviewer_panels(session, call).get(reviewer_id, default_panel(call))


def round_needs(call: Call, round_code: str | None = None) -> dict[str, int]:
    """Panel code -> reviewers each submission of the round needs from that panel, in the round's order."""
    code = round_code or scoring_round(call)
    rnd = next(r for r in resolved_rounds(call.rules) if r["code"] == code)
    per_submission = int(call.rules["review"].get("reviewers_per_submission", 5))
    if len(rnd["panels"]) == 1:
        return {rnd["panels"][0]["code"]: per_submission}
    return {p["code"]: max(int(p["min_reviews"]), math.ceil(per_submission * Fraction(p["weight"]))) for p in rnd["panels"]}


def set_reviewer_panels(session: Session, actor: Any, call: Call, panels: Mapping[int, str]) -> list[int]:
    """Put reviewers on panels of the call (reviewer id -> panel code); returns the ids whose panel
    changed. Every code is checked first: an unknown one changes nothing."""
    codes = panel_codes(call.rules)
    reviewers = set(session.scalars(select(UserRole.user_id).where(
        UserRole.role == "reviewer", UserRole.user_id.in_(list(panels)))))
    for reviewer_id, panel in panels.items():
        if reviewer_id not in reviewers:
            raise ReviewError(N_("请选择评审专家"), f"panel-{reviewer_id}")
        if panel not in codes:
            raise ReviewError(N_("未知的评审组：%(code)s（本次征集的评审组：%(codes)s）"), f"panel-{reviewer_id}",
                              code=panel, codes=", ".join(codes))
    rows = {row.user_id: row for row in session.scalars(
        select(ReviewerPanel).where(ReviewerPanel.call_id == call.id, ReviewerPanel.user_id.in_(list(panels))))}
    fallback, changed = default_panel(call), []
    for reviewer_id, panel in sorted(panels.items()):
        row = rows.get(reviewer_id)
        if (row.panel if row else fallback) == panel:
            continue
        if session.scalar(select(Review.id).join(Submission, Submission.id == Review.submission_id).where(
                Submission.call_id == call.id, Review.reviewer_id == reviewer_id, Review.status == "submitted").limit(1)):
            raise ReviewError(N_("该专家已在本次征集中提交评分，不能再更换评审组"), f"panel-{reviewer_id}")
        if row is None:
            session.add(ReviewerPanel(call_id=call.id, user_id=reviewer_id, panel=panel))
        else:
            row.panel = panel
        changed.append(reviewer_id)
    session.flush()
    if changed:
        record(session, actor, "reviewer.panels", call, panels={str(r): panels[r] for r in changed})
    return changed
