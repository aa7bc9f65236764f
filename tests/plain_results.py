"""An independent, plain computation of results.csv from a call package's files.

It follows competition-rules.md (version 2) clause by clause and imports nothing from the
app: its own reading of call.toml and the CSV files (with the spec's defaults), its own donor
keys, aggregates, ranking, rounds and advancement, and its own pool sharing. It is the oracle
of the import -> compute -> export round trip and the baseline of the benchmark, so it is
written for clarity first, but with sorting rather than pairwise comparisons.

It reads valid packages only (those of tests/package_gen.py and tests/data): it checks nothing.
"""
from __future__ import annotations

import bisect
import csv
import io
import math
import re
import tomllib
import unicodedata
from collections import defaultdict
from datetime import datetime, timedelta, timezone
from decimal import Decimal
from fractions import Fraction

COLUMNS = ["ref", "round", "complete_reviews", "aggregate", "rank", "outcome", "counted_raised", "donors",
           "matching", "library_grant"]
FIVE_CRITERIA = [("need", 20), ("results", 20), ("operation", 20), ("innovation", 20), ("sustainability", 20)]
EPOCH = datetime(1970, 1, 1, tzinfo=timezone.utc)


# --- reading ---------------------------------------------------------------------------------


def _text(data: bytes) -> str:
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError:
        return data.decode("gb18030")


def _table(files: dict[str, bytes], name: str) -> list[dict[str, str]]:
    if name not in files:
        return []
    rows = csv.DictReader(io.StringIO(_text(files[name])))
    return [{k.strip(): (v or "").strip() for k, v in row.items()} for row in rows if any((v or "").strip() for v in row.values())]


def _exact(value) -> Fraction:
    """A setting written as a TOML number (read as Decimal) or a string, exactly."""
    return Fraction(Decimal(str(value).strip()))


def _fen(text) -> int:
    return int(_exact(str(text).replace(",", "").replace("¥", "")) * 100)


def _when(text: str) -> int:
    """Microseconds since the epoch; a time without an offset is China Standard Time."""
    moment = datetime.fromisoformat(text.strip().replace("Z", "+00:00"))
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=timezone(timedelta(hours=8)))
    return (moment - EPOCH) // timedelta(microseconds=1)


def _settings(toml: dict) -> dict:
    review = toml.get("review", {})
    funds = toml.get("funds", {})
    matching = toml.get("matching", {})
    library = toml.get("library", {})
    if "rounds" in toml:
        raw_rounds = toml["rounds"]
    else:
        criteria = review.get("criteria") or [{"code": c, "max": m} for c, m in FIVE_CRITERIA]
        raw_rounds = [{"code": "review", "criteria": criteria}]
    rounds = []
    for raw in raw_rounds:
        min_reviews = raw.get("min_reviews", review.get("min_reviews", 3))
        panels = raw.get("panels") or [{"code": "expert", "weight": 1}]
        rounds.append({
            "code": raw["code"],
            "criteria": {c["code"] for c in raw["criteria"]},
            "aggregate": raw.get("aggregate", review.get("aggregate", "trimmed_mean")),
            "trim_from": raw.get("trim_from", review.get("trim_from", 5)),
            "advance": raw.get("advance", 0),
            "advance_min_score": _exact(raw.get("advance_min_score", 0)),
            "panels": [(p["code"], _exact(p["weight"]), p.get("min_reviews", min_reviews)) for p in panels],
        })
    return {
        "rounds": rounds,
        "shortlist_min_score": _exact(review.get("shortlist_min_score", 60)),
        "shortlist_size": review.get("shortlist_size", 0),
        "tie_breakers": review.get("tie_breakers", ["raised_desc", "submitted_asc"]),
        "sources": set(funds.get("counted_sources", ["enterprise", "individual", "foundation", "other"])),
        "donor_cap": _fen(funds["donor_cap"]) if funds.get("donor_cap") not in (None, "") else None,
        "min_donors": funds.get("min_donors", 0),
        "pool": _fen(matching.get("pool", "0")),
        "award_top": matching.get("award_top", 10),
        "ratio": _exact(matching.get("ratio", 1)),
        "tiers": [(t["from_rank"], t["to_rank"], _exact(t["ratio"])) for t in matching.get("tiers", [])],
        "cap": _fen(matching["cap"]) if matching.get("cap") not in (None, "") else None,
        "policy": matching.get("policy", "rank_order"),
        "library_pool": _fen(library.get("pool", "0")),
        "library_cap": _fen(library["cap"]) if library.get("cap") not in (None, "") else None,
        "library_policy": library.get("policy", "rank_order"),
    }


# --- counted funds (section 2) ---------------------------------------------------------------


def _donor(text: str) -> str:
    text = unicodedata.normalize("NFKC", text)
    text = re.sub(r"\s+", " ", text).strip()
    return text.casefold()


def _counted(lines: list[dict[str, str]], s: dict) -> tuple[int, int]:
    """(R, donors) of one submission's funding lines."""
    per_donor: dict[str, int] = defaultdict(int)
    for line in lines:
        if line["status"] == "verified" and line["source"] in s["sources"]:
            per_donor[_donor(line["donor"])] += _fen(line["amount"])
    if s["donor_cap"] is not None:
        per_donor = {k: min(v, s["donor_cap"]) for k, v in per_donor.items()}
    return sum(per_donor.values()), sum(1 for v in per_donor.values() if v > 0)


# --- aggregates, rounds, ranking (sections 3 and 4) -----------------------------------------


def _aggregate(totals: list[Fraction], rule: str, trim_from: int) -> Fraction | None:
    if not totals:
        return None
    ordered = sorted(totals)
    if rule == "median":
        n = len(ordered)
        if n % 2 == 1:
            return ordered[n // 2]
        return (ordered[n // 2 - 1] + ordered[n // 2]) / 2
    if rule == "trimmed_mean" and len(ordered) >= trim_from:
        ordered = ordered[1:len(ordered) - 1]
    return sum(ordered, Fraction(0)) / len(ordered)


def _key(sub: dict, score: Fraction, breakers: list[str]) -> tuple:
    key = [-score]
    for b in breakers:
        key.append({"raised_desc": -sub["R"], "raised_asc": sub["R"], "submitted_asc": sub["at"],
                    "submitted_desc": -sub["at"]}[b])
    return tuple(key)


def _judge_round(rnd: dict, taking_part: list[dict], s: dict) -> None:
    """Each participant's n, A and rank in the round, written into sub["places"][round]."""
    ranked = []
    for sub in taking_part:
        totals = sub["totals"].get(rnd["code"], {})
        n = sum(len(totals.get(code, [])) for code, _, _ in rnd["panels"])
        by_panel = [_aggregate(totals.get(code, []), rnd["aggregate"], rnd["trim_from"]) for code, _, _ in rnd["panels"]]
        score = None
        if all(a is not None for a in by_panel):
            score = sum((w * a for (_, w, _), a in zip(rnd["panels"], by_panel)), Fraction(0))
        enough = all(len(totals.get(code, [])) >= minimum for code, _, minimum in rnd["panels"])
        sub["places"][rnd["code"]] = {"n": n, "A": score, "rank": None}
        if enough:
            ranked.append((_key(sub, score, s["tie_breakers"]), sub))
    keys = sorted(key for key, _ in ranked)
    for key, sub in ranked:
        # the rank is 1 + the number of ranked participants strictly ahead on the whole key
        sub["places"][rnd["code"]]["rank"] = bisect.bisect_left(keys, key) + 1


def _run_rounds(subs: list[dict], s: dict) -> None:
    taking_part = list(subs)
    for index, rnd in enumerate(s["rounds"]):
        _judge_round(rnd, taking_part, s)
        for sub in taking_part:
            sub["round"] = index
        if index == len(s["rounds"]) - 1:
            break
        nxt = []
        for sub in taking_part:
            place = sub["places"][rnd["code"]]
            if place["rank"] is not None and place["A"] >= rnd["advance_min_score"] and (
                    rnd["advance"] == 0 or place["rank"] <= rnd["advance"]):
                nxt.append(sub)
        taking_part = nxt


# --- pools (sections 5 and 6) ----------------------------------------------------------------


def _to_fen(exact: dict[str, Fraction], claims: dict[str, tuple[int, int, int]]) -> dict[str, int]:
    """Floor each exact share, then one fen each to the largest fractional parts (better rank, then smaller ref)."""
    whole = {ref: math.floor(x) for ref, x in exact.items()}
    left = int(sum(exact.values(), Fraction(0))) - sum(whole.values())
    order = sorted(exact, key=lambda ref: (-(exact[ref] - whole[ref]), claims[ref][0], ref))
    for ref in order[:left]:
        whole[ref] += 1
    return whole


def _water_level(claims: dict[str, tuple[int, int, int]], pool: int, cap: int | None) -> Fraction:
    """The k in [0, 1] with sum(min(k * d, C)) == pool. The sum grows linearly between the
    points where a claim reaches the cap, so find the piece where it passes the pool."""
    demands = [d for _, d, _ in claims.values() if d > 0]

    def spent(k: Fraction) -> Fraction:
        return sum((k * d if cap is None else min(k * d, Fraction(cap)) for d in demands), Fraction(0))

    if pool == 0:
        return Fraction(0)
    points = sorted({Fraction(0), Fraction(1)} | {Fraction(cap, d) for d in demands if cap is not None and cap < d})
    for low, high in zip(points, points[1:]):
        if spent(high) >= pool:
            return low + (high - low) * (pool - spent(low)) / (spent(high) - spent(low))
    raise AssertionError("the pool is not binding")


def _share(claims: dict[str, tuple[int, int, int]], pool: int, policy: str, cap: int | None) -> dict[str, int]:
    """claims: ref -> (rank, d, D)."""
    total = sum(D for _, _, D in claims.values())
    if total <= pool:
        return {ref: D for ref, (_, _, D) in claims.items()}
    if policy == "pro_rata":
        return _to_fen({ref: Fraction(D * pool, total) for ref, (_, _, D) in claims.items()}, claims)
    if policy == "water_fill":
        k = _water_level(claims, pool, cap)
        return _to_fen({ref: min(k * d, Fraction(D)) for ref, (_, d, D) in claims.items()}, claims)
    got = {ref: 0 for ref in claims}
    remaining = pool
    for rank in sorted({r for r, _, _ in claims.values()}):
        group = {ref: c for ref, c in claims.items() if c[0] == rank}
        need = sum(D for _, _, D in group.values())
        if need <= remaining:
            got.update({ref: D for ref, (_, _, D) in group.items()})
            remaining -= need
        else:
            if remaining > 0:
                got.update(_to_fen({ref: Fraction(D * remaining, need) for ref, (_, _, D) in group.items()}, group))
            break
    return got


# --- the whole call --------------------------------------------------------------------------


def _submissions(files: dict[str, bytes], s: dict) -> list[dict]:
    lines = defaultdict(list)
    for line in _table(files, "funds.csv"):
        lines[line["ref"]].append(line)
    panel = {r["email"].lower(): (r.get("panel") or "expert") for r in _table(files, "reviewers.csv")}
    only = s["rounds"][0]["code"] if len(s["rounds"]) == 1 else None
    scored: dict[tuple[str, str, str], set[str]] = defaultdict(set)
    points: dict[tuple[str, str, str], Fraction] = defaultdict(Fraction)
    for r in _table(files, "reviews.csv"):
        key = (r["ref"], r["reviewer"].lower(), r.get("round") or only)
        scored[key].add(r["criterion"])
        points[key] += _exact(unicodedata.normalize("NFKC", r["score"]))
    criteria = {rnd["code"]: rnd["criteria"] for rnd in s["rounds"]}
    totals: dict[str, dict[str, dict[str, list[Fraction]]]] = defaultdict(lambda: defaultdict(lambda: defaultdict(list)))
    for (ref, email, code), names in scored.items():
        if names == criteria[code]:
            totals[ref][code][panel[email]].append(points[(ref, email, code)])
    held = {h["ref"] for h in _table(files, "holds.csv")}
    subs = []
    for row in _table(files, "submissions.csv"):
        raised, donors = _counted(lines[row["ref"]], s)
        subs.append({"ref": row["ref"], "R": raised, "donors": donors, "at": _when(row["submitted_at"]),
                     "requested": _fen(row["requested"]), "held": row["ref"] in held, "totals": totals[row["ref"]],
                     "places": {}, "round": 0})
    return subs


def taking_part(files: dict[str, bytes]) -> dict[str, list[str]]:
    """Each submission's rounds so far: the rounds it takes part in, given the reviews written yet."""
    s = _settings(tomllib.loads(_text(files["call.toml"]), parse_float=Decimal))
    subs = _submissions(files, s)
    _run_rounds(subs, s)
    return {sub["ref"]: [rnd["code"] for rnd in s["rounds"][:sub["round"] + 1]] for sub in subs}


def plain_results(files: dict[str, bytes]) -> list[dict[str, str]]:
    s = _settings(tomllib.loads(_text(files["call.toml"]), parse_float=Decimal))
    subs = _submissions(files, s)
    _run_rounds(subs, s)
    last = len(s["rounds"]) - 1
    for sub in subs:
        place = sub["places"][s["rounds"][sub["round"]]["code"]]
        sub.update(n=place["n"], A=place["A"], rank=place["rank"])
        sub["shortlisted"] = (sub["round"] == last and sub["rank"] is not None and sub["A"] >= s["shortlist_min_score"]
                              and (s["shortlist_size"] == 0 or sub["rank"] <= s["shortlist_size"]))
    claims = {}
    for sub in subs:
        if sub["shortlisted"] and not sub["held"] and sub["rank"] <= s["award_top"] and sub["donors"] >= s["min_donors"]:
            ratio = next((r for lo, hi, r in s["tiers"] if lo <= sub["rank"] <= hi), s["ratio"])
            d = math.floor(ratio * sub["R"])
            claims[sub["ref"]] = (sub["rank"], d, d if s["cap"] is None else min(d, s["cap"]))
    matching = _share(claims, s["pool"], s["policy"], s["cap"])
    library_claims = {}
    for sub in subs:
        if sub["shortlisted"] and not sub["held"] and matching.get(sub["ref"], 0) == 0:
            cap = s["library_cap"]
            library_claims[sub["ref"]] = (sub["rank"], sub["requested"],
                                          sub["requested"] if cap is None else min(sub["requested"], cap))
    library = _share(library_claims, s["library_pool"], s["library_policy"], s["library_cap"])
    subs.sort(key=lambda x: (-x["round"], x["rank"] is None, x["rank"] or 0, x["ref"]))
    return [_row(sub, s, matching.get(sub["ref"], 0), library.get(sub["ref"], 0)) for sub in subs]


def _money(fen: int) -> str:
    return f"{fen // 100}.{fen % 100:02d}"


def _row(sub: dict, s: dict, matching: int, library: int) -> dict[str, str]:
    if sub["rank"] is None:
        outcome = "unranked"
    elif not sub["shortlisted"]:
        outcome = "not_shortlisted"
    elif sub["held"]:
        outcome = "held"
    else:
        outcome = "matched" if matching > 0 else "library"
    hundredths = None if sub["A"] is None else math.floor(sub["A"] * 100 + Fraction(1, 2))  # half up; A >= 0
    shown = "" if hundredths is None else f"{hundredths // 100}.{hundredths % 100:02d}"
    return {"ref": sub["ref"], "round": s["rounds"][sub["round"]]["code"], "complete_reviews": str(sub["n"]),
            "aggregate": shown, "rank": "" if sub["rank"] is None else str(sub["rank"]), "outcome": outcome,
            "counted_raised": _money(sub["R"]), "donors": str(sub["donors"]), "matching": _money(matching),
            "library_grant": _money(library)}


def plain_results_csv(files: dict[str, bytes]) -> str:
    out = io.StringIO()
    writer = csv.DictWriter(out, fieldnames=COLUMNS, lineterminator="\n")
    writer.writeheader()
    writer.writerows(plain_results(files))
    return out.getvalue()
