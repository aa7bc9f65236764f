"""The demo's projects in execution, as the issue lists them: one with an accepted and a returned
report, one with a passed mid-term evaluation and its second tranche released, one with a failed
evaluation and its later tranches stopped; the evaluator signs in and the pages open."""
from sqlalchemy import select

from gongyi.calls.models import Call
from gongyi.execution.models import Evaluation, ExecutionRecord, ProgressReport
from gongyi.results.models import Objection
from gongyi.submissions.models import Submission


def test_the_demo_has_projects_in_execution(runner, db, client, auth):
    assert runner.invoke(args=["demo", "--if-empty"]).exit_code == 0
    db.rollback()
    call = db.scalar(select(Call).where(Call.slug == "demo-2025"))
    recs = list(db.scalars(select(ExecutionRecord).join(Submission, Submission.id == ExecutionRecord.submission_id)
                           .where(ExecutionRecord.call_id == call.id).order_by(Submission.ref)))
    first, second, third = recs[:3]
    assert sorted(r.status for r in db.scalars(select(ProgressReport).where(
        ProgressReport.execution_id == first.id))) == ["accepted", "returned"]
    midterm = db.scalar(select(Evaluation).where(Evaluation.execution_id == second.id))
    assert (midterm.kind, midterm.status, midterm.passed) == ("midterm", "confirmed", True)
    assert db.scalar(select(Objection.status).where(Objection.evaluation_id == midterm.id)) == "dismissed"
    assert [t.status for t in second.tranches] == ["released", "released", "scheduled"]
    failed = db.scalar(select(Evaluation).where(Evaluation.execution_id == third.id))
    assert (failed.status, failed.passed, third.status) == ("confirmed", False, "stopped")
    assert [t.status for t in third.tranches] == ["released", "stopped", "stopped"]

    assert auth.login("evaluator@demo.gongyi.cn", "gongyi-demo").status_code == 302
    assert client.get("/evaluate/").status_code == 200
    auth.logout()
    assert auth.login("admin@demo.gongyi.cn", "gongyi-demo").status_code == 302
    assert client.get("/admin/calls/demo-2025/execution").status_code == 200
    assert client.get(f"/admin/execution/{third.id}").status_code == 200
    auth.logout()
    assert auth.login("org1@demo.gongyi.cn", "gongyi-demo").status_code == 302
    page = client.get(f"/my/execution/{first.id}")
    assert page.status_code == 200 and "请补充服务签到表" in page.get_data(as_text=True)
    auth.logout()
    disclosure = client.get(f"/results/demo-2025/projects/{db.get(Submission, third.submission_id).ref}/disclosure")
    assert "未通过" in disclosure.get_data(as_text=True) and "已停止" in disclosure.get_data(as_text=True)
