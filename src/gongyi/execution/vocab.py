"""The execution domain's vocabularies. Pure.

Labels are Chinese msgids; pages show them with `{{ value|label(vocab.<name>) }}` (registered in
`web.VOCABULARIES`); the CHECK constraints in execution/models.py derive from them.
"""
from __future__ import annotations

from gongyi.errors import N_
from gongyi.vocab import Vocabulary

EXECUTION_STATUSES = Vocabulary({
    "active": N_("执行中"),
    "stopped": N_("已停止拨付"),
    "completed": N_("已结项"),
})
REPORT_STATUSES = Vocabulary({
    "draft": N_("草稿"),
    "submitted": N_("待审核"),
    "accepted": N_("已通过"),
    "returned": N_("已退回修改"),
})
REPORT_FILE_KINDS = Vocabulary({
    "receipt": N_("票据"),
    "photo": N_("照片"),
    "file": N_("其他文件"),
})
EVALUATION_KINDS = Vocabulary({
    "midterm": N_("中期评估"),
    "final": N_("结项评估"),
})
EVALUATION_STATUSES = Vocabulary({
    "draft": N_("评估中"),
    "submitted": N_("已提交，待公示"),
    "published": N_("公示中"),
    "confirmed": N_("结果已确定"),
})
# What a tranche waits for (拨付条件).
TRANCHE_GATES = Vocabulary({
    "signing": N_("签订协议"),
    "midterm": N_("中期评估通过"),
    "final": N_("结项评估通过"),
})
TRANCHE_STATUSES = Vocabulary({
    "scheduled": N_("待拨付"),
    "released": N_("已拨付"),
    "stopped": N_("已停止"),
})
