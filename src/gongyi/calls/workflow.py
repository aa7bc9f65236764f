"""A call's lifecycle as a declarative table: states, transitions, and who may take them. Pure."""
from __future__ import annotations

from dataclasses import dataclass

from gongyi.errors import N_

STATE_LABELS = {
    "draft": N_("草稿"),
    "open": N_("征集中"),
    "closed": N_("已截止"),
    "reviewing": N_("评审中"),
    "results": N_("结果已计算"),
    "publicity": N_("公示中"),
    "final": N_("结果已确定"),
    "archived": N_("已归档"),
}


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


# A call's settings may be edited (amended, once open) until results go to publicity (公示);
# after that they are what was published.
EDITABLE_STATES = ("draft", "open", "closed", "reviewing", "results")
# The late-submission list matters only while submissions can still arrive.
LATE_LIST_STATES = ("draft", "open", "closed")
