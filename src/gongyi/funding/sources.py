"""The vocabulary of funding lines: where money comes from and how far it is verified. Pure.

One value -> label map each. The database CHECK constraints, the form choices, the screening
labels and the values a call package may use are all derived from these, so adding a source
is one line here (and a migration for the constraint).
"""
from __future__ import annotations

from gongyi.errors import N_
from gongyi.vocab import Vocabulary

FUND_SOURCE_LABELS = Vocabulary({
    "enterprise": N_("企业"),
    "individual": N_("个人"),
    "foundation": N_("基金会"),
    "government": N_("政府"),
    "other": N_("其他"),
})
FUND_SOURCES = FUND_SOURCE_LABELS.values

FUND_STATUS_LABELS = Vocabulary({"pending": N_("待核实"), "verified": N_("已核实"), "rejected": N_("已驳回")})
FUND_STATUSES = FUND_STATUS_LABELS.values


# How much of a funding line counts towards R, and why not all of it (funding/counted.py's reasons).
COUNT_REASONS = Vocabulary({
    "counted": N_("全额计入"),
    "over_donor_cap": N_("超出捐赠方上限"),
    "source_not_counted": N_("该来源不计入募集资金（如政府资金）"),
    "pending": N_("待核实，暂不计入"),
    "rejected": N_("核实未通过，不计入"),
})
