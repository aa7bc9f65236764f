"""Random call packages (spec section 8) for property tests and benchmarks."""
from __future__ import annotations

import random
from datetime import datetime, timedelta, timezone

from gongyi.orgs.creditcode import CHARS, check_character

CST = timezone(timedelta(hours=8))
ITEMS = [f"{c:02d}.01" for c in range(1, 32)] + [f"{c:02d}.02" for c in range(1, 32)]


def _credit_code(rng: random.Random) -> str:
    body = "5" + rng.choice("123") + "440304" + "".join(rng.choice(CHARS) for _ in range(9))
    return body + check_character(body)


def _money(rng: random.Random, high_yuan: int) -> str:
    fen = rng.randrange(0, high_yuan * 100 + 1)
    return f"{fen // 100}.{fen % 100:02d}"


def random_package(seed: int, submissions: int = 20, reviewers: int = 8, criteria: int = 3,
                   reviews_per: tuple[int, int] = (0, 6), random_rules: bool = True) -> dict[str, bytes]:
    """A valid package: every value in range, no reviewer scoring their own organisation."""
    rng = random.Random(seed)
    orgs = sorted({_credit_code(rng) for _ in range(max(2, submissions // 3))})
    maxes = [rng.choice([10, 20, 25, 30]) for _ in range(criteria)]
    policy = lambda: rng.choice(["rank_order", "pro_rata", "water_fill"])  # noqa: E731
    lines = [
        f'slug = "random-{seed}"', f'title = "随机大赛 {seed}"',
        'opens_at = 2026-03-01T09:00:00+08:00', 'closes_at = "2026-04-30T17:00:00+08:00"', "",
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
    cap = rng.choice([None, "5000.00", "12345.67"]) if random_rules else None
    lines += ["", "[matching]", f'pool = "{_money(rng, 200000) if random_rules else "1000000.00"}"',
              f"award_top = {rng.randint(0, 12) if random_rules else 10}",
              f'ratio = "{rng.choice(["1", "0.5", "2", "1.333"]) if random_rules else "1"}"',
              f'policy = "{policy() if random_rules else "rank_order"}"']
    if cap:
        lines.append(f'cap = "{cap}"')
    if random_rules and rng.random() < 0.4:
        lines += ["", "[[matching.tiers]]", "from_rank = 1", "to_rank = 3", 'ratio = "2"']
    lines += ["", "[library]", f'pool = "{_money(rng, 100000) if random_rules else "300000.00"}"',
              f'policy = "{policy() if random_rules else "rank_order"}"']
    if random_rules and rng.random() < 0.5:
        lines.append(f'cap = "{_money(rng, 30000)}"')

    refs = []
    sub_rows = ["ref,credit_code,title,community,items,requested,submitted_at"]
    owner = {}
    base = datetime(2026, 4, 1, 9, 0, tzinfo=CST)
    for i in range(submissions):
        ref = f"P{i:05d}"
        refs.append(ref)
        owner[ref] = rng.choice(orgs)
        at = base + timedelta(minutes=rng.randrange(0, 60 * 24 * 20) if rng.random() < 0.9 else 0)
        items = "|".join(rng.sample(ITEMS, rng.randint(1, 3)))
        sub_rows.append(f"{ref},{owner[ref]},项目{i},社区{i % 50},{items},{_money(rng, 50000)},{at.isoformat()}")

    fund_rows = ["ref,source,donor,amount,status"]
    for ref in refs:
        for _ in range(rng.choice([0, 1, 1, 2, 3])):
            fund_rows.append(f"{ref},{rng.choice(['enterprise', 'individual', 'foundation', 'government', 'other'])},"
                             f"捐赠方,{_money(rng, 40000) if rng.random() < 0.9 else '10000.00'},"
                             f"{rng.choice(['verified', 'verified', 'pending', 'rejected'])}")

    people = [(f"reviewer{j}@example.org", rng.choice(orgs + [""] * len(orgs))) for j in range(reviewers)]
    reviewer_rows = ["email,name,credit_code"] + [f"{email},评审{j},{code}" for j, (email, code) in enumerate(people)]
    score_rows = ["ref,reviewer,criterion,score"]
    for ref in refs:
        allowed = [email for email, code in people if code != owner[ref]]
        for email in rng.sample(allowed, min(len(allowed), rng.randint(*reviews_per))):
            incomplete = rng.random() < 0.05
            for c, mx in enumerate(maxes):
                if incomplete and c == 0:
                    continue
                centi = rng.randrange(0, mx * 100 + 1) if rng.random() < 0.7 else rng.choice([0, mx * 100, mx * 50])
                score_rows.append(f"{ref},{email},c{c},{centi // 100}.{centi % 100:02d}")

    org_rows = ["credit_code,name"] + [f"{code},组织{k}" for k, code in enumerate(orgs)]
    return {
        "call.toml": "\n".join(lines).encode(),
        "organisations.csv": "\n".join(org_rows).encode(),
        "submissions.csv": "\n".join(sub_rows).encode(),
        "funds.csv": "\n".join(fund_rows).encode(),
        "reviewers.csv": "\n".join(reviewer_rows).encode(),
        "reviews.csv": "\n".join(score_rows).encode(),
    }
