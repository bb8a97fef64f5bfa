"""kill -9 of gunicorn's workers, then of the whole server, in the middle of a
load: every acknowledged response is stored whole, and nothing is half-written."""

import threading
import time

import pytest

from .checks import check_store_after_crash, unstored_acknowledgements
from .respondents import LoadRun
from .store import incomplete_responses, integrity_check, store_path, stored_responses

SUBMISSIONS = 200
THREADS = 12
KILL_WORKERS_AFTER = 20
# Seconds from a respondent posting its check page to each kill. Posting it
# took 0.1 to 0.3 s with 4 workers on 2 busy cores, so the kills land at
# different points of storing a submission and of other requests.
KILL_DELAYS = tuple(step * 0.03 for step in range(11))
ACKNOWLEDGED_BETWEEN_KILLS = 4
SUBMISSIONS_AFTER_RESTART = 12
WAIT_SECONDS = 300


def kill_after_send(load: LoadRun, delay: float, kill) -> None:
    """Call kill delay seconds after the next respondent posts its check page."""
    load.sending.clear()
    assert load.sending.wait(timeout=WAIT_SECONDS), "no respondent sent"
    time.sleep(delay)
    kill()


@pytest.mark.slow
def test_killed_server_keeps_acknowledged_responses(make_served_surveys):
    server, targets = make_served_surveys(SUBMISSIONS)
    load = LoadRun(server.url, targets, SUBMISSIONS, THREADS)
    runner = threading.Thread(target=load.run)
    runner.start()

    load.wait_for(KILL_WORKERS_AFTER, timeout=WAIT_SECONDS)
    for delay in KILL_DELAYS[:-1]:
        kill_after_send(load, delay, server.kill_workers)
        # The master starts new workers and the load goes on.
        load.wait_for(
            len(load.acknowledged) + ACKNOWLEDGED_BETWEEN_KILLS, timeout=WAIT_SECONDS
        )
    kill_after_send(load, KILL_DELAYS[-1], server.kill)
    runner.join(timeout=WAIT_SECONDS)

    assert not runner.is_alive()
    assert load.failures, "the kills interrupted no submission"
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
