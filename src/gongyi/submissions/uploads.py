"""An uploaded file as an attachment of a submission: its content checked (attachments.check_upload)
and the number of files per project bounded. Used for project documents and funds evidence alike."""
from __future__ import annotations

from gongyi.errors import N_
from gongyi.submissions.attachments import AttachmentError, Upload, check_upload
from gongyi.submissions.models import Attachment, Submission
from gongyi.submissions.project import SubmissionError

MAX_ATTACHMENTS = 30


def new_attachment(submission: Submission, upload: Upload, max_bytes: int, field_name: str = "file") -> Attachment:
    """The checked file as an Attachment, not yet added to the submission; a SubmissionError on
    `field_name` says why it cannot be."""
    if len(submission.attachments) >= MAX_ATTACHMENTS:
        raise SubmissionError(N_("每个项目最多 %(n)s 个附件"), field_name, n=MAX_ATTACHMENTS)
    try:
        checked = check_upload(upload, max_bytes)
    except AttachmentError as exc:
        raise SubmissionError(exc.message, field_name, **exc.params) from None
    return Attachment(filename=checked.filename, content_type=checked.content_type, size=len(upload.data),
                      data=upload.data)
