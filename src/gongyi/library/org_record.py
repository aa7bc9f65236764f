"""An organisation's record across editions, for the administrator's organisation page: its
submissions with their outcomes and evaluations, its brands and replications, and its bars."""
from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.orm import Session

from gongyi.calls.models import Call
from gongyi.library.entry_check import bars_of
from gongyi.library.models import Brand, OrganisationBar, Replication
from gongyi.library.record import evaluations, final_rows
from gongyi.orgs.models import Organisation
from gongyi.submissions.models import Submission


@dataclass(frozen=True)
class Line:
    submission: Submission
    call: Call
    outcome: str | None
    matching_fen: int
    library_fen: int
    evaluation: str | None
    brand: Brand | None
    replicates: Brand | None  # the brand this submission replicates

    @property
    def funded(self) -> bool:
        return self.matching_fen > 0 or self.library_fen > 0


@dataclass(frozen=True)
class OrgRecord:
    lines: list[Line]
    replications_of_ours: list[Replication]
    bars: list[OrganisationBar]


def org_record(session: Session, org: Organisation) -> OrgRecord:
    subs = list(session.execute(select(Submission, Call).join(Call, Call.id == Submission.call_id)
                                .where(Submission.organisation_id == org.id)
                                .order_by(Call.opens_at, Submission.ref)))
    finals = {f.submission.id: f for f in final_rows(session, org.id)}
    ids = [s.id for s, _ in subs]
    evaluated = evaluations(session, ids)
    brands = {b.submission_id: b for b in session.scalars(select(Brand).where(Brand.submission_id.in_(ids)))} if ids else {}
    origins = dict(session.execute(select(Replication.submission_id, Brand).join(Brand, Brand.id == Replication.brand_id)
                                   .where(Replication.submission_id.in_(ids))).all()) if ids else {}
    lines = [Line(s, c, finals[s.id].row.outcome if s.id in finals else None,
                  finals[s.id].matching_fen if s.id in finals else 0,
                  finals[s.id].library_fen if s.id in finals else 0,
                  evaluated.get(s.id), brands.get(s.id), origins.get(s.id)) for s, c in subs]
    ours = list(session.scalars(select(Replication).where(Replication.brand_id.in_([b.id for b in brands.values()]))
                                .order_by(Replication.id))) if brands else []
    return OrgRecord(lines, ours, bars_of(session, org.id))
