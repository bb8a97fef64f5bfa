"""Passes of the pipeline and page measurements, within a time budget.

A pass is a start-up run, a full rebuild, the reference, an increment, and
a second increment during whose publication the pages are read. The first
pass always runs, and each further one only if the previous pass's time
still fits the budget. When a full rebuild at BENCH_SCALE cannot publish (it ran out of
memory or time), the pass runs again at BENCH_FALLBACK_SCALE, so that the
increment and page measurements still have a published warehouse.
"""

import dataclasses
import logging
import time
from datetime import date

from .pages import PagesResults, page_readers, read_during_publication
from .pipeline_bench import (
    PipelineResults,
    add_increment,
    measure_full,
    measure_increment,
    measure_reference,
    measure_startup,
    pipeline_workspace,
    warm_up,
)
from .settings import BenchSettings
from .store import StoreFiles, ensure_stores

logger = logging.getLogger(__name__)


def measure_passes(
    settings: BenchSettings,
    files: StoreFiles,
    today: date,
    pages: PagesResults | None,
    clock_started: float,
) -> list[PipelineResults]:
    """Run the passes; return the results per scale, BENCH_SCALE first."""
    results = [PipelineResults(scale=settings.scale)]
    results[0].warm_up_seconds = warm_up(settings, files)
    measure_all = "pipeline" in settings.sections
    for number in range(1, settings.runs + 1):
        pass_started = time.perf_counter()
        published = _run_pass(settings, files, today, results[-1], pages, measure_all)
        fallback_scale = settings.fallback_scale
        if not published and len(results) == 1 and 0 < fallback_scale < settings.scale:
            fallback = dataclasses.replace(settings, scale=fallback_scale)
            logger.info("repeating the pass at %d responses", fallback.scale)
            results[0].notes.append(
                f"The increments and pages were measured at {fallback.scale:,} "
                f"responses instead (BENCH_FALLBACK_SCALE), because the full "
                f"rebuild at {settings.scale:,} did not publish."
            )
            settings, files = fallback, ensure_stores(fallback, today)
            results.append(PipelineResults(scale=settings.scale))
            published = _run_pass(settings, files, today, results[-1], pages, True)
        if not published:
            break
        pass_seconds = time.perf_counter() - pass_started
        elapsed = time.perf_counter() - clock_started
        if number < settings.runs and elapsed + pass_seconds > settings.budget_seconds:
            results[0].notes.append(
                f"Only {number} of the {settings.runs} pipeline passes ran: a pass "
                f"took {pass_seconds / 60:.0f} minutes, and another would have "
                f"ended the run after the {settings.budget_seconds / 60:.0f}-minute "
                "budget (BENCH_BUDGET_MINUTES)."
            )
            logger.info("stopping after %d pipeline passes: time budget", number)
            break
    return results


def _run_pass(
    settings: BenchSettings,
    files: StoreFiles,
    today: date,
    results: PipelineResults,
    pages: PagesResults | None,
    measure_all: bool,
) -> bool:
    """Run one pass at settings.scale; return whether the full store was published."""
    if measure_all:
        measure_startup(settings, files, results)
    if measure_all or not results.published:
        published = measure_full(settings, files, results)
    else:
        published = True
    if measure_all:
        measure_reference(settings, files, results)
    if not published:
        return False

    measure_increment(settings, today, results)
    if pages is not None:
        # Another increment, published while the pages are read: its run is
        # slowed by the page requests, so it is not one of the increments.
        workspace = pipeline_workspace(settings)
        add_increment(settings, today, results)
        pages.scale = settings.scale
        with page_readers(workspace, pages) as readers:
            pages.runs.append(
                read_during_publication(
                    settings, workspace, readers, f"pages-{len(pages.runs) + 1}"
                )
            )
    return True
