"""The submissions domain's vocabularies: a submission's status, its screening result (形式审查)
and the stage its organisation sees on its pages. Pure.

The CHECK constraints of `Submission.status` and `Submission.eligibility`, the labels on pages
(`{{ s.status|label(vocab.submission_statuses) }}`) and the screening filters' choices derive
from these. Fund sources and statuses are listed in `models` and `screening`.
"""
from __future__ import annotations

from gongyi.errors import N_
from gongyi.vocab import Vocabulary

SUBMISSION_STATUSES = Vocabulary({"draft": N_("草稿"), "submitted": N_("已提交"), "withdrawn": N_("已撤回")})

ELIGIBILITY = Vocabulary({"pending": N_("待审查"), "eligible": N_("合格"), "ineligible": N_("不合格")})

# Where a submission is, as its organisation reads it (service.stage).
STAGES = Vocabulary({
    "draft": N_("草稿（尚未提交）"),
    "withdrawn": N_("已撤回"),
    "submitted": N_("已提交，等待形式审查"),
    "eligible": N_("形式审查合格"),
    "ineligible": N_("形式审查不合格"),
    "reviewing": N_("评审中"),
    "awaiting_results": N_("评审已结束，等待结果公布"),
    "results": N_("结果已公布"),
})
