"""The results domain's vocabularies: run outcomes, publication kinds and objection statuses.

Labels are Chinese msgids; pages show them with `{{ value|label(vocab.<name>) }}` (registered in
`web.VOCABULARIES`); the CHECK constraints on `run.published` and `objection.status` in
results/models.py derive from them.
"""
from __future__ import annotations

from gongyi.errors import N_
from gongyi.results import engine
from gongyi.vocab import Vocabulary

# What a run gave a submission (competition-rules section 7), in the engine's order.
OUTCOMES = Vocabulary(dict(zip(engine.OUTCOMES, (
    N_("获配套资金"), N_("进入福彩公益金项目库"), N_("暂缓拨付"), N_("未入围"), N_("评审不足，未排名"),
), strict=True)))

# How a run was published: provisional results under publicity (公示), or the final results.
PUBLICATIONS = Vocabulary({
    "provisional": N_("公示结果（暂定）"),
    "final": N_("最终结果"),
})

OBJECTION_STATUSES = Vocabulary({
    "pending": N_("待处理"),
    "upheld": N_("异议成立"),
    "dismissed": N_("异议不成立"),
})
# The administrator's answers: every status but the one an objection is filed in.
ANSWERS = tuple(status for status in OBJECTION_STATUSES if status != "pending")
