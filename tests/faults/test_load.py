"""Concurrent questionnaires through gunicorn: every thank-you page is a stored
response, and nothing else is stored."""

import pytest

from .checks import run_and_check_load

SUBMISSIONS = 100
THREADS = 12


@pytest.mark.slow
def test_concurrent_submissions_all_stored(make_served_surveys):
    run_and_check_load(make_served_surveys, SUBMISSIONS, THREADS)
