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

# The details a member edits, as the history names them.
ORG_FIELD_LABELS = Vocabulary({
    "name": N_("组织名称"),
    "credit_code": N_("统一社会信用代码"),
    "org_type": N_("组织类型"),
    "district_code": N_("所在区"),
    "contact_person": N_("联系人"),
    "phone": N_("联系电话"),
    "address": N_("地址"),
})
