"""Review: reviewer profiles, conflicts of interest (回避), assignment, scoring, progress and reminders.

Who sees what: a reviewer sees only their own review of a submission, before and after
submitting it. Other reviewers' scores and comments stay hidden from them for good, not just
until they submit: a reviewer whose review an administrator reopens must not be able to
anchor on the panel. Administrators see everything.

The operations live in one module per part, each depending only on those above it:
  scoring      a call's rubric, the complete-review rule, saving, submitting, reopening a review
  conflicts    declared and automatic conflicts of interest
  assignment   the reviewer pool and profiles, one-click and manual assignment
  panels       which panel a reviewer sits on, and how many of each panel a round needs
  rounds       who takes part in a round, closing a round and opening the next
  progress     progress per submission and reviewer, calibration, the score sheet
  reminders    reminders before and after the review deadline
and every public name is importable from here (`from gongyi.review import service`).
"""
# ruff: noqa: F401  (this module re-exports)
from gongyi.review.service.assignment import (AssignReport, Candidate, add_extra_reviewer, add_reviewer,
                                              assign_reviewers, assignable_reviewers, call_loads, cap_of,
                                              create_reviewer, is_reviewed, remove_review, reviewed_submissions,
                                              reviewer_pool, reviewer_pool_query, reviewer_settings,
                                              reviewers_per_submission, swap_reviewer, update_reviewer)
from gongyi.review.service.conflicts import (affiliation_conflicts, conflict_source, conflicted_pairs,
                                             declare_conflict, review_of, withdraw_conflict)
from gongyi.review.service.progress import (CallProgress, ReviewerProgress, ScoreSheetRow, SubmissionProgress,
                                            calibration, calibration_page, calibration_summary, calls_progress, disagreement_threshold,
                                            reviewer_progress, review_counts, score_sheet, scored_reviews, submission_progress,
                                            submission_progress_page)
from gongyi.review.service.panels import (default_panel, panel_of, reviewer_panels, round_needs,
                                          set_reviewer_panels)
from gongyi.review.service.rounds import (RoundLine, RoundSummary, close_round, open_next_round, round_participants,
                                          round_places, round_status, round_summary)
from gongyi.review.service.reminders import queue_reminders, reminder_window
from gongyi.review.service.scoring import (ReviewError, complete_reviews, criteria, criterion_codes, discard_review,
                                           is_blind, reopen_reason, reopen_review, review_criteria, review_total,
                                           round_is_open, save_review, scoring_round, snapshot, snapshot_total, total_when_scored)
