"""Reading and checking a call package (competition-rules.md section 8, version 2).

A package is a folder or a .zip of one: call.toml, organisations.csv, submissions.csv, and
optionally funds.csv, reviewers.csv, reviews.csv and holds.csv. CSV files are UTF-8 (with or
without BOM) or GB18030. `parse_package` checks every row and returns plain data, or raises
PackageError listing every problem as `file:line: reason` (`call.toml: key: reason`). It needs
to know a few facts about the database (existing slugs, catalogue items, known reviewers),
which the caller passes in, so this module stays free of Flask and SQLAlchemy. The checks of
each CSV file are in results/package_rows.py.
"""
from __future__ import annotations

import csv
import os
import tomllib
import zipfile
import zlib
from dataclasses import dataclass, field
from datetime import datetime
from decimal import Decimal
from typing import Any, Callable, Iterator, NamedTuple

from gongyi.calls.rules import SLUG, RulesError, validate_rules
from gongyi.clock import as_china
from gongyi.numbers import has_control_characters
from gongyi.textfiles import (FileProblems, decode_text, may_hold_control_characters, readable_rows, text_encoding,
                              text_lines)



class CsvFile(NamedTuple):
    columns: tuple[str, ...]  # every one must be in the header
    optional: tuple[str, ...]  # may be in the header; a missing one reads as ""
    required: bool  # the file must be in the package


CSV_FILES: dict[str, CsvFile] = {
    "organisations.csv": CsvFile(("credit_code", "name"), (), True),
    "submissions.csv": CsvFile(("ref", "credit_code", "title", "community", "items", "requested", "submitted_at"), (), True),
    "funds.csv": CsvFile(("ref", "source", "donor", "amount", "status"), (), False),
    "reviewers.csv": CsvFile(("email", "name", "credit_code"), ("panel",), False),
    "reviews.csv": CsvFile(("ref", "reviewer", "criterion", "score"), ("round",), False),
    "holds.csv": CsvFile(("ref", "reason"), (), False),
}
MAX_FILES = 50
MAX_UNPACKED_BYTES = 512 * 2**20
RULE_SECTIONS = ("entry", "review", "funds", "rounds", "matching", "library")
CALL_KEYS = {"slug", "title", "description", "opens_at", "closes_at", *RULE_SECTIONS}


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
    panel: str = "expert"


@dataclass(frozen=True)
class PkgHold:
    ref: str
    reason: str


@dataclass
class Package:
    call: dict[str, Any]
    rules: dict[str, Any]
    organisations: dict[str, str] = field(default_factory=dict)  # credit code -> name
    submissions: list[PkgSubmission] = field(default_factory=list)
    funds: list[PkgFund] = field(default_factory=list)
    reviewers: list[PkgReviewer] = field(default_factory=list)
    # (ref, e-mail, round code) -> criterion -> score in hundredths
    scores: dict[tuple[str, str, str], dict[str, int]] = field(default_factory=dict)
    holds: list[PkgHold] = field(default_factory=list)


def read_package(path: str, max_unpacked: int | None = None) -> dict[str, bytes]:
    """The package's files by name, from a folder or a .zip (which may hold one top folder) of at
    most `max_unpacked` bytes unpacked (default MAX_UNPACKED_BYTES, for the command line)."""
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
    try:
        with zipfile.ZipFile(path) as archive:
            return _read_archive(archive, os.path.basename(path), max_unpacked or MAX_UNPACKED_BYTES)
    except (zipfile.BadZipFile, zipfile.LargeZipFile, zlib.error, EOFError, OSError, NotImplementedError,
            RuntimeError, ValueError) as exc:  # truncated, corrupted, encrypted or of an unknown method
        raise PackageError([f"{os.path.basename(path)}: not a readable .zip file ({exc})"]) from None


def _read_archive(archive: zipfile.ZipFile, label: str, max_unpacked: int) -> dict[str, bytes]:
    """The archive's files, after checking from its directory, before anything is unpacked, that
    it holds at most MAX_FILES files and `max_unpacked` bytes unpacked (zipfile never unpacks a
    member beyond the size its directory declares)."""
    files: dict[str, bytes] = {}
    infos = [i for i in archive.infolist() if not i.is_dir() and "__MACOSX" not in i.filename]
    if len(infos) > MAX_FILES or sum(i.file_size for i in infos) > max_unpacked:
        raise PackageError([f"{label}: too large: at most {MAX_FILES} files and "
                            f"{max_unpacked / 2**20:.0f} MB unpacked"])
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
    return as_china(moment)


def csv_rows(name: str, text: tuple[bytes, str], problems: list[str]) -> Iterator[tuple[int, dict[str, str]]]:
    """Yield (line, row dict) for the data rows of a package's CSV file (its bytes and encoding),
    after checking its header; an optional column the header leaves out reads as "". The lines
    are decoded as they are read (csv.reader asks for more inside a quoted field itself)."""
    spec = CSV_FILES[name]
    reader = csv.reader(text_lines(*text))
    rows, known = readable_rows(name, reader, problems), len(problems)
    first = next(rows, None)
    if first is None:
        if len(problems) == known:
            problems.append(f"{name}:1: the file is empty; expected the header {','.join(spec.columns)}")
        return
    header = [h.strip() for h in first]
    bad = [f"{name}:1: unknown column {c!r}" for c in header if c not in spec.columns + spec.optional]
    bad += [f"{name}:1: missing column {c!r}" for c in spec.columns if c not in header]
    if len(set(header)) != len(header):
        bad.append(f"{name}:1: a column is named twice")
    if bad:
        problems.extend(bad)
        return
    absent = [c for c in spec.optional if c not in header]
    width, check = len(header), may_hold_control_characters(*text)
    for cells in rows:
        cells = [c.strip() for c in cells]
        if not any(cells):
            continue
        if len(cells) != width:
            problems.append(f"{name}:{reader.line_num}: expected {width} values, found {len(cells)}")
            continue
        if check and has_control_characters("\n".join(cells)):  # which column: only when found
            controlled = [h for h, c in zip(header, cells) if has_control_characters(c)]
            problems.append(f"{name}:{reader.line_num}: {controlled[0]}: control characters (such as NUL) are not allowed")
            continue
        row = dict(zip(header, cells))
        for column in absent:
            row[column] = ""
        yield reader.line_num, row



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
    from gongyi.results import package_rows as rows  # lazy: package_rows builds on this module's types

    problems: list[str] = []
    if "call.toml" not in files:
        raise PackageError(["call.toml: file is missing"])
    problems += [f"{name}: file is missing" for name, spec in CSV_FILES.items() if spec.required and name not in files]
    try:
        call_text = decode_text(files["call.toml"])
    except UnicodeDecodeError:
        raise PackageError(["call.toml:1: not UTF-8 or GB18030 text"]) from None
    call, rules = parse_call(call_text, slug_exists, problems)
    texts = {}
    for name in CSV_FILES:
        if name in files:
            try:
                texts[name] = (files[name], text_encoding(files[name]))
            except UnicodeDecodeError:
                problems.append(f"{name}:1: not UTF-8 or GB18030 text")
    state = rows.State(Package(call=call, rules=rules or {}), problems, texts, rules is not None)
    rows.parse_organisations(state)
    rows.parse_submissions(state, catalogue_codes, known_organisations)
    rows.parse_funds(state)
    rows.parse_reviewers(state, known_reviewers)
    rows.parse_reviews(state)
    rows.check_rounds_taken_part_in(state)
    rows.parse_holds(state)
    if problems:
        raise PackageError(problems)
    return state.pkg


def parse_call(text: str, slug_exists: Callable[[str], bool], problems: list[str]) -> tuple[dict[str, Any], dict[str, Any] | None]:
    """call.toml: the call's own fields, and its rules (None when they have problems)."""
    try:
        # Decimal numbers stay exact: `ratio = 0.7` is 7/10, never the float nearest to it.
        data = tomllib.loads(text, parse_float=Decimal)
    except tomllib.TOMLDecodeError as exc:
        problems.append(f"call.toml: invalid TOML: {exc}")
        return {}, None
    call: dict[str, Any] = {}
    problems += [f"call.toml: {key}: unknown key" for key in sorted(set(data) - CALL_KEYS)]
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
    if isinstance(data.get("rounds"), list):
        # In a package every round gives its rubric, and [review] none (section 8).
        rubric_problems = [f"call.toml: rounds[{i}].criteria: at least one criterion is required"
                           for i, rnd in enumerate(data["rounds"], 1) if isinstance(rnd, dict) and not rnd.get("criteria")]
        if isinstance(data.get("review"), dict) and "criteria" in data["review"]:
            rubric_problems.append("call.toml: review.criteria: give each round its criteria in [[rounds.criteria]], "
                                   "not [review]")
        if rubric_problems:
            problems.extend(rubric_problems)
            return call, None
    try:
        rules = validate_rules({k: data[k] for k in RULE_SECTIONS if k in data})
    except RulesError as exc:
        problems.extend(f"call.toml: {key}: {message}" for key, message in exc.problems)
        rules = None
    return call, rules
