"""The questionnaire through the test client: pages, validation and what is stored."""

import time

import pytest

from survey_app.calendar import london_today

from .conftest import Respondent, current_academic_year, shift_academic_year
from .pages import Page, check_page


def test_start_page_explains_survey(respondent):
    page = respondent.get()

    assert page.heading == "Tell us about your school"
    text = page.text("main")
    assert "Hillside Primary" in text
    assert "You do not write your name" in text
    assert "There are 21 questions. It takes about 5 minutes." in text
    assert page.select("input[name=access_code]") == []
    assert page.select_one("button[value=start]") is not None


def test_start_redirects_pupils_to_year_group(respondent):
    response = respondent.start()

    assert response.status_code == 303
    assert response.headers["Location"] == f"{respondent.base}/year-group"


def test_year_group_offers_school_years_only(respondent):
    respondent.start()

    page = respondent.get("/year-group")

    labels = page.texts(".govuk-radios__label")
    assert labels == ["Year 3", "Year 4", "Year 5", "Year 6", "Prefer not to say"]
    assert page.heading == "What year are you in?"


def test_secondary_year_group_offers_years_7_to_13(client, make_survey):
    survey = make_survey(phase="secondary", name="Northgate Academy")
    pupil = Respondent(client, survey.tokens["pupil_secondary"])
    pupil.start()

    page = pupil.get("/year-group")

    assert page.texts(".govuk-radios__label")[0] == "Year 7"
    assert page.texts(".govuk-radios__label")[-2:] == ["Year 13", "Prefer not to say"]


def test_adults_skip_year_group(client, survey):
    parent = Respondent(client, survey.tokens["parent"])

    response = parent.start()

    assert response.headers["Location"] == f"{parent.base}/page/1"
    assert client.get(f"{parent.base}/year-group").status_code == 303


def test_question_page_shows_progress_and_scale(respondent):
    respondent.start()
    respondent.post_page("/year-group", {"year_group": "5"})
    first = respondent.get("/page/1")
    respondent.post_page("/page/1", dict.fromkeys(first.radio_names(), "3"))

    page = respondent.get("/page/2")

    assert first.text(".govuk-caption-l") == "Page 1 of 7"
    assert page.text(".govuk-caption-l") == "Page 2 of 7"
    assert page.heading == "Getting on with others"
    legends = page.texts("legend")
    assert "At school we learn how to listen to each other." in legends
    first = page.radio_names()[0]
    labels = [
        label.text.strip()
        for label in page.select(".govuk-radios__label")
        if label.get("for", "").startswith(first)
    ]
    assert labels == ["No", "Sometimes", "Yes", "Not sure"]


def test_page_cannot_skip_ahead(respondent):
    respondent.start()
    respondent.post_page("/year-group", {"year_group": "5"})

    response = respondent.client.get(f"{respondent.base}/page/4")

    assert response.status_code == 303
    assert response.headers["Location"] == f"{respondent.base}/page/1"


def test_missing_answer_shows_error_summary(respondent):
    respondent.start()
    respondent.post_page("/year-group", {"year_group": "5"})
    page = respondent.get("/page/1")
    names = page.radio_names()

    response = respondent.post_page("/page/1", {names[0]: "3"}, page=page)

    page = check_page(response)
    assert page.title.startswith("Error: ")
    summary = page.texts(".govuk-error-summary__list a")
    assert "Select an answer for ‘I feel safe at school’" in summary
    messages = page.texts(".govuk-error-message")
    assert messages == [
        "Error: Select an answer for ‘I feel safe at school’",
        "Error: Select an answer for ‘We have fun and laugh together at school’",
    ]
    assert page.checked_values() == {names[0]: "3"}


def test_missing_year_group_shows_error(respondent):
    respondent.start()

    page = check_page(respondent.post_page("/year-group", {}))

    assert page.texts(".govuk-error-summary__list a") == [
        "Select your year, or ‘Prefer not to say’"
    ]


def test_check_page_lists_answers_with_change_links(respondent):
    respondent.start()
    respondent.answer_all(answer="dk", year_group="none")

    page = respondent.get("/check")

    assert page.heading == "Check your answers"
    values = page.texts(".govuk-summary-list__value")
    assert values[0] == "Prefer not to say"
    assert values[1:] == ["Not sure"] * 21
    change = page.select(".govuk-summary-list__actions a")[3]
    assert change.get("href") == f"{respondent.base}/page/1?change=1"


def test_change_from_check_page_returns_there(respondent):
    respondent.start()
    respondent.answer_all(answer="2")
    page = respondent.get("/page/3?change=1")
    answers = dict.fromkeys(page.radio_names(), "3")

    response = respondent.post_page("/page/3?change=1", answers, page=page)

    assert response.headers["Location"] == f"{respondent.base}/check"
    values = respondent.get("/check").texts(".govuk-summary-list__value")
    assert values.count("Yes") == len(answers)


def test_submission_stores_response_and_answers(respondent, store):
    respondent.start()
    respondent.answer_all(answer="3", year_group="5")

    response = respondent.send()

    assert response.status_code == 303
    assert response.headers["Location"] == f"{respondent.base}/thank-you"
    rows = store.execute(
        "select stakeholder_group, bank_version, submitted_on, year_group, source "
        "from responses"
    ).fetchall()
    assert rows == [
        ("pupil_primary", "2025.1", london_today().isoformat(), 5, "survey")
    ]
    answers = store.execute(
        "select count(*), min(value), max(value), sum(is_dont_know) from answers"
    ).fetchone()
    assert answers == (21, 3, 3, 0)


def test_dont_know_stored_as_null_value(respondent, store):
    respondent.start()
    respondent.answer_all(answer="dk", year_group="none")

    respondent.send()

    assert store.execute("select year_group from responses").fetchone() == (None,)
    assert store.execute(
        "select count(*) from answers where value is null and is_dont_know"
    ).fetchone() == (21,)


def test_fast_submission_flagged_too_fast(respondent, store):
    respondent.submit()

    assert store.execute("select is_too_fast from responses").fetchone() == (1,)


def test_unhurried_submission_not_flagged(app, respondent, store):
    app.config["MIN_SECONDS_PER_QUESTION"] = 0.05
    respondent.start()
    respondent.answer_all()
    time.sleep(0.05 * 21 + 0.2)

    respondent.send()

    assert store.execute("select is_too_fast from responses").fetchone() == (0,)


def test_primary_thank_you_page_points_to_help(respondent):
    respondent.submit()

    page = respondent.get("/thank-you")

    assert page.heading == "Your answers have been sent"
    text = page.text("main")
    assert "talk to an adult you trust at school" in text
    assert "Childline on 0800 1111" in text
    assert "it is free, and you can call any time" in text
    assert "nobody can help you because of your answers" in text
    assert page.select("meta[http-equiv=refresh]") == []


def test_secondary_thank_you_page_points_to_help(client, make_survey):
    survey = make_survey(phase="secondary", name="Northgate Academy")
    pupil = Respondent(client, survey.tokens["pupil_secondary"])

    page = pupil.get("/thank-you")

    text = page.text("main")
    assert "nobody can follow up on your answers" in text
    assert "call 0800 1111 or go to childline.org.uk" in text
    assert "talk to someone you trust at school" in text


def test_parent_questionnaire_stores_no_year_group(client, survey, store):
    parent = Respondent(client, survey.tokens["parent"])

    parent.submit()

    rows = store.execute("select stakeholder_group, year_group from responses")
    assert rows.fetchall() == [("parent", None)]
    count = store.execute("select count(*) from answers").fetchone()[0]
    assert count == 23


def test_pages_follow_frozen_bank_version(client, make_survey, app):
    survey = make_survey(name="Old Bank Primary")
    with app.app_context():
        from survey_app.db import get_db
        from survey_app.models import SurveyWindow

        db = get_db()
        db.get(SurveyWindow, survey.window_id).bank_version = "2024.1"
        db.commit()
    pupil = Respondent(client, survey.tokens["pupil_primary"])
    pupil.start()
    pupil.post_page("/year-group", {"year_group": "4"})

    page = pupil.get("/page/1")

    assert page.radio_names()[0] == "pri-P1.1-a"


@pytest.mark.parametrize("path", ["", "/year-group", "/page/1", "/check", "/thank-you"])
def test_questionnaire_pages_not_cached(respondent, path):
    respondent.start()

    response = respondent.client.get(respondent.base + path)

    assert response.headers["Cache-Control"] == "no-store"


def test_error_pages_of_questionnaire_not_cached(client):
    response = client.post("/s/nosuchtk/page/1", data={"x": "1"})

    assert response.status_code == 404
    assert response.headers["Cache-Control"] == "no-store"


def test_unknown_link_shows_cannot_find(client):
    page = check_page(client.get("/s/zzzzzzzz"), status=404)

    assert page.heading == "We cannot find this survey"


def test_closed_window_shows_closed(client, make_survey):
    last_year = shift_academic_year(current_academic_year(), -1)
    survey = make_survey(academic_year=last_year)

    for path in ("", "/page/1", "/check"):
        page = check_page(client.get(f"/s/{survey.tokens['parent']}{path}"), status=410)
        assert page.heading == "This survey is closed"


def test_future_window_shows_opening_date(client, make_survey):
    next_year = shift_academic_year(current_academic_year(), 1)
    survey = make_survey(academic_year=next_year)
    start_year = int(next_year[:4])

    page = check_page(client.get(f"/s/{survey.tokens['parent']}"))

    assert page.heading == f"This survey opens on 1 September {start_year}"


def test_closed_window_rejects_submission(client, make_survey, store):
    last_year = shift_academic_year(current_academic_year(), -1)
    survey = make_survey(academic_year=last_year)

    response = client.post(f"/s/{survey.tokens['parent']}/check", data={})

    assert response.status_code == 410
    assert store.execute("select count(*) from responses").fetchone() == (0,)


def test_start_again_clears_answers(respondent):
    respondent.start()
    respondent.post_page("/year-group", {"year_group": "5"})
    page = respondent.get()
    assert "You have already started this survey" in page.text("main")
    data = page.hidden_fields()
    data["action"] = "restart"

    respondent.client.post(respondent.base, data=data)

    page = respondent.get()
    assert page.select("button[value=restart]") == []
    assert respondent.client.get(respondent.base + "/page/1").status_code == 302


def test_page_without_session_goes_to_start(respondent):
    response = respondent.client.get(respondent.base + "/page/1")

    assert response.status_code == 302
    assert response.headers["Location"] == respondent.base


def test_thank_you_page_title_has_no_error_prefix(respondent):
    respondent.submit()

    page = Page.of(respondent.client.get(respondent.base + "/thank-you"))

    assert not page.title.startswith("Error")
