"""The funding pools a call pays out of. Pure.

The one list of pools: the disbursement table's CHECK constraint, the pools pages and the
disbursement form's choices derive from it.
"""
from __future__ import annotations

from gongyi.errors import N_
from gongyi.vocab import Vocabulary

POOLS = Vocabulary({
    "matching": N_("配套资金池"),
    "library": N_("福彩公益金项目库资金池"),
})
