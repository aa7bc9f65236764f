"""A call's lifecycle as a declarative table: states, transitions, and who may take them. Pure."""
from __future__ import annotations

from dataclasses import dataclass

from gongyi.errors import N_
from gongyi.vocab import Vocabulary

CALL_STATES = Vocabulary({
    "draft": N_("草稿"),
    "open": N_("征集中"),
    "closed": N_("已截止"),
    "reviewing": N_("评审中"),
    "results": N_("结果已计算"),
    "publicity": N_("公示中"),
    "final": N_("结果已确定"),
    "archived": N_("已归档"),
})


@dataclass(frozen=True)
class Transition:
    name: str
    source: str
    target: str
    label: str
    role: str = "admin"
    # Set when the transition is a side effect of another action (publishing a run),
    # so it never appears as a bare button.
    via: str | None = None


TRANSITIONS: tuple[Transition, ...] = (
    Transition("open", "draft", "open", N_("开放征集")),
    Transition("close", "open", "closed", N_("截止征集")),
    Transition("reopen", "closed", "open", N_("重新开放征集")),
    Transition("start_review", "closed", "reviewing", N_("开始评审")),
    Transition("finish_review", "reviewing", "results", N_("结束评审")),
    Transition("publish_provisional", "results", "publicity", N_("发布公示"), via="publication"),
    Transition("finalise", "publicity", "final", N_("确定最终结果"), via="publication"),
    Transition("archive", "final", "archived", N_("归档")),
)


def transitions_from(state: str, roles: set[str]) -> list[Transition]:
    """The transitions a person may take directly from `state` (buttons on the call page)."""
    return [t for t in TRANSITIONS if t.source == state and t.role in roles and t.via is None]


def find_transition(state: str, name: str) -> Transition | None:
    return next((t for t in TRANSITIONS if t.source == state and t.name == name), None)


# What may happen in which state: the one table that services, views and templates ask
# (`allows(call, "score")`), instead of comparing states in many places.
ACTIVITIES: dict[str, tuple[str, ...]] = {
    # A call's settings may be edited (amended, once open) until results go to publicity (公示);
    # after that they are what was published.
    "edit_settings": ("draft", "open", "closed", "reviewing", "results"),
    # The late-submission list matters only while submissions can still arrive.
    "late_list": ("draft", "open", "closed"),
    # Organisations start, edit and submit while the call is open (deadlines checked by the service).
    "submit": ("open",),
    # Entries can still arrive or change (deadlines, the editing deadline and the late list decide).
    "entries": ("open", "closed"),
    # The organisation may withdraw until results are computed; after that an administrator does
    # it (results.service.withdraw_after_results), because it changes a saved ranking.
    "withdraw": ("open", "closed", "reviewing"),
    # Once results are saved, a withdrawal or a hold (or its release) saves a new run at once.
    "withdraw_after_results": ("results", "publicity", "final"),
    # Screening (形式审查) and fund verification, until results are final.
    "screen": ("open", "closed", "reviewing", "results", "publicity"),
    # Reviewers are assigned after the call closes and until review ends; they score during review.
    "assign": ("closed", "reviewing"),
    "score": ("reviewing",),
    # A call's review pages (progress, calibration, score exports) exist once it has left draft.
    "manage_review": ("open", "closed", "reviewing", "results", "publicity", "final", "archived"),
    # Results are computed once review has started, and again after corrections or a withdrawal.
    "compute": ("reviewing", "results", "publicity", "final"),
    # A new run to publish: before publicity, or during it after objections were upheld.
    "recompute": ("results", "publicity"),
    "publish_provisional": ("results",),
    "publish_final": ("publicity",),
    # Once final, a later run (e.g. after a matched project withdrew) is published as revised final results.
    "publish_revision": ("final",),
    # Tranches are paid out of the final results.
    "disburse": ("final", "archived"),
    # Published results are public from publicity on.
    "public_results": ("publicity", "final", "archived"),
}


def allows(call_or_state, activity: str) -> bool:
    """Whether `activity` may happen in the call's state (a Call or a state name)."""
    state = call_or_state if isinstance(call_or_state, str) else call_or_state.status
    return state in ACTIVITIES[activity]

