"""Call packages (spec section 8): import, compute and export, all or nothing.

The sample package (tests/data/sample) is worked by hand:
- A: 5 complete reviews 90 80 85 70 95; trimmed mean drops 95 and 70 -> 85.
- B: 85 85 85 -> 85 (n=3 < trim_from=5: plain mean). A and B tie on 85; raised_desc puts
  A (verified 60,000; the pending 10,000 does not count) before B (30,000).
- C: 70 71 72 -> 71 (r4's review scores only `need`, so it is not complete). Rank 3.
- G: 65 65 65 -> 65, rank 4; D: 60 61 62 63 -> 61.5, rank 5 (both above the line of 60 but
  outside award_top=3: library). E: 50 55 59 -> 54.67, not shortlisted. F: 2 reviews, unranked.
- Matching, pool 100,000, ratio 1, cap 50,000, rank_order: D(A)=min(60,000, 50,000)=50,000,
  D(B)=30,000, D(C)=40,000 (the rejected 5,000 does not count); sum 120,000 > pool. A gets
  50,000, B 30,000, the remaining 20,000 go to C.
- Library, pool 30,000, pro_rata: G asks 20,000 and D 25,000; sum 45,000 > 30,000.
  G: 20,000 x 30,000 / 45,000 = 13,333.333..; D: 16,666.666... Floors 13,333.33 and
  16,666.66 leave 1 fen, which goes to the larger remainder (D): 16,666.67.
"""
from __future__ import annotations

import shutil
import zipfile
from pathlib import Path

import pytest
from openpyxl import load_workbook
from sqlalchemy import func, select

from gongyi.audit.models import AuditEntry
from gongyi.auth.models import User
from gongyi.calls.models import Call
from gongyi.orgs.models import Organisation
from gongyi.results.models import Run, RunRow
from gongyi.review.models import Review, Score
from gongyi.submissions.models import FundingLine, Submission

SAMPLE = Path(__file__).parent.parent / "data" / "sample"
EXPECTED = (Path(__file__).parent.parent / "data" / "sample-expected-results.csv").read_text("utf-8")


def copy_sample(tmp_path: Path, sample: Path = SAMPLE) -> Path:
    target = tmp_path / "package"
    shutil.copytree(sample, target)
    return target


def counts(db) -> dict[str, int]:
    db.rollback()
    return {m.__name__: db.scalar(select(func.count()).select_from(m))
            for m in (Call, Organisation, User, Submission, FundingLine, Review, Score, AuditEntry)}


def test_import_compute_export_matches_the_hand_worked_results(runner, tmp_path, db):
    result = runner.invoke(args=["calls", "import", str(SAMPLE)])
    assert result.exit_code == 0, result.output
    assert "7 submissions, 5 funding lines, 24 reviews (47 scores)" in result.output
    result = runner.invoke(args=["calls", "compute", "sz-2026"])
    assert result.exit_code == 0, result.output
    assert "matched 3, library 2, not_shortlisted 1, unranked 1" in result.output
    out = tmp_path / "results.csv"
    assert runner.invoke(args=["calls", "export", "sz-2026", "--out", str(out)]).exit_code == 0
    assert out.read_text("utf-8") == EXPECTED

    xlsx = tmp_path / "results.xlsx"
    assert runner.invoke(args=["calls", "export", "sz-2026", "--out", str(xlsx)]).exit_code == 0
    book = load_workbook(xlsx)
    assert book.sheetnames == ["results", "ledger", "scores"]
    results = [[("" if c is None else str(c)) for c in row] for row in book["results"].iter_rows(values_only=True)]
    assert [",".join(r) for r in results] == EXPECTED.strip().split("\n")
    ledger = {(r[0], r[1]): r for r in book["ledger"].iter_rows(min_row=2, values_only=True)}
    assert ledger[("C", "matching")][-2] == "20000.00" and "share of the last" in ledger[("C", "matching")][-1]
    assert ledger[("D", "library")][-3] == 1  # the rounding fen
    assert book["scores"].max_row == 1 + 47


def test_rerun_on_unchanged_data_is_identical(runner, db):
    runner.invoke(args=["calls", "import", str(SAMPLE)])
    runner.invoke(args=["calls", "compute", "sz-2026"])
    runner.invoke(args=["calls", "compute", "sz-2026"])
    db.rollback()
    first, second = db.scalars(select(Run).order_by(Run.number)).all()
    assert (first.number, second.number) == (1, 2)
    assert first.input_digest == second.input_digest

    def rows(run):
        return [(r.ref, r.rank, r.outcome, r.aggregate, r.matching_fen, r.library_grant_fen, r.ledger)
                for r in db.scalars(select(RunRow).where(RunRow.run_id == run.id).order_by(RunRow.position))]

    assert rows(first) == rows(second)


def test_zip_with_a_top_folder_gb18030_and_bom(runner, tmp_path, db):
    package = copy_sample(tmp_path)
    text = (package / "submissions.csv").read_text("utf-8")
    (package / "submissions.csv").write_bytes(text.encode("gb18030"))
    orgs = (package / "organisations.csv").read_text("utf-8").lstrip("\ufeff")
    (package / "organisations.csv").write_bytes("\ufeff".encode("utf-8") + orgs.encode("utf-8"))
    archive = tmp_path / "package.zip"
    with zipfile.ZipFile(archive, "w") as zf:
        for f in package.iterdir():
            zf.write(f, f"sz-2026/{f.name}")
    result = runner.invoke(args=["calls", "import", str(archive)])
    assert result.exit_code == 0, result.output
    # The text is read back as it was written: GB18030 titles, a BOM that is not part of the first column.
    titles = dict(db.execute(select(Submission.ref, Submission.title)).all())
    assert titles["A"] == "长者助餐" and titles["B"] == "四点半课堂"
    names = set(db.scalars(select(Organisation.name)))
    first = orgs.splitlines()[1].split(",")
    assert first[1] in names and db.scalar(select(Organisation.credit_code).where(Organisation.name == first[1])) == first[0]


def test_existing_organisations_and_reviewers_are_reused(runner, tmp_path, db):
    runner.invoke(args=["calls", "import", str(SAMPLE)])
    package = copy_sample(tmp_path)
    toml = (package / "call.toml").read_text("utf-8").replace('slug = "sz-2026"', 'slug = "sz-2027"')
    (package / "call.toml").write_text(toml, "utf-8")
    before = counts(db)
    result = runner.invoke(args=["calls", "import", str(package)])
    assert result.exit_code == 0, result.output
    assert "organisations 0 new, 3 reused; reviewers 0 new, 6 reused" in result.output
    after = counts(db)
    assert after["Organisation"] == before["Organisation"] and after["User"] == before["User"]
    assert after["Submission"] == 2 * before["Submission"]


def broken_package(tmp_path, edits: dict[str, tuple[str, str]], sample: Path = SAMPLE) -> Path:
    """A copy of `sample` with each file's first `old` replaced by `new`."""
    package = copy_sample(tmp_path, sample)
    for name, (old, new) in edits.items():
        path = package / name
        text = path.read_text("utf-8-sig")
        assert old in text, (name, old)
        path.write_text(text.replace(old, new, 1), "utf-8")
    return package


@pytest.mark.parametrize("edits,expected", [
    ({"submissions.csv": ("ref,credit_code", "ref,colour,credit_code")}, "submissions.csv:1: unknown column 'colour'"),
    ({"organisations.csv": ("MJL000010", "MJL000011")}, "organisations.csv:2: credit_code"),
    ({"submissions.csv": ("02.01|02.02", "02.01|99.99")}, "submissions.csv:2: unknown catalogue item '99.99'"),
    ({"reviews.csv": ("A,r1@example.org,need,36.0", "A,r1@example.org,need,40.01")}, "reviews.csv:2: score 40.01 is out of range 0..40"),
    ({"reviews.csv": ("A,r1@example.org,need,36.0", "A,r1@example.org,need,36.001")}, "reviews.csv:2: score 36.001 has more than 2 decimals"),
    ({"reviews.csv": ("A,r1@example.org,need,36.0", "A,r1@example.org,need,abc")}, "reviews.csv:2: score 'abc' is not a number"),
    ({"reviews.csv": ("E,r6@example.org", "A,r6@example.org")}, "may not score A, a submission of their own organisation"),
    ({"submissions.csv": ("\nB,", "\nA,")}, "submissions.csv:3: duplicate ref A (first on line 2)"),
    ({"funds.csv": ("60000.00", "60000.005")}, "funds.csv:2: amount '60000.005': more than 2 decimals"),
    ({"funds.csv": ("60000.00", "-1.00")}, "funds.csv:2: amount '-1.00': a negative amount"),
    ({"submissions.csv": ("80000.00", "80000.123")}, "submissions.csv:2: requested '80000.123': more than 2 decimals"),
    ({"funds.csv": ("enterprise", "company")}, "funds.csv:2: source 'company' must be one of"),
    ({"funds.csv": ("verified", "approved")}, "funds.csv:2: status 'approved' must be one of"),
    ({"call.toml": ('pool = "100000.00"', 'pool = "100000.001"')}, "call.toml: matching.pool:"),
    ({"call.toml": ('policy = "rank_order"', 'policy = "lottery"')}, "call.toml: matching.policy: must be one of"),
    ({"call.toml": ("trim_from = 5", "trim_form = 5")}, "call.toml: review.trim_form: unknown key"),
    ({"call.toml": ("[entry]", "[entry\n")}, "call.toml: invalid TOML"),
    ({"reviews.csv": ("A,r1@example.org,need,36.0", "A,nobody@example.org,need,36.0")}, "reviews.csv:2: reviewer 'nobody@example.org' is not in reviewers.csv"),
    ({"reviews.csv": ("A,r1@example.org,need,36.0", "A,r1@example.org,needs,36.0")}, "reviews.csv:2: unknown criterion 'needs'"),
])
def test_a_bad_row_refuses_the_whole_package(runner, tmp_path, db, edits, expected):
    before = counts(db)
    result = runner.invoke(args=["calls", "import", str(broken_package(tmp_path, edits))])
    assert result.exit_code == 1
    assert expected in result.output, result.output
    assert "nothing was changed" in result.output
    assert counts(db) == before


def test_every_problem_is_listed_at_once(runner, tmp_path, db):
    package = broken_package(tmp_path, {
        "funds.csv": ("60000.00", "-5"),
        "reviews.csv": ("A,r1@example.org,need,36.0", "A,r1@example.org,need,99"),
        "submissions.csv": ("02.01|02.02", "77.77"),
    })
    result = runner.invoke(args=["calls", "import", str(package)])
    assert result.exit_code == 1
    assert "3 problem(s)" in result.output
    for fragment in ("funds.csv:2:", "reviews.csv:2:", "submissions.csv:2:"):
        assert fragment in result.output


def test_existing_slug_is_an_error(runner, db):
    assert runner.invoke(args=["calls", "import", str(SAMPLE)]).exit_code == 0
    before = counts(db)
    result = runner.invoke(args=["calls", "import", str(SAMPLE)])
    assert result.exit_code == 1 and "call.toml: slug: a call with slug 'sz-2026' already exists" in result.output
    assert counts(db) == before


def test_missing_required_file(runner, tmp_path):
    package = copy_sample(tmp_path)
    (package / "submissions.csv").unlink()
    result = runner.invoke(args=["calls", "import", str(package)])
    assert result.exit_code == 1 and "submissions.csv: file is missing" in result.output


def test_defaults_fill_omitted_keys(runner, tmp_path, db):
    package = copy_sample(tmp_path)
    (package / "call.toml").write_text(
        'slug = "minimal"\ntitle = "最简"\nopens_at = "2026-01-01T00:00:00+08:00"\ncloses_at = "2026-02-01T00:00:00+08:00"\n'
        '[[review.criteria]]\ncode = "need"\nname = "需求"\nmax = 40\n[[review.criteria]]\ncode = "impact"\nname = "成效"\nmax = 60\n',
        "utf-8")
    result = runner.invoke(args=["calls", "import", str(package)])
    assert result.exit_code == 0, result.output
    db.rollback()
    rules = db.scalar(select(Call).where(Call.slug == "minimal")).rules
    assert rules["review"]["aggregate"] == "trimmed_mean" and rules["matching"]["policy"] == "rank_order"
    assert rules["matching"]["award_top"] == 10 and rules["review"]["tie_breakers"] == ["raised_desc", "submitted_asc"]


def test_export_without_a_run_says_what_to_do(runner, tmp_path):
    runner.invoke(args=["calls", "import", str(SAMPLE)])
    result = runner.invoke(args=["calls", "export", "sz-2026", "--out", str(tmp_path / "x.csv")])
    assert result.exit_code != 0 and "flask calls compute sz-2026" in result.output


@pytest.mark.parametrize("edits,expected", [
    ({"reviews.csv": ("A,r1@example.org,need,36.0", "A,r1@example.org,need,1e30")}, "reviews.csv:2: score '1e30' is not a number"),
    ({"reviews.csv": ("A,r1@example.org,need,36.0", "A,r1@example.org,need,NaN")}, "reviews.csv:2: score 'NaN' is not a number"),
    ({"funds.csv": ("60000.00", "Infinity")}, "funds.csv:2: amount 'Infinity': not an amount in yuan"),
    ({"submissions.csv": ("长者助餐", "长" * 201)}, "submissions.csv:2: title is longer than 200 characters"),
    ({"call.toml": ('code = "need"', 'code = "' + "n" * 41 + '"')}, "call.toml: review.criteria[1].code: is longer than 40 characters"),
])
def test_values_that_would_not_fit_are_listed_not_crashed(runner, tmp_path, db, edits, expected):
    before = counts(db)
    result = runner.invoke(args=["calls", "import", str(broken_package(tmp_path, edits))])
    assert result.exit_code == 1 and expected in result.output, result.output
    assert counts(db) == before


def test_only_reviewers_listed_in_the_package_may_score(runner, tmp_path, db, make_user):
    make_user("outsider@example.org")  # an existing account, but not in reviewers.csv
    package = broken_package(tmp_path, {"reviews.csv": ("A,r1@example.org,need,36.0", "A,outsider@example.org,need,36.0")})
    result = runner.invoke(args=["calls", "import", str(package)])
    assert result.exit_code == 1 and "reviewer 'outsider@example.org' is not in reviewers.csv" in result.output


def test_a_call_toml_in_utf16_is_a_listed_problem(runner, tmp_path):
    package = copy_sample(tmp_path)
    (package / "call.toml").write_bytes((package / "call.toml").read_text("utf-8").encode("utf-16"))
    result = runner.invoke(args=["calls", "import", str(package)])
    assert result.exit_code == 1 and "call.toml:1: not UTF-8 or GB18030 text" in result.output


def test_a_zip_bomb_is_refused_before_unpacking(runner, tmp_path, monkeypatch):
    from gongyi.results import package as pkg

    monkeypatch.setattr(pkg, "MAX_UNPACKED_BYTES", 1000)
    archive = tmp_path / "big.zip"
    with zipfile.ZipFile(archive, "w", zipfile.ZIP_DEFLATED) as zf:
        for f in SAMPLE.iterdir():
            zf.write(f, f.name)
        zf.writestr("padding.txt", "0" * 100_000)
    result = runner.invoke(args=["calls", "import", str(archive)])
    assert result.exit_code == 1 and "too large" in result.output


def test_an_existing_member_may_not_score_their_own_organisations_project(runner, tmp_path, db):
    """A reviewer row with no credit code still conflicts with the organisation the account belongs to."""
    from gongyi.auth.service import create_user

    runner.invoke(args=["calls", "import", str(SAMPLE)])
    db.rollback()
    org_a = db.scalar(select(Submission).where(Submission.ref == "A")).organisation_id
    create_user(db, None, email="insider@example.org", name="内部人", password="password123").organisation_id = org_a
    db.commit()
    package = copy_sample(tmp_path)
    toml = (package / "call.toml").read_text("utf-8").replace('slug = "sz-2026"', 'slug = "sz-2027"')
    (package / "call.toml").write_text(toml, "utf-8")
    with (package / "reviewers.csv").open("a", encoding="utf-8") as fh:
        fh.write("insider@example.org,内部人,\n")
    with (package / "reviews.csv").open("a", encoding="utf-8") as fh:
        fh.write("A,insider@example.org,need,10\n")
    result = runner.invoke(args=["calls", "import", str(package)])
    assert result.exit_code == 1 and "insider@example.org may not score A" in result.output, result.output


def test_reviewers_are_created_or_given_the_role_and_profile_they_lack(runner, db):
    from gongyi.auth.models import UNUSABLE_PASSWORD, UserRole
    from gongyi.review.models import ReviewerProfile
    from tests.factories import make_admin, make_org, make_reviewer

    admin = make_admin(db, "boss@example.org")
    member, own = make_org(db, admin, email="r1@example.org")  # an account already, not a reviewer
    _m, elsewhere = make_org(db, admin, email="someone@example.org")
    known = make_reviewer(db, admin, email="r6@example.org", affiliation=elsewhere)
    kept_hash = member.password_hash
    db.commit()
    result = runner.invoke(args=["calls", "import", str(SAMPLE)])
    assert result.exit_code == 0, result.output
    assert "reviewers 4 new, 2 reused" in result.output
    db.expire_all()
    users = {u.email: u for u in db.scalars(select(User).where(User.email.like("r_@example.org")))}
    assert sorted(users) == [f"r{i}@example.org" for i in range(1, 7)]
    assert users["r1@example.org"].password_hash == kept_hash and users["r1@example.org"].organisation_id == own.id
    fresh = [users[f"r{i}@example.org"] for i in range(2, 6)]
    assert all(u.password_hash == UNUSABLE_PASSWORD and u.active for u in fresh)
    assert len({u.session_token for u in fresh}) == 4 and all(u.session_token for u in fresh)
    roles = set(db.scalars(select(UserRole.user_id).where(UserRole.role == "reviewer")))
    assert {u.id for u in users.values()} <= roles
    profiles = {p.user_id: p.affiliation_id for p in db.scalars(select(ReviewerProfile))}
    assert all(profiles[u.id] is None for u in fresh) and profiles[users["r1@example.org"].id] is None
    coded = db.scalar(select(Organisation.id).where(Organisation.credit_code == "52440304MJL000010R"))
    assert profiles[known.id] == coded != elsewhere.id  # the package names r6's organisation
