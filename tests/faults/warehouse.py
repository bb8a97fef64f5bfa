"""Pipeline runs as subprocesses, and what the tests compare in their files."""

import hashlib
import os
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path

import duckdb

from pipeline.build import copy_raw
from pipeline.crash import CRASH_AT_VARIABLE, CRASH_DELAY_VARIABLE
from pipeline.load import load_raw
from pipeline.publish import Publication, publish_build
from pipeline.settings import PipelineSettings
from survey_app.config import PROJECT_ROOT

from .server import app_environment

PIPELINE_TIMEOUT_SECONDS = 900
# Seconds a run killed in the dbt build step waits first, so that dbt is
# past its start-up (6 s on 2 busy cores) and into the build.
DBT_CRASH_DELAY_SECONDS = 8
# Seconds a process of a killed run may take to end.
EXIT_GRACE_SECONDS = 10


def warehouse_dir(var_dir: Path) -> Path:
    return var_dir / "warehouse"


def published_path(var_dir: Path) -> Path:
    return warehouse_dir(var_dir) / "published.duckdb"


@dataclass(frozen=True)
class PipelineResult:
    returncode: int
    output: str


def run_pipeline(var_dir: Path, crash_at: str | None = None) -> PipelineResult:
    """Run `python -m pipeline.cli run` on var_dir, killed at crash_at if given.

    The output goes to a file rather than a pipe: reading a pipe to its end
    would also wait for any child process that outlived the run.
    """
    environment = app_environment(var_dir, secret_key="not-used-by-the-pipeline")
    environment.pop(CRASH_AT_VARIABLE, None)
    environment.pop(CRASH_DELAY_VARIABLE, None)
    if crash_at is not None:
        environment[CRASH_AT_VARIABLE] = crash_at
    if crash_at == "dbt build":
        environment[CRASH_DELAY_VARIABLE] = str(DBT_CRASH_DELAY_SECONDS)
    log_path = var_dir.parent / "pipeline.log"
    with open(log_path, "w+", encoding="utf-8") as log:
        completed = subprocess.run(
            [sys.executable, "-m", "pipeline.cli", "run"],
            cwd=PROJECT_ROOT,
            env=environment,
            stdout=log,
            stderr=subprocess.STDOUT,
            timeout=PIPELINE_TIMEOUT_SECONDS,
            check=False,
        )
        log.seek(0)
        return PipelineResult(completed.returncode, log.read())


def check_published(result: PipelineResult) -> None:
    """Fail with the end of the pipeline's log unless the run published."""
    assert result.returncode == 0, result.output[-4000:]


def file_sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def table_rows(path: Path, schema: str, exclude=()) -> dict[str, list[tuple]]:
    """Return every row of every table and view in schema, in a total order."""
    with duckdb.connect(str(path), read_only=True) as connection:
        names = [
            row[0]
            for row in connection.execute(
                "select table_name from information_schema.tables "
                "where table_schema = ? order by table_name",
                [schema],
            ).fetchall()
            if row[0] not in exclude
        ]
        return {
            name: connection.execute(
                f'select * from {schema}."{name}" order by all'  # noqa: S608
            ).fetchall()
            for name in names
        }


def publication(path: Path) -> dict:
    """Return the published file's marts.publication row."""
    with duckdb.connect(str(path), read_only=True) as connection:
        cursor = connection.execute("select * from marts.publication")
        columns = [column[0] for column in cursor.description]
        rows = cursor.fetchall()
    assert len(rows) == 1, rows
    return dict(zip(columns, rows[0], strict=True))


def processes_mentioning(text: str) -> list[str]:
    """Return the command lines of other processes whose arguments contain text.

    Waits up to EXIT_GRACE_SECONDS for them to end, so that only processes
    that outlive their run are returned.
    """
    deadline = time.monotonic() + EXIT_GRACE_SECONDS
    while True:
        found = _processes_mentioning(text)
        if not found or time.monotonic() > deadline:
            return found
        time.sleep(0.2)


def _processes_mentioning(text: str) -> list[str]:
    found = []
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit() or int(entry.name) == os.getpid():
            continue
        try:
            arguments = (entry / "cmdline").read_bytes().split(b"\0")
        except (FileNotFoundError, ProcessLookupError, PermissionError):
            continue
        command = " ".join(part.decode(errors="replace") for part in arguments)
        if text in command:
            found.append(f"{entry.name}: {command}")
    return found


def publish_without_dbt(var_dir: Path, run_id: int) -> None:
    """Load and publish with the pipeline's own steps, leaving out dbt and GX.

    The published file then has raw and marts.publication only, which is
    enough for tests of files rather than of indicators.
    """
    settings = PipelineSettings(
        database_url=f"sqlite:///{var_dir / 'imhars.sqlite'}",
        var_dir=var_dir,
        warehouse_dir=warehouse_dir(var_dir),
    )
    loaded = load_raw(settings.database_url, settings.raw_path)
    copy_raw(settings.raw_path, settings.build_path)
    publish_build(
        settings.build_path,
        settings.published_path,
        settings.previous_dir,
        Publication(run_id, loaded.new_responses, loaded.last_response_seq),
    )


def raw_response_ids(var_dir: Path) -> set[str]:
    """Return the response ids in raw.duckdb."""
    with duckdb.connect(":memory:") as connection:
        connection.execute(
            f"attach '{warehouse_dir(var_dir) / 'raw.duckdb'}' as raw_store (read_only)"
        )
        rows = connection.execute(
            "select response_id from raw_store.raw.responses"
        ).fetchall()
    return {row[0] for row in rows}


def query_file(path: Path, sql: str) -> list[tuple]:
    """Run a query on a DuckDB file opened read-only."""
    with duckdb.connect(str(path), read_only=True) as connection:
        return connection.execute(sql).fetchall()
