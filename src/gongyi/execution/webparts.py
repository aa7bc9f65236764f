"""What the execution views share: reading uploads, the record lookup and today's date."""
from __future__ import annotations

from flask import abort, current_app

from gongyi.clock import china_date, utcnow
from gongyi.db import get_session
from gongyi.execution.models import ExecutionRecord
from gongyi.submissions.attachments import Upload


def upload_of(storage) -> Upload | None:
    """An uploaded file, read up to one byte past the limit (so that the service can refuse it)."""
    if not (storage and getattr(storage, "filename", "")):
        return None
    return Upload(storage.filename, storage.read(max_bytes() + 1))


def max_bytes() -> int:
    return int(current_app.config["MAX_ATTACHMENT_BYTES"])


def record_or_404(record_id: int) -> ExecutionRecord:
    return get_session().get(ExecutionRecord, record_id) or abort(404)


def today():
    return china_date(utcnow())


def working_days() -> int:
    return int(current_app.config["PUBLICITY_WORKING_DAYS"])
