"""The read-only JSON API: its answers validate against its own OpenAPI document, and its numbers
are those of results.csv from `flask calls export`."""
from __future__ import annotations

import csv
import json
import io
import re
from datetime import datetime
from pathlib import Path
from typing import Any

import pytest

from tests.package_gen import random_package

SAMPLE = Path(__file__).parent.parent / "data" / "sample"
JSON_TYPES = {"object": dict, "array": list, "string": str, "integer": int, "boolean": bool, "null": type(None)}


def problems(value: Any, schema: dict, doc: dict, path: str = "$") -> list[str]:
    """Where `value` breaks `schema` (the JSON Schema keywords the document uses), resolving
    "#/components/schemas/..." references against `doc`."""
    if "$ref" in schema:
        return problems(value, doc["components"]["schemas"][schema["$ref"].rsplit("/", 1)[-1]], doc, path)
    types = schema.get("type")
    types = [types] if isinstance(types, str) else types
    if types is not None:
        matching = [t for t in types if isinstance(value, JSON_TYPES[t]) and not (t == "integer" and isinstance(value, bool))]
        if not matching:
            return [f"{path}: {value!r} is not {'/'.join(types)}"]
        if value is None:
            return []
    found = []
    if "enum" in schema and value not in schema["enum"]:
        found.append(f"{path}: {value!r} not in {schema['enum']}")
    if isinstance(value, str):
        if "pattern" in schema and not re.search(schema["pattern"], value):
            found.append(f"{path}: {value!r} does not match {schema['pattern']}")
        if schema.get("format") == "date-time":
            try:
                if datetime.fromisoformat(value).tzinfo is None:
                    found.append(f"{path}: {value!r} has no time zone")
            except ValueError:
                found.append(f"{path}: {value!r} is not a date-time")
    if isinstance(value, int) and "minimum" in schema and value < schema["minimum"]:
        found.append(f"{path}: {value} < {schema['minimum']}")
    if isinstance(value, dict):
        properties = schema.get("properties", {})
        found += [f"{path}: missing {key}" for key in schema.get("required", []) if key not in value]
        if schema.get("additionalProperties") is False:
            found += [f"{path}: unexpected {key}" for key in value if key not in properties]
        for key, item in value.items():
            if key in properties:
                found += problems(item, properties[key], doc, f"{path}.{key}")
    if isinstance(value, list) and "items" in schema:
        for i, item in enumerate(value):
            found += problems(item, schema["items"], doc, f"{path}[{i}]")
    return found


def results_schema(doc: dict) -> dict:
    return doc["paths"]["/api/v1/calls/{slug}/results"]["get"]["responses"]["200"]["content"]["application/json"]["schema"]


def error_schema(doc: dict) -> dict:
    return doc["paths"]["/api/v1/calls/{slug}/results"]["get"]["responses"]["404"]["content"]["application/json"]["schema"]


def publish(client, auth, make_user, runner, folder: Path, slug: str) -> None:
    assert runner.invoke(args=["calls", "import", str(folder)]).exit_code == 0
    make_user(f"admin-{slug}@example.org", roles=("admin",))
    auth.login(f"admin-{slug}@example.org")
    client.post(f"/admin/calls/{slug}/transition", data={"transition": "finish_review"})
    client.post(f"/admin/calls/{slug}/results/compute")
    assert client.post(f"/admin/calls/{slug}/publication/publish", data={"kind": "provisional", "run": "1"}).status_code == 302
    auth.logout()


def exported(runner, tmp_path: Path, slug: str) -> list[dict[str, str]]:
    out = tmp_path / f"{slug}.csv"
    assert runner.invoke(args=["calls", "export", slug, "--out", str(out)]).exit_code == 0
    return list(csv.DictReader(io.StringIO(out.read_text("utf-8-sig"))))


@pytest.fixture
def doc(client):
    r = client.get("/api/v1/openapi.json")
    assert r.status_code == 200 and r.mimetype == "application/json"
    return r.get_json()


def test_the_openapi_document_is_complete(doc):
    assert doc["openapi"] == "3.1.0"
    schemas = doc["components"]["schemas"]
    refs = re.findall(r"\"\$ref\": \"#/components/schemas/(\w+)\"", json.dumps(doc))
    assert refs and all(name in schemas for name in refs)
    for name, schema in schemas.items():
        assert set(schema["required"]) == set(schema["properties"]), name  # every field is described and required
    row = schemas["Row"]["properties"]
    assert row["aggregate"]["type"] == ["string", "null"] and row["rank"]["type"] == ["integer", "null"]


def test_unknown_and_unpublished_calls_answer_404_in_json(client, auth, make_user, runner, doc):
    r = client.get("/api/v1/calls/nope/results")
    assert r.status_code == 404 and r.mimetype == "application/json"
    assert r.get_json()["error"]["code"] == "call_not_found" and problems(r.get_json(), error_schema(doc), doc) == []
    assert runner.invoke(args=["calls", "import", str(SAMPLE)]).exit_code == 0
    assert runner.invoke(args=["calls", "compute", "sz-2026"]).exit_code == 0  # computed, not published
    r = client.get("/api/v1/calls/sz-2026/results")
    assert r.status_code == 404 and r.get_json()["error"]["code"] == "not_published"


def test_a_redirect_to_the_canonical_url_answers_in_json(client, doc):
    r = client.get("/api/v1//openapi.json")  # a doubled slash: Werkzeug redirects to the merged path
    assert r.status_code == 308 and r.headers["Location"].endswith("/api/v1/openapi.json")
    assert r.mimetype == "application/json" and r.get_json()["error"]["code"] == "permanent_redirect"
    assert problems(r.get_json(), error_schema(doc), doc) == []
    assert client.get("/calls//").status_code == 308 and not client.get("/calls//").is_json  # outside the API the redirect is left as it is


@pytest.mark.parametrize("seed", [None, 303])
def test_published_results_validate_and_match_the_export(client, auth, make_user, runner, tmp_path, doc, seed):
    if seed is None:
        folder, slug = SAMPLE, "sz-2026"
    else:
        folder, slug = tmp_path / "pkg", f"random-{seed}"
        folder.mkdir()
        for name, data in random_package(seed, submissions=40).items():
            (folder / name).write_bytes(data)
    publish(client, auth, make_user, runner, folder, slug)
    r = client.get(f"/api/v1/calls/{slug}/results")
    assert r.status_code == 200 and r.headers["Access-Control-Allow-Origin"] == "*"
    body = r.get_json()
    assert problems(body, results_schema(doc), doc) == []
    assert body["call"] == {"slug": slug, "title": body["call"]["title"], "status": "publicity"}
    assert body["publication"]["kind"] == "provisional" and body["publication"]["run"] == 1
    assert body["publication"]["rules_version"] == 1 and body["publication"]["publicity_until"] > body["publication"]["published_at"]
    csv_rows = exported(runner, tmp_path, slug)
    assert [r["ref"] for r in body["rows"]] == [r["ref"] for r in csv_rows]
    for api_row, csv_row in zip(body["rows"], csv_rows):
        assert api_row["complete_reviews"] == int(csv_row["complete_reviews"])
        assert api_row["aggregate"] == (csv_row["aggregate"] or None)
        assert api_row["rank"] == (int(csv_row["rank"]) if csv_row["rank"] else None)
        for key in ("outcome", "matching", "library_grant"):
            assert api_row[key] == csv_row[key], (api_row["ref"], key)
        assert api_row["verified_raised"] == csv_row["counted_raised"]  # the column's name in results.csv since rules version 2
        assert (api_row["round"], api_row["donors"]) == (csv_row["round"], int(csv_row["donors"]))
    pools = body["pools"]
    to_fen = lambda text: int(text.replace(".", ""))  # noqa: E731
    assert to_fen(pools["matching"]["allocated"]) == sum(to_fen(r["matching"]) for r in csv_rows)
    assert to_fen(pools["library"]["allocated"]) == sum(to_fen(r["library_grant"]) for r in csv_rows)
    if seed is None:
        assert pools == {"matching": {"pool": "100000.00", "allocated": "100000.00"},
                         "library": {"pool": "30000.00", "allocated": "30000.00"}}
        assert body["rows"][0] == {"ref": "A", "title": "长者助餐", "organisation": "深圳市阳光社工服务中心",
                                   "complete_reviews": 5, "aggregate": "85.00", "rank": 1, "outcome": "matched",
                                   "verified_raised": "60000.00", "matching": "50000.00", "library_grant": "0.00",
                                   "round": "review", "donors": 1, "held": False}
        assert body["rules"]["version"] == 2
        assert [[p["code"], p["weight"]] for p in body["rules"]["rounds"][0]["panels"]] == [["expert", "1"]]
    else:
        assert any(r["aggregate"] is None for r in body["rows"])  # the nullable fields are exercised


def test_the_checker_catches_what_breaks_the_schema(doc):
    """The validator above is not a rubber stamp."""
    good = {"ref": "A", "title": "t", "organisation": "o", "complete_reviews": 3, "aggregate": None, "rank": None,
            "outcome": "unranked", "verified_raised": "0.00", "matching": "0.00", "library_grant": "0.00",
            "round": "online", "donors": 0, "held": False}
    row = {"$ref": "#/components/schemas/Row"}
    assert problems({**good, "held": "no"}, row, doc) == ["$.held: 'no' is not boolean"]
    assert problems({**good, "donors": -1}, row, doc) == ["$.donors: -1 < 0"]
    assert problems(good, row, doc) == []
    assert problems({**good, "matching": 0.5}, row, doc) == ["$.matching: 0.5 is not string"]
    assert problems({**good, "matching": "0.5"}, row, doc)[0].startswith("$.matching: '0.5' does not match")
    assert problems({**good, "rank": True}, row, doc) == ["$.rank: True is not integer/null"]
    assert problems({**good, "outcome": "won"}, row, doc)[0].startswith("$.outcome: 'won' not in")
    assert problems({k: v for k, v in good.items() if k != "ref"} | {"extra": 1}, row, doc) == [
        "$: missing ref", "$: unexpected extra"]
