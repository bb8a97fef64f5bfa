"""kill -9 of a gunicorn worker after a code's spend is committed and before its
response is stored: the code is wasted, never usable a second time."""

import random

import pytest

from survey_app.submissions import CODE_SPENT, CRASH_AT_VARIABLE

from .respondents import SubmissionFailedError, WebRespondent
from .server import GunicornServer
from .store import (
    create_open_surveys,
    integrity_check,
    spent_codes,
    store_path,
    stored_responses,
)

CODE_USED_STATUS = 409


@pytest.fixture
def crashing_server(tmp_path):
    """A server on surveys open today whose workers kill themselves right after
    spending a code; returns the server and the survey targets."""
    var_dir = tmp_path / "var"
    server = GunicornServer(var_dir, tmp_path / "gunicorn.log", workers=2)
    targets = create_open_surveys(var_dir, server.secret_key, respondents=8)
    server.extra_environment = {CRASH_AT_VARIABLE: CODE_SPENT}
    server.start()
    yield server, targets
    server.stop()


@pytest.mark.slow
def test_crash_after_spend_wastes_the_code(crashing_server):
    server, targets = crashing_server
    coded = targets[0]
    wasted_code, spare_code = coded.codes[0], coded.codes[1]
    store = store_path(server.var_dir)
    pupil = WebRespondent(server.url, coded, random.Random(1))
    check_page = pupil.answer_all(wasted_code)

    with pytest.raises(SubmissionFailedError) as crash:
        pupil.send(check_page)
    stored_after_crash = stored_responses(store)
    spent_after_crash = spent_codes(store, coded.token)
    # Without the hook, the same pupil sends the same response again.
    server.stop()
    server.extra_environment = {}
    server.start()
    with pytest.raises(SubmissionFailedError) as resent:
        pupil.send(check_page)
    with pytest.raises(SubmissionFailedError) as reused:
        WebRespondent(server.url, coded, random.Random(2)).submit(wasted_code)
    other = WebRespondent(server.url, coded, random.Random(3)).submit(spare_code)

    # The worker died mid-request, so no status came back.
    assert crash.value.status is None
    assert stored_after_crash == {}
    assert spent_after_crash == 1
    assert resent.value.status == CODE_USED_STATUS
    # The start page came back with the code's error instead of a question.
    assert "titled 'Error: " in str(reused.value)
    stored = stored_responses(store)
    assert set(stored) == {other.response_id}
    assert spent_codes(store, coded.token) == 2
    assert integrity_check(store) == ["ok"]
