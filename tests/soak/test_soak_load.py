"""Long loads through gunicorn: many concurrent questionnaires, with workers
killed along the way and backups taken while respondents write."""

import threading

import pytest
from faults.checks import (
    check_store_after_crash,
    run_and_check_load,
    unstored_acknowledgements,
)
from faults.commands import flask_command
from faults.respondents import LoadRun
from faults.store import (
    incomplete_responses,
    integrity_check,
    spent_codes,
    store_path,
    stored_responses,
)

SUBMISSIONS = 1200
THREADS = 16
KILLS = 5
WAIT_SECONDS = 1800


@pytest.mark.soak
@pytest.mark.timeout(7200)
def test_long_load_stores_every_acknowledged(make_served_surveys):
    run_and_check_load(make_served_surveys, SUBMISSIONS, THREADS)


@pytest.mark.soak
@pytest.mark.timeout(7200)
def test_repeated_kills_and_backups_during_load(make_served_surveys, tmp_path):
    server, targets = make_served_surveys(SUBMISSIONS)
    load = LoadRun(server.url, targets, SUBMISSIONS, THREADS)
    runner = threading.Thread(target=load.run)
    runner.start()

    backups = []
    step = SUBMISSIONS // (KILLS + 2)
    for number in range(1, KILLS + 1):
        load.wait_for(number * step, timeout=WAIT_SECONDS)
        server.kill_worker()
        backup_dir = tmp_path / f"backup-{number}"
        result = flask_command(server.var_dir, "backup", str(backup_dir))
        assert result.returncode == 0, result.stderr
        backups.append(backup_dir)
    load.wait_for((KILLS + 1) * step, timeout=WAIT_SECONDS)
    server.kill()
    runner.join(timeout=WAIT_SECONDS)

    assert not runner.is_alive()
    assert load.failures, "the kills interrupted no submission"
    store = store_path(server.var_dir)
    stored = check_store_after_crash(store, load, targets[0].token)
    for backup_dir in backups:
        copy = backup_dir / "imhars.sqlite"
        in_backup = stored_responses(copy)
        assert set(in_backup) <= set(stored)
        assert incomplete_responses(copy) == []
        assert integrity_check(copy) == ["ok"]
        coded = [item for item in in_backup.values() if item.token == targets[0].token]
        # The codes file is copied after the store, so it can hold the spends
        # of responses stored after the store's copy, never fewer.
        assert spent_codes(copy, targets[0].token) >= len(coded)
        assert (
            unstored_acknowledgements(
                [sent for sent in load.acknowledged if sent.response_id in in_backup],
                in_backup,
            )
            == []
        )
