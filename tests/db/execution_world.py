"""The hand-worked sample call taken to final results, so its funded projects are in execution.

The sample's final results (tests/db/test_publication.py): A 50,000.00, B 30,000.00, C 20,000.00
matching; G 13,333.33 and D 16,666.67 from the library pool. A and B belong to 深圳市阳光社工服务中心,
C and D to 深圳市长者关爱协会.
"""
from __future__ import annotations

from datetime import datetime, timedelta, timezone
from pathlib import Path

from sqlalchemy import select

from gongyi.auth.service import create_user
from gongyi.calls.models import Call
from gongyi.calls.service import transition_call
from gongyi.execution.models import ExecutionRecord
from gongyi.orgs.models import Organisation
from gongyi.results import publication
from gongyi.results.models import Run
from gongyi.results.service import compute_call
from gongyi.submissions.attachments import Upload
from gongyi.submissions.models import BudgetLine, Submission

SAMPLE = Path(__file__).parent.parent / "data" / "sample"
CST = timezone(timedelta(hours=8))
MONDAY = datetime(2026, 6, 1, 10, 0, tzinfo=CST)
FINAL_AT = datetime(2026, 6, 8, 10, 0, tzinfo=CST)
PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"
LIMIT = 1024 * 1024
# Budget lines given to the sample's projects (the package has none): (what, fen).
BUDGETS = {"A": [("餐费补贴", 6_000_000), ("探访志愿者培训", 2_000_000)], "C": [("活动物资", 4_000_000), ("宣传", 2_000_000)]}


def import_sample(app, runner, db, admin) -> Call:
    assert runner.invoke(args=["calls", "import", str(SAMPLE)]).exit_code == 0
    assert runner.invoke(args=["calls", "compute", "sz-2026"]).exit_code == 0
    db.rollback()
    call = db.scalar(select(Call).where(Call.slug == "sz-2026"))
    transition_call(db, admin, call, "finish_review")
    for ref, lines in BUDGETS.items():
        submission = db.scalar(select(Submission).where(Submission.call_id == call.id, Submission.ref == ref))
        for position, (what, fen) in enumerate(lines):
            db.add(BudgetLine(submission_id=submission.id, position=position, what=what, amount_fen=fen))
    db.flush()
    return call


def finalise(db, admin, call) -> Run:
    """Provisional results on Monday, recomputed and published as final a week later."""
    latest = db.scalar(select(Run).where(Run.call_id == call.id).order_by(Run.number.desc()).limit(1))
    publication.publish_results(db, admin, latest, "provisional", working_days=5, now=MONDAY)
    return publication.publish_results(db, admin, compute_call(db, admin, call), "final", working_days=5, now=FINAL_AT)


def record_for(db, call, ref: str) -> ExecutionRecord:
    return db.scalar(select(ExecutionRecord).join(Submission, Submission.id == ExecutionRecord.submission_id)
                     .where(Submission.call_id == call.id, Submission.ref == ref))


def member_of(db, name: str, email: str):
    user = create_user(db, None, email=email, name="成员", password="password123", roles=("member",))
    user.organisation_id = db.scalar(select(Organisation.id).where(Organisation.name == name))
    db.flush()
    return user


def signed(db, admin, rec) -> None:
    from gongyi.execution.records import set_agreement

    set_agreement(db, admin, rec, number=f"XY-{rec.id}", signed_on="2026-06-09", starts_on="2026-06-10",
                  ends_on="2027-06-09", signed_file=Upload("协议.pdf", PDF), max_bytes=LIMIT)
