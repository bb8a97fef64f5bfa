"""SQLAlchemy models of the operational store (SQLite by default)."""

from .accounts import ROLES, AuditEvent, User
from .base import Base, UTCDateTime, utc_now
from .imports import IMPORT_TOOLS, ImportedResponse, ResponseImport
from .pipeline_runs import RUN_STATUSES, PipelineRun
from .reference import (
    STAKEHOLDER_GROUPS,
    BankGroup,
    Component,
    FrameworkVersion,
    Practice,
    Question,
    QuestionBankVersion,
    Scale,
)
from .self_review import (
    PROVISION_FIELDS,
    RATING_LEVELS,
    SELF_REVIEW_STATUSES,
    ComponentProvision,
    NextStep,
    PracticeRating,
    SelfReview,
    SelfReviewChange,
)
from .survey import (
    ACCESS_MODES,
    PHASES,
    AccessCode,
    AccessCodeBatch,
    Answer,
    Response,
    School,
    SchoolRoll,
    SurveyLink,
    SurveyWindow,
)

__all__ = [
    "ACCESS_MODES",
    "IMPORT_TOOLS",
    "PHASES",
    "PROVISION_FIELDS",
    "RATING_LEVELS",
    "ROLES",
    "RUN_STATUSES",
    "SELF_REVIEW_STATUSES",
    "STAKEHOLDER_GROUPS",
    "AccessCode",
    "AccessCodeBatch",
    "Answer",
    "AuditEvent",
    "BankGroup",
    "Base",
    "Component",
    "ComponentProvision",
    "FrameworkVersion",
    "ImportedResponse",
    "NextStep",
    "PipelineRun",
    "Practice",
    "PracticeRating",
    "Question",
    "QuestionBankVersion",
    "Response",
    "ResponseImport",
    "Scale",
    "School",
    "SchoolRoll",
    "SelfReview",
    "SelfReviewChange",
    "SurveyLink",
    "SurveyWindow",
    "UTCDateTime",
    "User",
    "utc_now",
]
