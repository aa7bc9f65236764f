"""The communities migration links existing submissions where their typed community can be, and
leaves the rest as free text; downgrading removes the records and keeps the submissions."""
from __future__ import annotations

from sqlalchemy import inspect, text

from gongyi import create_app, migrate
from tests.db.test_migrations import _databases, _drop

ORG = ("INSERT INTO organisation (id, name, credit_code, org_type, contact_person, phone, address, status, created_at) "
       "VALUES (:id, :name, :code, 'social_service', '', '', '', 'verified', '2025-01-01 00:00:00')")
SUBMISSION = ("INSERT INTO submission (id, call_id, organisation_id, ref, title, summary, community_name, community_street, "
              "community_district, problem, objectives, activities, beneficiary_group, team, requested_fen, status, "
              "eligibility, created_at, updated_at) VALUES (:id, 1, :org, :ref, '', '', :name, :street, :district, '', '', "
              "'', '', '', 0, 'submitted', 'pending', :at, :at)")
# id, organisation, district, street, name, created
TYPED = [
    (1, 2, "440304", "莲花街道", "莲花北社区", "2025-01-03 00:00:00"),
    (2, 1, "440304", " 莲花街道 ", "莲花北社区 ", "2025-01-02 00:00:00"),  # the same, with spaces: named first by org 1
    (3, 1, "440305", "南头街道", "荔林社区", "2025-01-04 00:00:00"),
    (4, 2, "440304", "", "无街道社区", "2025-01-05 00:00:00"),  # no street: free text only
    (5, 2, None, "莲花街道", "莲花北社区", "2025-01-06 00:00:00"),  # no district
    (6, 1, "440304", "莲花街道", "", "2025-01-07 00:00:00"),  # no name
    (7, 1, "440304", "莲花街道", "长" * 101, "2025-01-08 00:00:00"),  # longer than a community name may be
]


def test_existing_submissions_are_linked_where_they_can_be(tmp_path):
    for backend, url, cleanup in _databases(tmp_path):
        try:
            app = create_app({"TESTING": True, "DATABASE_URL": url})
            engine = app.extensions["gongyi.engine"]
            migrate.upgrade(app, "0003")
            with engine.begin() as conn:
                conn.execute(text(ORG), [{"id": 1, "name": "一", "code": "A" * 18}, {"id": 2, "name": "二", "code": "B" * 18}])
                conn.execute(text("INSERT INTO call (id, slug, title, description, status, opens_at, closes_at, created_at) "
                                  "VALUES (1, 'old', '旧征集', '', 'final', '2025-01-01 00:00:00', '2025-02-01 00:00:00', "
                                  "'2025-01-01 00:00:00')"))
                conn.execute(text(SUBMISSION), [{"id": i, "org": o, "ref": f"S{i}", "district": d, "street": s, "name": n,
                                                 "at": at} for i, o, d, s, n, at in TYPED])
            migrate.upgrade(app)
            with engine.connect() as conn:
                communities = conn.execute(text(
                    "SELECT id, district_code, street, name, status, proposed_by_id, keeper_id FROM community ORDER BY id")).all()
                links = dict(conn.execute(text("SELECT submission_id, community_id FROM submission_community")).all())
                typed = conn.execute(text("SELECT community_name FROM submission WHERE id = 2")).scalar_one()
            assert [c[1:] for c in communities] == [("440304", "莲花街道", "莲花北社区", "proposed", 1, 1),
                                                    ("440305", "南头街道", "荔林社区", "proposed", 1, 1)], backend
            lianhua, lilin = communities[0][0], communities[1][0]
            assert links == {1: lianhua, 2: lianhua, 3: lilin}, backend
            assert typed == "莲花北社区 "  # the submission's own text is left as it was
            migrate.downgrade(app, "0003")
            tables = set(inspect(engine).get_table_names())
            assert not tables & {"community", "community_need", "submission_community"}, backend
            with engine.connect() as conn:
                assert conn.execute(text("SELECT count(*) FROM submission")).scalar_one() == len(TYPED)
            engine.dispose()
        finally:
            _drop(cleanup)
