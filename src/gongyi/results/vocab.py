"""The results domain's vocabularies: run outcomes, publication kinds and objection statuses.

Labels are Chinese msgids; pages show them with `{{ value|label(vocab.<name>) }}` (registered in
`web.VOCABULARIES`). The CHECK constraints on `run.published` and `objection.status` in
results/models.py list the same values (`PUBLICATIONS.check("published")`,
`OBJECTION_STATUSES.check("status")` produce their SQL).
"""
from __future__ import annotations

from gongyi.errors import N_
from gongyi.results.service import OUTCOME_LABELS
from gongyi.vocab import Vocabulary

# What a run gave a submission; defined beside the engine's rows in results.service.
OUTCOMES = Vocabulary(OUTCOME_LABELS)

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
