"""kill -9 of a gunicorn worker, then of the whole server, in the middle of a
load: every acknowledged response is stored whole, and nothing is half-written."""

import threading

import pytest

from .checks import check_store_after_crash, unstored_acknowledgements
from .respondents import LoadRun
from .store import incomplete_responses, integrity_check, store_path, stored_responses

SUBMISSIONS = 150
THREADS = 12
KILL_WORKER_AFTER = 30
KILL_SERVER_AFTER = 70
SUBMISSIONS_AFTER_RESTART = 12
WAIT_SECONDS = 300


@pytest.mark.slow
def test_killed_server_keeps_acknowledged_responses(make_served_surveys):
    server, targets = make_served_surveys(SUBMISSIONS)
    load = LoadRun(server.url, targets, SUBMISSIONS, THREADS)
    runner = threading.Thread(target=load.run)
    runner.start()

    load.wait_for(KILL_WORKER_AFTER, timeout=WAIT_SECONDS)
    server.kill_worker()
    # The master replaces the worker and the load goes on.
    load.wait_for(KILL_SERVER_AFTER, timeout=WAIT_SECONDS)
    server.kill()
    runner.join(timeout=WAIT_SECONDS)

    assert not runner.is_alive()
    assert load.failures, "the kill interrupted no submission"
    assert len(load.acknowledged) < SUBMISSIONS
    store = store_path(server.var_dir)
    stored = check_store_after_crash(store, load, targets[0].token)

    server.start()
    more = LoadRun(server.url, targets[1:], SUBMISSIONS_AFTER_RESTART, 4, seed=1)
    more.run()

    assert more.failures == []
    stored_after = stored_responses(store)
    assert len(stored_after) == len(stored) + SUBMISSIONS_AFTER_RESTART
    assert unstored_acknowledgements(more.acknowledged, stored_after) == []
    assert incomplete_responses(store) == []
    assert integrity_check(store) == ["ok"]
