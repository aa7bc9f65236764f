"""The checks of a call package's CSV files, one function per file (competition-rules.md section 8).

Each function reads its file's rows, adds what is valid to the package and every problem as
`file:line: reason`. `check_rounds_taken_part_in` runs the earlier rounds on the package's own
reviews, so that a review in a round its submission did not take part in is a bad row. Pure.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from fractions import Fraction
from sys import intern
from typing import Any

from gongyi.calls.rules import DEFAULT_PANEL_CODE, engine_rules, rubric
from gongyi.errors import N_
from gongyi.funding.counted import FundLine, count_funds
from gongyi.funding.sources import FUND_SOURCES, FUND_STATUSES
from gongyi.money import MoneyError, parse_yuan
from gongyi.orgs.creditcode import CreditCodeError, validate as validate_credit_code
from gongyi.results.package import Package, PkgFund, PkgHold, PkgReviewer, PkgSubmission, csv_rows, parse_time
from gongyi.results.rank import Entry, ReviewTotal, rank_submissions
from gongyi.review.scoring import ScoreError, parse_score

TEXT_LIMITS = {"title": 200, "community": 200, "donor": 200, "name": 200, "reason": 2000}
CODE_LENGTH = 40


@dataclass
class State:
    """The package being read, its problems, the files' text, and what later files look up."""

    pkg: Package
    problems: list[str]
    texts: dict[str, tuple[bytes, str]]  # each file: its bytes and their encoding
    rules_ok: bool  # call.toml's rules are valid (else rubric checks are skipped: they would only repeat)
    refs: dict[str, str] = field(default_factory=dict)  # every ref of submissions.csv -> credit code
    affiliations: dict[str, str | None] = field(default_factory=dict)  # reviewer e-mail -> credit code
    panels: dict[str, str] = field(default_factory=dict)  # reviewer e-mail -> panel

    def rows(self, name: str):
        return csv_rows(name, self.texts[name], self.problems) if name in self.texts else ()


def _money_reason(exc: MoneyError) -> str:
    reasons = {
        N_("金额不能为负数"): "a negative amount",
        N_("金额最多保留两位小数"): "more than 2 decimals",
        N_("请填写金额"): "the amount is empty",
    }
    return reasons.get(exc.message, "not an amount in yuan")


def _text_problems(where: str, row: dict[str, str], columns: tuple[str, ...]) -> list[str]:
    return [f"{where}: {c} is longer than {TEXT_LIMITS[c]} characters" for c in columns if len(row[c]) > TEXT_LIMITS[c]]


def parse_organisations(state: State) -> None:
    name = "organisations.csv"
    seen: dict[str, int] = {}
    for line, row in state.rows(name):
        try:
            code = validate_credit_code(row["credit_code"])
        except CreditCodeError as exc:
            state.problems.append(f"{name}:{line}: credit_code {row['credit_code']!r}: {exc}")
            continue
        if code in seen:
            state.problems.append(f"{name}:{line}: credit_code {code} repeats line {seen[code]}")
            continue
        if not row["name"]:
            state.problems.append(f"{name}:{line}: name is empty")
        state.problems.extend(_text_problems(f"{name}:{line}", row, ("name",)))
        seen[code] = line
        state.pkg.organisations[code] = row["name"]


def _submission_problems(state: State, where: str, row: dict[str, str], known_organisations: set[str],
                         ref_lines: dict[str, int]) -> tuple[list[str], str]:
    """Problems of a submissions.csv row's ref, organisation and text; also the credit code as read."""
    found, ref, code = [], row["ref"], row["credit_code"]
    if not ref:
        found.append(f"{where}: ref is empty")
    elif len(ref) > CODE_LENGTH:
        found.append(f"{where}: ref {ref!r} is longer than {CODE_LENGTH} characters")
    elif ref in ref_lines:
        found.append(f"{where}: duplicate ref {ref} (first on line {ref_lines[ref]})")
    try:
        code = validate_credit_code(code)
        if code not in state.pkg.organisations and code not in known_organisations:
            found.append(f"{where}: credit_code {code} is not in organisations.csv")
    except CreditCodeError as exc:
        found.append(f"{where}: credit_code {code!r}: {exc}")
    if not row["title"]:
        found.append(f"{where}: title is empty")
    return found + _text_problems(where, row, ("title", "community")), code


def parse_submissions(state: State, catalogue_codes: set[str], known_organisations: set[str]) -> None:
    name = "submissions.csv"
    ref_lines: dict[str, int] = {}
    for line, row in state.rows(name):
        where, ref = f"{name}:{line}", row["ref"]
        found, code = _submission_problems(state, where, row, known_organisations, ref_lines)
        items = tuple(i.strip() for i in row["items"].split("|") if i.strip()) if row["items"] else ()
        found += [f"{where}: unknown catalogue item {item!r}" for item in items if item not in catalogue_codes]
        if len(set(items)) != len(items):
            found.append(f"{where}: a catalogue item is listed twice")
        try:
            requested = parse_yuan(row["requested"])
        except MoneyError as exc:
            found.append(f"{where}: requested {row['requested']!r}: {_money_reason(exc)}")
        try:
            submitted_at = parse_time(row["submitted_at"])
        except ValueError:
            found.append(f"{where}: submitted_at {row['submitted_at']!r} is not an ISO 8601 date and time")
        if ref and ref not in ref_lines:
            ref_lines[ref] = line
            state.refs[ref] = code
        state.problems.extend(found)
        if not found:
            state.pkg.submissions.append(PkgSubmission(ref, code, row["title"], row["community"], items, requested,
                                                       submitted_at))


def parse_funds(state: State) -> None:
    name = "funds.csv"
    for line, row in state.rows(name):
        where = f"{name}:{line}"
        found = [] if row["ref"] in state.refs else [f"{where}: unknown submission ref {row['ref']!r}"]
        if row["source"] not in FUND_SOURCES:
            found.append(f"{where}: source {row['source']!r} must be one of {', '.join(FUND_SOURCES)}")
        if row["status"] not in FUND_STATUSES:
            found.append(f"{where}: status {row['status']!r} must be one of {', '.join(FUND_STATUSES)}")
        try:
            amount = parse_yuan(row["amount"])
        except MoneyError as exc:
            found.append(f"{where}: amount {row['amount']!r}: {_money_reason(exc)}")
        found += _text_problems(where, row, ("donor",))
        state.problems.extend(found)
        if not found:
            state.pkg.funds.append(PkgFund(row["ref"], row["source"], row["donor"], amount, row["status"]))


def parse_reviewers(state: State, known_reviewers: dict[str, str | None]) -> None:
    name = "reviewers.csv"
    known = {email.lower(): aff for email, aff in known_reviewers.items()}
    seen: dict[str, int] = {}
    for line, row in state.rows(name):
        where, email, panel = f"{name}:{line}", row["email"].lower(), row["panel"] or DEFAULT_PANEL_CODE
        if "@" not in email or " " in email or len(email) > 254:
            state.problems.append(f"{where}: email {row['email']!r} is not an e-mail address")
            continue
        if email in seen:
            state.problems.append(f"{where}: email {email} repeats line {seen[email]}")
            continue
        seen[email] = line
        code: str | None = None
        if row["credit_code"]:
            try:
                code = validate_credit_code(row["credit_code"])
            except CreditCodeError as exc:
                state.problems.append(f"{where}: credit_code {row['credit_code']!r}: {exc}")
                continue
        problem = None
        if not row["name"] and email not in known:
            problem = "name is empty"
        elif len(row["name"]) > 80:
            problem = "name is longer than 80 characters"
        elif len(panel) > CODE_LENGTH:
            problem = f"panel {panel!r} is longer than {CODE_LENGTH} characters"
        if problem:
            state.problems.append(f"{where}: {problem}")
            continue
        state.affiliations[email] = code if code is not None else known.get(email)
        state.panels[email] = panel
        state.pkg.reviewers.append(PkgReviewer(email, row["name"], code, panel))


def _review_round(state: State, where: str, given: str, by_code: dict[str, dict[str, Any]]) -> dict[str, Any] | None:
    """The round a reviews.csv row belongs to; an empty `round` is the only round."""
    if given in by_code:
        return by_code[given]
    rounds = state.pkg.rules["rounds"]
    codes = ", ".join(r["code"] for r in rounds)
    if not given:
        if len(rounds) == 1:
            return rounds[0]
        state.problems.append(f"{where}: round is empty; the call has the rounds {codes}")
        return None
    state.problems.append(f"{where}: unknown round {given!r} (the call has the rounds {codes})")
    return None


def _score_problem(state: State, where: str, row: dict[str, str], rnd: dict[str, Any],
                   criteria: dict[str, int]) -> tuple[str | None, int | None]:
    """(problem, score in hundredths) of a reviews.csv row's criterion and score in its round
    (`criteria`: the round's criterion codes and maximums)."""
    criterion, text = row["criterion"], row["score"]
    if criterion not in criteria:
        which = f"the rubric of round {rnd['code']}" if len(state.pkg.rules["rounds"]) > 1 else "the rubric"
        return f"{where}: unknown criterion {criterion!r} ({which} has {', '.join(criteria)})", None
    try:
        centi = parse_score(text, criteria[criterion])
    except ScoreError as exc:
        reasons = {"not_a_number": f"score {text!r} is not a number",
                   "decimals": f"score {text} has more than 2 decimals"}
        return f"{where}: {reasons.get(exc.kind, f'score {text} is out of range 0..{criteria[criterion]}')}", None
    if centi is None:
        return f"{where}: score is empty", None
    return None, centi


def _reviewer_problem(state: State, where: str, ref: str, email: str, shown: str, rnd: dict[str, Any] | None) -> str | None:
    if email not in state.affiliations:
        return f"{where}: reviewer {shown!r} is not in reviewers.csv"
    if ref in state.refs and state.affiliations[email] is not None and state.affiliations[email] == state.refs[ref]:
        return f"{where}: reviewer {email} may not score {ref}, a submission of their own organisation"
    if rnd is not None:
        allowed = [p["code"] for p in rnd["panels"]]
        if state.panels[email] not in allowed:
            return (f"{where}: reviewer {email} sits on panel {state.panels[email]}, which does not review in round "
                    f"{rnd['code']} (its panels: {', '.join(allowed)})")
    return None


def parse_reviews(state: State) -> None:
    """Every row checked; what a row shares with others (its reviewer's standing for that
    submission and round, a score text under a criterion) is checked once and remembered, and a
    row's `file:line` is written only for a problem: a call has hundreds of thousands of rows.
    The line a score was first given on is not kept for every row: the rare message naming it
    is completed by reading the file again (_first_lines)."""
    name = "reviews.csv"
    rounds = state.pkg.rules["rounds"] if state.rules_ok else []
    by_code = {r["code"]: r for r in rounds}
    criteria = {r["code"]: {c["code"]: int(c["max"]) for c in rubric(state.pkg.rules, r["code"])} for r in rounds}
    reviewer_ok: set[tuple[str, str, str | None]] = set()  # (ref, e-mail, round) with no reviewer problem
    scores_ok: dict[tuple[str, str, str], int] = {}  # (round, criterion, score text) -> hundredths (one int each)
    refused: dict[tuple[str, str, str], set[str]] = {}  # criteria of a review first given on a row with a problem
    repeated: list[tuple[int, tuple[str, str, str], str, int]] = []  # (problem's index, review, criterion, line)
    refs, scores, rules_ok = state.refs, state.pkg.scores, state.rules_ok
    for line, row in state.rows(name):
        # interned: a call's hundreds of thousands of rows name a few thousand refs, reviewers and criteria
        ref, email, criterion = intern(row["ref"]), intern(row["reviewer"].lower()), intern(row["criterion"])
        found = [] if ref in refs else [f"{name}:{line}: unknown submission ref {ref!r}"]
        rnd = None
        if rules_ok:
            rnd = by_code.get(row["round"]) or _review_round(state, f"{name}:{line}", row["round"], by_code)
        code = rnd["code"] if rnd is not None else None
        if (ref, email, code) not in reviewer_ok:
            reviewer = _reviewer_problem(state, f"{name}:{line}", ref, email, row["reviewer"], rnd)
            if reviewer:
                found.append(reviewer)
            else:
                reviewer_ok.add((ref, email, code))
        if rnd is not None:
            key = (ref, email, code)
            centi = scores_ok.get((code, criterion, row["score"]))
            if centi is None:
                problem, centi = _score_problem(state, f"{name}:{line}", row, rnd, criteria[code])
                if problem:
                    found.append(problem)
                else:
                    centi = scores_ok.setdefault((code, criterion, row["score"]), centi)  # type: ignore[arg-type]
            if criterion in scores.get(key, ()) or criterion in refused.get(key, ()):
                repeated.append((len(state.problems) + len(found), key, criterion, line))
                found.append("")  # completed below with the line that first scored it
            elif found:
                refused.setdefault(key, set()).add(criterion)
            else:
                scores.setdefault(key, {})[criterion] = centi  # type: ignore[assignment]
        if found:
            state.problems.extend(found)
    first = _first_lines(state, {key for _, key, _, _ in repeated})
    for index, (ref, email, code), criterion, line in repeated:
        state.problems[index] = (f"{name}:{line}: {email} already scored {criterion} of {ref} "
                                 f"on line {first[((ref, email, code), criterion)]}")


def _first_lines(state: State, reviews: set[tuple[str, str, str]]) -> dict[tuple[tuple[str, str, str], str], int]:
    """The line of reviews.csv that first gave each criterion of these reviews (ref, e-mail,
    round), read again from the file (its problems were reported on the first reading)."""
    if not reviews:
        return {}
    rounds = state.pkg.rules["rounds"]
    codes = {r["code"] for r in rounds}
    only = rounds[0]["code"] if len(rounds) == 1 else None
    first: dict[tuple[tuple[str, str, str], str], int] = {}
    for line, row in csv_rows("reviews.csv", state.texts["reviews.csv"], []):
        code = row["round"] if row["round"] in codes else (only if not row["round"] else None)
        key = (row["ref"], row["reviewer"].lower(), code)
        if key in reviews:
            first.setdefault((key, row["criterion"]), line)  # type: ignore[arg-type]
    return first


def check_rounds_taken_part_in(state: State) -> None:
    """With several rounds: run them on the package's own reviews and funds, and refuse every
    reviews.csv row of a round its submission did not take part in (section 4)."""
    rules = state.pkg.rules
    if not state.rules_ok or len(rules["rounds"]) < 2:
        return
    review_rules, _, _, funds_rules = engine_rules(rules)
    criteria = {r["code"]: {c["code"] for c in rubric(rules, r["code"])} for r in rules["rounds"]}
    lines: dict[str, list[FundLine]] = {}
    for f in state.pkg.funds:
        lines.setdefault(f.ref, []).append(FundLine(f.source, f.donor, f.amount_fen, f.status))
    totals: dict[str, list[ReviewTotal]] = {}
    points: dict[int, Fraction] = {}  # one Fraction per distinct total (a call has a few thousand)
    for (ref, email, code), scores in state.pkg.scores.items():
        if scores.keys() == criteria[code]:
            total = sum(scores.values())
            if total not in points:
                points[total] = Fraction(total, 100)
            totals.setdefault(ref, []).append(ReviewTotal(code, state.panels[email], points[total]))
    entries = []
    for s in state.pkg.submissions:
        counted = count_funds(lines.get(s.ref, ()), funds_rules)
        entries.append(Entry(s.ref, (), counted.raised_fen, s.submitted_at, s.requested_fen,
                             reviews=tuple(totals.get(s.ref, ())), donors=counted.donors))
    took_part = {r.ref: {p.round for p in r.rounds} for r in rank_submissions(entries, review_rules)}
    outside = [key for key in state.pkg.scores if key[0] in took_part and key[2] not in took_part[key[0]]]
    first = _first_lines(state, set(outside))
    found = {key: [first[(key, c)] for c in state.pkg.scores[key]] for key in outside}
    for (ref, email, code), found_on in sorted(found.items(), key=lambda item: item[1][0]):
        state.problems.extend(f"reviews.csv:{line}: {ref} did not take part in round {code} "
                              f"(it did not advance from an earlier round)" for line in found_on)


def parse_holds(state: State) -> None:
    name = "holds.csv"
    seen: dict[str, int] = {}
    for line, row in state.rows(name):
        where, ref, reason = f"{name}:{line}", row["ref"], row["reason"].strip()
        if ref not in state.refs:
            state.problems.append(f"{where}: unknown submission ref {ref!r}")
        elif ref in seen:
            state.problems.append(f"{where}: {ref} is held already on line {seen[ref]}")
        elif not reason:
            state.problems.append(f"{where}: reason is empty: a hold needs a reason")
        elif len(reason) > TEXT_LIMITS["reason"]:
            state.problems.append(f"{where}: reason is longer than {TEXT_LIMITS['reason']} characters")
        else:
            seen[ref] = line
            state.pkg.holds.append(PkgHold(ref, reason))
