"""Run the benchmarks and write BENCHMARKS.md: python -m bench (or make bench).

Settings, all optional environment variables:

- BENCH_SCALE: responses in the generated store (default 1000000).
- BENCH_QUICK=1: 20,000 responses, 3-second loads, and the report goes to
  var/bench/BENCHMARKS-quick.md, leaving BENCHMARKS.md alone.
- BENCH_RUNS: repeats of each measurement (default 3, quick 1). The
  pipeline measurements repeat only while BENCH_BUDGET_MINUTES allows.
- BENCH_BUDGET_MINUTES: time after which no further pipeline pass starts
  (default 40, quick 20); the first pass always runs.
- BENCH_SEED: seed of the generated answers (default 2026).
- BENCH_ONLY: comma-separated sections to run: intake, pipeline, pages.
- BENCH_INTAKE_SECONDS: seconds of each intake load (default 8, quick 3).
- BENCH_MEMORY_CAP_GB: a pipeline or reference process tree above this
  resident memory is killed and reported (default 12).
- BENCH_PIPELINE_TIMEOUT: seconds before a pipeline run is killed and
  reported (default 3600, quick 900).
- BENCH_FALLBACK_SCALE: when the full rebuild at BENCH_SCALE does not
  publish, the pass runs again at this many responses (default 100000,
  quick 0 for none).
- BENCH_BOROUGH_PATH: the borough dashboard's path, if it cannot be found.
- BENCH_DIR, BENCH_OUTPUT: working folder (var/bench) and report path.
- BENCH_COMMIT: the commit that the report names as measured, for a run
  from an export of the repository (git archive), which has no .git folder.

Traffic goes only to gunicorn servers started here on 127.0.0.1, and every
load stops after its time. Benchmarks fail no build: a missed goal is
reported, and the exit status is 0 unless the benchmarks could not run.
"""

import logging
import shlex
import sys
import time
from datetime import UTC, date, datetime

from survey_app.calendar import london_today

from .intake import measure_intake, profile_intake
from .machine import (
    LoadAverageSampler,
    describe_machine,
    describe_source,
    describe_versions,
)
from .pages import PagesResults
from .passes import measure_passes
from .report import Report, write_report
from .servers import Workspace
from .settings import (
    FALLBACK_SCALE,
    FULL_SCALE,
    QUICK_SCALE,
    SECTIONS,
    BenchSettings,
    SettingsError,
)
from .store import ensure_stores

logger = logging.getLogger("bench")


def main() -> int:
    logging.basicConfig(
        level=logging.INFO,
        format="%(asctime)s %(name)s: %(message)s",
        stream=sys.stderr,
    )
    try:
        settings = BenchSettings.from_environment()
    except SettingsError as error:
        print(f"Error: {error}", file=sys.stderr)
        return 2

    started = datetime.now(UTC)
    clock = time.perf_counter()
    machine = describe_machine(settings.bench_dir)
    today = london_today()
    logger.info(
        "benchmarks at %d responses, %d runs each, sections %s",
        settings.scale,
        settings.runs,
        ", ".join(settings.sections),
    )
    with LoadAverageSampler() as load_average:
        intake, profile, pipeline, pages = _measure(settings, today, clock)
    machine["Load average during the run (1 min)"] = load_average.describe()
    versions = {"Commit measured": describe_source(), **describe_versions()}

    write_report(
        Report(
            settings=settings,
            started=started,
            seconds=time.perf_counter() - clock,
            machine=machine,
            versions=versions,
            command=_command(settings),
            intake=intake,
            intake_profile=profile,
            pipeline=pipeline,
            pages=pages,
        ),
        settings.output,
    )
    logger.info("wrote %s", settings.output)
    return 0


def _measure(settings: BenchSettings, today: date, clock: float):
    """Run the sections that settings name; return their results for the report."""
    files = ensure_stores(settings, today)

    intake, profile = [], None
    if "intake" in settings.sections:
        work = settings.work_dir
        intake.append(
            measure_intake(
                settings,
                files.empty,
                "store without responses",
                Workspace(work / "intake-empty"),
            )
        )
        intake.append(
            measure_intake(
                settings,
                files.full,
                f"store with {settings.scale:,} responses",
                Workspace(work / "intake-full"),
            )
        )
        profile = profile_intake(files.empty, Workspace(work / "intake-profile"))

    pipeline, pages = [], None
    if "pipeline" in settings.sections or "pages" in settings.sections:
        pages = PagesResults() if "pages" in settings.sections else None
        pipeline = measure_passes(settings, files, today, pages, clock)
    return intake, profile, pipeline, pages


def _command(settings: BenchSettings) -> str:
    """Return the command line of this run, with the settings that differ."""
    quick = settings.quick
    parts = ["BENCH_QUICK=1"] if quick else []
    for name, value, default in (
        ("BENCH_SCALE", settings.scale, QUICK_SCALE if quick else FULL_SCALE),
        ("BENCH_RUNS", settings.runs, 1 if quick else 3),
        ("BENCH_SEED", settings.seed, 2026),
        (
            "BENCH_BUDGET_MINUTES",
            round(settings.budget_seconds / 60),
            20 if quick else 40,
        ),
        (
            "BENCH_FALLBACK_SCALE",
            settings.fallback_scale,
            0 if quick else FALLBACK_SCALE,
        ),
        ("BENCH_MEMORY_CAP_GB", settings.memory_cap_bytes // 10**9, 12),
        ("BENCH_ONLY", ",".join(settings.sections), ",".join(SECTIONS)),
    ):
        if value != default:
            parts.append(f"{name}={shlex.quote(str(value))}")
    return " ".join([*parts, ".venv/bin/python -m bench"])


if __name__ == "__main__":
    sys.exit(main())
