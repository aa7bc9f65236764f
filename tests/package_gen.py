"""Random call packages (spec section 8) for property tests and benchmarks.

`random_package(seed)` writes a package in version 1's shape (one rubric in [review], no
[funds]); with `v2=True` it uses what version 2 adds: one to three rounds with advancement
(often cutting through a tie), panels weighted like 0.7 / 0.3, [funds] with government lines,
donor caps and minimum donors, the same donor written in full-width, spaced and cased
variants, anonymous gifts, holds, tiers, caps and pools that bind or not under every policy.
Reviews of a later round are written only for the submissions that advanced to it, which the
plain computation (tests/plain_results.py) works out from the rounds written so far.
"""
from __future__ import annotations

import random
from datetime import datetime, timedelta, timezone

from gongyi.orgs.creditcode import CHARS, check_character
from tests.plain_results import taking_part

CST = timezone(timedelta(hours=8))
ITEMS = [f"{c:02d}.01" for c in range(1, 32)] + [f"{c:02d}.02" for c in range(1, 32)]
SOURCES = ["enterprise", "individual", "foundation", "government", "other"]
# Lines of one donor key, as people type them: full-width letters, ideographic and doubled spaces, case.
DONORS = [
    ["腾讯公益", "腾讯公益 ", "　腾讯公益"],
    ["ABC Foundation", "abc  foundation", "ＡＢＣ　Ｆｏｕｎｄａｔｉｏｎ", "ABC\u00a0FOUNDATION"],
    ["张先生", "张 先生"],
    ["Straße GmbH", "STRASSE GMBH"],
    ["", "   "],
    ["某银行"], ["某商会"], ["李女士"], ["王先生"], ["社区居民"],
]
WEIGHTS = [["1"], ["0.7", "0.3"], ["0.5", "0.5"], ["0.6", "0.25", "0.15"]]
PANELS = ["expert", "public", "media"]


def _credit_code(rng: random.Random) -> str:
    body = "5" + rng.choice("123") + "440304" + "".join(rng.choice(CHARS) for _ in range(9))
    return body + check_character(body)


def _money(rng: random.Random, high_yuan: int) -> str:
    fen = rng.randrange(0, high_yuan * 100 + 1)
    return f"{fen // 100}.{fen % 100:02d}"


def _decimal(rng: random.Random, text: str) -> str:
    """A decimal setting as TOML reads it: a string, or a bare number (read exactly too)."""
    return text if rng.random() < 0.5 else f'"{text}"'


def _v1_rules(rng: random.Random, maxes: list[int], random_rules: bool) -> list[str]:
    lines = [
        "[review]",
        f"min_reviews = {rng.randint(1, 4) if random_rules else 3}",
        f'aggregate = "{rng.choice(["mean", "trimmed_mean", "median"]) if random_rules else "trimmed_mean"}"',
        f"trim_from = {rng.randint(3, 6) if random_rules else 5}",
        f'shortlist_min_score = "{rng.choice(["0", "30", "45.5", "60"]) if random_rules else "60"}"',
        f"shortlist_size = {rng.choice([0, 0, 3, 8]) if random_rules else 0}",
        "tie_breakers = [" + ", ".join(f'"{t}"' for t in rng.sample(
            ["raised_desc", "raised_asc", "submitted_asc", "submitted_desc"], rng.randint(0, 2))) + "]"
        if random_rules else 'tie_breakers = ["raised_desc", "submitted_asc"]',
    ]
    for i, mx in enumerate(maxes):
        lines += ["", "[[review.criteria]]", f'code = "c{i}"', f'name = "标准{i}"', f"max = {mx}"]
    return lines


def _v2_rounds(rng: random.Random, submissions: int, random_rules: bool) -> list[dict]:
    """The rounds: code, rubric maxima, panels (code, weight) and their settings."""
    if not random_rules:  # the benchmark's call: online review by experts, then a 7 : 3 roadshow final
        return [{"code": "online", "maxes": [20, 20, 20, 20, 20, 10], "panels": [("expert", "1", None)],
                 "settings": {"min_reviews": 3, "advance": max(1, submissions * 2 // 5)}},
                {"code": "final", "maxes": [30, 30, 40], "panels": [("expert", "0.7", None), ("public", "0.3", 2)],
                 "settings": {"min_reviews": 3, "aggregate": '"trimmed_mean"'}}]
    rounds = []
    count = rng.choice([1, 2, 2, 3])
    for k in range(count):
        weights = rng.choice(WEIGHTS)
        codes = rng.sample(PANELS, len(weights))
        panels = [(code, weight, rng.choice([None, 1, 1, 2])) for code, weight in zip(codes, weights)]
        settings: dict = {}
        if rng.random() < 0.6:
            settings["min_reviews"] = rng.randint(1, 2)
        if rng.random() < 0.6:
            settings["aggregate"] = f'"{rng.choice(["mean", "trimmed_mean", "median"])}"'
        if rng.random() < 0.4:
            settings["trim_from"] = rng.randint(3, 5)
        if k < count - 1:
            settings["advance"] = rng.choice([0, max(1, submissions // 3), max(1, submissions // 2), 4])
        maxes = [rng.choice([10, 20, 25]) for _ in range(rng.randint(1, 3))]
        if k < count - 1 and rng.random() < 0.4:
            settings["advance_min_score"] = _decimal(rng, rng.choice(["0", f"{sum(maxes) * 0.4:.1f}", f"{sum(maxes) // 2}.5"]))
        rounds.append({"code": f"r{k + 1}", "maxes": maxes, "panels": panels, "settings": settings})
    return rounds


def _v2_rules(rng: random.Random, rounds: list[dict], random_rules: bool) -> list[str]:
    breakers = rng.sample(["raised_desc", "raised_asc", "submitted_asc", "submitted_desc"], rng.randint(0, 2))
    line = rng.choice(["0", "0", f"{sum(rounds[-1]['maxes']) * 0.3:.2f}", f"{sum(rounds[-1]['maxes']) // 2}.5"])
    lines = ["[review]", f"min_reviews = {rng.randint(1, 2)}",
             f"shortlist_min_score = {_decimal(rng, line)}",
             f"shortlist_size = {rng.choice([0, 0, 3, 8])}",
             "tie_breakers = [" + ", ".join(f'"{t}"' for t in breakers) + "]"]
    if not random_rules:
        lines = ["[review]", 'shortlist_min_score = "60"', 'tie_breakers = ["raised_desc", "submitted_asc"]']
    lines += ["", "[funds]"]
    if not random_rules:
        lines += ['counted_sources = ["enterprise", "individual", "foundation", "other"]', 'donor_cap = "20000.00"',
                  "min_donors = 1"]
    else:
        if rng.random() < 0.7:
            lines.append("counted_sources = [" + ", ".join(f'"{s}"' for s in rng.sample(SOURCES, rng.randint(1, 5))) + "]")
        if rng.random() < 0.6:
            lines.append(f'donor_cap = "{rng.choice(["5000.00", "12345.67", "30000.00", "0.01"])}"')
        lines.append(f"min_donors = {rng.choice([0, 0, 1, 2, 3])}")
    for rnd in rounds:
        lines += ["", "[[rounds]]", f'code = "{rnd["code"]}"', f'name = "第{rnd["code"]}轮"']
        lines += [f"{key} = {value}" for key, value in rnd["settings"].items()]
        for i, mx in enumerate(rnd["maxes"]):
            lines += ["", "[[rounds.criteria]]", f'code = "c{i}"', f'name = "标准{i}"', f"max = {mx}"]
        for code, weight, minimum in rnd["panels"]:
            lines += ["", "[[rounds.panels]]", f'code = "{code}"', f"weight = {_decimal(rng, weight)}"]
            if minimum is not None:
                lines.append(f"min_reviews = {minimum}")
    return lines


def _pools(rng: random.Random, random_rules: bool, v2: bool) -> list[str]:
    policy = lambda: rng.choice(["rank_order", "pro_rata", "water_fill"])  # noqa: E731
    cap = rng.choice([None, "5000.00", "12345.67"]) if random_rules else None
    ratio = rng.choice(["1", "0.5", "2", "1.333"]) if random_rules else "1"
    number = (lambda text: _decimal(rng, text)) if v2 else (lambda text: f'"{text}"')  # noqa: E731
    pool = _money(rng, rng.choice([0, 20000, 200000, 5000000])) if random_rules else "1000000.00"
    lines = ["", "[matching]", f'pool = "{pool}"', f"award_top = {rng.randint(0, 12) if random_rules else 10}",
             f"ratio = {number(ratio)}", f'policy = "{policy() if random_rules else "rank_order"}"']
    if cap:
        lines.append(f'cap = "{cap}"')
    if random_rules and rng.random() < 0.4:
        lines += ["", "[[matching.tiers]]", "from_rank = 1", "to_rank = 3", f"ratio = {number('2')}"]
    lines += ["", "[library]", f'pool = "{_money(rng, rng.choice([0, 30000, 100000, 3000000])) if random_rules else "300000.00"}"',
              f'policy = "{policy() if random_rules else "rank_order"}"']
    if random_rules and rng.random() < 0.5:
        lines.append(f'cap = "{_money(rng, 30000)}"')
    return lines


def _funds(rng: random.Random, refs: list[str], v2: bool) -> list[str]:
    rows = ["ref,source,donor,amount,status"]
    for ref in refs:
        for _ in range(rng.choice([0, 1, 1, 2, 3, 4] if v2 else [0, 1, 1, 2, 3])):
            donor = rng.choice(rng.choice(DONORS)) if v2 else "捐赠方"
            amount = _money(rng, 40000) if rng.random() < 0.9 else "10000.00"
            rows.append(f"{ref},{rng.choice(SOURCES)},{donor},{amount},"
                        f"{rng.choice(['verified', 'verified', 'pending', 'rejected'])}")
    return rows


def _scores(rng: random.Random, maxes: list[int], coarse: bool) -> list[tuple[int, str]]:
    """(criterion index, score) of one review; now and then one criterion is left unscored."""
    incomplete = rng.random() < 0.05
    out = []
    for c, mx in enumerate(maxes):
        if incomplete and c == 0:
            continue
        if coarse:  # few distinct totals, so that ties (also across an advance line) are common
            centi = rng.choice([mx * 50, mx * 80, mx * 100])
        else:
            centi = rng.randrange(0, mx * 100 + 1) if rng.random() < 0.7 else rng.choice([0, mx * 100, mx * 50])
        out.append((c, f"{centi // 100}.{centi % 100:02d}"))
    return out


def random_package(seed: int, submissions: int = 20, reviewers: int = 8, criteria: int = 3,
                   reviews_per: tuple[int, int] = (0, 6), random_rules: bool = True, v2: bool = False) -> dict[str, bytes]:
    """A valid package: every value in range, no reviewer scoring their own organisation, and
    (v2) reviews only by a round's panels, of the submissions taking part in that round."""
    rng = random.Random(seed)
    orgs = sorted({_credit_code(rng) for _ in range(max(2, submissions // 3))})
    maxes = [rng.choice([10, 20, 25, 30]) for _ in range(criteria)]
    rounds = _v2_rounds(rng, submissions, random_rules) if v2 else [{"code": "", "maxes": maxes, "panels": [("expert", "1", None)]}]
    lines = [f'slug = "random-{seed}"', f'title = "随机大赛 {seed}"',
             'opens_at = 2026-03-01T09:00:00+08:00', 'closes_at = "2026-04-30T17:00:00+08:00"', ""]
    lines += _v2_rules(rng, rounds, random_rules) if v2 else _v1_rules(rng, maxes, random_rules)
    lines += _pools(rng, random_rules, v2)

    refs, owner = [], {}
    sub_rows = ["ref,credit_code,title,community,items,requested,submitted_at"]
    base = datetime(2026, 4, 1, 9, 0, tzinfo=CST)
    for i in range(submissions):
        ref = f"P{i:05d}"
        refs.append(ref)
        owner[ref] = rng.choice(orgs)
        at = base + timedelta(minutes=rng.randrange(0, 60 * 24 * 20) if rng.random() < 0.9 else 0)
        items = "|".join(rng.sample(ITEMS, rng.randint(1, 3)))
        sub_rows.append(f"{ref},{owner[ref]},项目{i},社区{i % 50},{items},{_money(rng, 50000)},{at.isoformat()}")

    panel_codes = sorted({code for rnd in rounds for code, _, _ in rnd["panels"]})
    people = [(f"reviewer{j}@example.org", rng.choice(orgs + [""] * len(orgs)),
               panel_codes[j % len(panel_codes)] if v2 else "") for j in range(reviewers)]
    reviewer_rows = ["email,name,credit_code" + (",panel" if v2 else "")]
    reviewer_rows += [f"{email},评审{j},{code}" + (f",{panel}" if v2 else "") for j, (email, code, panel) in enumerate(people)]
    files = {
        "call.toml": "\n".join(lines).encode(),
        "organisations.csv": "\n".join(["credit_code,name"] + [f"{code},组织{k}" for k, code in enumerate(orgs)]).encode(),
        "submissions.csv": "\n".join(sub_rows).encode(),
        "funds.csv": "\n".join(_funds(rng, refs, v2)).encode(),
        "reviewers.csv": "\n".join(reviewer_rows).encode(),
    }
    coarse = v2 and rng.random() < 0.5
    score_rows = ["ref,reviewer,criterion,score" + (",round" if v2 else "")]
    for rnd in rounds:
        files["reviews.csv"] = "\n".join(score_rows).encode()
        part = taking_part(files) if v2 else {ref: [""] for ref in refs}
        panels = {code for code, _, _ in rnd["panels"]}
        for ref in refs:
            if rnd["code"] not in part[ref]:
                continue
            allowed = [email for email, code, panel in people if code != owner[ref] and (not v2 or panel in panels)]
            for email in rng.sample(allowed, min(len(allowed), rng.randint(*reviews_per))):
                for c, score in _scores(rng, rnd["maxes"], coarse):
                    score_rows.append(f"{ref},{email},c{c},{score}" + (f",{rnd['code']}" if v2 else ""))
    files["reviews.csv"] = "\n".join(score_rows).encode()
    if v2:
        held = rng.sample(refs, min(len(refs), rng.choice([0, 0, 1, 2, 3]))) if random_rules else refs[::97]
        files["holds.csv"] = "\n".join(["ref,reason"] + [f"{ref},套捐投诉调查中 {ref}" for ref in held]).encode()
    return files
