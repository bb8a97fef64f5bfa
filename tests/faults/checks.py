"""What a load must leave in the store, as lists of problems for assertions."""

from .respondents import Acknowledgement, LoadRun
from .store import (
    StoredResponse,
    incomplete_responses,
    integrity_check,
    spent_codes,
    store_path,
    stored_responses,
)


def unstored_acknowledgements(
    acknowledged: list[Acknowledgement], stored: dict[str, StoredResponse]
) -> list[str]:
    """Return a problem for each acknowledged submission not stored as sent."""
    problems = []
    for sent in acknowledged:
        found = stored.get(sent.response_id)
        if found is None:
            problems.append(f"{sent.response_id}: acknowledged but not stored")
            continue
        if found.token != sent.token:
            problems.append(f"{sent.response_id}: stored for link {found.token}")
        if found.answers != sent.answers:
            problems.append(f"{sent.response_id}: stored answers differ from sent")
        expected_year = (
            None if sent.year_group in (None, "none") else int(sent.year_group)
        )
        if found.year_group != expected_year:
            problems.append(
                f"{sent.response_id}: year group {found.year_group}, "
                f"sent {sent.year_group}"
            )
    return problems


def run_and_check_load(make_served_surveys, submissions: int, threads: int) -> None:
    """Submit concurrently, then check that stored equals acknowledged exactly."""
    server, targets = make_served_surveys(submissions)
    load = LoadRun(server.url, targets, submissions, threads)

    load.run()

    store = store_path(server.var_dir)
    stored = stored_responses(store)
    assert load.failures == []
    assert len(load.acknowledged) == submissions
    assert len(stored) == len(load.acknowledged)
    assert set(stored) == {sent.response_id for sent in load.acknowledged}
    assert unstored_acknowledgements(load.acknowledged, stored) == []
    assert incomplete_responses(store) == []
    coded = targets[0]
    coded_responses = [item for item in stored.values() if item.token == coded.token]
    assert spent_codes(store, coded.token) == len(coded_responses)
    assert integrity_check(store) == ["ok"]


def check_store_after_crash(store, load: LoadRun, coded_token: str) -> dict:
    """Check what a crash may not break; return the stored responses."""
    stored = stored_responses(store)
    assert unstored_acknowledgements(load.acknowledged, stored) == []
    assert incomplete_responses(store) == []
    assert integrity_check(store) == ["ok"]
    # A code's spend is committed before its response, so a crash in between
    # wastes that code: at most one per failed submission, never fewer spent
    # codes than stored responses.
    coded = [item for item in stored.values() if item.token == coded_token]
    spent = spent_codes(store, coded_token)
    assert spent >= len(coded)
    assert spent - len(coded) <= len(load.failures)
    return stored
