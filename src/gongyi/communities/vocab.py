"""The values a community's status and a listed need's priority may take. Pure."""
from __future__ import annotations

from gongyi.errors import N_
from gongyi.vocab import Vocabulary

# Administrators create communities confirmed; organisations propose them and an administrator
# confirms each proposal, or does not take it up (often: it duplicates a community on the list).
COMMUNITY_STATUSES = Vocabulary({"proposed": N_("待确认"), "confirmed": N_("已确认"), "rejected": N_("未采纳")})
# How pressing a listed need is, most pressing first.
PRIORITIES = Vocabulary({"high": N_("急需"), "medium": N_("重要"), "low": N_("一般")})
PRIORITY_ORDER = {value: position for position, value in enumerate(PRIORITIES)}
