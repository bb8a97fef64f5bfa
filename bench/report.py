"""Write BENCHMARKS.md: goals as ratios first, then absolute figures and context."""

import math
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

from .intake import STAFF_QUESTIONS, IntakeProfile, IntakeResults
from .pages import READ_INTERVAL_SECONDS, PagesResults
from .pipeline_bench import PipelineResults, PipelineRun, describe_failure
from .reference import MEMORY_LIMIT as REFERENCE_MEMORY_LIMIT
from .settings import INCREMENT, BenchSettings
from .stats import Spread, ratio

GB = 1e9


@dataclass(frozen=True)
class Goal:
    """A goal stated as a ratio to a baseline, or a bound, and what was measured."""

    area: str
    text: str
    at_most: bool
    target: float
    measured: float | None
    # The measured value as the report prints it, like "0.004x" or "1.8 GB".
    shown: str
    note: str = ""
    # True when the run was stopped, so the real value is at least `measured`.
    lower_bound: bool = False

    @property
    def status(self) -> str:
        if self.measured is None or math.isnan(self.measured):
            return "not measured"
        met = (
            self.measured <= self.target
            if self.at_most
            else self.measured >= self.target
        )
        if met:
            return "not known (stopped early)" if self.lower_bound else "met"
        if self.measured == 0:
            return "missed"
        factor = (
            self.measured / self.target if self.at_most else self.target / self.measured
        )
        at_least = "at least " if self.lower_bound else ""
        return f"missed by {at_least}{factor:,.1f}x"


@dataclass
class Report:
    settings: BenchSettings
    started: datetime
    seconds: float
    machine: dict[str, str]
    versions: dict[str, str]
    command: str
    intake: list[IntakeResults]
    intake_profile: IntakeProfile | None
    # One per scale measured: BENCH_SCALE, then the fallback scale if used.
    pipeline: list[PipelineResults]
    pages: PagesResults | None


def write_report(report: Report, path: Path) -> None:
    goals = intake_goals(report.intake)
    for results in report.pipeline:
        goals += pipeline_goals(results)
    goals += page_goals(report.pages)
    lines = [
        "# Benchmarks",
        "",
        "Survey intake and the warehouse pipeline measured against baselines",
        "taken in the same run on the same machine. The machine is shared and",
        "its load changes from minute to minute, so every goal is a ratio to a",
        "baseline, and the absolute times are context, not promises.",
        "",
        f"- Command: `{report.command}`, the last step of `make bench`",
        f"- Date: {report.started:%Y-%m-%d %H:%M} UTC, "
        f"{report.seconds / 60:.0f} minutes in all",
        f"- Data: {report.settings.scale:,} generated responses over 3 academic "
        f"years{_answers_text(report.pipeline)}, seed {report.settings.seed}; "
        f"increments of {INCREMENT:,} responses",
        f"- Repeats: {_repeats(report.settings.runs)} of each intake measurement, "
        "and of each pipeline measurement as far as the time budget allowed (the "
        "tables give the number of runs); figures are the median with the range "
        "(min-max) in brackets",
        "",
        "## Goals",
        "",
        "| Area | Goal | Measured | Result |",
        "| ---- | ---- | -------- | ------ |",
    ]
    for goal in goals:
        note = f" ({goal.note})" if goal.note else ""
        lines.append(
            f"| {goal.area} | {goal.text} | {goal.shown}{note} | {goal.status} |"
        )
    lines += _limits_section(report)
    lines += _intake_section(report.intake, report.intake_profile)
    for results in report.pipeline:
        lines += _pipeline_section(results)
    lines += _pages_section(report.pages)
    lines += _context_section(report)
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")


def _answers_text(pipeline: list[PipelineResults]) -> str:
    if not pipeline or not pipeline[0].answers:
        return ""
    return f" with {pipeline[0].answers:,} answers"


# Goals


def intake_goals(results: list[IntakeResults]) -> list[Goal]:
    goals = []
    for result in results:
        area = f"Intake, {result.store_label}"
        for clients, runs in result.questionnaires.items():
            submitted = Spread.of(
                [run.acknowledged / run.submitted.seconds for run in runs]
            )
            bare = Spread.of(
                [load.requests_per_second for load in result.wrk_bare.get(clients, [])]
            )
            value = ratio(submitted, bare)
            goals.append(
                Goal(
                    area,
                    f"questionnaires sent per second, {_clients(clients)}, at least "
                    "0.25x the bare endpoint's requests per second (wrk)",
                    at_most=False,
                    target=0.25,
                    measured=value,
                    shown=f"{value:.4f}x",
                )
            )
        if 8 in result.questionnaires:
            p99 = Spread.of(
                [run.submitted.p99_seconds for run in result.questionnaires[8]]
            )
            # The same Python client measures both, so that its own cost
            # (threads sharing the GIL and the cores) is in both p99s.
            bare_p99 = Spread.of([load.p99_seconds for load in result.client_bare[8]])
            value = ratio(p99, bare_p99)
            goals.append(
                Goal(
                    area,
                    "p99 request latency at 8 clients at most 10x the bare endpoint's "
                    "p99 (both from the Python client)",
                    at_most=True,
                    target=10,
                    measured=value,
                    shown=f"{value:.1f}x",
                )
            )
        runs = [run for runs in result.questionnaires.values() for run in runs]
        missing = sum(run.missing for run in runs)
        incomplete = sum(run.incomplete for run in runs)
        acknowledged = sum(run.acknowledged for run in runs)
        goals.append(
            Goal(
                area,
                "acknowledged responses missing from SQLite afterwards, looked up "
                "by response_id: none",
                at_most=True,
                target=0,
                measured=float(missing + incomplete) if runs else None,
                shown=f"{missing} of {acknowledged:,} missing",
                note=(
                    f"{incomplete} stored without all {STAFF_QUESTIONS} answers"
                    if incomplete
                    else f"each stored with its {STAFF_QUESTIONS} answers"
                ),
            )
        )
    return goals


def pipeline_goals(results: PipelineResults) -> list[Goal]:
    area = f"Pipeline, {results.scale:,} responses"
    full_load = Spread.of(
        [run.steps["load"] for run in results.full if "load" in run.steps]
    )
    return (
        _rebuild_goals(area, results, full_load)
        + _increment_goals(area, results, full_load)
        + _memory_goals(area, results)
    )


def _rebuild_goals(area: str, results: PipelineResults, full_load: Spread):
    full = [run for run in results.full if run.succeeded]
    full_seconds = Spread.of([run.seconds for run in full])
    reference = Spread.of(
        [
            child.result.get("total_seconds", math.nan)
            for child in results.reference
            if child.result
        ]
    )
    parquet = Spread.of(
        [child.result["seconds"] for child in results.parquet if child.result]
    )
    rebuild = ratio(full_seconds, reference) if full else None
    # A run stopped at the memory cap or the time limit had taken this long
    # without publishing, so its time divided by the reference's is a lower bound.
    stopped = [run for run in results.full if run.killed_at_cap or run.timed_out]
    if not full and stopped:
        rebuild = ratio(Spread.of([run.seconds for run in stopped]), reference)
    load = ratio(full_load, parquet)
    return [
        Goal(
            area,
            "full rebuild (load, dbt build, validation, publish) within 1.5x the "
            "hand-written reference",
            at_most=True,
            target=1.5,
            measured=rebuild,
            shown=("at least " if not full and stopped else "") + _times(rebuild),
            note="" if full else _unfinished(results.full),
            lower_bound=not full and bool(stopped),
        ),
        Goal(
            area,
            "load step within 5x DuckDB reading the same rows from Parquet",
            at_most=True,
            target=5,
            measured=load,
            shown=_times(load),
        ),
    ]


def _increment_goals(area: str, results: PipelineResults, full_load: Spread):
    increment = [run for run in results.increment if run.succeeded]
    increment_load = Spread.of(
        [run.steps["load"] for run in results.increment if "load" in run.steps]
    )
    startup = Spread.of(
        [
            run.steps["dbt build"] + run.steps["validation"]
            for run in results.startup
            if "dbt build" in run.steps and "validation" in run.steps
        ]
    )
    increment_seconds = Spread.of([run.seconds for run in increment])
    load = ratio(increment_load, full_load)
    whole = ratio(increment_seconds, startup) if increment else None
    not_run = ""
    if not results.increment and any(not run.succeeded for run in results.full):
        not_run = "no increment ran, because the full rebuild did not publish"
    return [
        Goal(
            area,
            f"load of {INCREMENT:,} new responses within 0.01x of the full load",
            at_most=True,
            target=0.01,
            measured=load,
            shown=_times(load, 4),
            note=not_run,
        ),
        Goal(
            area,
            f"whole run for {INCREMENT:,} new responses within 2x the fixed "
            "start-up of dbt and GX (their steps on a store without responses)",
            at_most=True,
            target=2,
            measured=whole,
            shown=_times(whole),
            note="" if increment else (not_run or "no increment finished"),
        ),
    ]


def _memory_goals(area: str, results: PipelineResults) -> list[Goal]:
    goals = []
    for label, runs in (
        ("full rebuild", results.full),
        ("increment", results.increment),
    ):
        peak = max((run.peak_bytes for run in runs), default=0)
        bound = max((run.high_water_sum_bytes for run in runs), default=0)
        stopped = any(run.killed_at_cap for run in runs)
        goals.append(
            Goal(
                area,
                f"peak memory of the pipeline's process tree, {label}, below 2 GB",
                at_most=True,
                target=2 * GB,
                measured=float(peak) if runs else None,
                shown=f"{peak / GB:.2f} GB" if runs else "n/a",
                note=_memory_note(runs, stopped, bound),
                lower_bound=stopped,
            )
        )
    return goals


def _memory_note(runs: list[PipelineRun], stopped: bool, bound: int) -> str:
    if not runs:
        return ""
    if stopped:
        return "stopped at the memory cap"
    return (
        f"sampled every 0.1 s; the processes' own peaks add up to "
        f"{bound / GB:.2f} GB at most"
    )


def page_goals(results: PagesResults | None) -> list[Goal]:
    if results is None:
        return []
    area = f"Pages, {results.scale:,} responses"
    goals = []
    for name, limit, text in (
        ("school", 20, "school results page"),
        ("borough", 50, "borough dashboard"),
    ):
        loads = [run.loads[name] for run in results.runs if name in run.loads]
        bare = [run.loads["bare"] for run in results.runs if "bare" in run.loads]
        page_p95 = Spread.of([load.p95_seconds for load in loads])
        bare_p95 = Spread.of([load.p95_seconds for load in bare])
        value = ratio(page_p95, bare_p95) if loads else None
        note = ""
        if not loads and name == "borough":
            note = "the app has no borough dashboard yet"
        goals.append(
            Goal(
                area,
                f"{text} p95 during a publication within {limit}x the bare page's p95",
                at_most=True,
                target=limit,
                measured=value,
                shown=_times(value),
                note=note,
            )
        )
        failures = sum(load.failures for load in loads)
        sent = sum(load.sent for load in loads)
        goals.append(
            Goal(
                area,
                f"{text}: failed requests during the switch: none",
                at_most=True,
                target=0,
                measured=float(failures) if loads else None,
                shown=f"{failures} of {sent:,}",
            )
        )
    return goals


def _repeats(count: int) -> str:
    return "1 run" if count == 1 else f"{count} runs"


def _clients(count: int) -> str:
    return "1 client" if count == 1 else f"{count} clients"


def _times(value: float | None, digits: int = 2) -> str:
    if value is None or math.isnan(value):
        return "n/a"
    return f"{value:.{digits}f}x"


def _unfinished(runs: list[PipelineRun]) -> str:
    failed = [run for run in runs if not run.succeeded]
    return describe_failure(failed[0]) if failed else ""


# Sections


def _limits_section(report: Report) -> list[str]:
    """Return the section on what limits the goals, from profiles and step times."""
    lines = ["", "## What limits the missed goals", ""]
    profile = report.intake_profile
    if profile is not None:
        lines += [
            f"- **Intake.** One staff questionnaire is {_requests_per_walk(report)} "
            "requests (start page, start, 7 question pages each shown and "
            "answered, check page, send, thank-you page), against one request for "
            "the baseline, and every page is rendered through the GOV.UK Jinja "
            "macros. cProfile of "
            f"{profile.questionnaires} questionnaires in-process "
            f"({profile.seconds_per_questionnaire:.2f} s each under the profiler):",
        ]
        for part, share in profile.shares.items():
            lines.append(f"  - {part}: {share:.0%} of the time")
        lines += _request_rate_lines(report.intake)
    for results in report.pipeline:
        lines += _pipeline_limits(results)
    for note in [note for results in report.pipeline for note in results.notes] + (
        report.pages.notes if report.pages else []
    ):
        lines.append(f"- {note}")
    return lines


def _request_rate_lines(results: list[IntakeResults]) -> list[str]:
    """Return the survey app's HTTP requests per second against the bare endpoint's.

    This counts each of a questionnaire's requests, so it shows how far the
    per-request cost, rather than the number of pages, accounts for the gap.
    """
    lines = []
    for result in results:
        for clients, runs in result.questionnaires.items():
            requests = Spread.of([run.submitted.requests_per_second for run in runs])
            wrk_rate = _spread(result.wrk_bare.get(clients, []), "requests_per_second")
            client_rate = _spread(
                result.client_bare.get(clients, []), "requests_per_second"
            )
            lines.append(
                f"  - {result.store_label}, {_clients(clients)}: the questionnaires' "
                f"requests ran at {ratio(requests, wrk_rate):.3f}x the bare "
                f"endpoint's requests per second under wrk, and "
                f"{ratio(requests, client_rate):.3f}x under the Python client."
            )
    if lines:
        lines.insert(0, "  - Counting every HTTP request of a questionnaire:")
        lines[1:] = [f"  {line}" for line in lines[1:]]
    return lines


def _pipeline_limits(results: PipelineResults) -> list[str]:
    """Return where the time and memory of the full and increment runs went."""
    lines = []
    scale = f"{results.scale:,} responses"
    if results.full:
        run = _median_run(results.full)
        steps = ", ".join(
            f"{step} {seconds:.0f} s" for step, seconds in run.steps.items()
        )
        if run.succeeded:
            lines.append(f"- **Full rebuild, {scale}** (run {run.label}): {steps}.")
        else:
            lines.append(
                f"- **Full rebuild, {scale}** (run {run.label}) "
                f"{describe_failure(run)}. Finished steps: {steps or 'none'}."
            )
        lines += _run_details(run)
    if results.increment:
        run = _median_run(results.increment)
        lines.append(
            f"- **Increment, {scale}** (run {run.label}): "
            + ", ".join(
                f"{step} {seconds:.0f} s" for step, seconds in run.steps.items()
            )
            + ". The dbt models are tables rebuilt from every stored answer on each "
            "run, and the suites read every row, so everything after the load "
            "costs what a full rebuild costs."
        )
    return lines


def _run_details(run: PipelineRun) -> list[str]:
    """Return dbt's slowest nodes, the suites' times and the memory of a run."""
    lines = []
    if run.dbt_seconds_by_kind:
        kinds = ", ".join(
            f"{kind}s {seconds:.0f} s"
            for kind, seconds in sorted(
                run.dbt_seconds_by_kind.items(), key=lambda item: -item[1]
            )
        )
        slowest = ", ".join(
            f"`{name}` {seconds:.0f} s" for name, seconds in run.slowest_dbt_nodes[:5]
        )
        lines.append(f"  - dbt's node times: {kinds}. Slowest nodes: {slowest}.")
    if run.suites:
        slowest = sorted(run.suites, key=lambda suite: -suite[1])[:4]
        lines.append(
            "  - Validation suites, slowest first: "
            + ", ".join(
                f"`{name}` {seconds:.0f} s on {rows:,} rows"
                for name, seconds, rows in slowest
            )
            + ". Each suite reads its rows from DuckDB into pandas, raw.answers in"
            " slices of whole responses, and GX's pandas engine checks them."
        )
    by_step = ", ".join(
        f"{step} {peak / GB:.2f} GB" for step, peak in run.step_peak_bytes.items()
    )
    lines.append(
        f"  - Peak memory {run.peak_bytes / GB:.2f} GB: the pipeline process "
        f"{run.peak_pipeline_bytes / GB:.2f} GB at most, its dbt child process "
        f"{run.peak_dbt_bytes / GB:.2f} GB at most"
        + (f"; by finished step: {by_step}" if by_step else "")
        + "."
    )
    return lines


def _requests_per_walk(report: Report) -> str:
    for result in report.intake:
        for runs in result.questionnaires.values():
            for run in runs:
                walks = run.submitted.extra["tasks"]
                if walks:
                    return f"{run.submitted.requests / walks:.0f}"
    return "19"


def _median_run(runs: list[PipelineRun]) -> PipelineRun:
    ordered = sorted(runs, key=lambda run: run.seconds)
    return ordered[(len(ordered) - 1) // 2]


def _intake_section(results: list[IntakeResults], profile) -> list[str]:
    if not results:
        return []
    lines = [
        "",
        "## Intake figures",
        "",
        "gunicorn with the product's settings (survey_app/gunicorn_config.py), "
        "one sync worker per core, `IMHARS_ENV=production`; SQLite in WAL mode "
        "with synchronous=FULL, as the app sets it. Each load runs for the same "
        "time. The Python client is a thread per simulated browser, with a new "
        "connection per request as gunicorn's sync workers close each one.",
        "",
        "| Store | Clients | Bare, wrk (req/s) | Bare, Python client (req/s) "
        "| Questionnaires sent (per s) | Their requests (per s) "
        "| Acknowledged / found in the store |",
        "| ----- | ------- | ---- | ---- | ---- | ---- | ---- |",
    ]
    for result in results:
        for clients, runs in result.questionnaires.items():
            wrk_rate = _spread(result.wrk_bare[clients], "requests_per_second")
            client_rate = _spread(result.client_bare[clients], "requests_per_second")
            sent = Spread.of([run.acknowledged / run.submitted.seconds for run in runs])
            requests = _spread([run.submitted for run in runs], "requests_per_second")
            acknowledged = sum(run.acknowledged for run in runs)
            found = acknowledged - sum(run.missing for run in runs)
            lines.append(
                f"| {result.store_label} | {clients} | {wrk_rate.format()} "
                f"| {client_rate.format()} | {sent.format()} | {requests.format()} "
                f"| {acknowledged} / {found} |"
            )
    lines += [
        "",
        "| Store | Clients | p99 bare, wrk (ms) | p99 bare, Python client (ms) "
        "| p50 questionnaire requests (ms) | p99 questionnaire requests (ms) |",
        "| ----- | ------- | ---- | ---- | ---- | ---- |",
    ]
    for result in results:
        for clients, runs in result.questionnaires.items():
            submitted = [run.submitted for run in runs]
            cells = [
                _spread(result.wrk_bare[clients], "p99_seconds", 1000),
                _spread(result.client_bare[clients], "p99_seconds", 1000),
                _spread(submitted, "p50_seconds", 1000),
                _spread(submitted, "p99_seconds", 1000),
            ]
            lines.append(
                f"| {result.store_label} | {clients} | "
                + " | ".join(cell.format() for cell in cells)
                + " |"
            )
    runs = [
        run
        for result in results
        for runs in result.questionnaires.values()
        for run in runs
    ]
    failed = sum(run.failed_walks for run in runs)
    stored = sum(run.stored_responses for run in runs)
    answers = sum(run.stored_answers for run in runs)
    acknowledged = sum(run.acknowledged for run in runs)
    lines += [
        "",
        f"Questionnaires that failed part-way: {failed}. Responses stored during "
        f"the loads: {stored:,} with {answers:,} answers, against {acknowledged:,} "
        "acknowledged; a response stored whose acknowledgement did not arrive "
        "counts only here.",
    ]
    return lines


def _spread(loads: list, attribute: str, scale: float = 1.0) -> Spread:
    return Spread.of([getattr(load, attribute) * scale for load in loads])


def _pipeline_section(results: PipelineResults) -> list[str]:
    lines = [
        "",
        f"## Pipeline figures, {results.scale:,} responses",
        "",
        "Every run is `imhars-pipeline run` in a child process; step times come "
        "from its log, peak memory from sampling the resident memory of its "
        "process tree (dbt runs in a child process) every 0.1 s.",
        "",
        "| Measurement | Wall time (s) | Load (s) | dbt build (s) | Validation (s) "
        "| Publish (s) | Peak memory (GB) |",
        "| ----------- | ---- | ---- | ---- | ---- | ---- | ---- |",
    ]
    for label, runs in (
        ("Start-up: store without responses", results.startup),
        (f"Full rebuild, {results.scale:,} responses", results.full),
        (f"Increment, {INCREMENT:,} new responses", results.increment),
    ):
        if not runs:
            continue
        cells = [Spread.of([run.seconds for run in runs]).format(digits=1)]
        for step in ("load", "dbt build", "validation", "publish"):
            cells.append(
                Spread.of(
                    [run.steps[step] for run in runs if step in run.steps]
                ).format(digits=1)
            )
        cells.append(Spread.of([run.peak_bytes / GB for run in runs]).format())
        lines.append(f"| {label} | " + " | ".join(cells) + " |")
    lines += _reference_rows(results)
    failed = [
        run
        for run in results.full + results.increment + results.startup
        if not run.succeeded
    ]
    for run in failed:
        lines.append("")
        lines.append(f"Run {run.label} did not finish: {describe_failure(run)}.")
    return lines


def _reference_rows(results: PipelineResults) -> list[str]:
    references = [child for child in results.reference if child.result]
    if not references:
        return ["", "The reference did not run."]
    copy = Spread.of([child.result["copy_seconds"] for child in references])
    indicators = Spread.of(
        [sum(child.result["indicator_seconds"].values()) for child in references]
    )
    checks = Spread.of([child.result["check_seconds"] for child in references])
    total = Spread.of([child.result["total_seconds"] for child in references])
    peak = Spread.of([child.peak_bytes / GB for child in references])
    parquet = Spread.of(
        [child.result["seconds"] for child in results.parquet if child.result]
    )
    lines = [
        "",
        "| Reference | Time (s) |",
        "| --------- | ---- |",
        f"| Copy of the store into DuckDB (Arrow batches) | {copy.format(digits=1)} |",
        f"| Three indicator statements | {indicators.format(digits=1)} |",
        f"| Checks as plain SQL | {checks.format(digits=1)} |",
        f"| Total | {total.format(digits=1)} |",
        f"| Peak memory (GB) | {peak.format()} |",
        f"| DuckDB reading responses and answers from Parquet | "
        f"{parquet.format(digits=1)} |",
    ]
    first = references[0].result
    failed = first.get("failed_checks") or {}
    lines += [
        "",
        "Reference checks failed: "
        + (", ".join(f"{name} ({count})" for name, count in failed.items()) or "none")
        + ".",
    ]
    differences = first.get("differences")
    if differences:
        parts = [
            f"{table}: {counts['only_in_reference']} rows only in the reference, "
            f"{counts['only_in_published']} only in the published mart"
            for table, counts in differences.items()
        ]
        lines.append(
            "Reference compared with the published marts, every published column: "
            + "; ".join(parts)
            + "."
        )
    lines.append(
        "The reference builds the three indicator tables only; dbt also builds the "
        "staging views, the dimension marts, the self-review and borough models, "
        "and runs every dbt test on them. The reference's DuckDB has a memory "
        f"limit of {REFERENCE_MEMORY_LIMIT}, and spills to disk beyond it."
    )
    return lines


def _pages_section(results: PagesResults | None) -> list[str]:
    if results is None:
        return []
    lines = [
        "",
        "## Page figures",
        "",
        "Each run publishes a further increment, apart from the increments "
        "above, while three threads read the school "
        f"results page (`{results.school_path}`, as the school's lead), the "
        f"borough dashboard (`{results.borough_path or 'none yet'}`) and the bare "
        f"page, each starting a request at most every {READ_INTERVAL_SECONDS} s "
        "from the start of the run. Figures are over the 100 requests before "
        "and the 100 after the moment published.duckdb was replaced; failures "
        "count every "
        "request sent. The quiet p95 is from 200 requests, one at a time, before "
        "the pipeline ran.",
        "",
        "| Page | p95 quiet, hey (ms) | p95 around the switch (ms) | Requests after "
        "the switch | Failed requests |",
        "| ---- | ---- | ---- | ---- | ---- |",
    ]
    names = sorted({name for run in results.runs for name in run.loads})
    for name in names:
        loads = [run.loads[name] for run in results.runs if name in run.loads]
        p95 = Spread.of([load.p95_seconds * 1000 for load in loads])
        after = sum(len(load.after) for load in loads)
        failures = sum(load.failures for load in loads)
        sent = sum(load.sent for load in loads)
        quiet = results.quiet_p95.get(name)
        quiet_text = f"{quiet * 1000:.1f}" if quiet is not None else "n/a"
        lines.append(
            f"| {name} | {quiet_text} | {p95.format()} | {after} "
            f"| {failures} of {sent} |"
        )
    for run in results.runs:
        if run.pipeline is not None:
            lines.append("")
            lines.append(
                f"Pipeline run {run.pipeline.label}, read during publication: "
                f"{run.pipeline.seconds:.0f} s, "
                + (
                    "published"
                    if run.pipeline.succeeded
                    else describe_failure(run.pipeline)
                )
                + "."
            )
    if any(not run.swapped for run in results.runs):
        lines.append("")
        lines.append("In some runs published.duckdb was not replaced; see the notes.")
    for run in results.runs:
        for name, load in run.loads.items():
            if load.errors:
                lines.append(f"- {name}: {', '.join(load.errors[:3])}")
    return lines


def _context_section(report: Report) -> list[str]:
    lines = ["", "## Machine", ""]
    lines += [f"- {name}: {value}" for name, value in report.machine.items()]
    lines += ["", "## Versions", ""]
    lines += [f"- {name}: {value}" for name, value in report.versions.items()]
    lines += [
        "",
        "## Reproducing",
        "",
        "`make bench` runs everything (`BENCH_SCALE`, default 1000000 responses);",
        "`make bench BENCH_QUICK=1` runs 20,000 responses and shorter loads and",
        "writes var/bench/BENCHMARKS-quick.md. Generated stores are cached in",
        "var/bench/stores by scale, seed and academic year. bench/__main__.py lists",
        "every `BENCH_*` setting.",
    ]
    return lines
