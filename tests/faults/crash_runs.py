"""Stores published once, clean builds, and the checks of a killed pipeline run."""

import shutil
import signal
from pathlib import Path

from .survey_data import add_responses, create_surveys
from .warehouse import (
    PipelineResult,
    check_published,
    file_sha256,
    processes_mentioning,
    publication,
    published_path,
    run_pipeline,
    table_rows,
)

ACADEMIC_YEARS = ["2023/24", "2024/25"]
FIRST_RESPONSES = 60
LATER_RESPONSES = 40
LATER_SEED = 2
# Tables that differ between runs of the same data by design: the run id and
# times of marts.publication, the load time in raw.load_state.
VOLATILE_TABLES = {"marts": ("publication",), "raw": ("load_state",)}


def publish_first_responses(var_dir: Path) -> None:
    """Create a store with responses under var_dir and publish it once."""
    create_surveys(var_dir, ACADEMIC_YEARS)
    add_responses(var_dir, FIRST_RESPONSES, seed=1)
    check_published(run_pipeline(var_dir))


def add_later_responses(var_dir: Path) -> None:
    add_responses(var_dir, LATER_RESPONSES, seed=LATER_SEED)


def build_clean(published_once: Path, var_dir: Path) -> Path:
    """Publish the first and later responses in a fresh warehouse; return the file."""
    var_dir.mkdir(parents=True)
    # The store and its access codes file, which the load reads too.
    for name in ("imhars.sqlite", "imhars-codes.sqlite"):
        shutil.copy2(published_once / name, var_dir / name)
    add_later_responses(var_dir)
    check_published(run_pipeline(var_dir))
    return published_path(var_dir)


class PublishedState:
    """The published file's bytes and run id, to check that a run left them."""

    def __init__(self, var_dir: Path):
        self.path = published_path(var_dir)
        self.sha256 = file_sha256(self.path)
        self.run_id = publication(self.path)["run_id"]

    def check_unchanged(self) -> None:
        assert file_sha256(self.path) == self.sha256
        assert publication(self.path)["run_id"] == self.run_id


def check_killed(result: PipelineResult, var_dir: Path, step: str) -> None:
    """Check that the run was killed at step and left no process running."""
    assert result.returncode == -signal.SIGKILL, result.output[-4000:]
    assert f"IMHARS_PIPELINE_CRASH_AT='{step}'" in result.output
    assert processes_mentioning(str(var_dir)) == []


def check_same_as_clean(published: Path, clean: Path) -> None:
    """Check every marts and raw table row for row against a clean run's."""
    for schema, volatile in VOLATILE_TABLES.items():
        found = table_rows(published, schema, exclude=volatile)
        expected = table_rows(clean, schema, exclude=volatile)
        assert sorted(found) == sorted(expected), f"{schema} has other tables"
        for table, rows in expected.items():
            assert found[table] == rows, f"{schema}.{table} differs from a clean run"
    for column in ("n_responses", "last_response_seq"):
        assert publication(published)[column] == publication(clean)[column]


def check_recovered(result: PipelineResult, var_dir: Path, clean: Path) -> None:
    """Check that a run after a killed one published what a clean run did."""
    check_published(result)
    assert "marking abandoned pipeline run" in result.output
    assert list((var_dir / "warehouse" / "build").iterdir()) == []
    check_same_as_clean(published_path(var_dir), clean)
