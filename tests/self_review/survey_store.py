"""Survey links and responses written to the operational store for the
end-to-end tests, which turn them into a published warehouse with the real
pipeline."""

import uuid

from sqlalchemy import select

from survey_app.calendar import academic_year_bounds
from survey_app.models import Answer, Question, Response, SurveyLink, SurveyWindow


def add_responses(
    session,
    school_id: int,
    academic_year: str,
    group: str,
    answers_by_respondent: list[dict[str, int]],
) -> None:
    """Add one response per dict, answering each question by its practice id.

    The window must exist; its link for the group is created when missing.
    """
    window = session.scalar(
        select(SurveyWindow).where(
            SurveyWindow.school_id == school_id,
            SurveyWindow.academic_year == academic_year,
        )
    )
    link = session.scalar(
        select(SurveyLink).where(
            SurveyLink.window_id == window.window_id,
            SurveyLink.stakeholder_group == group,
        )
    )
    if link is None:
        link = SurveyLink(
            window_id=window.window_id,
            stakeholder_group=group,
            token=uuid.uuid4().hex[:12],
            access_mode="open",
        )
        session.add(link)
        session.flush()
    questions = session.execute(
        select(Question.question_id, Question.practice_id).where(
            Question.bank_version == window.bank_version,
            Question.stakeholder_group == group,
        )
    ).all()
    first_day, _ = academic_year_bounds(academic_year)
    for answers in answers_by_respondent:
        response = Response(
            response_id=str(uuid.uuid4()),
            window_id=window.window_id,
            link_id=link.link_id,
            stakeholder_group=group,
            bank_version=window.bank_version,
            submitted_on=window.opens_on if window.opens_on > first_day else first_day,
            year_group=None,
            is_too_fast=False,
            source="survey",
        )
        for question_id, practice_id in questions:
            response.answers.append(
                Answer(
                    question_id=question_id,
                    value=answers[practice_id],
                    is_dont_know=False,
                )
            )
        session.add(response)
    session.commit()


def varied_answers(practice_ids: list[str], base: list[int]) -> list[dict[str, int]]:
    """Return one answer set per entry of base, shifted along the practices.

    Respondent i answers practice k with base[(i + k) % len(base)], so no
    respondent gives one value throughout (which would flag straight-lining).
    """
    return [
        {
            practice_id: base[(index + offset) % len(base)]
            for offset, practice_id in enumerate(practice_ids)
        }
        for index in range(len(base))
    ]
