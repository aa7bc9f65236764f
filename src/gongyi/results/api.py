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
from gongyi.calls.rules import resolved_rounds, rules_version
from gongyi.funding.sources import FUND_SOURCES
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
HTTP_ERRORS = {308: "permanent_redirect", 403: "forbidden", 404: "not_found", 405: "method_not_allowed", 413: "request_entity_too_large",
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


def redirect_in_json(response):
    """A redirect on an API URL (the only one is Werkzeug's 308 to the canonical URL of a doubled
    or trailing slash, in HTML) keeps its status and Location and carries a JSON body."""
    if response.is_json or not 300 <= response.status_code < 400:
        return response
    answer = _error(response.status_code, HTTP_ERRORS.get(response.status_code, "permanent_redirect"),
                    _("此地址已移动，请使用 Location 所示的地址。"))
    answer.headers["Location"] = response.headers.get("Location", "")
    return public_headers(answer)


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
               RunRow.rank, RunRow.outcome, RunRow.verified_raised_fen, RunRow.matching_fen, RunRow.library_grant_fen,
               RunRow.round, RunRow.donors, RunRow.held)
        .join(Submission, Submission.id == RunRow.submission_id)
        .join(Organisation, Organisation.id == Submission.organisation_id)
        .where(RunRow.run_id == run.id).order_by(RunRow.position)
    ).all()
    return [
        {"ref": ref, "title": title, "organisation": org, "round": code, "complete_reviews": n, "aggregate": aggregate,
         "rank": rank, "outcome": outcome, "verified_raised": fen_to_str(raised), "donors": donors, "held": held,
         "matching": fen_to_str(matching), "library_grant": fen_to_str(library)}
        for ref, title, org, n, aggregate, rank, outcome, raised, matching, library, code, donors, held in rows
    ]


def _rules(rules: dict[str, Any]) -> dict[str, Any]:
    """The rules card's version, rounds with their panels' weights, and counted funds."""
    rounds = resolved_rounds(rules) if "rounds" in rules else [
        {"code": "review", "name": "", "advance": None, "advance_min_score": None,
         "panels": [{"code": "expert", "weight": "1", "min_reviews": rules["review"]["min_reviews"]}]}]
    funds = rules.get("funds") or {"counted_sources": list(FUND_SOURCES), "donor_cap": None, "min_donors": 0}
    return {
        "version": rules_version(rules),
        "rounds": [{"code": r["code"], "name": r["name"], "advance": r["advance"],
                    "advance_min_score": r["advance_min_score"],
                    "panels": [{"code": p["code"], "weight": str(p["weight"]), "min_reviews": int(p["min_reviews"])}
                               for p in r["panels"]]} for r in rounds],
        "funds": {"counted_sources": list(funds["counted_sources"]), "donor_cap": funds["donor_cap"],
                  "min_donors": funds["min_donors"]},
    }


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
        "rules": _rules(run.rules),
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
                "rules": {"$ref": "#/components/schemas/Rules"},
                "rows": {"type": "array", "items": {"$ref": "#/components/schemas/Row"}},
            }, "A call's published results."),
            "Rules": _object({
                "version": {"type": "integer", "minimum": 1, "description": "The competition rules version (2 adds rounds, panels, counted funds and holds)."},
                "rounds": {"type": "array", "minItems": 1, "items": {"$ref": "#/components/schemas/Round"}},
                "funds": {"$ref": "#/components/schemas/Funds"},
            }, "The rules card: how the results were judged and which raised funds counted."),
            "Round": _object({
                "code": {"type": "string"},
                "name": {"type": "string"},
                "advance": {"type": ["integer", "null"], "minimum": 0,
                            "description": "Places advancing to the next round (0: no limit; ties at the line advance together); null on the last round."},
                "advance_min_score": {"type": ["string", "null"], "description": "The lowest score that advances; null on the last round."},
                "panels": {"type": "array", "minItems": 1, "items": {"$ref": "#/components/schemas/Panel"}},
            }, "A round of judging, in order."),
            "Panel": _object({
                "code": {"type": "string"},
                "weight": {"type": "string", "pattern": r"^\d+(\.\d+)?$",
                           "description": "The panel's exact weight in the round's score; a round's weights sum to exactly 1."},
                "min_reviews": {"type": "integer", "minimum": 1, "description": "Complete reviews the panel needs for a rank."},
            }, "A panel of a round (e.g. experts 0.7, public 0.3)."),
            "Funds": _object({
                "counted_sources": {"type": "array", "items": {"type": "string", "enum": list(FUND_SOURCES)}},
                "donor_cap": {"type": ["string", "null"], "pattern": MONEY["pattern"],
                              "description": "What one donor counts for at most, in yuan; null: no cap."},
                "min_donors": {"type": "integer", "minimum": 0, "description": "Donors a project needs for matching."},
            }, "Which raised funds count (government money is not social funds raised)."),
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
                "round": {"type": "string", "description": "The code of the submission's round: the last round it took part in; its reviews, score and rank are that round's."},
                "complete_reviews": {"type": "integer", "minimum": 0},
                "aggregate": {"type": ["string", "null"], "pattern": r"^\d+\.\d{2}$",
                              "description": "The aggregate score rounded half-up to two decimals; null without a complete review."},
                "rank": {"type": ["integer", "null"], "minimum": 1, "description": "null when unranked."},
                "outcome": {"type": "string", "enum": list(OUTCOMES)},
                "verified_raised": {**MONEY, "description": "The counted raised amount R: verified lines of counted sources, each donor up to the donor cap."},
                "donors": {"type": "integer", "minimum": 0, "description": "Donors whose counted amount is above 0."},
                "held": {"type": "boolean", "description": "The project's funding is held (暂缓拨付) while a complaint is investigated."},
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
