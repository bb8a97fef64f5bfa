"""Bad input to the questionnaire: a clear message or a 400 page, nothing corrupted."""

import io

import pytest
from werkzeug.datastructures import MultiDict

from .pages import Page, check_page


@pytest.fixture
def on_page_one(respondent):
    """A respondent with a year group given, looking at page 1."""
    respondent.start()
    respondent.post_page("/year-group", {"year_group": "4"})
    return respondent


def stored_counts(store) -> tuple[int, int]:
    responses = store.execute("select count(*) from responses").fetchone()[0]
    answers = store.execute("select count(*) from answers").fetchone()[0]
    return responses, answers


def test_value_outside_scale_shows_message(on_page_one, store):
    page = on_page_one.get("/page/1")
    answers = dict.fromkeys(page.radio_names(), "3")
    answers["pri-P1.4-a"] = "7"

    result = check_page(on_page_one.post_page("/page/1", answers, page=page))

    assert result.texts(".govuk-error-summary__list a") == [
        "Select one of the answers shown for ‘I feel safe at school’"
    ]
    assert stored_counts(store) == (0, 0)


@pytest.mark.parametrize("value", ["0", "-1", "3.0", "", " 3", "yes", "DK"])
def test_values_not_on_scale_rejected(on_page_one, value):
    page = on_page_one.get("/page/1")
    answers = dict.fromkeys(page.radio_names(), "1")
    answers["pri-P1.4-a"] = value

    response = on_page_one.post_page("/page/1", answers, page=page)

    assert response.status_code == 200
    assert Page.of(response).select(".govuk-error-summary")


def test_year_group_outside_school_rejected(respondent):
    respondent.start()

    result = check_page(respondent.post_page("/year-group", {"year_group": "9"}))

    assert result.texts(".govuk-error-summary__list a") == [
        "Select your year, or ‘Prefer not to say’"
    ]


def test_missing_answer_keeps_others(on_page_one):
    page = on_page_one.get("/page/1")
    answers = dict.fromkeys(page.radio_names()[:-1], "2")

    result = check_page(on_page_one.post_page("/page/1", answers, page=page))

    assert len(result.select(".govuk-error-summary__list li")) == 1
    assert result.checked_values() == answers


@pytest.mark.parametrize(
    "extra",
    [
        {"pri-P9.9-z": "1"},
        {"pri-P2.1-a": "1"},
        {"name": "Sam"},
        {"email": "sam@example.org"},
    ],
    ids=["unknown-question", "question-of-other-page", "name", "email"],
)
def test_extra_fields_rejected(on_page_one, store, extra):
    page = on_page_one.get("/page/1")
    answers = dict.fromkeys(page.radio_names(), "3")

    response = on_page_one.post_page("/page/1", answers, page=page, **extra)

    result = check_page(response, status=400)
    assert result.heading == "There is a problem with the answers sent"
    assert stored_counts(store) == (0, 0)


def test_repeated_field_rejected(on_page_one):
    page = on_page_one.get("/page/1")
    data = MultiDict(page.hidden_fields())
    for name in page.radio_names():
        data.add(name, "3")
    data.add("pri-P1.4-a", "1")

    response = on_page_one.client.post(f"{on_page_one.base}/page/1", data=data)

    check_page(response, status=400)


def test_repeated_field_on_check_page_rejected(respondent, store):
    respondent.start()
    respondent.answer_all()
    page = respondent.get("/check")
    data = MultiDict(page.hidden_fields())
    data.add("response_id", "x")

    response = respondent.client.post(f"{respondent.base}/check", data=data)

    check_page(response, status=400)
    assert stored_counts(store) == (0, 0)


def test_field_of_one_megabyte_rejected(on_page_one, store):
    page = on_page_one.get("/page/1")
    answers = dict.fromkeys(page.radio_names(), "3")
    answers["pri-P1.4-a"] = "3" * (1024 * 1024)

    response = on_page_one.post_page("/page/1", answers, page=page)

    assert response.status_code == 413
    assert "Cache-Control" in response.headers
    assert Page.of(response).select_one("h1") is not None
    assert stored_counts(store) == (0, 0)


def test_long_field_under_size_limit_gets_message(on_page_one):
    page = on_page_one.get("/page/1")
    answers = dict.fromkeys(page.radio_names(), "3")
    answers["pri-P1.4-a"] = "3" * (100 * 1024)

    result = check_page(on_page_one.post_page("/page/1", answers, page=page))

    assert result.texts(".govuk-error-summary__list a") == [
        "Select one of the answers shown for ‘I feel safe at school’"
    ]
    assert "3" * 100 not in result.html


def test_multipart_field_over_form_memory_limit_rejected(on_page_one):
    page = on_page_one.get("/page/1")
    data = page.hidden_fields()
    data["pri-P1.4-a"] = "3" * (100 * 1024)

    response = on_page_one.client.post(
        f"{on_page_one.base}/page/1", data=data, content_type="multipart/form-data"
    )

    assert response.status_code == 413


def test_form_without_csrf_field_rejected(on_page_one, store):
    page = on_page_one.get("/page/1")
    answers = dict.fromkeys(page.radio_names(), "3")

    response = on_page_one.client.post(f"{on_page_one.base}/page/1", data=answers)

    check_page(response, status=400)
    assert stored_counts(store) == (0, 0)


@pytest.mark.parametrize(
    ("body", "content_type"),
    [
        ('{"pri-P1.4-a": "3"}', "application/json"),
        ("pri-P1.4-a=3", "text/plain"),
        ("--x\r\nbroken", "multipart/form-data; boundary=x"),
        (b"\xff\xfe=\xff", "application/x-www-form-urlencoded"),
    ],
    ids=["json", "text", "broken-multipart", "not-utf8"],
)
def test_malformed_form_rejected(on_page_one, store, body, content_type):
    response = on_page_one.client.post(
        f"{on_page_one.base}/page/1", data=body, content_type=content_type
    )

    assert response.status_code == 400
    assert stored_counts(store) == (0, 0)


def test_uploaded_file_rejected(on_page_one):
    page = on_page_one.get("/page/1")
    data = page.hidden_fields()
    data["pri-P1.4-a"] = (io.BytesIO(b"3"), "answer.txt")

    response = on_page_one.client.post(
        f"{on_page_one.base}/page/1", data=data, content_type="multipart/form-data"
    )

    check_page(response, status=400)


def test_forged_progress_field_ignored(client, survey, store):
    page = client.get(f"/s/{survey.tokens['parent']}")
    token = Page.of(page).hidden_fields()["csrf_token"]

    response = client.post(
        f"/s/{survey.tokens['parent']}/check",
        data={"csrf_token": token, "progress": "forged", "response_id": "x"},
    )

    assert response.status_code == 303
    assert response.headers["Location"] == f"/s/{survey.tokens['parent']}"
    assert stored_counts(store) == (0, 0)


def test_progress_of_other_link_ignored(client, survey):
    parent = f"/s/{survey.tokens['parent']}"
    staff = f"/s/{survey.tokens['staff']}"
    start = Page.of(client.get(parent)).hidden_fields()
    client.post(parent, data={**start, "action": "start"})
    progress = Page.of(client.get(f"{parent}/page/1")).hidden_fields()["progress"]

    response = client.post(
        f"{staff}/page/1",
        data={"csrf_token": start["csrf_token"], "progress": progress},
    )

    assert response.status_code == 303
    assert response.headers["Location"] == staff


def test_unknown_start_action_rejected(respondent):
    data = respondent.get().hidden_fields()
    data["action"] = "delete"

    response = respondent.client.post(respondent.base, data=data)

    check_page(response, status=400)


def test_page_number_out_of_range_goes_to_start(respondent):
    respondent.start()

    response = respondent.client.get(f"{respondent.base}/page/99")

    assert response.status_code == 302


def test_overlong_token_shows_cannot_find(client):
    page = check_page(client.get("/s/" + "a" * 5000), status=404)

    assert page.heading == "We cannot find this survey"


def test_bad_input_leaves_earlier_submission_intact(respondent, store):
    respondent.submit()
    before = store.execute("select * from answers order by question_id").fetchall()
    respondent.start()
    respondent.post_page("/year-group", {"year_group": "4"})
    page = respondent.get("/page/1")

    respondent.post_page("/page/1", {"pri-P1.4-a": "99"}, page=page)
    respondent.post_page("/page/1", {"x": "1"}, page=page)

    after = store.execute("select * from answers order by question_id").fetchall()
    assert after == before
    assert stored_counts(store) == (1, 21)
