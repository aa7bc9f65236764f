"""A read-only JSON API for published results, described by an OpenAPI 3.1 document.

Only what the public results page shows: the latest published run (provisional or final) of a
call. Money is a string in yuan with two decimals ("1234.50"), as in results.csv, so that no
client ever parses money into a float by accident.
"""
from __future__ import annotations

from typing import Any

from flask import Blueprint, jsonify
from flask_babel import gettext as _
from sqlalchemy import select

from gongyi import policy
from gongyi.calls.models import RulesVersion
from gongyi.calls.service import find_call
from gongyi.db import get_session
from gongyi.money import fen_to_str
from gongyi.orgs.models import Organisation
from gongyi.results import page_cache, publication
from gongyi.results.models import Run, RunRow
from gongyi.results.vocab import OUTCOMES, PUBLICATIONS
from gongyi.submissions.models import Submission

PREFIX = "/api/v1"
bp = Blueprint("api", __name__, url_prefix=PREFIX)
# Any other HTTP error on an API URL (an unknown path, a wrong method, a server error) is answered
# in JSON too, with its status's name as the code (web.py sends those errors here).
HTTP_ERRORS = {403: "forbidden", 404: "not_found", 405: "method_not_allowed", 413: "request_entity_too_large",
               500: "internal_server_error"}
ERROR_CODES = ("call_not_found", "not_published", *HTTP_ERRORS.values())


def _error(status: int, code: str, message: str):
    response = jsonify({"error": {"code": code, "message": message}})
    response.status_code = status
    return response


def serves(path: str) -> bool:
    """Whether `path` is an API URL, whose errors are answered in JSON."""
    return path == PREFIX or path.startswith(PREFIX + "/")


def http_error(status: int, message: str):
    """An HTTP error on an API URL, in the API's error format."""
    response = _error(status, HTTP_ERRORS.get(status, "internal_server_error"), message)
    return public_headers(response)


@bp.after_request
def public_headers(response):
    """Published results are public: any site may read them."""
    response.headers["Access-Control-Allow-Origin"] = "*"
    return response


def _time(value) -> str | None:
    return value.isoformat() if value is not None else None


def _rows(run: Run) -> list[dict[str, Any]]:
    """Every row of the run with its project and organisation, in results order, in one query."""
    rows = get_session().execute(
        select(RunRow.ref, Submission.title, Organisation.name, RunRow.complete_reviews, RunRow.aggregate_display,
               RunRow.rank, RunRow.outcome, RunRow.verified_raised_fen, RunRow.matching_fen, RunRow.library_grant_fen)
        .join(Submission, Submission.id == RunRow.submission_id)
        .join(Organisation, Organisation.id == Submission.organisation_id)
        .where(RunRow.run_id == run.id).order_by(RunRow.position)
    ).all()
    return [
        {"ref": ref, "title": title, "organisation": org, "complete_reviews": n, "aggregate": aggregate, "rank": rank,
         "outcome": outcome, "verified_raised": fen_to_str(raised), "matching": fen_to_str(matching),
         "library_grant": fen_to_str(library)}
        for ref, title, org, n, aggregate, rank, outcome, raised, matching, library in rows
    ]


@bp.get("/calls/<slug>/results")
def call_results(slug: str):
    db = get_session()
    call = find_call(db, slug)  # not webutil.call_or_404: this 404 has its own code, call_not_found
    if call is None or not policy.can_view_call(None, call):  # drafts are not public
        return _error(404, "call_not_found", _("没有标识为 %(slug)s 的征集", slug=slug))
    run = publication.published_run(db, call)
    if run is None:
        return _error(404, "not_published", _("该征集尚未公布结果"))
    return page_cache.cached_json(call, run, lambda: _results_json(call, run))


def _results_json(call, run: Run) -> bytes:
    """The results document, as jsonify would write it."""
    db = get_session()
    return jsonify({
        "call": {"slug": call.slug, "title": call.title, "status": call.status},
        "publication": {
            "kind": run.published, "published_at": _time(run.published_at), "publicity_until": _time(run.publicity_until),
            "run": run.number, "rules_version": db.get(RulesVersion, run.rules_version_id).version,
        },
        "pools": {
            "matching": {"pool": fen_to_str(run.matching_pool_fen), "allocated": fen_to_str(run.matching_allocated_fen)},
            "library": {"pool": fen_to_str(run.library_pool_fen), "allocated": fen_to_str(run.library_allocated_fen)},
        },
        "rows": _rows(run),
    }).get_data()


MONEY = {"type": "string", "pattern": r"^\d+\.\d{2}$", "description": "Yuan with exactly two decimals, e.g. \"1234.50\".",
         "examples": ["50000.00"]}


def _object(properties: dict[str, Any], description: str) -> dict[str, Any]:
    return {"type": "object", "description": description, "required": list(properties),
            "additionalProperties": False, "properties": properties}


OPENAPI: dict[str, Any] = {
    "openapi": "3.1.0",
    "info": {
        "title": "gongyi published results",
        "version": "1.0.0",
        "description": "Read-only results of public-welfare project competitions (公益创投大赛), as published "
                       "for publicity (公示) and as final results. Rankings and amounts follow the competition "
                       "rules; money is in yuan as strings with two decimals.",
    },
    "paths": {
        "/api/v1/calls/{slug}/results": {
            "get": {
                "operationId": "getCallResults",
                "summary": "The latest published results of a call",
                "description": "Provisional results during publicity, then the final results. Rows are in "
                               "results order: by rank, equal ranks and unranked submissions by ref.",
                "parameters": [{"name": "slug", "in": "path", "required": True, "description": "The call's identifier.",
                                "schema": {"type": "string", "pattern": r"^[A-Za-z0-9][A-Za-z0-9._-]{0,79}$"}}],
                "responses": {
                    "200": {"description": "The published results.",
                            "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Results"}}}},
                    "404": {"description": "No such call, or nothing published yet.",
                            "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Error"}}}},
                },
            }
        }
    },
    "components": {
        "schemas": {
            "Results": _object({
                "call": {"$ref": "#/components/schemas/Call"},
                "publication": {"$ref": "#/components/schemas/Publication"},
                "pools": {"$ref": "#/components/schemas/Pools"},
                "rows": {"type": "array", "items": {"$ref": "#/components/schemas/Row"}},
            }, "A call's published results."),
            "Call": _object({
                "slug": {"type": "string"},
                "title": {"type": "string"},
                "status": {"type": "string", "enum": ["open", "closed", "reviewing", "results", "publicity", "final", "archived"],
                           "description": "The call's stage; results are published in publicity and after."},
            }, "The call (one edition of the competition)."),
            "Publication": _object({
                "kind": {"type": "string", "enum": list(PUBLICATIONS),
                         "description": "provisional: under publicity, objections accepted; final: the results in force."},
                "published_at": {"type": "string", "format": "date-time"},
                "publicity_until": {"type": ["string", "null"], "format": "date-time",
                                    "description": "End of the publicity window (provisional results only)."},
                "run": {"type": "integer", "minimum": 1, "description": "The number of the saved computation published."},
                "rules_version": {"type": "integer", "minimum": 1, "description": "The call's rules version it was computed under."},
            }, "Which computation was published, when, and how."),
            "Pools": _object({
                "matching": {"$ref": "#/components/schemas/Pool"},
                "library": {"$ref": "#/components/schemas/Pool"},
            }, "The matching pool (配套资金) and the welfare-lottery project library pool (福彩公益金项目库)."),
            "Pool": _object({"pool": MONEY, "allocated": MONEY}, "A pool's total and what the results allocate from it."),
            "Row": _object({
                "ref": {"type": "string", "description": "The submission's reference."},
                "title": {"type": "string", "description": "The project's title."},
                "organisation": {"type": "string", "description": "The submitting organisation's name."},
                "complete_reviews": {"type": "integer", "minimum": 0},
                "aggregate": {"type": ["string", "null"], "pattern": r"^\d+\.\d{2}$",
                              "description": "The aggregate score rounded half-up to two decimals; null without a complete review."},
                "rank": {"type": ["integer", "null"], "minimum": 1, "description": "null when unranked."},
                "outcome": {"type": "string", "enum": list(OUTCOMES)},
                "verified_raised": MONEY,
                "matching": MONEY,
                "library_grant": MONEY,
            }, "One submission's result."),
            "Error": _object({
                "error": _object({"code": {"type": "string", "enum": list(ERROR_CODES)},
                                  "message": {"type": "string"}}, "What went wrong."),
            }, "An error."),
        }
    },
}


@bp.get("/openapi.json")
def openapi():
    return jsonify(OPENAPI)
