"""A plain computation of results.csv straight from a package's files, with no database.

Used as the oracle for the import -> compute -> export round trip and as the benchmark's
baseline. It shares only the pure engine with the app.
"""
from __future__ import annotations

import csv
import io
import tomllib
from collections import defaultdict
from datetime import datetime
from decimal import Decimal
from fractions import Fraction

from gongyi.calls.rules import engine_rules, validate_rules
from gongyi.results.engine import CSV_COLUMNS, compute_results, results_csv_rows
from gongyi.results.rank import Entry


def _fen(text: str) -> int:
    return int(Decimal(text) * 100)


def plain_results_csv(files: dict[str, bytes]) -> str:
    rules = validate_rules({k: v for k, v in tomllib.loads(files["call.toml"].decode(), parse_float=Decimal).items()
                            if k in ("entry", "review", "matching", "library")})
    criteria = {c["code"] for c in rules["review"]["criteria"]}

    def rows(name):
        return csv.DictReader(io.StringIO(files[name].decode("utf-8-sig")))

    raised: dict[str, int] = defaultdict(int)
    for r in rows("funds.csv"):
        if r["status"] == "verified":
            raised[r["ref"]] += _fen(r["amount"])
    scores: dict[tuple[str, str], dict[str, Fraction]] = defaultdict(dict)
    for r in rows("reviews.csv"):
        scores[(r["ref"], r["reviewer"])][r["criterion"]] = Fraction(Decimal(r["score"]))
    totals: dict[str, list[Fraction]] = defaultdict(list)
    for (ref, _), by_criterion in scores.items():
        if set(by_criterion) == criteria:
            totals[ref].append(sum(by_criterion.values(), Fraction(0)))
    entries = [
        Entry(ref=r["ref"], totals=tuple(sorted(totals[r["ref"]])), raised_fen=raised[r["ref"]],
              submitted_at=datetime.fromisoformat(r["submitted_at"]), requested_fen=_fen(r["requested"]))
        for r in rows("submissions.csv")
    ]
    results = compute_results(entries, *engine_rules(rules))
    out = io.StringIO()
    writer = csv.DictWriter(out, fieldnames=list(CSV_COLUMNS), lineterminator="\n")
    writer.writeheader()
    writer.writerows(results_csv_rows(results))
    return out.getvalue()
