"""Reading and checking a call package (competition-rules.md section 8).

A package is a folder or a .zip of one: call.toml, organisations.csv, submissions.csv,
and optionally funds.csv, reviewers.csv, reviews.csv. CSV files are UTF-8 (with or without
BOM) or GB18030. `parse_package` checks every row and returns plain data, or raises
PackageError listing every problem as `file:line: reason` (`call.toml: key: reason`).
It needs to know a few facts about the database (existing slugs, catalogue items, known
reviewers), which the caller passes in, so this module stays free of Flask and SQLAlchemy.
"""
from __future__ import annotations

import csv
import io
import os
import tomllib
import zipfile
from dataclasses import dataclass, field
from datetime import datetime, timezone, timedelta
from decimal import Decimal, InvalidOperation
from typing import Any, Callable

from gongyi.calls.rules import SLUG, RulesError, validate_rules
from gongyi.errors import N_
from gongyi.money import MoneyError, parse_yuan
from gongyi.orgs.creditcode import CreditCodeError, validate as validate_credit_code
from gongyi.textfiles import FileProblems, decode_text

CST = timezone(timedelta(hours=8))
FUND_SOURCES = ("enterprise", "individual", "foundation", "government", "other")
FUND_STATUSES = ("verified", "pending", "rejected")
CSV_FILES: dict[str, tuple[tuple[str, ...], bool]] = {
    "organisations.csv": (("credit_code", "name"), True),
    "submissions.csv": (("ref", "credit_code", "title", "community", "items", "requested", "submitted_at"), True),
    "funds.csv": (("ref", "source", "donor", "amount", "status"), False),
    "reviewers.csv": (("email", "name", "credit_code"), False),
    "reviews.csv": (("ref", "reviewer", "criterion", "score"), False),
}
MAX_FILES = 50
MAX_UNPACKED_BYTES = 512 * 2**20
TEXT_LIMITS = {"title": 200, "community": 200, "donor": 200, "name": 200}
CALL_KEYS = {"slug", "title", "description", "opens_at", "closes_at", "entry", "review", "matching", "library"}


class PackageError(FileProblems):
    """Every problem of a call package, as `file:line: reason`."""


@dataclass(frozen=True)
class PkgSubmission:
    ref: str
    credit_code: str
    title: str
    community: str
    items: tuple[str, ...]
    requested_fen: int
    submitted_at: datetime


@dataclass(frozen=True)
class PkgFund:
    ref: str
    source: str
    donor: str
    amount_fen: int
    status: str


@dataclass(frozen=True)
class PkgReviewer:
    email: str
    name: str
    credit_code: str | None


@dataclass
class Package:
    call: dict[str, Any]
    rules: dict[str, Any]
    organisations: dict[str, str] = field(default_factory=dict)  # credit code -> name
    submissions: list[PkgSubmission] = field(default_factory=list)
    funds: list[PkgFund] = field(default_factory=list)
    reviewers: list[PkgReviewer] = field(default_factory=list)
    scores: dict[tuple[str, str], dict[str, int]] = field(default_factory=dict)  # (ref, email) -> criterion -> centi


def read_package(path: str) -> dict[str, bytes]:
    """The package's files by name, from a folder or a .zip (which may hold one top folder)."""
    files: dict[str, bytes] = {}
    if os.path.isdir(path):
        for name in os.listdir(path):
            full = os.path.join(path, name)
            if os.path.isfile(full):
                with open(full, "rb") as fh:
                    files[name] = fh.read()
        return files
    if not zipfile.is_zipfile(path):
        raise PackageError([f"{os.path.basename(path)}: not a folder or a .zip file"])
    with zipfile.ZipFile(path) as archive:
        infos = [i for i in archive.infolist() if not i.is_dir() and "__MACOSX" not in i.filename]
        if len(infos) > MAX_FILES or sum(i.file_size for i in infos) > MAX_UNPACKED_BYTES:
            raise PackageError([f"{os.path.basename(path)}: too large: at most {MAX_FILES} files and "
                                f"{MAX_UNPACKED_BYTES // 2**20} MB unpacked"])
        names = [i.filename for i in infos]
        tops = {n.rsplit("/", 1)[0] if "/" in n else "" for n in names if n.rsplit("/", 1)[-1] == "call.toml"}
        prefix = (tops.pop() + "/") if len(tops) == 1 and "" not in tops else ""
        for n in names:
            if n.startswith(prefix) and "/" not in n[len(prefix):]:
                files[n[len(prefix):]] = archive.read(n)
    return files


def parse_time(value: Any) -> datetime:
    """ISO 8601; a time without an offset is read as China Standard Time."""
    if isinstance(value, datetime):
        moment = value
    elif isinstance(value, str) and value.strip():
        moment = datetime.fromisoformat(value.strip().replace("Z", "+00:00"))
    else:
        raise ValueError("expected an ISO 8601 date and time")
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=CST)
    return moment.astimezone(timezone.utc)


def parse_score(text: str, maximum: int) -> int:
    """A score in hundredths: a number from 0 to `maximum` with at most 2 decimals."""
    try:
        value = Decimal(text.strip())
    except InvalidOperation:
        raise ValueError(f"score {text!r} is not a number") from None
    if not value.is_finite():
        raise ValueError(f"score {text!r} is not a number")
    if value < 0 or value > maximum:
        raise ValueError(f"score {text} is out of range 0..{maximum}")
    if value != value.quantize(Decimal("0.01")):
        raise ValueError(f"score {text} has more than 2 decimals")
    return int(value * 100)


def _rows(name: str, text: str, columns: tuple[str, ...], problems: list[str]):
    """Yield (line, row dict) for the data rows of a CSV file, after checking its header."""
    reader = csv.reader(io.StringIO(text))
    try:
        header = next(reader)
    except StopIteration:
        problems.append(f"{name}:1: the file is empty; expected the header {','.join(columns)}")
        return
    header = [h.strip() for h in header]
    bad = False
    for column in header:
        if column not in columns:
            problems.append(f"{name}:1: unknown column {column!r}")
            bad = True
    for column in columns:
        if column not in header:
            problems.append(f"{name}:1: missing column {column!r}")
            bad = True
    if len(set(header)) != len(header):
        problems.append(f"{name}:1: a column is named twice")
        bad = True
    if bad:
        return
    for cells in reader:
        if not any(c.strip() for c in cells):
            continue
        if len(cells) != len(header):
            problems.append(f"{name}:{reader.line_num}: expected {len(header)} values, found {len(cells)}")
            continue
        yield reader.line_num, {h: c.strip() for h, c in zip(header, cells)}


def parse_package(
    files: dict[str, bytes],
    *,
    catalogue_codes: set[str],
    slug_exists: Callable[[str], bool],
    known_organisations: set[str],
    known_reviewers: dict[str, str | None],
) -> Package:
    """Check everything and return the package, or raise PackageError with every problem.

    known_organisations: credit codes already in the database; known_reviewers: e-mail ->
    affiliation credit code (or None) of users already in the database. Only the reviewers
    listed in reviewers.csv may score; one already in the database keeps their affiliation
    when the row leaves credit_code empty.
    """
    problems: list[str] = []
    if "call.toml" not in files:
        raise PackageError(["call.toml: file is missing"])
    for name, (_, required) in CSV_FILES.items():
        if required and name not in files:
            problems.append(f"{name}: file is missing")

    try:
        call_text = decode_text(files["call.toml"])
    except UnicodeDecodeError:
        raise PackageError(["call.toml:1: not UTF-8 or GB18030 text"]) from None
    call, rules = _parse_call(call_text, slug_exists, problems)
    criteria = {c["code"]: int(c["max"]) for c in rules["review"]["criteria"]} if rules else {}
    texts = {}
    for name in CSV_FILES:
        if name in files:
            try:
                texts[name] = decode_text(files[name])
            except UnicodeDecodeError:
                problems.append(f"{name}:1: not UTF-8 or GB18030 text")
    pkg = Package(call=call, rules=rules or {})

    name = "organisations.csv"
    seen_orgs: dict[str, int] = {}
    for line, row in _rows(name, texts.get(name, ""), CSV_FILES[name][0], problems) if name in texts else ():
        try:
            code = validate_credit_code(row["credit_code"])
        except CreditCodeError as exc:
            problems.append(f"{name}:{line}: credit_code {row['credit_code']!r}: {exc}")
            continue
        if code in seen_orgs:
            problems.append(f"{name}:{line}: credit_code {code} repeats line {seen_orgs[code]}")
            continue
        if not row["name"]:
            problems.append(f"{name}:{line}: name is empty")
        elif len(row["name"]) > TEXT_LIMITS["name"]:
            problems.append(f"{name}:{line}: name is longer than {TEXT_LIMITS['name']} characters")
        seen_orgs[code] = line
        pkg.organisations[code] = row["name"]

    name = "submissions.csv"
    refs: dict[str, str] = {}  # ref -> credit code
    ref_lines: dict[str, int] = {}
    for line, row in _rows(name, texts.get(name, ""), CSV_FILES[name][0], problems) if name in texts else ():
        where = f"{name}:{line}"
        ok = True
        ref = row["ref"]
        if not ref:
            problems.append(f"{where}: ref is empty")
            ok = False
        elif len(ref) > 40:
            problems.append(f"{where}: ref {ref!r} is longer than 40 characters")
            ok = False
        elif ref in ref_lines:
            problems.append(f"{where}: duplicate ref {ref} (first on line {ref_lines[ref]})")
            ok = False
        code = row["credit_code"]
        try:
            code = validate_credit_code(code)
            if code not in pkg.organisations and code not in known_organisations:
                problems.append(f"{where}: credit_code {code} is not in organisations.csv")
                ok = False
        except CreditCodeError as exc:
            problems.append(f"{where}: credit_code {code!r}: {exc}")
            ok = False
        if not row["title"]:
            problems.append(f"{where}: title is empty")
            ok = False
        for column in ("title", "community"):
            if len(row[column]) > TEXT_LIMITS[column]:
                problems.append(f"{where}: {column} is longer than {TEXT_LIMITS[column]} characters")
                ok = False
        items = tuple(i.strip() for i in row["items"].split("|") if i.strip()) if row["items"] else ()
        for item in items:
            if item not in catalogue_codes:
                problems.append(f"{where}: unknown catalogue item {item!r}")
                ok = False
        if len(set(items)) != len(items):
            problems.append(f"{where}: a catalogue item is listed twice")
            ok = False
        try:
            requested = parse_yuan(row["requested"])
        except MoneyError as exc:
            problems.append(f"{where}: requested {row['requested']!r}: {_money_reason(exc)}")
            ok = False
        try:
            submitted_at = parse_time(row["submitted_at"])
        except ValueError:
            problems.append(f"{where}: submitted_at {row['submitted_at']!r} is not an ISO 8601 date and time")
            ok = False
        if ref and ref not in ref_lines:
            ref_lines[ref] = line
            refs[ref] = code
        if ok:
            pkg.submissions.append(PkgSubmission(ref, code, row["title"], row["community"], items, requested, submitted_at))

    name = "funds.csv"
    for line, row in _rows(name, texts.get(name, ""), CSV_FILES[name][0], problems) if name in texts else ():
        where = f"{name}:{line}"
        ok = True
        if row["ref"] not in refs:
            problems.append(f"{where}: unknown submission ref {row['ref']!r}")
            ok = False
        if row["source"] not in FUND_SOURCES:
            problems.append(f"{where}: source {row['source']!r} must be one of {', '.join(FUND_SOURCES)}")
            ok = False
        if row["status"] not in FUND_STATUSES:
            problems.append(f"{where}: status {row['status']!r} must be one of {', '.join(FUND_STATUSES)}")
            ok = False
        try:
            amount = parse_yuan(row["amount"])
        except MoneyError as exc:
            problems.append(f"{where}: amount {row['amount']!r}: {_money_reason(exc)}")
            ok = False
        if len(row["donor"]) > TEXT_LIMITS["donor"]:
            problems.append(f"{where}: donor is longer than {TEXT_LIMITS['donor']} characters")
            ok = False
        if ok:
            pkg.funds.append(PkgFund(row["ref"], row["source"], row["donor"], amount, row["status"]))

    name = "reviewers.csv"
    known = {email.lower(): aff for email, aff in known_reviewers.items()}
    affiliations: dict[str, str | None] = {}  # reviewers of this package: e-mail -> organisation credit code
    seen_reviewers: dict[str, int] = {}
    for line, row in _rows(name, texts.get(name, ""), CSV_FILES[name][0], problems) if name in texts else ():
        where = f"{name}:{line}"
        email = row["email"].lower()
        if "@" not in email or " " in email or len(email) > 254:
            problems.append(f"{where}: email {row['email']!r} is not an e-mail address")
            continue
        if email in seen_reviewers:
            problems.append(f"{where}: email {email} repeats line {seen_reviewers[email]}")
            continue
        seen_reviewers[email] = line
        code: str | None = None
        if row["credit_code"]:
            try:
                code = validate_credit_code(row["credit_code"])
            except CreditCodeError as exc:
                problems.append(f"{where}: credit_code {row['credit_code']!r}: {exc}")
                continue
        if not row["name"] and email not in known:
            problems.append(f"{where}: name is empty")
            continue
        if len(row["name"]) > 80:
            problems.append(f"{where}: name is longer than 80 characters")
            continue
        affiliations[email] = code if code is not None else known.get(email)
        pkg.reviewers.append(PkgReviewer(email, row["name"], code))

    name = "reviews.csv"
    score_lines: dict[tuple[str, str, str], int] = {}
    for line, row in _rows(name, texts.get(name, ""), CSV_FILES[name][0], problems) if name in texts else ():
        where = f"{name}:{line}"
        ref, email, criterion = row["ref"], row["reviewer"].lower(), row["criterion"]
        ok = True
        if ref not in refs:
            problems.append(f"{where}: unknown submission ref {ref!r}")
            ok = False
        if email not in affiliations:
            problems.append(f"{where}: reviewer {row['reviewer']!r} is not in reviewers.csv")
            ok = False
        elif ref in refs and affiliations[email] is not None and affiliations[email] == refs[ref]:
            problems.append(f"{where}: reviewer {email} may not score {ref}, a submission of their own organisation")
            ok = False
        if criterion not in criteria:
            if rules is not None:
                problems.append(f"{where}: unknown criterion {criterion!r} (the rubric has {', '.join(criteria)})")
            ok = False
        else:
            try:
                centi = parse_score(row["score"], criteria[criterion])
            except ValueError as exc:
                problems.append(f"{where}: {exc}")
                ok = False
        key = (ref, email, criterion)
        if key in score_lines:
            problems.append(f"{where}: {email} already scored {criterion} of {ref} on line {score_lines[key]}")
            ok = False
        else:
            score_lines[key] = line
        if ok:
            pkg.scores.setdefault((ref, email), {})[criterion] = centi

    if problems:
        raise PackageError(problems)
    return pkg


def _money_reason(exc: MoneyError) -> str:
    reasons = {
        N_("金额不能为负数"): "a negative amount",
        N_("金额最多保留两位小数"): "more than 2 decimals",
        N_("请填写金额"): "the amount is empty",
    }
    return reasons.get(exc.message, "not an amount in yuan")


def _parse_call(text: str, slug_exists: Callable[[str], bool], problems: list[str]) -> tuple[dict[str, Any], dict[str, Any] | None]:
    try:
        data = tomllib.loads(text, parse_float=Decimal)
    except tomllib.TOMLDecodeError as exc:
        problems.append(f"call.toml: invalid TOML: {exc}")
        return {}, None
    call: dict[str, Any] = {}
    for key in sorted(set(data) - CALL_KEYS):
        problems.append(f"call.toml: {key}: unknown key")
    for key in ("slug", "title"):
        value = data.get(key)
        if not isinstance(value, str) or not value.strip():
            problems.append(f"call.toml: {key}: is required (a string)")
        else:
            call[key] = value.strip()
    if "slug" in call:
        if not SLUG.match(call["slug"]):
            problems.append(f"call.toml: slug: {call['slug']!r} may hold only letters, digits, '.', '_' and '-' (at most 80)")
        elif slug_exists(call["slug"]):
            problems.append(f"call.toml: slug: a call with slug {call['slug']!r} already exists")
    call["description"] = data.get("description", "") if isinstance(data.get("description", ""), str) else ""
    for key in ("opens_at", "closes_at"):
        try:
            call[key] = parse_time(data.get(key))
        except ValueError:
            problems.append(f"call.toml: {key}: must be an ISO 8601 date and time with offset")
    if "opens_at" in call and "closes_at" in call and call["closes_at"] <= call["opens_at"]:
        problems.append("call.toml: closes_at: must be after opens_at")
    raw_rules = {k: data[k] for k in ("entry", "review", "matching", "library") if k in data}
    try:
        rules = validate_rules(_plain(raw_rules))
    except RulesError as exc:
        problems.extend(f"call.toml: {key}: {message}" for key, message in exc.problems)
        rules = None
    return call, rules


def _plain(value: Any) -> Any:
    """TOML values as validate_rules expects them: Decimal stays exact, tables become dicts."""
    if isinstance(value, dict):
        return {k: _plain(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_plain(v) for v in value]
    return value
