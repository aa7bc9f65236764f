"""Imports every domain's models so the metadata is complete (Alembic, create_all)."""
from gongyi.audit.models import AuditEntry
from gongyi.auth.models import User, UserRole
from gongyi.calls.models import Call, CallRound, LateEntry, RulesVersion
from gongyi.catalogue.models import Category, Item
from gongyi.communities.models import Community, CommunityNeed, SubmissionCommunity
from gongyi.orgs.models import Organisation
from gongyi.execution.models import (Evaluation, ExecutionSettings, EvaluatorAssignment, ExecutionRecord, Indicator,
                                     Milestone, ProgressReport, Recovery, ReportFigure, ReportFile, ReportSpending,
                                     ReportVersion, Tranche)
from gongyi.funding.models import Disbursement, Hold
from gongyi.library.models import (Brand, CoFunder, EditionSettings, LibraryEntry, OrganisationBar, Pledge,
                                   Replication)
from gongyi.mail.models import OutboxMessage
from gongyi.notices.models import Notice, SitePage
from gongyi.results.models import Objection, Run, RunRow
from gongyi.review.models import Conflict, Review, ReviewerPanel, ReviewerProfile, ReviewVersion, Score
from gongyi.submissions.models import Attachment, BudgetLine, FundingLine, Submission, SubmissionItem

__all__ = [
    "Attachment", "AuditEntry", "Brand", "BudgetLine", "Call", "CallRound", "Category", "CoFunder", "Community",
    "CommunityNeed", "Conflict", "Disbursement", "EditionSettings", "Evaluation", "EvaluatorAssignment",
    "ExecutionRecord", "ExecutionSettings", "FundingLine", "Hold", "Indicator", "Item", "LateEntry",
    "LibraryEntry", "Milestone", "Notice", "Objection", "Organisation", "OrganisationBar", "OutboxMessage",
    "Pledge", "ProgressReport", "Recovery", "Replication", "ReportFigure", "ReportFile", "ReportSpending",
    "ReportVersion", "Review", "ReviewVersion", "ReviewerPanel", "ReviewerProfile", "RulesVersion", "Run",
    "RunRow", "Score", "SitePage", "Submission", "SubmissionCommunity", "SubmissionItem", "Tranche", "User",
    "UserRole",
]
