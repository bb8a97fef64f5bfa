"""The warehouse pipeline at scale, against the hand-written reference.

Every run is the real command, `imhars-pipeline run`, in a child process
whose process tree's memory is sampled. Step times come from the
pipeline's own log lines ("load started" ... "publish finished").

All runs share one workspace, so that dbt's partial parsing state (in
warehouse/dbt-target) carries over as it does in an installation; `dbt
parse` fills it first. The measurements:

- start-up: a run on the store without responses (schools, windows and
  links only), whose dbt build and validation steps are the fixed cost of
  dbt and Great Expectations;
- full rebuild: the generated store, with raw.duckdb and the published
  file deleted first;
- the reference (bench.reference) on the same store, and DuckDB reading
  the same responses and answers from Parquet;
- increment: 2,000 new responses added to the store before a run.
"""

import json
import logging
import re
import shutil
import subprocess
import sys
import time
from dataclasses import dataclass, field
from datetime import date, datetime
from pathlib import Path

from .memory import TreeMemorySampler
from .servers import PIPELINE, Workspace
from .settings import INCREMENT, PROJECT_ROOT, BenchSettings
from .store import StoreFiles, add_responses, copy_store

logger = logging.getLogger(__name__)

STEPS = ("load", "dbt build", "validation", "publish")
STEP_LINE = re.compile(
    r"^(\d{4}-\d\d-\d\d \d\d:\d\d:\d\d,\d{3}) INFO pipeline\.run: "
    r"(load|dbt build|validation|publish) (started|finished)$",
    re.MULTILINE,
)
# Kept between runs: dbt's parsed project, as in an installation.
KEPT_WAREHOUSE_ENTRIES = ("dbt-target", "logs")


@dataclass
class PipelineRun:
    """One `imhars-pipeline run`: wall time, step times, peak memory, outcome."""

    label: str
    seconds: float
    steps: dict[str, float]
    peak_bytes: int
    killed_at_cap: bool
    timed_out: bool
    returncode: int
    message: str
    log_path: str
    slowest_dbt_nodes: list[tuple[str, float]] = field(default_factory=list)
    dbt_seconds_by_kind: dict[str, float] = field(default_factory=dict)
    # Per Great Expectations suite: (name, seconds, rows read).
    suites: list[tuple[str, float, int]] = field(default_factory=list)
    step_peak_bytes: dict[str, int] = field(default_factory=dict)
    # The pipeline process's own peak, and its children's (dbt's) peak.
    peak_pipeline_bytes: int = 0
    peak_dbt_bytes: int = 0
    # The sum of the processes' own peaks (VmHWM), an upper bound of peak_bytes.
    high_water_sum_bytes: int = 0
    # The step, and the dbt node, that were running when the run was stopped.
    unfinished_step: str | None = None
    unfinished_dbt_node: str | None = None

    @property
    def succeeded(self) -> bool:
        return self.returncode == 0 and not self.killed_at_cap and not self.timed_out


@dataclass
class ChildRun:
    """A reference or Parquet run in a child process, with its JSON result."""

    seconds: float
    peak_bytes: int
    killed_at_cap: bool
    result: dict


@dataclass
class PipelineResults:
    scale: int
    answers: int = 0
    startup: list[PipelineRun] = field(default_factory=list)
    full: list[PipelineRun] = field(default_factory=list)
    reference: list[ChildRun] = field(default_factory=list)
    parquet: list[ChildRun] = field(default_factory=list)
    increment: list[PipelineRun] = field(default_factory=list)
    warm_up_seconds: float = 0.0
    notes: list[str] = field(default_factory=list)

    @property
    def published(self) -> bool:
        """Whether the last full rebuild or increment published the full store."""
        runs = self.full[-1:] + self.increment[-1:]
        return bool(runs) and runs[-1].succeeded


def pipeline_workspace(settings: BenchSettings) -> Workspace:
    return Workspace(settings.work_dir / "pipeline")


def warm_up(settings: BenchSettings, files: StoreFiles) -> float:
    """Parse the dbt project once, so every measured run parses it partially.

    Returns the seconds `dbt parse` took. dbt keeps its parsed project in
    the workspace's dbt-target folder and reparses only changed files.
    """
    from pipeline.settings import DEFAULT_DBT_PROJECT_DIR

    workspace = pipeline_workspace(settings)
    copy_store(files.empty, workspace.store_path)
    wipe_warehouse(workspace)
    warehouse = workspace.warehouse_dir
    project = str(DEFAULT_DBT_PROJECT_DIR.resolve())
    # The same arguments and database path as pipeline.build.run_dbt_build,
    # so that dbt accepts the parsed project in every later run.
    command = [
        sys.executable,
        "-m",
        "pipeline.dbt_invoke",
        str(warehouse / "logs" / "dbt-parse-summary.json"),
        "parse",
        "--project-dir",
        project,
        "--profiles-dir",
        project,
        "--target-path",
        str((warehouse / "dbt-target").resolve()),
        "--log-path",
        str((warehouse / "logs").resolve()),
    ]
    environment = workspace.environment() | {
        "IMHARS_DBT_DATABASE": str((warehouse / "build" / "published.duckdb").resolve())
    }
    (warehouse / "logs").mkdir(parents=True, exist_ok=True)
    started = time.perf_counter()
    subprocess.run(  # noqa: S603 - fixed argv, no shell
        command,
        cwd=PROJECT_ROOT,
        env=environment,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        check=True,
    )
    return time.perf_counter() - started


def measure_startup(
    settings: BenchSettings, files: StoreFiles, results: PipelineResults
) -> None:
    """Run the pipeline on the store without responses: dbt's and GX's fixed cost."""
    workspace = pipeline_workspace(settings)
    copy_store(files.empty, workspace.store_path)
    wipe_warehouse(workspace)
    label = f"startup-{len(results.startup) + 1}"
    results.startup.append(_run(settings, workspace, label))


def measure_full(
    settings: BenchSettings, files: StoreFiles, results: PipelineResults
) -> bool:
    """Rebuild the warehouse from the generated store; return whether it published."""
    workspace = pipeline_workspace(settings)
    copy_store(files.full, workspace.store_path)
    if not results.answers:
        results.answers = _count_answers(workspace.store_path)
    wipe_warehouse(workspace)
    run = _run(settings, workspace, f"full-{len(results.full) + 1}")
    results.full.append(run)
    if not run.succeeded:
        results.notes.append(
            f"Full rebuild {run.label} did not finish ({describe_failure(run)}), "
            "so the increments and pages after it were not measured."
        )
    return run.succeeded


def measure_reference(
    settings: BenchSettings, files: StoreFiles, results: PipelineResults
) -> None:
    """Build the hand-written reference once, then time DuckDB reading Parquet.

    The first reference build is compared with the published marts.
    """
    reference_dir = settings.work_dir / "reference"
    reference_dir.mkdir(parents=True, exist_ok=True)
    database = reference_dir / "reference.duckdb"
    number = len(results.reference) + 1
    arguments = ["build", str(files.full), str(database)]
    published = pipeline_workspace(settings).warehouse_dir / "published.duckdb"
    if number == 1 and results.full and results.full[-1].succeeded:
        arguments.append(str(published))
    cap = settings.memory_cap_bytes
    timeout = settings.pipeline_timeout
    results.reference.append(
        run_child(arguments, reference_dir / f"build-{number}.json", cap, timeout)
    )
    parquet_dir = settings.work_dir / "parquet"
    if number == 1:
        shutil.rmtree(parquet_dir, ignore_errors=True)
    results.parquet.append(
        run_child(
            ["parquet", str(database), str(parquet_dir)],
            reference_dir / f"parquet-{number}.json",
            cap,
            timeout,
        )
    )


def add_increment(
    settings: BenchSettings, today: date, results: PipelineResults
) -> str:
    """Add 2,000 responses in the open year to the store; return the run's label."""
    workspace = pipeline_workspace(settings)
    add_responses(workspace.store_path, INCREMENT, settings.seed, today, year_index=2)
    return f"increment-{len(results.increment) + 1}"


def measure_increment(
    settings: BenchSettings, today: date, results: PipelineResults
) -> PipelineRun:
    """Add 2,000 responses to the published store and run the pipeline."""
    label = add_increment(settings, today, results)
    run = _run(settings, pipeline_workspace(settings), label)
    results.increment.append(run)
    return run


def _run(settings: BenchSettings, workspace: Workspace, label: str) -> PipelineRun:
    return run_pipeline(
        workspace, label, settings.memory_cap_bytes, settings.pipeline_timeout
    )


def wipe_warehouse(workspace: Workspace) -> None:
    """Delete the warehouse's data files, keeping dbt's state and the logs."""
    workspace.warehouse_dir.mkdir(parents=True, exist_ok=True)
    for entry in workspace.warehouse_dir.iterdir():
        if entry.name in KEPT_WAREHOUSE_ENTRIES:
            continue
        if entry.is_dir():
            shutil.rmtree(entry)
        else:
            entry.unlink()


def run_pipeline(
    workspace: Workspace, label: str, cap_bytes: int, timeout_seconds: float
) -> PipelineRun:
    """Run `imhars-pipeline run` on the workspace, sampling its memory."""
    log_path = workspace.root / "logs" / f"pipeline-{label}.log"
    log_path.parent.mkdir(parents=True, exist_ok=True)
    logger.info("pipeline run %s", label)
    started_at = time.time()
    started = time.perf_counter()
    with open(log_path, "w", encoding="utf-8") as log:
        process = subprocess.Popen(  # noqa: S603 - fixed argv, no shell
            [str(PIPELINE), "run"],
            cwd=PROJECT_ROOT,
            env=workspace.environment(),
            stdout=subprocess.PIPE,
            stderr=log,
            text=True,
        )
        with TreeMemorySampler(process, cap_bytes) as sampler:
            timed_out = False
            try:
                output, _ = process.communicate(timeout=timeout_seconds)
            except subprocess.TimeoutExpired:
                timed_out = True
                sampler.kill()
                output, _ = process.communicate()
    seconds = time.perf_counter() - started
    log_text = log_path.read_text(encoding="utf-8", errors="replace")
    run = PipelineRun(
        label=label,
        seconds=seconds,
        steps=step_seconds(log_text),
        peak_bytes=sampler.result.peak_bytes,
        killed_at_cap=sampler.result.killed_at_cap,
        timed_out=timed_out,
        returncode=process.returncode,
        message=(output.strip().splitlines() or [""])[-1] or _last_error(log_text),
        log_path=str(log_path),
    )
    run.peak_pipeline_bytes = sampler.result.peak_root_bytes
    run.peak_dbt_bytes = sampler.result.peak_descendant_bytes
    run.high_water_sum_bytes = sampler.result.high_water_sum_bytes
    run.unfinished_step = unfinished_step(log_text)
    for step, (start, end) in step_times(log_text).items():
        run.step_peak_bytes[step] = sampler.result.peak_between(
            start.timestamp(), end.timestamp()
        )
    _read_dbt_timings(workspace, run, started_at, log_text)
    _read_suite_timings(workspace, run, started_at)
    logger.info(
        "pipeline run %s: %.1f s, steps %s, peak %.2f GB, exit status %d",
        label,
        seconds,
        {name: round(value, 1) for name, value in run.steps.items()},
        run.peak_bytes / 1e9,
        run.returncode,
    )
    return run


def step_seconds(log_text: str) -> dict[str, float]:
    """Return the seconds of each step that both started and finished."""
    return {
        step: (end - start).total_seconds()
        for step, (start, end) in step_times(log_text).items()
    }


def step_times(log_text: str) -> dict[str, tuple[datetime, datetime]]:
    """Return the local start and end time of each step that finished."""
    started: dict[str, datetime] = {}
    times: dict[str, tuple[datetime, datetime]] = {}
    for stamp, step, event in STEP_LINE.findall(log_text):
        moment = datetime.strptime(stamp, "%Y-%m-%d %H:%M:%S,%f")
        if event == "started":
            started[step] = moment
        elif step in started:
            times[step] = (started[step], moment)
    return times


def unfinished_step(log_text: str) -> str | None:
    """Return the last step that started and did not finish, if any."""
    running = None
    for _, step, event in STEP_LINE.findall(log_text):
        running = step if event == "started" else None
    return running


def describe_failure(run: PipelineRun) -> str:
    where = ""
    if run.unfinished_step:
        where = f" during the {run.unfinished_step} step"
        if run.unfinished_dbt_node:
            where += f" (dbt node {run.unfinished_dbt_node})"
    if run.killed_at_cap:
        return (
            f"stopped at the memory cap of {run.peak_bytes / 1e9:.1f} GB"
            f"{where} after {run.seconds:.0f} s"
        )
    if run.timed_out:
        return f"stopped at the time limit after {run.seconds:.0f} s{where}"
    return f"exit status {run.returncode}{where}: {run.message}"


def _last_error(log_text: str) -> str:
    errors = [line for line in log_text.splitlines() if line.startswith("Error:")]
    return errors[-1] if errors else ""


def _read_dbt_timings(
    workspace: Workspace, run: PipelineRun, since: float, log_text: str
) -> None:
    """Add the slowest dbt nodes and the time per kind of node.

    They come from dbt's run_results.json when this run wrote it, else from
    dbt's progress lines in the log, which also name a node left running.
    """
    path = workspace.warehouse_dir / "dbt-target" / "run_results.json"
    if path.exists() and path.stat().st_mtime >= since and "dbt build" in run.steps:
        nodes = json.loads(path.read_text(encoding="utf-8"))["results"]
        timings = [(node["unique_id"], float(node["execution_time"])) for node in nodes]
    else:
        timings, run.unfinished_dbt_node = _dbt_progress(log_text)
    timings.sort(key=lambda item: item[1], reverse=True)
    run.slowest_dbt_nodes = timings[:8]
    for unique_id, seconds in timings:
        kind = unique_id.split(".", 1)[0]
        run.dbt_seconds_by_kind[kind] = run.dbt_seconds_by_kind.get(kind, 0.0) + seconds


# dbt's progress lines, like "12 of 488 OK created sql table model
# intermediate.x ... [OK in 3.21s]" and "13 of 488 START test y ... [RUN]".
DBT_DONE = re.compile(
    r"\d+ of \d+ (?:OK created sql \w+ model|PASS|FAIL|ERROR creating sql \w+ model"
    r"|OK loaded seed file) (\S+) .*? in ([\d.]+)s\]"
)
DBT_START = re.compile(
    r"\d+ of \d+ START (?:sql \w+ model|test|unit_test|seed file) (\S+)"
)
ANSI_ESCAPE = re.compile(r"\x1b\[[0-9;]*m")


def _dbt_progress(log_text: str) -> tuple[list[tuple[str, float]], str | None]:
    """Return (node, seconds) of each finished node, and a node still running."""
    text = ANSI_ESCAPE.sub("", log_text)
    timings = []
    names = []
    for name, seconds in DBT_DONE.findall(text):
        kind = "test" if "." not in name and "::" not in name else "model"
        if "::" in name:
            kind = "unit_test"
        timings.append((f"{kind}.{name}", float(seconds)))
        names.append(name)
    started = DBT_START.findall(text)
    running = started[-1] if started and started[-1] not in names else None
    return timings, running


def _read_suite_timings(workspace: Workspace, run: PipelineRun, since: float) -> None:
    """Add each validation suite's seconds from the run's report, if it wrote one."""
    path = workspace.warehouse_dir / "reports" / "latest.json"
    if not path.exists() or path.stat().st_mtime < since:
        return
    suites = json.loads(path.read_text(encoding="utf-8"))["suites"]
    run.suites = [
        (suite["name"], float(suite["seconds"]), suite.get("rows_read") or 0)
        for suite in suites
    ]


def run_child(
    arguments: list[str], output: Path, cap_bytes: int, timeout_seconds: float
) -> ChildRun:
    """Run python -m bench.reference with arguments, sampling its memory.

    The child is killed at the memory cap or after timeout_seconds, and its
    result is then empty.
    """
    output.unlink(missing_ok=True)
    logger.info("reference %s", arguments[0])
    started = time.perf_counter()
    process = subprocess.Popen(  # noqa: S603 - fixed argv, no shell
        [
            sys.executable,
            "-m",
            "bench.reference",
            *arguments[:3],
            str(output),
            *arguments[3:],
        ],
        cwd=PROJECT_ROOT,
    )
    with TreeMemorySampler(process, cap_bytes) as sampler:
        try:
            process.wait(timeout_seconds)
        except subprocess.TimeoutExpired:
            sampler.kill()
            process.wait()
    seconds = time.perf_counter() - started
    result = json.loads(output.read_text()) if output.exists() else {}
    return ChildRun(
        seconds, sampler.result.peak_bytes, sampler.result.killed_at_cap, result
    )


def _count_answers(store_path: Path) -> int:
    import sqlite3

    connection = sqlite3.connect(store_path)
    try:
        return connection.execute("select count(*) from answers").fetchone()[0]
    finally:
        connection.close()
