"""The reviewer assignment planner, against an independent max-flow oracle on random instances."""
from __future__ import annotations

import ast
import itertools
import random
from collections import deque
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from gongyi.review import assign
from gongyi.review.assign import Paper, Reviewer, plan_assignment

CATEGORIES = ("01", "02", "03")


# --- an independent oracle: Edmonds-Karp on an explicit network ------------------------------


def max_flow(papers: list[Paper], reviewers: list[Reviewer], conflicts: set[tuple[int, int]], k: int,
             reviewer_caps: dict[int, int] | None = None) -> int:
    """Most reviews that can be added. `reviewer_caps` overrides each reviewer's capacity (new reviews)."""
    capacity: dict[tuple[object, object], int] = {}
    edges: dict[object, list[object]] = {}

    def edge(a: object, b: object, c: int) -> None:
        capacity[(a, b)] = capacity.get((a, b), 0) + c
        capacity.setdefault((b, a), 0)
        edges.setdefault(a, []).append(b)
        edges.setdefault(b, []).append(a)

    for p in papers:
        edge("s", ("p", p.id), max(0, k - len(p.reviewers)))
        for r in reviewers:
            if (r.id, p.id) not in conflicts and r.id not in p.reviewers:
                edge(("p", p.id), ("r", r.id), 1)
    for r in reviewers:
        room = reviewer_caps[r.id] if reviewer_caps is not None else max(0, r.cap - r.load)
        edge(("r", r.id), "t", room)
    flow = 0
    while True:
        parent = {"s": None}
        queue = deque(["s"])
        while queue and "t" not in parent:
            a = queue.popleft()
            for b in edges.get(a, ()):
                if b not in parent and capacity[(a, b)] > 0:
                    parent[b] = a
                    queue.append(b)
        if "t" not in parent:
            return flow
        b = "t"
        while parent[b] is not None:
            a = parent[b]
            capacity[(a, b)] -= 1
            capacity[(b, a)] += 1
            b = a
        flow += 1  # every path carries one unit: paper -> reviewer edges have capacity 1


def loads_achievable(papers, reviewers, conflicts, k, new_loads: dict[int, int]) -> bool:
    """Whether some assignment adds exactly new_loads[r] reviews to each reviewer."""
    if any(v < 0 or v > max(0, r.cap - r.load) for r in reviewers for v in [new_loads[r.id]]):
        return False
    return max_flow(papers, reviewers, conflicts, k, new_loads) == sum(new_loads.values())


# --- random instances ------------------------------------------------------------------------


@st.composite
def instances(draw, max_reviewers: int = 5, max_papers: int = 7):
    reviewer_ids = draw(st.lists(st.integers(1, 60), unique=True, max_size=max_reviewers))
    paper_ids = draw(st.lists(st.integers(1, 90), unique=True, max_size=max_papers))
    k = draw(st.integers(0, 4))
    pairs = [(r, p) for r in reviewer_ids for p in paper_ids]
    conflicts = set(draw(st.lists(st.sampled_from(pairs), unique=True))) if pairs else set()
    free = [pair for pair in pairs if pair not in conflicts]
    existing = set(draw(st.lists(st.sampled_from(free), unique=True, max_size=6))) if free else set()
    cats = st.frozensets(st.sampled_from(CATEGORIES))
    reviewers = []
    for rid in reviewer_ids:
        held = sum(1 for r, _ in existing if r == rid) + draw(st.integers(0, 2))  # reviews elsewhere in the call
        reviewers.append(Reviewer(rid, cap=draw(st.integers(0, 8)), load=held, expertise=draw(cats)))
    papers = [Paper(pid, draw(cats), frozenset(r for r, p in existing if p == pid)) for pid in paper_ids]
    return papers, reviewers, conflicts, k


def totals(plan, reviewers) -> dict[int, int]:
    loads = {r.id: r.load for r in reviewers}
    for _, rid in plan.added:
        loads[rid] += 1
    return loads


@settings(max_examples=300, deadline=None)
@given(instances())
def test_never_a_conflicted_or_duplicate_pair(instance) -> None:
    papers, reviewers, conflicts, k = instance
    plan = plan_assignment(papers, reviewers, conflicts, k)
    existing = {(p.id, r) for p in papers for r in p.reviewers}
    assert len(set(plan.added)) == len(plan.added)
    for sid, rid in plan.added:
        assert (rid, sid) not in conflicts
        assert (sid, rid) not in existing


@settings(max_examples=300, deadline=None)
@given(instances())
def test_no_cap_exceeded_and_loads_reported(instance) -> None:
    papers, reviewers, conflicts, k = instance
    plan = plan_assignment(papers, reviewers, conflicts, k)
    loads = totals(plan, reviewers)
    for r in reviewers:
        added = loads[r.id] - r.load
        assert added == 0 or loads[r.id] <= r.cap
    assert dict(plan.loads) == loads
    per_paper = {p.id: len(p.reviewers) for p in papers}
    for sid, _ in plan.added:
        per_paper[sid] += 1
    assert all(n <= max(k, len(p.reviewers)) for p in papers for n in [per_paper[p.id]])


@settings(max_examples=300, deadline=None)
@given(instances())
def test_as_many_reviews_as_max_flow_so_every_quota_is_met_when_possible(instance) -> None:
    papers, reviewers, conflicts, k = instance
    plan = plan_assignment(papers, reviewers, conflicts, k)
    best = max_flow(papers, reviewers, conflicts, k)
    assert len(plan.added) == best
    if best == sum(max(0, k - len(p.reviewers)) for p in papers):
        assert plan.shortfalls == ()
    short = {s.submission_id: s for s in plan.shortfalls}
    for p in papers:
        have = len(p.reviewers) + sum(1 for sid, _ in plan.added if sid == p.id)
        assert (p.id in short) == (have < k)
        if p.id in short:
            assert short[p.id].assigned == have
            assert short[p.id].eligible == len(p.reviewers | {r.id for r in reviewers if (r.id, p.id) not in conflicts})


@settings(max_examples=300, deadline=None)
@given(instances())
def test_spread_at_most_one_whenever_any_maximum_assignment_has_it(instance) -> None:
    papers, reviewers, conflicts, k = instance
    plan = plan_assignment(papers, reviewers, conflicts, k)
    if not reviewers:
        return
    best = len(plan.added)
    possible = False
    for level in range(0, max(r.cap for r in reviewers) + max(r.load for r in reviewers) + 2):
        ranges = [range(max(0, level - r.load), max(0, level + 2 - r.load)) for r in reviewers]
        for combo in itertools.product(*ranges):
            if sum(combo) == best and all(r.load + y in (level, level + 1) for r, y in zip(reviewers, combo)):
                if loads_achievable(papers, reviewers, conflicts, k, {r.id: y for r, y in zip(reviewers, combo)}):
                    possible = True
                    break
        if possible:
            break
    if possible:
        assert plan.spread <= 1, (plan, possible)


@settings(max_examples=200, deadline=None)
@given(instances())
def test_loads_are_decreasingly_minimal(instance) -> None:
    """No single exchange could move a review from a reviewer to one at least 2 lighter."""
    papers, reviewers, conflicts, k = instance
    plan = plan_assignment(papers, reviewers, conflicts, k)
    loads = totals(plan, reviewers)
    new = {r.id: loads[r.id] - r.load for r in reviewers}
    for a, b in itertools.permutations(reviewers, 2):
        if loads[a.id] >= loads[b.id] + 2 and new[a.id] > 0:
            moved = dict(new)
            moved[a.id] -= 1
            moved[b.id] += 1
            assert not loads_achievable(papers, reviewers, conflicts, k, moved), (a, b, plan)


@settings(max_examples=200, deadline=None)
@given(instances(), st.randoms(use_true_random=False))
def test_deterministic_and_independent_of_input_order(instance, rnd) -> None:
    papers, reviewers, conflicts, k = instance
    plan = plan_assignment(papers, reviewers, conflicts, k)
    shuffled_papers, shuffled_reviewers, shuffled_conflicts = list(papers), list(reviewers), list(conflicts)
    for items in (shuffled_papers, shuffled_reviewers, shuffled_conflicts):
        rnd.shuffle(items)
    assert plan_assignment(shuffled_papers, shuffled_reviewers, shuffled_conflicts, k) == plan
    assert plan_assignment(papers, reviewers, conflicts, k) == plan


# --- examples --------------------------------------------------------------------------------


def test_twenty_submissions_six_reviewers_one_affiliated() -> None:
    papers = [Paper(s, frozenset({"01"})) for s in range(1, 21)]
    reviewers = [Reviewer(r, cap=30) for r in range(101, 107)]
    conflicts = {(101, 7)}  # reviewer 101 works for the organisation that submitted 7
    plan = plan_assignment(papers, reviewers, conflicts, 5)
    assert len(plan.added) == 100 and plan.shortfalls == ()
    assert (7, 101) not in plan.added
    assert sorted(load for _, load in plan.loads) == [16, 16, 17, 17, 17, 17]


def test_reports_submissions_with_too_few_eligible_reviewers() -> None:
    papers = [Paper(1), Paper(2), Paper(3), Paper(4)]
    reviewers = [Reviewer(r, cap=10) for r in range(1, 6)]
    conflicts = {(5, 1), (5, 2), (5, 3)}
    plan = plan_assignment(papers, reviewers, conflicts, 5)
    assert [(s.submission_id, s.assigned, s.eligible) for s in plan.shortfalls] == [(1, 4, 4), (2, 4, 4), (3, 4, 4)]


def test_caps_limit_and_are_reported_with_enough_eligible() -> None:
    plan = plan_assignment([Paper(1), Paper(2)], [Reviewer(1, cap=1), Reviewer(2, cap=2)], [], 2)
    assert len(plan.added) == 3
    assert [(s.assigned, s.eligible) for s in plan.shortfalls] == [(1, 2)]


def test_existing_assignments_are_kept_and_count_towards_load_and_quota() -> None:
    papers = [Paper(1, reviewers=frozenset({1, 2})), Paper(2)]
    reviewers = [Reviewer(1, cap=5, load=3), Reviewer(2, cap=5, load=1), Reviewer(3, cap=5)]
    plan = plan_assignment(papers, reviewers, [], 3)
    assert (1, 3) in plan.added and len([p for p in plan.added if p[0] == 1]) == 1
    assert dict(plan.loads) == {1: 4, 2: 2, 3: 2}  # paper 2 needs all three


def test_prefers_reviewers_whose_expertise_covers_the_submission() -> None:
    papers = [Paper(1, frozenset({"05"})), Paper(2, frozenset({"09"}))]
    reviewers = [Reviewer(1, cap=1, expertise=frozenset({"09"})), Reviewer(2, cap=1, expertise=frozenset({"05"}))]
    plan = plan_assignment(papers, reviewers, [], 1)
    assert plan.added == ((1, 2), (2, 1)) and plan.expertise_matches == 2


def test_levelling_evens_out_what_the_greedy_leaves_uneven() -> None:
    # Served hardest first, the greedy gives paper 1 reviewers 1 and 2, leaving reviewer 3 idle
    # (loads 2, 1, 0, 1); a chain of moves hands one review to reviewer 3.
    papers = [Paper(1, frozenset({"02"})), Paper(2, frozenset({"01"}))]
    reviewers = [Reviewer(1, cap=3, expertise=frozenset({"01"})), Reviewer(2, cap=3, expertise=frozenset({"01"})),
                 Reviewer(3, cap=1), Reviewer(4, cap=4, expertise=frozenset({"02"}))]
    plan = plan_assignment(papers, reviewers, {(3, 2), (4, 1)}, 2)
    assert dict(plan.loads) == {1: 1, 2: 1, 3: 1, 4: 1} and plan.shortfalls == ()


def test_expertise_step_moves_a_review_to_the_matching_reviewer_when_loads_allow() -> None:
    papers = [Paper(1, frozenset({"01"})), Paper(2), Paper(3, frozenset({"01"})), Paper(4, frozenset({"02"})), Paper(5)]
    reviewers = [Reviewer(1, cap=3), Reviewer(2, cap=4, expertise=frozenset({"02"}))]
    plan = plan_assignment(papers, reviewers, {(1, 1), (1, 3), (2, 2)}, 1)
    assert (4, 2) in plan.added and plan.expertise_matches == 1
    assert sorted(load for _, load in plan.loads) == [2, 3]


def test_reviewer_over_cap_already_gets_nothing_new() -> None:
    plan = plan_assignment([Paper(1)], [Reviewer(1, cap=2, load=4), Reviewer(2, cap=2)], [], 2)
    assert plan.added == ((1, 2),)


def test_is_pure() -> None:
    tree = ast.parse(Path(assign.__file__).read_text(encoding="utf-8"))
    imported = {alias.name.split(".")[0] for node in ast.walk(tree) if isinstance(node, ast.Import) for alias in node.names}
    imported |= {node.module.split(".")[0] for node in ast.walk(tree) if isinstance(node, ast.ImportFrom) and node.module}
    assert imported <= {"__future__", "bisect", "dataclasses", "typing"}


def test_ten_thousand_submissions_five_each_over_two_hundred_reviewers() -> None:
    rnd = random.Random(4)
    codes = [f"{n:02d}" for n in range(1, 32)]
    reviewers = [Reviewer(r, cap=300, load=rnd.randint(0, 3), expertise=frozenset(rnd.sample(codes, 3)))
                 for r in range(1, 201)]
    papers = [Paper(s, frozenset(rnd.sample(codes, rnd.randint(1, 3)))) for s in range(1, 10_001)]
    conflicts = {(rnd.randint(1, 200), rnd.randint(1, 10_000)) for _ in range(2_000)}
    plan = plan_assignment(papers, reviewers, conflicts, 5)
    assert len(plan.added) == 50_000 and plan.shortfalls == () and plan.spread <= 1
    assert not {(r, s) for s, r in plan.added} & conflicts
    assert plan.expertise_matches > 0.5 * len(plan.added)


def test_one_category_and_half_the_panel_expert_stays_fast_and_level() -> None:
    """Every submission matches the same 100 experts: the expertise step ends within its bound
    (a StepLimit otherwise) and levels every load."""
    reviewers = [Reviewer(r, cap=300, expertise=frozenset({"01"}) if r % 2 else frozenset()) for r in range(1, 201)]
    papers = [Paper(s, frozenset({"01"})) for s in range(1, 10_001)]
    plan = plan_assignment(papers, reviewers, [], 5)
    assert len(plan.added) == 50_000 and plan.spread == 0 and plan.expertise_matches == 25_000


def test_tight_caps_at_scale_still_fill_every_quota() -> None:
    """Caps summing to exactly the demand: the greedy leaves gaps that the augmenting paths close."""
    rnd = random.Random(7)
    reviewers = [Reviewer(r, cap=125) for r in range(1, 201)]
    papers = [Paper(s) for s in range(1, 5_001)]
    conflicts = {(rnd.randint(1, 200), rnd.randint(1, 5_000)) for _ in range(20_000)}
    plan = plan_assignment(papers, reviewers, conflicts, 5)
    assert len(plan.added) == 25_000 and plan.shortfalls == () and plan.spread == 0


@pytest.mark.parametrize("bad", [[Paper(1), Paper(1)]])
def test_duplicate_ids_are_refused(bad) -> None:
    with pytest.raises(ValueError):
        plan_assignment(bad, [], [], 1)


# --- larger cases: up to 12 reviewers x 20 submissions ----------------------------------------


@st.composite
def larger_instances(draw, existing: bool):
    """Up to 12 reviewers and 20 submissions; with `existing`, some reviews are already assigned."""
    reviewer_ids = draw(st.lists(st.integers(1, 99), unique=True, min_size=1, max_size=12))
    paper_ids = draw(st.lists(st.integers(1, 199), unique=True, min_size=1, max_size=20))
    k = draw(st.integers(1, 5))
    pairs = [(r, p) for r in reviewer_ids for p in paper_ids]
    conflicts = set(draw(st.lists(st.sampled_from(pairs), unique=True, max_size=len(pairs) // 4)))
    free = [pair for pair in pairs if pair not in conflicts]
    held = set(draw(st.lists(st.sampled_from(free), unique=True, max_size=15))) if existing and free else set()
    if existing:  # reviews held by reviewers no longer in the pool still count towards the quota
        held |= {(rid, pid) for rid, pid in draw(st.lists(st.tuples(st.integers(500, 503), st.sampled_from(paper_ids)),
                                                           max_size=4))}
    cats = st.frozensets(st.sampled_from(CATEGORIES), max_size=2)
    reviewers = [Reviewer(rid, cap=draw(st.integers(0, 10)),
                          load=sum(1 for r, _ in held if r == rid) + draw(st.integers(0, 2)), expertise=draw(cats))
                 for rid in reviewer_ids]
    assert not {rid for rid, _ in held if rid >= 500} & set(reviewer_ids)
    papers = [Paper(pid, draw(cats), frozenset(r for r, p in held if p == pid)) for pid in paper_ids]
    return papers, reviewers, conflicts, k


def _check_plan(instance) -> None:
    """Every guarantee of plan_assignment, checked against the oracle and the instance."""
    papers, reviewers, conflicts, k = instance
    plan = plan_assignment(papers, reviewers, conflicts, k)
    existing = {(p.id, r) for p in papers for r in p.reviewers}
    by_id = {r.id: r for r in reviewers}
    added_by: dict[int, int] = {r.id: 0 for r in reviewers}
    for sid, rid in plan.added:
        assert (rid, sid) not in conflicts and (sid, rid) not in existing
        added_by[rid] += 1
    # nobody takes more new reviews than their cap leaves room for
    for rid, n in added_by.items():
        assert n <= max(0, by_id[rid].cap - by_id[rid].load), (rid, n)
    # as many reviews as any assignment could give
    assert len(plan.added) == max_flow(papers, reviewers, conflicts, k)
    # shortfalls: exactly the papers below k, with what they have and how many reviewers could review them
    have = {p.id: len(p.reviewers) for p in papers}
    for sid, _ in plan.added:
        have[sid] += 1
    assert [(s.submission_id, s.assigned, s.eligible) for s in plan.shortfalls] == [
        (p.id, have[p.id], len(p.reviewers | {r.id for r in reviewers if (r.id, p.id) not in conflicts}))
        for p in sorted(papers, key=lambda p: p.id) if have[p.id] < k]
    # levelled: no exchange could carry a review from a reviewer to one at least 2 lighter
    loads = {r.id: r.load + added_by[r.id] for r in reviewers}
    assert dict(plan.loads) == loads
    for a, b in itertools.permutations(reviewers, 2):
        if loads[a.id] >= loads[b.id] + 2 and added_by[a.id] > 0 and added_by[b.id] < b.cap - b.load:
            moved = dict(added_by)
            moved[a.id] -= 1
            moved[b.id] += 1
            assert not loads_achievable(papers, reviewers, conflicts, k, moved), (a, b)
    _check_expertise(plan, papers, reviewers, conflicts)


def _check_expertise(plan, papers, reviewers, conflicts) -> None:
    """No single move to a reviewer one review lighter, and no swap of two mismatched reviews,
    that keeps the loads' values and adds an expertise match is left undone."""
    paper = {p.id: p for p in papers}
    reviewer = {r.id: r for r in reviewers}
    added = set(plan.added)
    taken = {r.id: sum(1 for _, rid in added if rid == r.id) for r in reviewers}
    loads = dict(plan.loads)

    def covers(rid: int, sid: int) -> bool:
        return bool(reviewer[rid].expertise & paper[sid].categories)

    def may_take(rid: int, sid: int) -> bool:
        return (rid, sid) not in conflicts and rid not in paper[sid].reviewers and (sid, rid) not in added

    mismatched = [(sid, rid) for sid, rid in added if not covers(rid, sid)]
    for sid, rid in mismatched:
        for other in reviewers:
            if other.id != rid and covers(other.id, sid) and may_take(other.id, sid):
                room = taken[other.id] < max(0, other.cap - other.load)
                assert not (room and loads[other.id] == loads[rid] - 1), ("move", sid, rid, other.id)
        for sid2, rid2 in mismatched:
            if rid2 != rid and covers(rid2, sid) and may_take(rid2, sid) and may_take(rid, sid2):
                raise AssertionError(("swap", sid, rid, sid2, rid2))


@settings(max_examples=40, deadline=None)
@given(larger_instances(existing=False))
def test_larger_cases_without_existing_reviews(instance) -> None:
    _check_plan(instance)


@settings(max_examples=40, deadline=None)
@given(larger_instances(existing=True))
def test_larger_cases_with_existing_reviews(instance) -> None:
    _check_plan(instance)


def test_the_expertise_swap_is_made_when_only_a_swap_helps() -> None:
    """The greedy gives paper 1 (no category) to reviewer 1 and paper 2 (category 02) to reviewer
    2: loads 1 and 1, so no single move is allowed; only swapping the two reviews gives paper 2
    to reviewer 1, who knows category 02."""
    papers = [Paper(1), Paper(2, frozenset({"02"}))]
    reviewers = [Reviewer(1, cap=2, expertise=frozenset({"02"})), Reviewer(2, cap=2, expertise=frozenset({"01"}))]
    plan = plan_assignment(papers, reviewers, set(), 1)
    assert plan.added == ((1, 2), (2, 1)) and plan.expertise_matches == 1
    assert dict(plan.loads) == {1: 1, 2: 1}


def test_loops_are_bounded_and_say_so() -> None:
    """A loop that would run past the bound its argument proves raises StepLimit instead of hanging."""
    assert issubclass(assign.StepLimit, AssertionError)
