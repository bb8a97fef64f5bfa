"""The audit log: who changed what, and when, kept for accountability."""

import json

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from .models import AuditEvent, User


def record_audit(
    session: Session,
    user: User | None,
    action: str,
    object_type: str,
    object_id: str | int | None,
    detail: dict | None = None,
) -> AuditEvent:
    """Add an audit event for a change; the caller commits it with the change.

    user is None for a change made from the command line. detail is stored
    as JSON and must hold the changed values only: never survey answers or a
    password.
    """
    event = AuditEvent(
        user_id=user.user_id if user is not None else None,
        action=action,
        object_type=object_type,
        object_id=str(object_id) if object_id is not None else None,
        detail_json=(
            json.dumps(detail, sort_keys=True, default=str)
            if detail is not None
            else None
        ),
    )
    session.add(event)
    return event


def list_audit_events(
    session: Session, *, page: int = 1, page_size: int = 50
) -> tuple[list[tuple[AuditEvent, str | None]], int]:
    """Return one page of audit events, newest first, with each user's email.

    The second value is the number of events in the log.
    """
    total = session.scalar(select(func.count()).select_from(AuditEvent)) or 0
    rows = session.execute(
        select(AuditEvent, User.email)
        .outerjoin(User, AuditEvent.user_id == User.user_id)
        .order_by(AuditEvent.occurred_at.desc(), AuditEvent.event_id.desc())
        .limit(page_size)
        .offset((page - 1) * page_size)
    ).all()
    return [(event, email) for event, email in rows], total
