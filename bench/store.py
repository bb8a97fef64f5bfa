"""Generate operational stores for the benchmarks, and cache them under var/bench.

A generated borough has schools, survey windows for three academic years
(the current one open) and one link per stakeholder group, all made through
the app's own service functions. Responses and answers are then added in
bulk by SQLite itself, from a recursive CTE, with no Python object per row.
A million responses (31 million answers) took under 3 minutes on a shared
2-core AMD EPYC machine, and the result is cached.

Answers come from a small model: a school-year level per component, a
respondent level and noise per answer, cut into the scale's points, with
about 5% "don't know" where the scale has it. About 1% of respondents
straight-line, 1% answer mostly "don't know" and 2% are too fast, so every
quality flag has rows to catch. Each value is a function of the seed and
the row's numbers only (a hash in SQL, since SQLite's random() cannot be
seeded), so one seed always gives the same answers.
"""

import logging
import shutil
import sqlite3
from dataclasses import dataclass
from datetime import date, timedelta
from pathlib import Path

from .settings import BenchSettings

logger = logging.getLogger(__name__)

# Bump when the generated data changes, so that cached stores are rebuilt.
GENERATOR_VERSION = 1
# About one school per 500 responses over three years: a school answers about
# 170 questionnaires a year, from its pupils, parents, staff and governors.
RESPONSES_PER_SCHOOL = 500
MIN_SCHOOLS = 10
YEARS = 3
PHASES = ("primary", "secondary")
# The generator's group codes, in each school's order: pupils of the
# school's phase, then the adult groups.
GROUP_CODES = ("pupil", "parent", "staff", "governor")
# Cumulative shares of responses (per cent) by group code.
GROUP_SHARES = (35, 50, 95, 100)
PRIME = 2_147_483_647

BOROUGH_EMAIL = "officer@bench.invalid"
SCHOOL_EMAIL = "lead@bench.invalid"
# Accounts exist only in generated stores served on 127.0.0.1.
BENCH_PASSWORD = "bench-password-not-secret"  # noqa: S105 - generated data only


@dataclass(frozen=True)
class StoreFiles:
    """The cached stores of one benchmark size."""

    empty: Path
    full: Path
    n_schools: int


def schools_for(scale: int) -> int:
    return max(MIN_SCHOOLS, round(scale / RESPONSES_PER_SCHOOL))


def store_files(settings: BenchSettings, today: date) -> StoreFiles:
    """Return the cache paths for the settings' scale, seed and academic year."""
    n_schools = schools_for(settings.scale)
    year = _academic_years(today)[-1].replace("/", "-")
    stem = f"y{year}-seed{settings.seed}-v{GENERATOR_VERSION}"
    stores = settings.bench_dir / "stores"
    return StoreFiles(
        empty=stores / f"empty-{n_schools}schools-{stem}.sqlite",
        full=stores / f"store-{settings.scale}-{stem}.sqlite",
        n_schools=n_schools,
    )


def ensure_stores(settings: BenchSettings, today: date) -> StoreFiles:
    """Generate the empty and full stores unless the cache has them already."""
    files = store_files(settings, today)
    files.empty.parent.mkdir(parents=True, exist_ok=True)
    if not files.empty.exists():
        logger.info("generating %s", files.empty.name)
        partial = files.empty.with_suffix(".partial")
        partial.unlink(missing_ok=True)
        _create_borough(partial, files.n_schools, settings.seed, today)
        partial.rename(files.empty)
    if not files.full.exists():
        logger.info("generating %s", files.full.name)
        partial = files.full.with_suffix(".partial")
        shutil.copyfile(files.empty, partial)
        add_responses(partial, settings.scale, settings.seed, today, year_index=None)
        partial.rename(files.full)
    return files


def copy_store(source: Path, target: Path) -> None:
    """Copy a cached store to a working path, then apply the app's migrations."""
    target.parent.mkdir(parents=True, exist_ok=True)
    for suffix in ("", "-wal", "-shm"):
        Path(f"{target}{suffix}").unlink(missing_ok=True)
    shutil.copyfile(source, target)
    _upgrade_schema(target)


def _upgrade_schema(path: Path) -> None:
    """Apply the app's newer migrations, so that a store cached before them serves."""
    from sqlalchemy import create_engine

    from survey_app.migrate import upgrade_database

    engine = create_engine(f"sqlite:///{path}")
    try:
        upgrade_database(engine)
    finally:
        engine.dispose()


def _academic_years(today: date) -> list[str]:
    from survey_app.calendar import academic_year_for

    current = int(academic_year_for(today)[:4])
    return [
        f"{start}/{(start + 1) % 100:02d}" for start in range(current - 2, current + 1)
    ]


def _create_borough(path: Path, n_schools: int, seed: int, today: date) -> None:
    """Create a store with schools, windows, links and two staff accounts."""
    from sqlalchemy import select

    from survey_app import create_app
    from survey_app.calendar import academic_year_bounds
    from survey_app.commands.users import create_user
    from survey_app.db import get_db
    from survey_app.demo import bank_version_for
    from survey_app.migrate import upgrade_database
    from survey_app.models import QuestionBankVersion, School, SchoolRoll
    from survey_app.reference import sync_reference_data
    from survey_app.windows import create_school, create_window

    app = create_app(
        {
            "SQLALCHEMY_DATABASE_URL": f"sqlite:///{path}",
            "SECRET_KEY": "bench-generation-only",
        }
    )
    with app.app_context():
        upgrade_database(app.extensions["db_engine"])
        db = get_db()
        sync_reference_data(db, app.config["REFERENCE_DIR"])
        bank_versions = list(db.scalars(select(QuestionBankVersion.bank_version)))
        years = _academic_years(today)
        for index in range(n_schools):
            phase = PHASES[index % len(PHASES)]
            school = create_school(db, f"Bench school {index + 1:05d}", phase)
            pupils = 200 + _hash(index, seed) % 1000
            rolls = {
                "pupil_primary" if phase == "primary" else "pupil_secondary": pupils,
                "parent": pupils * 13 // 10,
                "staff": 30 + pupils // 12,
                "governor": 10 + _hash(index + 7, seed) % 6,
            }
            for group, number in rolls.items():
                db.add(
                    SchoolRoll(
                        school_id=school.school_id,
                        stakeholder_group=group,
                        number_on_roll=number,
                    )
                )
            db.flush()
            for year_index, academic_year in enumerate(years):
                first_day, last_day = academic_year_bounds(academic_year)
                current = year_index == len(years) - 1
                # Past windows ran from September to July; the current one
                # stays open all year, so that the intake benchmark has links.
                create_window(
                    db,
                    school.school_id,
                    academic_year,
                    opens_on=first_day,
                    closes_on=last_day if current else last_day - timedelta(days=40),
                    bank_version=bank_version_for(academic_year, bank_versions),
                )
        db.commit()
        first_school = db.scalar(select(School.school_id).order_by(School.school_id))
        create_user(
            db,
            email=BOROUGH_EMAIL,
            display_name="Bench borough officer",
            role="borough",
            school_id=None,
            password=BENCH_PASSWORD,
        )
        create_user(
            db,
            email=SCHOOL_EMAIL,
            display_name="Bench school lead",
            role="school",
            school_id=first_school,
            password=BENCH_PASSWORD,
        )
    app.extensions["db_engine"].dispose()


def _hash(value: int, seed: int) -> int:
    """Return the hash that hash_sql computes, computed in Python."""
    first = ((value % PRIME) * 48271 + seed * 7919 + 12345) % PRIME
    first = first * first % PRIME
    second = (first * 69621 + seed * 104729 + 54321) % PRIME
    return second * second % PRIME


def hash_sql(expression: str, seed: int) -> str:
    """Return SQL for a pseudo-random integer in 0..2^31-2 from an integer expression.

    Two rounds of a multiplicative step followed by squaring modulo 2^31-1.
    Every intermediate product stays below 2^62, inside SQLite's integers.
    """
    first = f"((({expression}) % {PRIME}) * 48271 + {seed * 7919 + 12345}) % {PRIME}"
    squared = f"(({first}) * ({first}) % {PRIME})"
    second = f"(({squared}) * 69621 + {seed * 104729 + 54321}) % {PRIME}"
    return f"(({second}) * ({second}) % {PRIME})"


def add_responses(
    path: Path, count: int, seed: int, today: date, year_index: int | None
) -> tuple[int, int]:
    """Append count responses with their answers; return the first and last seq.

    year_index None spreads the responses over the three years in seq order
    (oldest first); 2 puts them all in the current, open year.
    """
    connection = sqlite3.connect(path, isolation_level=None)
    try:
        connection.execute("pragma journal_mode = wal")
        connection.execute("pragma synchronous = off")
        connection.execute("pragma temp_store = memory")
        connection.execute("pragma cache_size = -512000")
        last_seq = connection.execute(
            "select coalesce(max(seq), 0) from sqlite_sequence where name = 'responses'"
        ).fetchone()[0]
        first, last = last_seq + 1, last_seq + count
        if count == 0:
            return first, last
        connection.execute("begin")
        _create_generator_tables(connection, today)
        connection.execute(
            _responses_sql(seed),
            {"first": first, "last": last, "year_index": year_index},
        )
        connection.execute(_answers_sql(seed), {"first": first, "last": last})
        connection.execute("commit")
        connection.execute("pragma wal_checkpoint(truncate)")
    finally:
        connection.close()
    logger.info("added responses %d to %d to %s", first, last, path.name)
    return first, last


def _create_generator_tables(connection: sqlite3.Connection, today: date) -> None:
    """Create temporary lookup tables of links and questions by generator code."""
    years = _academic_years(today)
    connection.execute("drop table if exists temp.generator_links")
    connection.execute(
        """
        create temporary table generator_links as
        select
            school_rank.school_index,
            case survey_windows.academic_year
                when :year0 then 0 when :year1 then 1 when :year2 then 2
            end as year_index,
            case survey_links.stakeholder_group
                when 'pupil_primary' then 0 when 'pupil_secondary' then 0
                when 'parent' then 1 when 'staff' then 2 when 'governor' then 3
            end as group_code,
            survey_links.link_id,
            survey_links.window_id,
            survey_links.stakeholder_group,
            survey_windows.bank_version,
            cast(julianday(survey_windows.opens_on) as integer) as first_day,
            max(1, cast(min(julianday(survey_windows.closes_on), julianday(:today))
                - julianday(survey_windows.opens_on) as integer) + 1) as span_days
        from survey_links
        join survey_windows on survey_windows.window_id = survey_links.window_id
        join (
            select school_id, row_number() over (order by school_id) - 1 as school_index
            from schools
        ) as school_rank on school_rank.school_id = survey_windows.school_id
        """,
        {
            "year0": years[0],
            "year1": years[1],
            "year2": years[2],
            "today": today.isoformat(),
        },
    )
    connection.execute(
        "create index temp.generator_links_key "
        "on generator_links (school_index, year_index, group_code)"
    )
    connection.execute("drop table if exists temp.generator_questions")
    connection.execute(
        """
        create temporary table generator_questions as
        select
            questions.bank_version,
            questions.stakeholder_group,
            questions.question_id,
            questions.position as question_index,
            components.position as component_index,
            scales.points,
            scales.dont_know_label is not null as has_dont_know
        from questions
        join question_bank_versions
            on question_bank_versions.bank_version = questions.bank_version
        join practices
            on practices.framework_version = question_bank_versions.framework_version
            and practices.practice_id = questions.practice_id
        join components
            on components.framework_version = practices.framework_version
            and components.component_id = practices.component_id
        join bank_groups
            on bank_groups.bank_version = questions.bank_version
            and bank_groups.stakeholder_group = questions.stakeholder_group
        join scales
            on scales.bank_version = bank_groups.bank_version
            and scales.scale_id = bank_groups.scale_id
        """
    )
    connection.execute(
        "create index temp.generator_questions_key on generator_questions "
        "(bank_version, stakeholder_group, question_id)"
    )
    n_schools = connection.execute(
        "select count(distinct school_index) from generator_links"
    ).fetchone()[0]
    connection.execute("drop table if exists temp.generator_settings")
    connection.execute("create temporary table generator_settings (n_schools integer)")
    connection.execute("insert into generator_settings values (?)", (n_schools,))


def _responses_sql(seed: int) -> str:
    def field(number: int) -> str:
        return hash_sql(f"i * 8 + {number}", seed)

    shares = GROUP_SHARES
    return f"""
    insert into responses (
        response_seq, response_id, window_id, link_id, stakeholder_group,
        bank_version, submitted_on, year_group, is_too_fast, source
    )
    with recursive numbers(i) as (
        select :first
        union all
        select i + 1 from numbers where i < :last
    ),
    hashed as (
        select
            i,
            {field(1)} as school_hash,
            {field(2)} as group_hash,
            {field(3)} as day_hash,
            {field(4)} as flag_hash,
            {field(5)} as id_hash,
            coalesce(:year_index, (i - :first) * {YEARS} / (:last - :first + 1))
                as year_index
        from numbers
    )
    select
        hashed.i,
        printf(
            '%08x-%04x-4%03x-%x%03x-%012x',
            hashed.id_hash, hashed.school_hash % 65536, hashed.day_hash % 4096,
            8 + hashed.flag_hash % 4, hashed.group_hash % 4096, hashed.i
        ),
        links.window_id,
        links.link_id,
        links.stakeholder_group,
        links.bank_version,
        date(links.first_day + 0.5 + hashed.day_hash % links.span_days),
        case
            when links.group_code <> 0 or hashed.flag_hash / 100 % 100 < 4 then null
            when links.stakeholder_group = 'pupil_primary'
                then 3 + hashed.flag_hash / 10000 % 4
            else 7 + hashed.flag_hash / 10000 % 7
        end,
        hashed.flag_hash % 100 < 2,
        'survey'
    from hashed
    join generator_links as links
        on links.school_index = hashed.school_hash
            % (select n_schools from generator_settings)
        and links.year_index = hashed.year_index
        and links.group_code = case
            when hashed.group_hash % 100 < {shares[0]} then 0
            when hashed.group_hash % 100 < {shares[1]} then 1
            when hashed.group_hash % 100 < {shares[2]} then 2
            else 3
        end
    order by hashed.i
    """


def _answers_sql(seed: int) -> str:
    respondent = hash_sql("responses.response_seq * 8", seed)
    school_level = hash_sql(
        "responses.window_id * 16 + questions.component_index", seed
    )
    noise = hash_sql("responses.response_seq * 64 + questions.question_index", seed)
    return f"""
    insert into answers (response_seq, question_id, value, is_dont_know)
    select
        response_seq,
        question_id,
        case when not is_dont_know then answer_value end,
        is_dont_know
    from (
        select
            responses.response_seq,
            questions.question_id,
            case
                -- about 1% straight-line: every answer the same value
                when {respondent} % 100 = 0
                    then 1 + {respondent} / 100 % questions.points
                else 1 + min(
                    questions.points - 1,
                    cast(
                        (
                            {school_level} % 1000
                            + {respondent} / 1000 % 1000
                            + {noise} % 1000
                        ) / 3000.0 * questions.points as integer
                    )
                )
            end as answer_value,
            questions.has_dont_know
            and {respondent} % 100 <> 0
            and {noise} / 1000 % 100 < case
                -- about 1% answer mostly "don't know"
                when {respondent} % 100 = 1 then 70 else 5
            end as is_dont_know
        from responses
        join generator_questions as questions
            on questions.bank_version = responses.bank_version
            and questions.stakeholder_group = responses.stakeholder_group
        where responses.response_seq between :first and :last
        order by responses.response_seq, questions.question_id
    )
    """
