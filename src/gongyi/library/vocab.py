"""The library domain's vocabularies: entry statuses, pledge statuses, co-funder kinds, evaluation
outcomes, brand criteria and the entry rules. Pure.

Labels are Chinese msgids; pages show them with `{{ value|label(vocab.<name>) }}` (registered in
`web.VOCABULARIES`); the CHECK constraints in library/models.py derive from them.
"""
from __future__ import annotations

from gongyi.errors import N_
from gongyi.vocab import Vocabulary

# A library entry's status over time.
ENTRY_STATUSES = Vocabulary({
    "waiting": N_("等待资助"),
    "funded": N_("已获项目库资助"),
    "adopted": N_("已获共同资助方认领"),
    "matched": N_("递补获配套资金"),
    "carried": N_("已转入下一届项目库"),
    "expired": N_("已过期"),
    "withdrawn": N_("已撤回"),
})
# Statuses from which an entry may still be carried into the next edition's library.
OPEN_STATUSES = ("waiting",)
# Entries co-funders may still pledge to (a library grant may cover part of the request only).
PLEDGEABLE_STATUSES = ("waiting", "funded")

PLEDGE_STATUSES = Vocabulary({
    "pending": N_("待确认"),
    "confirmed": N_("已确认"),
    "declined": N_("未确认"),
})

# A co-funder's kind is the fund source its confirmed pledges are recorded under (funding/sources.py).
FUNDER_KINDS = Vocabulary({
    "enterprise": N_("企业"),
    "foundation": N_("基金会"),
    "other": N_("其他社会组织"),
})

EVALUATION_OUTCOMES = Vocabulary({
    "passed": N_("评估合格"),
    "failed": N_("评估不合格"),
})

BRAND_CRITERIA = Vocabulary({
    "evaluation_passed": N_("结项评估合格"),
    "indicators_reached": N_("绩效指标达成"),
    "years_running": N_("连续运行多年"),
    "replicable": N_("模式可复制"),
})

# Brand criteria the project's record checks (library/record.py: the confirmed final evaluation of its
# execution record, the editions it was funded in): shown as checked facts, never chosen by hand.
RECORD_CRITERIA = ("evaluation_passed", "years_running")
# Funded in at least this many editions: "years running".
YEARS_RUNNING_MIN = 2

ENTRY_RULES = Vocabulary({
    "barred": N_("限制申报名单"),
    "failed_evaluation": N_("近届资助项目评估不合格"),
    "second_funding": N_("同一项目不重复资助"),
})
