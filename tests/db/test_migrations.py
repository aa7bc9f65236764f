"""Migrations: an empty database upgrades to head and matches the models; base and back works."""
import json
import os
import uuid

from sqlalchemy import inspect, text

from gongyi import create_app, migrate
from gongyi.db import make_engine

PG_URL = os.environ.get("GONGYI_TEST_DATABASE_URL")


def _databases(tmp_path):
    yield "sqlite", f"sqlite:///{tmp_path / 'm.sqlite3'}", None
    if PG_URL:
        name = f"gongyi_migr_{uuid.uuid4().hex[:8]}"
        admin = make_engine(PG_URL).execution_options(isolation_level="AUTOCOMMIT")
        with admin.connect() as conn:
            conn.execute(text(f'CREATE DATABASE "{name}"'))
        base, _, _ = PG_URL.rpartition("/")
        yield "postgresql", f"{base}/{name}", (admin, name)


def _drop(cleanup):
    if cleanup:
        admin, name = cleanup
        with admin.connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()


def test_upgrade_to_head_then_check_then_downgrade_and_back(tmp_path):
    for backend, url, cleanup in _databases(tmp_path):
        try:
            app = create_app({"TESTING": True, "DATABASE_URL": url})
            engine = app.extensions["gongyi.engine"]
            migrate.upgrade(app)
            migrate.check(app)  # raises when models and migrations disagree
            tables = set(inspect(engine).get_table_names())
            assert {"user", "organisation", "call", "submission", "review", "run"} <= tables, backend
            migrate.downgrade(app, "base")
            assert set(inspect(engine).get_table_names()) <= {"alembic_version"}, backend
            migrate.upgrade(app)
            migrate.check(app)
            engine.dispose()
        finally:
            _drop(cleanup)


def test_flask_db_check_command(runner):
    result = runner.invoke(args=["db", "check"])
    assert result.exit_code == 0, result.output
    assert "agree" in result.output


V1_RULES = {
    "entry": {"max_per_org": 2, "min_items": 1, "max_items": 5, "categories": []},
    "review": {"min_reviews": 3, "aggregate": "trimmed_mean", "trim_from": 5, "shortlist_min_score": "60",
               "shortlist_size": 0, "tie_breakers": ["raised_desc", "submitted_asc"],
               "criteria": [{"code": "need", "name": "需求", "max": 40}, {"code": "impact", "name": "成效", "max": 60}],
               "reviewers_per_submission": 5, "blind": False, "disagreement_threshold": "20"},
    "matching": {"pool": "100000.00", "award_top": 3, "ratio": "1", "tiers": [], "cap": "50000.00", "policy": "rank_order"},
    "library": {"pool": "30000.00", "cap": None, "policy": "pro_rata"},
}


def test_calls_frozen_under_version_1_keep_their_meaning(tmp_path):
    """The migration gives every version-1 rules version (and saved run) the version-2 settings
    that reproduce it; downgrading gives the version-1 rules back."""
    import json

    from gongyi.calls.rules import engine_rules, validate_rules
    from gongyi.funding.sources import FUND_SOURCES

    for backend, url, cleanup in _databases(tmp_path):
        try:
            app = create_app({"TESTING": True, "DATABASE_URL": url})
            engine = app.extensions["gongyi.engine"]
            migrate.upgrade(app, "0001")
            with engine.begin() as conn:
                conn.execute(text("INSERT INTO call (id, slug, title, description, status, opens_at, closes_at, created_at) "
                                  "VALUES (1, 'old', '旧征集', '', 'final', '2025-01-01 00:00:00', '2025-02-01 00:00:00', "
                                  "'2025-01-01 00:00:00')"))
                conn.execute(text("INSERT INTO rules_version (id, call_id, version, rules, reason, created_at) "
                                  "VALUES (1, 1, 1, :r, '', '2025-01-01 00:00:00')"), {"r": json.dumps(V1_RULES)})
                conn.execute(text("INSERT INTO run (id, call_id, number, rules_version_id, rules, input_digest, note, "
                                  "created_at, matching_pool_fen, matching_allocated_fen, library_pool_fen, "
                                  "library_allocated_fen) VALUES (1, 1, 1, 1, :r, 'x', '', '2025-01-01 00:00:00', 0, 0, 0, 0)"),
                             {"r": json.dumps(V1_RULES)})
            migrate.upgrade(app)
            with engine.connect() as conn:
                stored = [json.loads(r) if isinstance(r, str) else r for (r,) in conn.execute(
                    text("SELECT rules FROM rules_version UNION ALL SELECT rules FROM run"))]
            for rules in stored:
                assert rules["version"] == 2 and rules["review"] == V1_RULES["review"], backend
                assert rules["funds"] == {"counted_sources": list(FUND_SOURCES), "donor_cap": None, "min_donors": 0}
                assert validate_rules(rules) == rules  # already in the stored form
                review, matching, library, funds = engine_rules(rules)
                (only,) = review.rounds
                assert (only.code, only.aggregate, only.trim_from) == ("review", "trimmed_mean", 5)
                assert [(p.code, p.weight, p.min_reviews) for p in only.panels] == [("expert", 1, 3)]
                assert funds.counted_sources == frozenset(FUND_SOURCES) and funds.min_donors == 0
            migrate.downgrade(app, "0001")
            with engine.connect() as conn:
                back = [json.loads(r) if isinstance(r, str) else r for (r,) in conn.execute(
                    text("SELECT rules FROM rules_version UNION ALL SELECT rules FROM run"))]
            assert back == [V1_RULES, V1_RULES], backend
            engine.dispose()
        finally:
            _drop(cleanup)


def test_upgrading_keeps_every_row_that_points_at_a_rebuilt_table(tmp_path):
    """SQLite rebuilds a table to change a constraint (the review's round): with foreign keys on,
    dropping the old table would delete, by cascade, every score of every review."""
    for backend, url, cleanup in _databases(tmp_path):
        try:
            app = create_app({"TESTING": True, "DATABASE_URL": url})
            engine = app.extensions["gongyi.engine"]
            migrate.upgrade(app, "0001")
            with engine.begin() as conn:
                conn.execute(text("INSERT INTO \"user\" (id, email, name, password_hash, active, created_at) "
                                  "VALUES (1, 'r@example.org', '评审', '!', true, '2025-01-01 00:00:00')"))
                conn.execute(text("INSERT INTO organisation (id, name, credit_code, org_type, contact_person, phone, "
                                  "address, status, created_at) VALUES (1, '组织', '91440300708461136T', 'other', '', '', "
                                  "'', 'verified', '2025-01-01 00:00:00')"))
                conn.execute(text("INSERT INTO call (id, slug, title, description, status, opens_at, closes_at, created_at) "
                                  "VALUES (1, 'old', '旧征集', '', 'reviewing', '2025-01-01 00:00:00', "
                                  "'2025-02-01 00:00:00', '2025-01-01 00:00:00')"))
                conn.execute(text("INSERT INTO rules_version (id, call_id, version, rules, reason, created_at) "
                                  "VALUES (1, 1, 1, :r, '', '2025-01-01 00:00:00')"), {"r": json.dumps(V1_RULES)})
                conn.execute(text("INSERT INTO submission (id, call_id, organisation_id, ref, title, summary, "
                                  "community_name, community_street, problem, objectives, activities, beneficiary_group, "
                                  "team, requested_fen, status, eligibility, created_at, updated_at) VALUES (1, 1, 1, 'S1', "
                                  "'项目', '', '', '', '', '', '', '', '', 0, 'submitted', 'eligible', "
                                  "'2025-01-01 00:00:00', '2025-01-01 00:00:00')"))
                conn.execute(text("INSERT INTO review (id, submission_id, reviewer_id, status, overall_comment, version, "
                                  "assigned_at) VALUES (1, 1, 1, 'submitted', '', 1, '2025-01-01 00:00:00')"))
                conn.execute(text("INSERT INTO score (review_id, criterion, points_centi, comment) "
                                  "VALUES (1, 'need', 3000, ''), (1, 'impact', 5000, '')"))
            migrate.upgrade(app)
            with engine.connect() as conn:
                assert conn.execute(text("SELECT count(*) FROM score")).scalar() == 2, backend
                assert conn.execute(text("SELECT round FROM review")).scalar() == "review", backend
            engine.dispose()
        finally:
            _drop(cleanup)


def test_revision_0039_links_each_published_run_to_the_one_it_replaced(tmp_path):
    """Downgraded below 0039 and upgraded again, the demo's published runs are linked as the
    publication service linked them (each to the call's published run numbered just before it)."""
    for backend, url, cleanup in _databases(tmp_path):
        try:
            app = create_app({"TESTING": True, "DATABASE_URL": url, "SECRET_KEY": "x"})
            engine = app.extensions["gongyi.engine"]
            migrate.upgrade(app)
            runner = app.test_cli_runner()
            assert runner.invoke(args=["catalogue", "load"]).exit_code == 0
            assert runner.invoke(args=["demo"]).exit_code == 0, backend
            query = text("SELECT id, replaces_id FROM run WHERE published IS NOT NULL ORDER BY id")
            with engine.connect() as conn:
                linked = conn.execute(query).all()
            assert sum(r.replaces_id is not None for r in linked) >= 2, (backend, linked)  # finals replace provisionals
            migrate.downgrade(app, "0038")
            migrate.upgrade(app)
            with engine.connect() as conn:
                assert conn.execute(query).all() == linked, backend
            engine.dispose()
        finally:
            _drop(cleanup)
