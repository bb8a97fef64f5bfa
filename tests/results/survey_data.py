"""Schools, windows, links and responses written to the operational store.

The real pipeline turns these into the published warehouse, so the
end-to-end results tests start from the same rows the questionnaire writes.
"""

import random
import uuid
from datetime import date

from sqlalchemy import select
from sqlalchemy.orm import Session

from survey_app.calendar import academic_year_bounds
from survey_app.models import (
    Answer,
    Question,
    Response,
    Scale,
    School,
    SurveyLink,
    SurveyWindow,
)
from survey_app.models import (
    BankGroup as BankGroupModel,
)

BANK_VERSION = "2024.1"


class SurveyData:
    """Adds survey rows through one session; call commit() when done."""

    def __init__(self, session: Session, seed: int = 7):
        self.session = session
        self.random = random.Random(seed)

    def add_school(self, name: str, phase: str = "primary") -> School:
        school = School(name=name, phase=phase)
        self.session.add(school)
        self.session.flush()
        return school

    def add_window(
        self, school: School, academic_year: str = "2024/25"
    ) -> SurveyWindow:
        opens_on, closes_on = academic_year_bounds(academic_year)
        window = SurveyWindow(
            school_id=school.school_id,
            academic_year=academic_year,
            opens_on=opens_on,
            closes_on=closes_on,
            bank_version=BANK_VERSION,
        )
        self.session.add(window)
        self.session.flush()
        return window

    def add_link(
        self, window: SurveyWindow, group: str, number_on_roll: int | None = None
    ) -> SurveyLink:
        link = SurveyLink(
            window_id=window.window_id,
            stakeholder_group=group,
            token=uuid.uuid4().hex[:12],
            access_mode="open",
            number_on_roll=number_on_roll,
        )
        self.session.add(link)
        self.session.flush()
        return link

    def add_responses(
        self,
        link: SurveyLink,
        count: int,
        *,
        favourable: float = 0.7,
        year_groups: tuple[int | None, ...] = (None,),
    ) -> None:
        """Add count complete responses; favourable is the chance of a top answer."""
        window = self.session.get(SurveyWindow, link.window_id)
        questions = self._questions(link.stakeholder_group)
        points = self._points(link.stakeholder_group)
        submitted_on = min(date(window.opens_on.year, 11, 15), window.closes_on)
        for index in range(count):
            response = Response(
                response_id=str(uuid.uuid4()),
                window_id=window.window_id,
                link_id=link.link_id,
                stakeholder_group=link.stakeholder_group,
                bank_version=BANK_VERSION,
                submitted_on=submitted_on,
                year_group=year_groups[index % len(year_groups)],
                is_too_fast=False,
                source="survey",
            )
            for question_id in questions:
                if self.random.random() < favourable:
                    value = points
                else:
                    value = self.random.randint(1, points)
                response.answers.append(
                    Answer(question_id=question_id, value=value, is_dont_know=False)
                )
            self.session.add(response)
        self.session.flush()

    def commit(self) -> None:
        self.session.commit()

    def _questions(self, group: str) -> list[str]:
        return list(
            self.session.scalars(
                select(Question.question_id)
                .where(
                    Question.bank_version == BANK_VERSION,
                    Question.stakeholder_group == group,
                )
                .order_by(Question.position)
            )
        )

    def _points(self, group: str) -> int:
        return self.session.scalar(
            select(Scale.points)
            .join(
                BankGroupModel,
                (BankGroupModel.bank_version == Scale.bank_version)
                & (BankGroupModel.scale_id == Scale.scale_id),
            )
            .where(
                BankGroupModel.bank_version == BANK_VERSION,
                BankGroupModel.stakeholder_group == group,
            )
        )
