"""The organisations' vocabularies: legal types (GB 32100 position 2 and beyond) and verification states."""
from __future__ import annotations

from gongyi.errors import N_
from gongyi.vocab import Vocabulary

ORG_TYPES = Vocabulary({
    "social_association": N_("社会团体"),
    "social_service": N_("社会服务机构"),
    "foundation": N_("基金会"),
    "community_centre": N_("社区服务中心"),
    "other": N_("其他"),
})

ORG_STATUSES = Vocabulary({
    "pending": N_("待认证"),
    "verified": N_("已认证"),
    "rejected": N_("已驳回"),
})

# Papers an organisation uploads for its verification (登记证书, 年检).
DOCUMENT_KINDS = Vocabulary({
    "registration_certificate": N_("登记证书"),
    "annual_inspection": N_("年检材料"),
})
