"""Which reviewer reviews which submission: conflict-free, within caps, loads levelled. Pure.

The problem is a flow network: source -> submission (capacity: reviews it still needs) ->
reviewer (one unit per pair that is neither conflicted nor already assigned) -> sink
(capacity: the reviewer's cap minus the reviews they already hold in the call). Existing
assignments are kept as they are. The plan is built in four steps, each keeping what the
previous one established:

1. Greedy. Submissions with the fewest usable reviewers go first; each takes the least
   loaded reviewers, those whose expertise covers one of its categories first, then by id.
2. Maximum. From every submission still short, augmenting paths (breadth-first) move
   reviews along chains until none is left. Once a submission has no augmenting path, later
   augmentations never create one (they cannot pass through the region it reaches), so one
   pass gives a maximum flow: every submission gets its quota whenever any assignment could.
3. Levelling. While a chain of moves can carry one review from a reviewer with load a to a
   reviewer with spare capacity and load at most a - 2, carry it (the sum of squared loads
   drops, so this ends). The load vectors of maximum flows form an M-convex set, and an
   element without such a step is decreasingly minimal (Frank & Murota, "Discrete decreasing
   minimization", 2022): it has the least possible maximum load and the greatest possible
   minimum load at once. So the spread (max - min) is at most 1 whenever any maximum
   assignment achieves that.
4. Expertise. Single moves to a reviewer one review lighter, and swaps of two reviews, that
   only permute the load values (so steps 2 and 3 still hold) and raise the number of
   reviewers whose expertise covers the submission.

Deterministic: inputs are sorted by id first and every choice breaks ties by id, so the
plan does not depend on the order in which things are given. Reviewers are bit positions
in Python integers, which keeps 10,000 submissions x 5 reviews over 200 reviewers fast.
Stdlib only.
"""
from __future__ import annotations

import bisect
from dataclasses import dataclass
from typing import Callable, Iterable


class StepLimit(AssertionError):
    """A loop ran past the bound its argument proves: a bug, reported instead of hanging."""


@dataclass(frozen=True)
class Reviewer:
    id: int
    cap: int  # most reviews this reviewer may hold in the call
    load: int = 0  # reviews they already hold in the call (kept)
    expertise: frozenset[str] = frozenset()  # catalogue category codes


@dataclass(frozen=True)
class Paper:
    """A submission to be reviewed: its catalogue categories and the reviewers it already has."""

    id: int
    categories: frozenset[str] = frozenset()
    reviewers: frozenset[int] = frozenset()


@dataclass(frozen=True)
class Shortfall:
    """A submission left below its quota: how many reviews it has, and how many reviewers
    in the pool have no conflict with it (fewer than the quota means no plan could do better)."""

    submission_id: int
    assigned: int
    eligible: int


@dataclass(frozen=True)
class Plan:
    added: tuple[tuple[int, int], ...]  # (submission_id, reviewer_id), sorted
    shortfalls: tuple[Shortfall, ...]  # by submission id
    loads: tuple[tuple[int, int], ...]  # (reviewer_id, load after the plan), by reviewer id
    expertise_matches: int  # added pairs whose reviewer's expertise covers a category of the submission

    @property
    def spread(self) -> int:
        """Most loaded minus least loaded reviewer of the pool (0 for an empty pool)."""
        values = [load for _, load in self.loads]
        return max(values) - min(values) if values else 0


def _bits(mask: int) -> Iterable[int]:
    """Indices of the set bits of `mask`, lowest first."""
    while mask:
        low = mask & -mask
        yield low.bit_length() - 1
        mask ^= low


class _State:
    """The plan being built: new pairs per submission (bit masks) and per reviewer (sets)."""

    def __init__(self, papers: list[Paper], reviewers: list[Reviewer], conflicts: Iterable[tuple[int, int]],
                 per_submission: int) -> None:
        index = {r.id: i for i, r in enumerate(reviewers)}
        paper_index = {p.id: j for j, p in enumerate(papers)}
        self.all = (1 << len(reviewers)) - 1
        self.room = [max(0, r.cap - r.load) for r in reviewers]  # new reviews each may take
        self.load = [r.load for r in reviewers]  # total load, kept up to date
        self.taken = [0] * len(reviewers)  # new reviews taken
        conflicted = [0] * len(papers)
        for reviewer_id, paper_id in conflicts:
            if reviewer_id in index and paper_id in paper_index:
                conflicted[paper_index[paper_id]] |= 1 << index[reviewer_id]
        by_category: dict[str, int] = {}
        for i, r in enumerate(reviewers):
            for code in r.expertise:
                by_category[code] = by_category.get(code, 0) | 1 << i
        self.blocked = []  # per paper: reviewers that may never be added (conflicted or already on it)
        self.need = []
        self.eligible = []
        self.expert = []  # per paper: reviewers whose expertise covers one of its categories
        for j, p in enumerate(papers):
            existing = sum(1 << index[rid] for rid in p.reviewers if rid in index)
            self.blocked.append(conflicted[j] | existing)
            self.need.append(max(0, per_submission - len(p.reviewers)))
            outside_pool = sum(1 for rid in p.reviewers if rid not in index)
            self.eligible.append((self.all & ~conflicted[j]).bit_count() + outside_pool)
            expert = 0
            for code in p.categories:
                expert |= by_category.get(code, 0)
            self.expert.append(expert)
        self.new = [0] * len(papers)  # per paper: reviewers newly added
        self.papers_of = [set() for _ in reviewers]  # per reviewer: papers newly added

    def open_to(self, j: int) -> int:
        """Reviewers who could be added to paper j (ignoring capacity)."""
        return self.all & ~self.blocked[j] & ~self.new[j]

    def has_room(self, i: int) -> bool:
        return self.taken[i] < self.room[i]

    def add(self, j: int, i: int) -> None:
        self.new[j] |= 1 << i
        self.papers_of[i].add(j)
        self.taken[i] += 1
        self.load[i] += 1

    def drop(self, j: int, i: int) -> None:
        self.new[j] &= ~(1 << i)
        self.papers_of[i].discard(j)
        self.taken[i] -= 1
        self.load[i] -= 1

    def search(self, start_papers: list[int], start_reviewer: int | None, is_target: Callable[[int], bool],
               dead: tuple[int, set[int]] | None = None) -> tuple[int | None, dict[int, int], dict[int, int | None], int]:
        """Breadth-first search of the residual network from papers (each reached from
        `start_reviewer`, or from the source when None) for a reviewer with `is_target`.

        Paper -> reviewer: the pair may be added. Reviewer -> paper: the reviewer holds a new
        review of it that could move. Returns (target, reached_by_reviewer, reached_by_paper, seen).
        """
        dead_reviewers, dead_papers = dead if dead else (0, set())
        via_paper: dict[int, int] = {}  # reviewer -> paper it was reached from
        via_reviewer: dict[int, int | None] = {j: start_reviewer for j in start_papers}
        seen = dead_reviewers | (0 if start_reviewer is None else 1 << start_reviewer)
        frontier = list(start_papers)
        while frontier:
            following: list[int] = []
            for j in frontier:
                for i in _bits(self.open_to(j) & ~seen):
                    seen |= 1 << i
                    via_paper[i] = j
                    if is_target(i):
                        return i, via_paper, via_reviewer, seen
                    for k in sorted(self.papers_of[i]):
                        if k not in via_reviewer and k not in dead_papers:
                            via_reviewer[k] = i
                            following.append(k)
            frontier = following
        return None, via_paper, via_reviewer, seen

    def carry(self, target: int, via_paper: dict[int, int], via_reviewer: dict[int, int | None],
              start_reviewer: int | None) -> None:
        """Apply the chain found by `search`: the target gains a review and every reviewer on the
        way hands one on, ending at the starting reviewer (who loses one) or the source."""
        i = target
        for _ in range(len(self.room) + 1):  # a chain visits each reviewer at most once
            j = via_paper[i]
            self.add(j, i)
            previous = via_reviewer[j]
            if previous is None:
                return
            self.drop(j, previous)
            if previous == start_reviewer:
                return
            i = previous
        raise StepLimit("a chain of moves longer than the pool")


def plan_assignment(papers: Iterable[Paper], reviewers: Iterable[Reviewer], conflicts: Iterable[tuple[int, int]],
                    per_submission: int) -> Plan:
    """Plan the reviews to add so each paper has `per_submission` reviewers where possible.

    `conflicts` are (reviewer_id, submission_id) pairs that must never be assigned.
    Guarantees (see the module docstring): no conflicted pair, nobody above their cap, as many
    reviews as any assignment could give, then the most level loads, then expertise.
    """
    paper_list = sorted(papers, key=lambda p: p.id)
    reviewer_list = sorted(reviewers, key=lambda r: r.id)
    if len({p.id for p in paper_list}) != len(paper_list) or len({r.id for r in reviewer_list}) != len(reviewer_list):
        raise ValueError("submission and reviewer ids must be unique")
    if per_submission < 0:
        raise ValueError("per_submission must not be negative")
    state = _State(paper_list, reviewer_list, conflicts, per_submission)
    order = _greedy(state)
    _maximise(state, order)
    _level(state)
    _prefer_expertise(state)

    added = sorted((paper_list[j].id, reviewer_list[i].id) for j in range(len(paper_list)) for i in _bits(state.new[j]))
    shortfalls = []
    for j, p in enumerate(paper_list):
        have = len(p.reviewers) + state.new[j].bit_count()
        if have < per_submission:
            shortfalls.append(Shortfall(p.id, have, state.eligible[j]))
    matches = sum((state.new[j] & state.expert[j]).bit_count() for j in range(len(paper_list)))
    return Plan(
        added=tuple(added),
        shortfalls=tuple(shortfalls),
        loads=tuple((r.id, state.load[i]) for i, r in enumerate(reviewer_list)),
        expertise_matches=matches,
    )


def _greedy(state: _State) -> list[int]:
    """Step 1. Returns the order the papers were served in (hardest first), reused by step 2."""
    with_room = sum(1 << i for i in range(len(state.room)) if state.room[i] > 0)
    order = sorted((j for j in range(len(state.need)) if state.need[j] > 0),
                   key=lambda j: ((state.open_to(j) & with_room).bit_count(), j))
    # Reviewers with room, bucketed by their current load; `levels` lists the loads in use.
    buckets: dict[int, int] = {}
    for i in _bits(with_room):
        buckets[state.load[i]] = buckets.get(state.load[i], 0) | 1 << i
    levels = sorted(buckets)
    for j in order:
        for _ in range(state.need[j]):
            open_to = state.open_to(j)
            for level in levels:
                candidates = buckets[level] & open_to
                if candidates:
                    break
            else:
                break  # nobody with room is left for this paper
            preferred = candidates & state.expert[j] or candidates
            i = (preferred & -preferred).bit_length() - 1
            state.add(j, i)
            bit = 1 << i
            buckets[level] &= ~bit
            if not buckets[level]:
                del buckets[level]
                levels.remove(level)
            if state.has_room(i):
                if level + 1 not in buckets:
                    buckets[level + 1] = 0
                    bisect.insort(levels, level + 1)
                buckets[level + 1] |= bit
    return order


def _maximise(state: _State, order: list[int]) -> None:
    """Step 2: augmenting paths from each paper still short. A failed search's region can
    never lead anywhere later, so it is skipped by every later search."""
    dead_reviewers, dead_papers = 0, set()
    for j in order:
        for _ in range(state.need[j]):  # each augmenting path adds one review to paper j
            if state.new[j].bit_count() >= state.need[j]:
                break
            target, via_paper, via_reviewer, seen = state.search([j], None, state.has_room, (dead_reviewers, dead_papers))
            if target is None:
                dead_reviewers |= seen
                dead_papers.update(via_reviewer)
                break
            state.carry(target, via_paper, via_reviewer, None)


def _level(state: _State) -> None:
    """Step 3: carry one review at a time from a heavy reviewer to one at least 2 lighter."""
    reviewers = range(len(state.room))
    # Each carry lowers the sum of squared loads by at least 2, which bounds the steps.
    for _ in range(sum(load * load for load in state.load) // 2 + 2):
        spare = [state.load[i] for i in reviewers if state.has_room(i)]
        if not spare:
            return
        floor = min(spare)
        heavy = sorted((i for i in reviewers if state.taken[i] > 0 and state.load[i] >= floor + 2),
                       key=lambda i: (-state.load[i], i))
        for source in heavy:
            ceiling = state.load[source] - 2
            target, via_paper, via_reviewer, _ = state.search(
                sorted(state.papers_of[source]), source, lambda i: state.has_room(i) and state.load[i] <= ceiling)
            if target is not None:
                state.carry(target, via_paper, via_reviewer, source)
                break
        else:
            return
    raise StepLimit("levelling did not end")


def _prefer_expertise(state: _State) -> None:
    """Step 4: moves and swaps that keep the multiset of loads and add expertise matches.
    Each step adds at least one match, so the passes end. Bit masks of reviewers with room by
    load, and of reviewers holding a mismatched review, keep each look-up constant time."""
    reviewers = range(len(state.room))
    mismatched = [{j for j in state.papers_of[i] if not state.expert[j] >> i & 1} for i in reviewers]
    with_room: dict[int, int] = {}  # load -> reviewers with room at that load
    holding_mismatch = 0

    def unfile(i: int) -> None:
        with_room[state.load[i]] = with_room.get(state.load[i], 0) & ~(1 << i)

    def file(i: int) -> None:
        nonlocal holding_mismatch
        if state.has_room(i):
            with_room[state.load[i]] = with_room.get(state.load[i], 0) | 1 << i
        holding_mismatch = holding_mismatch | 1 << i if mismatched[i] else holding_mismatch & ~(1 << i)

    for i in reviewers:
        file(i)
    improved, passes = True, 0
    while improved:
        passes += 1
        if passes > sum(state.taken) + 1:  # each pass that improves adds a match; there are at most this many
            raise StepLimit("the expertise passes did not end")
        improved = False
        for i in reviewers:
            for j in sorted(mismatched[i]):
                better = state.open_to(j) & state.expert[j]
                # A move to a reviewer exactly one lighter swaps their two load values.
                lighter = better & with_room.get(state.load[i] - 1, 0)
                if lighter:
                    k = (lighter & -lighter).bit_length() - 1
                    unfile(i)
                    unfile(k)
                    state.drop(j, i)
                    state.add(j, k)
                    mismatched[i].discard(j)
                    file(i)
                    file(k)
                    improved = True
                    continue
                # A swap with a review that does not match its reviewer either.
                for k in _bits(better & holding_mismatch):
                    other = min((m for m in mismatched[k] if state.open_to(m) >> i & 1), default=None)
                    if other is not None:
                        unfile(i)
                        unfile(k)
                        state.drop(j, i)
                        state.drop(other, k)
                        state.add(j, k)
                        state.add(other, i)
                        mismatched[i].discard(j)
                        mismatched[k].discard(other)
                        if not state.expert[other] >> i & 1:
                            mismatched[i].add(other)
                        file(i)
                        file(k)
                        improved = True
                        break
