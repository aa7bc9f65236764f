"""The roles a user may hold, each with its label: the CHECK constraint and the pages derive from it."""
from __future__ import annotations

from gongyi.errors import N_
from gongyi.vocab import Vocabulary

ROLES = Vocabulary({
    "member": N_("社会组织成员"),
    "reviewer": N_("评审专家"),
    "admin": N_("管理员"),
    "evaluator": N_("第三方评估机构"),
    "co_funder": N_("共同资助方"),
})
