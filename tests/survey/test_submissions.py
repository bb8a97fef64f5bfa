"""Submitting: stored once, codes spent once, and nothing that identifies anyone."""

import re
import threading

import pytest

from survey_app.windows import access_code_pepper, hash_access_code

from .conftest import Respondent
from .pages import Page, check_page

UUID4 = re.compile(
    r"^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$"
)


def count(store, table: str) -> int:
    return store.execute(f"select count(*) from {table}").fetchone()[0]


def test_double_post_stores_once(respondent, store):
    respondent.start()
    respondent.answer_all()
    check = respondent.get("/check")

    first = respondent.send(check)
    second = respondent.send(check)

    assert first.headers["Location"] == f"{respondent.base}/thank-you"
    assert second.status_code == 303
    assert second.headers["Location"] == f"{respondent.base}/thank-you"
    assert count(store, "responses") == 1
    assert count(store, "answers") == 21


def test_concurrent_double_post_stores_once(app, respondent, store):
    respondent.start()
    respondent.answer_all()
    data = respondent.get("/check").hidden_fields()
    cookie = respondent.client.get_cookie("session").value
    barrier = threading.Barrier(4)
    statuses = []

    def send():
        client = app.test_client()
        client.set_cookie("session", cookie)
        barrier.wait()
        response = client.post(f"{respondent.base}/check", data=data)
        statuses.append((response.status_code, response.headers.get("Location")))

    threads = [threading.Thread(target=send) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)

    assert statuses == [(303, f"{respondent.base}/thank-you")] * 4
    assert count(store, "responses") == 1
    assert count(store, "answers") == 21


def test_back_button_after_submission_starts_fresh(respondent, store):
    respondent.submit()

    response = respondent.client.get(f"{respondent.base}/check")

    assert response.status_code == 302
    assert response.headers["Location"] == respondent.base
    page = respondent.get()
    assert page.select("button[value=restart]") == []
    assert count(store, "responses") == 1


def test_response_id_is_random_uuid4(respondent, client, survey, store):
    respondent.submit()
    Respondent(client, survey.tokens["parent"]).submit()

    ids = [row[0] for row in store.execute("select response_id from responses")]

    assert len(set(ids)) == 2
    assert all(UUID4.match(response_id) for response_id in ids)


@pytest.fixture
def codes_survey(survey, issue_codes):
    """The primary survey's pupil link in codes mode, with three codes."""
    return issue_codes(survey.link_ids["pupil_primary"], count=3)


def test_code_lets_pupil_in_and_is_spent(respondent, codes_survey, store):
    code = codes_survey[0]
    page = respondent.get()
    assert page.select_one("input[name=access_code]") is not None

    response = respondent.start(code=code.lower().replace("-", " "))
    assert response.status_code == 303
    respondent.answer_all()
    respondent.send()

    spent = store.execute("select count(*) from access_codes where is_spent").fetchone()
    assert spent == (1,)
    assert count(store, "responses") == 1


def test_start_without_code_asks_for_it(respondent, codes_survey):
    page = check_page(respondent.start(code=""))

    assert page.texts(".govuk-error-summary__list a") == ["Enter your code"]


@pytest.mark.parametrize(
    ("typed", "message"),
    [
        ("AC-34", "Code ‘AC-34’ is not right. Check it: it has 3 groups of 3"),
        ("KKK-KKK-KKK", "Code ‘KKK-KKK-KKK’ is not a code for this survey"),
    ],
)
def test_wrong_code_rejected(respondent, codes_survey, typed, message):
    page = check_page(respondent.start(code=typed))

    assert page.texts(".govuk-error-summary__list a")[0].startswith(message)


def test_code_of_other_link_rejected(client, survey, issue_codes):
    issue_codes(survey.link_ids["pupil_primary"], count=1)
    parent_code = issue_codes(survey.link_ids["parent"], count=1)[0]
    pupil = Respondent(client, survey.tokens["pupil_primary"])

    page = check_page(pupil.start(code=parent_code))

    assert "is not a code for this survey" in page.text(".govuk-error-summary")


def test_spent_code_rejected_at_start(app, respondent, codes_survey):
    code = codes_survey[0]
    respondent.start(code=code)
    respondent.answer_all()
    respondent.send()
    other = Respondent(app.test_client(), respondent.token)

    page = check_page(other.start(code=code))

    assert page.texts(".govuk-error-summary__list a") == [
        f"Code ‘{code}’ has already been used. Ask your teacher for a new one"
    ]


def test_code_spent_once_when_two_people_use_it(app, respondent, codes_survey, store):
    code = codes_survey[0]
    other = Respondent(app.test_client(), respondent.token)
    for person in (respondent, other):
        assert person.start(code=code).status_code == 303
        person.answer_all()

    first = respondent.send()
    second = other.send()

    assert first.headers["Location"] == f"{respondent.base}/thank-you"
    page = check_page(second, status=409)
    assert page.heading == "This code has already been used"
    assert count(store, "responses") == 1
    assert count(store, "answers") == 21
    # The answers wait for a new code: sending again leads to the start page.
    assert other.send().headers["Location"] == other.base


def test_answers_kept_for_a_new_code(app, respondent, codes_survey, store):
    first_code, second_code = codes_survey[0], codes_survey[1]
    other = Respondent(app.test_client(), respondent.token)
    for person in (respondent, other):
        person.start(code=first_code)
        person.answer_all()
    respondent.send()
    refused = check_page(other.send(), status=409)

    restarted = other.start(code=second_code)
    sent = other.send()

    assert "Your answers are kept on this device" in refused.text("main")
    assert restarted.status_code == 303
    assert restarted.headers["Location"] == f"{other.base}/check"
    assert sent.headers["Location"] == f"{other.base}/thank-you"
    assert count(store, "responses") == 2
    assert count(store, "answers") == 42


def test_response_not_linkable_to_code(app, respondent, codes_survey, store):
    code = codes_survey[1]
    respondent.start(code=code)
    respondent.answer_all()
    respondent.send()
    with app.app_context():
        code_hash = hash_access_code(code, access_code_pepper())
    fragments = {
        code,
        code.replace("-", ""),
        code_hash,
        code_hash[:16],
        *code.split("-"),
    }

    rows = store.execute("select * from responses").fetchall()
    rows += store.execute("select * from answers").fetchall()

    for row in rows:
        for value in row:
            text = str(value).upper()
            assert not any(fragment.upper() in text for fragment in fragments)
    batch_ids = {row[0] for row in store.execute("select batch_id from access_codes")}
    response_columns = columns(store, "responses")
    assert not {"batch_id", "code_hash", "access_code"} & response_columns
    assert batch_ids


def columns(store, table: str) -> set[str]:
    return {row[1] for row in store.execute(f"pragma table_info({table})")}


def column_types(store, table: str) -> dict[str, str]:
    return {
        row[1]: row[2].upper() for row in store.execute(f"pragma table_info({table})")
    }


IDENTIFYING = re.compile(
    r"ip|addr|agent|browser|cookie|session|user|email|name|device|time|_at$|spent_"
)


@pytest.mark.parametrize(
    ("table", "expected"),
    [
        (
            "responses",
            {
                "response_seq": "INTEGER",
                "response_id": "VARCHAR(36)",
                "window_id": "INTEGER",
                "link_id": "INTEGER",
                "stakeholder_group": "VARCHAR(20)",
                "bank_version": "VARCHAR(20)",
                "submitted_on": "DATE",
                "year_group": "INTEGER",
                "is_too_fast": "BOOLEAN",
                "source": "VARCHAR(10)",
            },
        ),
        (
            "answers",
            {
                "response_seq": "INTEGER",
                "question_id": "VARCHAR(40)",
                "value": "INTEGER",
                "is_dont_know": "BOOLEAN",
            },
        ),
        (
            "access_codes",
            {
                "code_hash": "VARCHAR(64)",
                "link_id": "INTEGER",
                "batch_id": "INTEGER",
                "is_spent": "BOOLEAN",
            },
        ),
    ],
)
def test_schema_holds_nothing_identifying(store, table, expected):
    types = column_types(store, table)

    assert types == expected
    for column, column_type in types.items():
        assert not IDENTIFYING.search(column), column
        assert "TIME" not in column_type, column


def test_access_codes_keep_no_order_of_spending(store):
    sql = store.execute(
        "select sql from codes.sqlite_master where name = 'access_codes'"
    ).fetchone()[0]
    in_store = store.execute(
        "select count(*) from main.sqlite_master where name = 'access_codes'"
    ).fetchone()

    assert "WITHOUT ROWID" in sql.upper()
    assert in_store == (0,)


def test_stored_values_hold_date_only(respondent, store):
    respondent.submit()

    submitted_on = store.execute("select submitted_on from responses").fetchone()[0]

    assert re.fullmatch(r"\d{4}-\d{2}-\d{2}", submitted_on)


def test_kiosk_submission_clears_session(client, survey, set_access, store):
    set_access(survey.link_ids["pupil_primary"], kiosk=True)
    pupil = Respondent(client, survey.tokens["pupil_primary"])
    parent = Respondent(client, survey.tokens["parent"])
    parent.start()

    response = pupil.submit()

    assert response.headers["Location"] == f"{pupil.base}/thank-you"
    with client.session_transaction() as session:
        assert dict(session) == {}, "a kiosk keeps nothing of the sent questionnaire"
    page = pupil.get("/thank-you")
    refresh = page.select_one("meta[http-equiv=refresh]").get("content")
    assert refresh == f"20;url={pupil.base}"
    assert page.select_one(f"a.govuk-button[href='{pupil.base}']").text.strip() == (
        "Next person"
    )
    assert client.get(f"{pupil.base}/check").headers["Location"] == pupil.base
    assert count(store, "responses") == 1


def test_kiosk_thank_you_can_stay(client, survey, set_access):
    set_access(survey.link_ids["pupil_primary"], kiosk=True)
    pupil = Respondent(client, survey.tokens["pupil_primary"])

    page = pupil.get("/thank-you?stay=1")

    assert page.select("meta[http-equiv=refresh]") == []
    assert page.select("a.govuk-button")


def test_kiosk_double_post_after_clearing_stores_once(
    client, survey, set_access, store
):
    set_access(survey.link_ids["pupil_primary"], kiosk=True)
    pupil = Respondent(client, survey.tokens["pupil_primary"])
    pupil.start()
    pupil.answer_all()
    check = pupil.get("/check")

    pupil.send(check)
    again = pupil.send(check)

    assert again.headers["Location"] == f"{pupil.base}/thank-you"
    assert count(store, "responses") == 1


def test_non_kiosk_submission_keeps_other_questionnaires(client, survey):
    pupil = Respondent(client, survey.tokens["pupil_primary"])
    parent = Respondent(client, survey.tokens["parent"])
    parent.start()

    pupil.submit()

    assert client.get(f"{parent.base}/page/1").status_code == 200
    assert Page.of(client.get(pupil.base)).select("button[value=restart]") == []


def test_kiosk_old_form_sent_again_shows_no_answers(client, survey, set_access):
    set_access(survey.link_ids["pupil_primary"], kiosk=True)
    pupil = Respondent(client, survey.tokens["pupil_primary"])
    pupil.start()
    pupil.post_page("/year-group", {"year_group": "4"})
    old_page = pupil.get("/page/1")
    old_answers = dict.fromkeys(old_page.radio_names(), "3")
    pupil.answer_all()
    pupil.send()

    response = pupil.post_page("/page/1", old_answers, page=old_page)

    assert response.status_code == 303
    assert response.headers["Location"] == pupil.base
    start = pupil.get()
    assert start.select(".govuk-notification-banner") == []
    assert start.select("button[value=restart]") == []
    assert client.get(f"{pupil.base}/page/1").status_code == 302


def test_discarded_questionnaire_old_form_ignored(client, survey, set_access):
    set_access(survey.link_ids["pupil_primary"], kiosk=True)
    pupil = Respondent(client, survey.tokens["pupil_primary"])
    pupil.start()
    pupil.post_page("/year-group", {"year_group": "4"})
    old_page = pupil.get("/page/1")
    data = pupil.get().hidden_fields()
    client.post(pupil.base, data={**data, "action": "restart"})

    response = pupil.post_page(
        "/page/1", dict.fromkeys(old_page.radio_names(), "3"), page=old_page
    )

    assert response.headers["Location"] == pupil.base
    assert client.get(f"{pupil.base}/page/1").status_code == 302


def test_old_form_of_earlier_run_leaves_current_run(client, survey):
    pupil = Respondent(client, survey.tokens["pupil_primary"])
    pupil.start()
    pupil.post_page("/year-group", {"year_group": "4"})
    old_page = pupil.get("/page/1")
    data = pupil.get().hidden_fields()
    client.post(pupil.base, data={**data, "action": "restart"})
    pupil.start()
    pupil.post_page("/year-group", {"year_group": "6"})

    response = pupil.post_page(
        "/page/1", dict.fromkeys(old_page.radio_names(), "1"), page=old_page
    )

    assert response.headers["Location"] == pupil.base
    assert pupil.get("/page/1").checked_values() == {}
    assert pupil.get("/year-group").checked_values() == {"year_group": "6"}
