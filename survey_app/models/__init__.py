"""SQLAlchemy models of the operational store (SQLite by default)."""

from .accounts import ROLES, AuditEvent, User
from .base import Base, UTCDateTime, utc_now
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
    "PHASES",
    "ROLES",
    "RUN_STATUSES",
    "STAKEHOLDER_GROUPS",
    "AccessCode",
    "AccessCodeBatch",
    "Answer",
    "AuditEvent",
    "BankGroup",
    "Base",
    "Component",
    "FrameworkVersion",
    "PipelineRun",
    "Practice",
    "Question",
    "QuestionBankVersion",
    "Response",
    "Scale",
    "School",
    "SchoolRoll",
    "SurveyLink",
    "SurveyWindow",
    "UTCDateTime",
    "User",
    "utc_now",
]
