"""Any POST to the questionnaire gets no server error and stores nothing invalid.

The forms are the start page (with and without access codes), the year
group, the question pages and the check page, on an open link, a link that
asks for codes and a kiosk link. Each example may carry a signed copy of a
complete questionnaire, as the server puts in its forms, so that the check
page's POST can reach the point of storing a response.
"""

import uuid

import pytest
from hypothesis import HealthCheck, event, given, settings
from hypothesis import strategies as st

from survey_app.db import get_db
from survey_app.models import SurveyLink
from survey_app.questionnaire import (
    DONT_KNOW,
    QuestionnaireState,
    load_questionnaire,
    sign_progress,
)

from .strategies import form_requests

pytestmark = [pytest.mark.dbt, pytest.mark.slow]

STEPS = ["", "/year-group", "/page/1", "/page/2", "/page/7", "/page/99", "/check"]
FIELDS = [
    "csrf_token",
    "progress",
    "action",
    "access_code",
    "year_group",
    "response_id",
]
SETTINGS = settings(
    max_examples=40,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)


def load_link_questionnaire(world, token: str):
    with world.app.app_context():
        db = get_db()
        link = db.query(SurveyLink).filter_by(token=token).one()
        return load_questionnaire(db, link.window.bank_version, link.stakeholder_group)


def step_fields(questionnaire, step: str, progress: str, response_id: str) -> dict:
    """Return the fields the step's form has, with the values it expects."""
    if step == "":
        return {
            "action": ["start", "restart"],
            "access_code": ["ACE-347-XYF", "ace 347 xyf"],
        }
    if step == "/year-group":
        years = [str(year) for year in questionnaire.year_groups]
        return {"progress": [progress], "year_group": [*years, "none"]}
    if step == "/check":
        return {"progress": [progress], "response_id": [response_id]}
    number = int(step.removeprefix("/page/"))
    page = questionnaire.page(number) or questionnaire.page(1)
    options = list(questionnaire.option_values)
    fields = {"progress": [progress]}
    fields.update({question.question_id: options for question in page.questions})
    return fields


def complete_state(question_ids, response_id: str, year_group) -> QuestionnaireState:
    answers = {
        question_id: ("2" if number % 5 else DONT_KNOW)
        for number, question_id in enumerate(question_ids)
    }
    return QuestionnaireState(
        response_id=response_id, answers=answers, year_group=year_group
    )


@pytest.fixture(scope="module")
def links(world):
    """Return each kind of link's token and questionnaire."""
    info = world.info
    tokens = {
        "open": info.school_a.parent_token,
        "codes": info.school_a.pupil_token,
        "kiosk": info.school_b.pupil_token,
    }
    return {
        kind: (token, load_link_questionnaire(world, token))
        for kind, token in tokens.items()
    }


@pytest.mark.parametrize("step", STEPS)
@SETTINGS
@given(data=st.data())
def test_questionnaire_posts_keep_store_valid(world, store_watch, links, step, data):
    kind = data.draw(st.sampled_from(["open", "codes", "kiosk"]), label="link")
    token, questionnaire = links[kind]
    query = data.draw(st.sampled_from(["", "?change=1", "?change=%ff"]), label="query")
    response_id = str(data.draw(st.uuids(version=4), label="response_id"))
    # Only states the server itself signs: a year group for pupils alone.
    years = [str(year) for year in questionnaire.year_groups]
    year_group = data.draw(st.sampled_from([*years, "none"])) if years else None
    question_ids = [question.question_id for question in questionnaire.questions]
    progress = sign_progress(
        world.app.secret_key,
        token,
        complete_state(question_ids, response_id, year_group),
    )
    fields = step_fields(questionnaire, step, progress, response_id)
    content_type, body = data.draw(
        form_requests(fields, world.csrf_token()), label="request"
    )

    client = world.client("anonymous")
    response = client.post(
        f"/s/{token}{step}{query}", data=body, content_type=content_type
    )

    event(f"{kind} {response.status_code}")
    assert response.status_code < 500
    assert store_watch.problems_since_last_check() == {}


def test_signed_state_stores_a_response(world, links):
    """A complete signed questionnaire posted to the check page is stored, so
    the examples above that post one (about one in ten) reach the store."""
    token, questionnaire = links["open"]
    question_ids = [question.question_id for question in questionnaire.questions]
    response_id = str(uuid.uuid4())
    progress = sign_progress(
        world.app.secret_key, token, complete_state(question_ids, response_id, None)
    )

    response = world.client("anonymous").post(
        f"/s/{token}/check",
        data={
            "csrf_token": world.csrf_token(),
            "progress": progress,
            "response_id": response_id,
        },
    )

    assert response.status_code == 303
    assert response.headers["Location"].endswith("/thank-you")
