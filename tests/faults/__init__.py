"""Fault tests; their helper modules get pytest's assertion messages too."""

import pytest

pytest.register_assert_rewrite(
    "faults.checks", "faults.crash_runs", "faults.disks", "faults.warehouse"
)
