"""The organisation's papers for verification: the registration certificate (登记证书) and the
annual inspection (年检), checked by content like a submission's attachments (PDF or images only)."""
from __future__ import annotations

from typing import Any

from sqlalchemy.orm import Session

from gongyi.audit.service import record
from gongyi.clock import china_date, utcnow
from gongyi.errors import N_
from gongyi.orgs.models import Organisation, OrganisationDocument
from gongyi.orgs.service import OrganisationError
from gongyi.orgs.vocab import DOCUMENT_KINDS
from gongyi.submissions.attachments import AttachmentError, Upload, check_upload

MAX_DOCUMENTS = 20
KINDS_ALLOWED = ("pdf", "png", "jpeg")  # scans and photographs of the papers
ACCEPT = ".pdf,.png,.jpg,.jpeg"


def add_document(session: Session, actor: Any, org: Organisation, kind: str, year: int | None, upload: Upload,
                 max_bytes: int) -> OrganisationDocument:
    if kind not in DOCUMENT_KINDS:
        raise OrganisationError(N_("请选择材料类型"), "kind")
    if kind == "annual_inspection" and year is None:
        raise OrganisationError(N_("年检材料须填写年度"), "year")
    if year is not None and not 1980 <= year <= china_date(utcnow()).year:
        raise OrganisationError(N_("年度应在 1980 年到今年之间"), "year")
    if len(org.documents) >= MAX_DOCUMENTS:
        raise OrganisationError(N_("每个组织最多 %(n)s 份材料，请先删除不再需要的"), "file", n=MAX_DOCUMENTS)
    try:
        checked = check_upload(upload, max_bytes)
    except AttachmentError as exc:
        raise OrganisationError(exc.message, "file", **exc.params) from None
    if checked.kind not in KINDS_ALLOWED:
        raise OrganisationError(N_("证书和年检材料请上传 PDF 或 PNG/JPEG 图片"), "file")
    document = OrganisationDocument(kind=kind, year=year, filename=checked.filename, content_type=checked.content_type,
                                    size=len(upload.data), data=upload.data, uploaded_by_id=actor.id)
    org.documents.append(document)
    session.flush()
    record(session, actor, "organisation.add_document", org, kind=kind, year=year, filename=checked.filename)
    return document


def remove_document(session: Session, actor: Any, document: OrganisationDocument) -> None:
    org = document.organisation
    record(session, actor, "organisation.remove_document", org, kind=document.kind, filename=document.filename)
    org.documents.remove(document)
    session.flush()
