"""A long pause: an expired CSRF token or a lost session keeps every answer."""

import time

import pytest

from .pages import check_page

EXPIRED = "This page was open for a long time"


@pytest.fixture
def on_page_four(respondent):
    """A respondent who has answered the year group and pages 1 to 3 with 'Yes'."""
    respondent.start()
    respondent.post_page("/year-group", {"year_group": "6"})
    for number in (1, 2, 3):
        page = respondent.get(f"/page/{number}")
        response = respondent.post_page(
            f"/page/{number}", dict.fromkeys(page.radio_names(), "3"), page=page
        )
        assert response.status_code == 303
    return respondent


def finish_and_send(respondent):
    """Answer the remaining pages with 'No' and send."""
    respondent.answer_all(answer="1")
    return respondent.send()


def stored_values(store) -> dict[str, int | None]:
    return dict(store.execute("select question_id, value from answers"))


def test_expired_csrf_token_keeps_posted_answers(app, on_page_four, store):
    app.config["WTF_CSRF_TIME_LIMIT"] = 1
    page = on_page_four.get("/page/4")
    answers = dict.fromkeys(page.radio_names(), "2")
    time.sleep(2.1)

    response = on_page_four.post_page("/page/4", answers, page=page)

    again = check_page(response)
    assert EXPIRED in again.text(".govuk-notification-banner")
    assert again.select(".govuk-error-summary") == []
    assert again.checked_values() == answers
    assert again.text(".govuk-caption-l") == "Page 4 of 7"
    app.config["WTF_CSRF_TIME_LIMIT"] = 3600
    response = on_page_four.post_page("/page/4", answers, page=again)
    assert response.headers["Location"] == f"{on_page_four.base}/page/5"


def test_lost_session_rebuilt_from_form(on_page_four, store):
    page = on_page_four.get("/page/4")
    answers = dict.fromkeys(page.radio_names(), "2")
    on_page_four.client.delete_cookie("session")

    response = on_page_four.post_page("/page/4", answers, page=page)

    again = check_page(response)
    assert EXPIRED in again.text(".govuk-notification-banner")
    assert again.checked_values() == answers
    response = on_page_four.post_page("/page/4", answers, page=again)
    assert response.headers["Location"] == f"{on_page_four.base}/page/5"
    earlier = on_page_four.get("/page/1")
    assert set(earlier.checked_values().values()) == {"3"}
    finish_and_send(on_page_four)
    values = stored_values(store)
    assert len(values) == 21
    page_one_to_three = [v for q, v in values.items() if q.startswith("pri-P1")]
    assert set(page_one_to_three) == {3}
    assert store.execute("select year_group from responses").fetchone() == (6,)


def test_lost_session_at_check_page_keeps_answers(on_page_four, store):
    on_page_four.answer_all(answer="1")
    check = on_page_four.get("/check")
    on_page_four.client.delete_cookie("session")

    response = on_page_four.send(check)

    again = check_page(response)
    assert again.heading == "Check your answers"
    assert EXPIRED in again.text(".govuk-notification-banner")
    assert store.execute("select count(*) from responses").fetchone() == (0,)
    response = on_page_four.send(again)
    assert response.headers["Location"] == f"{on_page_four.base}/thank-you"
    assert len(stored_values(store)) == 21


def test_lost_session_keeps_is_too_fast_clock(app, on_page_four, store):
    app.config["MIN_SECONDS_PER_QUESTION"] = 100
    on_page_four.answer_all(answer="1")
    check = on_page_four.get("/check")
    on_page_four.client.delete_cookie("session")
    again = check_page(on_page_four.send(check))

    on_page_four.send(again)

    assert store.execute("select is_too_fast from responses").fetchone() == (1,)


def test_expired_token_on_year_group_page_keeps_choice(app, respondent):
    respondent.start()
    page = respondent.get("/year-group")
    respondent.client.delete_cookie("session")

    again = check_page(respondent.post_page("/year-group", {"year_group": "3"}, page))

    assert again.checked_values() == {"year_group": "3"}
    assert EXPIRED in again.text(".govuk-notification-banner")
