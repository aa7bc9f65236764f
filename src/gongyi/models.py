"""Imports every domain's models so the metadata is complete (Alembic, create_all)."""
from gongyi.audit.models import AuditEntry
from gongyi.auth.models import User, UserRole
from gongyi.calls.models import Call, LateEntry, RulesVersion
from gongyi.catalogue.models import Category, Item
from gongyi.communities.models import Community, CommunityNeed, SubmissionCommunity
from gongyi.orgs.models import Organisation
from gongyi.execution.models import (Evaluation, ExecutionSettings, EvaluatorAssignment, ExecutionRecord, Indicator,
                                     Milestone, ProgressReport, Recovery, ReportFigure, ReportFile, ReportSpending,
                                     ReportVersion, Tranche)
from gongyi.funding.models import Disbursement, Hold
from gongyi.mail.models import OutboxMessage
from gongyi.results.models import Objection, Run, RunRow
from gongyi.review.models import Conflict, Review, ReviewerPanel, ReviewerProfile, ReviewVersion, Score
from gongyi.submissions.models import Attachment, BudgetLine, FundingLine, Submission, SubmissionItem

__all__ = [
    "AuditEntry", "Evaluation", "ExecutionSettings", "EvaluatorAssignment", "ExecutionRecord", "Indicator",
    "Milestone", "ProgressReport", "Recovery", "ReportFigure", "ReportFile", "ReportSpending", "ReportVersion", "Tranche", "Attachment", "Disbursement", "Objection", "OutboxMessage", "BudgetLine", "Call", "Category", "Community", "CommunityNeed", "Conflict", "FundingLine", "Hold", "Item",
    "LateEntry", "Organisation", "Review", "ReviewVersion", "ReviewerPanel", "ReviewerProfile", "RulesVersion", "Run",
    "RunRow", "Score", "Submission", "SubmissionCommunity", "SubmissionItem", "User", "UserRole",
]
