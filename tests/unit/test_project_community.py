"""The project form's community: a record picked from the list gives the three community fields;
none picked keeps what was typed; anything else is named beside the field. Pure."""
from __future__ import annotations

from gongyi.submissions.project import Known, parse_project

RECORDS = {7: ("440305", "南头街道", "荔林社区")}


def known() -> Known:
    return Known([], lambda codes: {}, communities=RECORDS.get)


def test_a_picked_record_gives_district_street_and_name_whatever_was_typed():
    changes, problems = parse_project({"community_id": "7", "community_name": "手写", "community_district": "440304"},
                                      known())
    assert problems == [] and changes.community == 7
    assert changes.fields == {"community_name": "荔林社区", "community_street": "南头街道", "community_district": "440305"}


def test_no_record_keeps_the_typed_community_and_a_missing_key_leaves_the_link_alone():
    changes, problems = parse_project({"community_id": " ", "community_name": "手写社区"}, known())
    assert problems == [] and changes.community == 0 and changes.fields == {"community_name": "手写社区"}
    assert parse_project({"title": "x"}, known())[0].community is None


def test_a_record_the_organisation_may_not_pick_is_named_beside_the_field():
    for typed in ("8", "abc", "²", "9" * 20, "-7"):
        changes, problems = parse_project({"community_id": typed, "community_name": "手写"}, known())
        assert [(p.field, p.message) for p in problems] == [("community_id", "请从名录中选择社区")], typed
        assert changes.community is None and changes.fields == {"community_name": "手写"}
