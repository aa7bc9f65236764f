"""`flask calls import | compute | export`: the call package round trip from the command line."""
from __future__ import annotations

import gc
import sys

import click
from flask.cli import AppGroup
from sqlalchemy import func, select

from gongyi.calls.service import find_call
from gongyi.db import get_session
from gongyi.money import format_fen
from gongyi.results import export
from gongyi.results.importer import import_call_package
from gongyi.results.models import RunRow
from gongyi.results.package import PackageError
from gongyi.results.service import compute_call, find_run

calls_cli = AppGroup("calls", help="Call packages and results.")


def _call_or_exit(session, slug: str):
    call = find_call(session, slug)
    if call is None:
        raise click.ClickException(f"no call with slug {slug!r}")
    return call


@calls_cli.command("import")
@click.argument("path", type=click.Path(exists=True))
def import_command(path: str) -> None:
    """Import a call package (folder or .zip), all or nothing."""
    session = get_session()
    try:
        report = import_call_package(session, None, path)
    except PackageError as exc:
        session.rollback()
        for problem in exc.problems:
            click.echo(problem, err=True)
        click.echo(f"import refused: {len(exc.problems)} problem(s); nothing was changed", err=True)
        sys.exit(1)
    session.commit()
    click.echo(
        f"imported call {report.slug}: {report.submissions} submissions, {report.funding_lines} funding lines, "
        f"{report.reviews} reviews ({report.scores} scores), {report.holds} holds; organisations {report.organisations_created} new, "
        f"{report.organisations_reused} reused; reviewers {report.reviewers_created} new, {report.reviewers_reused} reused"
    )


@calls_cli.command("compute")
@click.argument("slug")
@click.option("--note", default="", help="A note saved with the run.")
def compute_command(slug: str, note: str) -> None:
    """Compute the call's results and save them as a new run."""
    # The app built at start-up lives as long as the process: leave its objects out of the cyclic
    # collector's passes, which otherwise rescan them again and again while the computation
    # allocates its millions of short-lived scores and fractions.
    gc.freeze()
    session = get_session()
    call = _call_or_exit(session, slug)
    run = compute_call(session, None, call, note=note)
    session.commit()
    # Counted in the database: loading 10,000 rows with their ledgers would cost more than the computation.
    groups = session.execute(select(RunRow.outcome, RunRow.round, func.count()).where(RunRow.run_id == run.id)
                             .group_by(RunRow.outcome, RunRow.round)).all()
    counts: dict[str, int] = {}
    for outcome, _code, n in groups:
        counts[outcome] = counts.get(outcome, 0) + n
    click.echo(f"run {run.number} of {slug} (rules version {call.rules_version.version}, inputs {run.input_digest[:12]})")
    click.echo("outcomes: " + ", ".join(f"{k} {counts.get(k, 0)}" for k in ("matched", "library", "not_shortlisted", "unranked", "held")))
    rounds = [r["code"] for r in call.rules["rounds"]]
    if len(rounds) > 1:
        # A submission whose round is the i-th took part in rounds 1..i.
        last = {code: sum(n for _outcome, c, n in groups if c == code) for code in rounds}
        taking_part = [sum(last[c] for c in rounds[i:]) for i in range(len(rounds))]
        click.echo("rounds: " + "; ".join(f"{code} {n} taking part" for code, n in zip(rounds, taking_part)))
    click.echo(f"matching pool ¥{format_fen(run.matching_pool_fen)}: allocated ¥{format_fen(run.matching_allocated_fen)}")
    click.echo(f"library pool ¥{format_fen(run.library_pool_fen)}: allocated ¥{format_fen(run.library_allocated_fen)}")


@calls_cli.command("export")
@click.argument("slug")
@click.option("--out", "out", required=True, type=click.Path(dir_okay=False, writable=True),
              help="results.csv, or a .xlsx workbook with results, ledger and scores.")
@click.option("--run", "number", type=int, default=None, help="Run number (default: the latest).")
def export_command(slug: str, out: str, number: int | None) -> None:
    """Write the results of the latest (or a given) run."""
    session = get_session()
    call = _call_or_exit(session, slug)
    run = find_run(session, call, number)
    if run is None:
        raise click.ClickException(f"no results computed for {slug}; run `flask calls compute {slug}` first")
    data = export.results_xlsx(session, call, run) if out.lower().endswith(".xlsx") else export.results_csv(session, run)
    with open(out, "wb") as fh:
        fh.write(data)
    click.echo(f"wrote run {run.number} of {slug} to {out}")
