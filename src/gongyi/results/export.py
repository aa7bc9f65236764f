"""Results files: results.csv (section 8) and an XLSX workbook with results, ledger and scores."""
from __future__ import annotations

import csv
import io
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from gongyi.calls.models import Call
from gongyi.money import fen_to_str
from gongyi.exports import write_xlsx
from gongyi.results.engine import CSV_COLUMNS
from gongyi.results.models import Run, RunRow
from gongyi.results.service import results_table
from gongyi.review.models import Review, Score
from gongyi.auth.models import User
from gongyi.submissions.models import Submission


def results_csv(session: Session, run: Run, only: Any = None) -> bytes:
    """UTF-8 without BOM, one row per submission in rank order: the machine-readable contract.
    `only`: a select of the RunRow ids to keep (the filters of the page exporting it)."""
    out = io.StringIO()
    writer = csv.DictWriter(out, fieldnames=list(CSV_COLUMNS), lineterminator="\n")
    writer.writeheader()
    writer.writerows(results_table(session, run, only))
    return out.getvalue().encode("utf-8")


LEDGER_COLUMNS = ["ref", "pool", "rank", "counted_raised", "requested", "ratio", "demand", "cap", "capped_demand",
                  "policy", "pool_total", "sum_capped_demand", "pool_binding", "exact_share", "water_level",
                  "rounding_fen", "amount", "step"]


def ledger_rows(session: Session, run: Run, only: Any = None) -> list[list[object]]:
    rows = []
    stmt = select(RunRow.ref, RunRow.ledger).where(RunRow.run_id == run.id).order_by(RunRow.position)
    for ref, ledger in session.execute(stmt if only is None else stmt.where(RunRow.id.in_(only))):
        for pool in ("matching", "library"):
            line = (ledger or {}).get(pool)
            if not line:
                continue
            rows.append([
                ref, pool, line["rank"], fen_to_str(line["verified_raised_fen"]), fen_to_str(line["requested_fen"]),
                line["ratio"] or "", fen_to_str(line["demand_fen"]),
                "" if line["cap_fen"] is None else fen_to_str(line["cap_fen"]), fen_to_str(line["capped_fen"]),
                line["policy"], fen_to_str(line["pool_fen"]), fen_to_str(line["total_capped_fen"]),
                "yes" if line["pool_binding"] else "no", line["exact"], line["water_level"] or "",
                line["rounding_fen"], fen_to_str(line["amount_fen"]), line["step"],
            ])
    return rows


SCORE_COLUMNS = ["ref", "reviewer", "round", "review_status", "criterion", "score"]


def score_rows(session: Session, call: Call, only: Any = None) -> list[list[object]]:
    """Every score of the call's submissions (`only`: of the RunRow ids in that select), with its
    round and criterion, in one query."""
    stmt = (
        select(Submission.ref, User.email, Review.round, Review.status, Score.criterion, Score.points_centi)
        .join(Review, Review.submission_id == Submission.id)
        .join(User, User.id == Review.reviewer_id)
        .join(Score, Score.review_id == Review.id)
        .where(Submission.call_id == call.id)
        .order_by(Submission.ref, User.email, Review.round, Score.criterion)
    )
    if only is not None:
        stmt = stmt.where(Submission.id.in_(select(RunRow.submission_id).where(RunRow.id.in_(only))))
    return [[ref, email, code, status, criterion, f"{centi // 100}.{centi % 100:02d}"]
            for ref, email, code, status, criterion, centi in session.execute(stmt)]


def _results_sheet(session: Session, run: Run, only: Any):
    return "results", list(CSV_COLUMNS), [[r[c] for c in CSV_COLUMNS] for r in results_table(session, run, only)]


def results_xlsx(session: Session, call: Call, run: Run, only: Any = None) -> bytes:
    """Three sheets: results (as results.csv), the matching and library ledger, every score
    (`only`: of the RunRow ids in that select)."""
    return write_xlsx([
        _results_sheet(session, run, only),
        ("ledger", LEDGER_COLUMNS, ledger_rows(session, run, only)),
        ("scores", SCORE_COLUMNS, score_rows(session, call, only)),
    ])


def public_results_xlsx(session: Session, run: Run, only: Any = None) -> bytes:
    """The results sheet alone: the ledgers name donors and the scores reviewers."""
    return write_xlsx([_results_sheet(session, run, only)])
