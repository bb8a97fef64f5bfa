"""A small warehouse file with the raw and mart tables of the contract.

The tables have the columns listed in docs/architecture.md and the SQLite
models. The rows describe one school's 2024/25 window: 12 primary pupils and
12 parents, with indicators that pass every suite. A test makes a bad variant
by passing SQL statements that change the good rows.
"""

from collections.abc import Callable, Sequence
from pathlib import Path

import duckdb
import pytest

from expectations.suites import all_suites

RAW_TABLES = """
create schema raw;

create table raw.framework_versions (
    framework_version integer, name varchar, content_sha256 varchar,
    loaded_at timestamp
);
insert into raw.framework_versions values
    (1, 'iMHARS', repeat('a', 64), '2024-08-01 09:00:00');

create table raw.components (
    framework_version integer, component_id varchar, position integer,
    title varchar
);
insert into raw.components values
    (1, 'C1', 1, 'School ethos and environment'),
    (1, 'C2', 2, 'Relationships and social skills');

create table raw.practices (
    framework_version integer, practice_id varchar, component_id varchar,
    position integer, text varchar
);
insert into raw.practices values
    (1, 'P1.1', 'C1', 1, 'A culture of mutual respect'),
    (1, 'P1.4', 'C1', 4, 'Ensuring everyone feels safe within the school'),
    (1, 'P2.1', 'C2', 1, 'Teaching social skills, listening and empathy');

create table raw.question_bank_versions (
    bank_version varchar, framework_version integer, content_sha256 varchar,
    loaded_at timestamp
);
insert into raw.question_bank_versions values
    ('2024.1', 1, repeat('b', 64), '2024-08-01 09:00:00');

create table raw.scales (
    bank_version varchar, scale_id varchar, points integer,
    positive_from integer, labels_json varchar, dont_know_label varchar
);
insert into raw.scales values
    ('2024.1', 'yes_no_3', 3, 3, '["No", "Sometimes", "Yes"]', 'Not sure'),
    ('2024.1', 'agreement_5', 5, 4,
     '["Strongly disagree", "Disagree", "Neither", "Agree", "Strongly agree"]',
     null);

create table raw.bank_groups (
    bank_version varchar, stakeholder_group varchar, scale_id varchar,
    title varchar
);
insert into raw.bank_groups values
    ('2024.1', 'pupil_primary', 'yes_no_3', 'Pupils in Years 3 to 6'),
    ('2024.1', 'parent', 'agreement_5', 'Parents and carers');

create table raw.questions (
    bank_version varchar, question_id varchar, stakeholder_group varchar,
    practice_id varchar, position integer, text varchar
);
insert into raw.questions values
    ('2024.1', 'pri-P1.4-a', 'pupil_primary', 'P1.4', 1,
     'I feel safe at school.'),
    ('2024.1', 'par-P2.1-a', 'parent', 'P2.1', 1,
     'The school teaches my child to listen to others.');

create table raw.schools (
    school_id integer, name varchar, urn varchar, phase varchar,
    is_demo boolean, created_at timestamp
);
insert into raw.schools values
    (1, 'Demo Primary School', null, 'primary', true, '2024-08-01 09:00:00');

create table raw.school_rolls (
    school_id integer, stakeholder_group varchar, number_on_roll integer
);
insert into raw.school_rolls values (1, 'pupil_primary', 200), (1, 'parent', 300);

create table raw.survey_windows (
    window_id integer, school_id integer, academic_year varchar,
    opens_on date, closes_on date, bank_version varchar, created_at timestamp
);
insert into raw.survey_windows values
    (1, 1, '2024/25', '2024-10-01', '2024-11-29', '2024.1',
     '2024-09-10 09:00:00');

create table raw.survey_links (
    link_id integer, window_id integer, stakeholder_group varchar,
    access_mode varchar, kiosk boolean, number_on_roll integer
);
insert into raw.survey_links values
    (1, 1, 'pupil_primary', 'codes', true, 200),
    (2, 1, 'parent', 'open', false, 300);

create table raw.responses (
    response_seq integer, response_id varchar, window_id integer,
    link_id integer, stakeholder_group varchar, bank_version varchar,
    submitted_on date, year_group integer, is_too_fast boolean,
    source varchar
);
insert into raw.responses
select
    seq,
    printf('00000000-0000-4000-8000-%012d', seq),
    1,
    case when seq <= 12 then 1 else 2 end,
    case when seq <= 12 then 'pupil_primary' else 'parent' end,
    '2024.1',
    date '2024-10-14' + seq::integer,
    case when seq <= 12 then 3 + seq % 4 end,
    false,
    'survey'
from range(1, 25) as seqs(seq);

create table raw.answers (
    response_seq integer, question_id varchar, value integer,
    is_dont_know boolean
);
insert into raw.answers
select
    seq,
    case when seq <= 12 then 'pri-P1.4-a' else 'par-P2.1-a' end,
    case
        when seq = 12 then null
        when seq <= 12 then 1 + seq % 3
        else 1 + seq % 5
    end,
    seq = 12
from range(1, 25) as seqs(seq);

create table raw.access_code_counts (
    link_id integer, codes_issued integer, codes_spent integer
);
insert into raw.access_code_counts values (1, 30, 12);

create table raw.load_state (
    last_response_seq bigint, loaded_at timestamp, schema_version integer
);
insert into raw.load_state values (24, '2024-12-01 06:00:00', 1);
"""

MART_TABLES = """
create schema marts;

create table marts.settings (
    disclosure_threshold integer, excluded_quality_flags varchar
);
insert into marts.settings values
    (10, 'too_fast,straight_lining,too_few_answers');

create table marts.components as
select framework_version, component_id, position, title from raw.components;

create table marts.practices as
select framework_version, practice_id, component_id, position, text
from raw.practices;

create table marts.component_indicators (
    school_id integer, academic_year varchar, stakeholder_group varchar,
    key_stage varchar, component_id varchar,
    n_respondents integer, score double, ci_lower double, ci_upper double,
    pct_positive double, dont_know_rate double, n_excluded integer,
    is_suppressed boolean, suppression_reason varchar, bank_version varchar,
    cronbach_alpha double, n_items integer
);
insert into marts.component_indicators values
    (1, '2024/25', 'pupil_primary', 'all', 'C1',
     12, 50.0, 31.2, 68.8, 36.4, 8.3, 0, false, null, '2024.1', null, 1),
    (1, '2024/25', 'pupil_primary', 'KS2', 'C1',
     10, 55.0, 33.1, 76.9, 40.0, 0.0, 0, false, null, '2024.1', null, 1),
    (1, '2024/25', 'pupil_primary', 'not_stated', 'C1',
     null, null, null, null, null, null, null, true, 'below_threshold',
     '2024.1', null, null),
    (1, '2024/25', 'parent', 'all', 'C2',
     12, 62.5, 45.0, 80.0, 58.3, 0.0, 0, false, null, '2024.1', 0.81, 1);

create table marts.practice_indicators (
    school_id integer, academic_year varchar, stakeholder_group varchar,
    key_stage varchar, practice_id varchar, component_id varchar,
    n_respondents integer, score double, ci_lower double, ci_upper double,
    pct_positive double, dont_know_rate double, n_excluded integer,
    is_suppressed boolean, suppression_reason varchar, bank_version varchar
);
insert into marts.practice_indicators values
    (1, '2024/25', 'pupil_primary', 'all', 'P1.4', 'C1',
     12, 50.0, 31.2, 68.8, 36.4, 8.3, 0, false, null, '2024.1'),
    (1, '2024/25', 'pupil_primary', 'not_stated', 'P1.4', 'C1',
     null, null, null, null, null, null, null, true, 'complementary',
     '2024.1'),
    (1, '2024/25', 'parent', 'all', 'P2.1', 'C2',
     12, 62.5, 45.0, 80.0, 58.3, 0.0, 0, false, null, '2024.1');

create table marts.response_counts (
    school_id integer, academic_year varchar, stakeholder_group varchar,
    key_stage varchar, n_responses integer, n_excluded integer,
    number_on_roll integer, response_rate double, is_suppressed boolean,
    suppression_reason varchar
);
insert into marts.response_counts values
    (1, '2024/25', 'pupil_primary', 'all', 12, 0, 200, 6.0, false, null),
    (1, '2024/25', 'pupil_primary', 'KS2', 10, 0, null, null, false, null),
    (1, '2024/25', 'pupil_primary', 'not_stated', null, null, null, null, true,
     'below_threshold'),
    (1, '2024/25', 'parent', 'all', 12, 0, 300, 4.0, false, null);
"""

WarehouseFactory = Callable[..., Path]


def build_warehouse(path: Path, changes: Sequence[str] = ()) -> Path:
    """Write the good warehouse to path, then apply the SQL statements in changes."""
    with duckdb.connect(str(path)) as connection:
        connection.execute(RAW_TABLES)
        connection.execute(MART_TABLES)
        _create_other_tables(connection)
        for statement in changes:
            connection.execute(statement)
    return path


def _create_other_tables(connection: duckdb.DuckDBPyConnection) -> None:
    """Create, empty, each table a suite reads that the tables above leave out.

    Suites of other marts (the self-review ones, for example) are tested with
    their own rows; here they only need their table to exist.
    """
    for suite in all_suites():
        if suite.table is None:
            continue
        schema, table = suite.table.split(".")
        (exists,) = connection.execute(
            "select count(*) from information_schema.tables"
            " where table_schema = ? and table_name = ?",
            [schema, table],
        ).fetchone()
        if exists:
            continue
        columns = ", ".join(
            f"{column} boolean" if column.startswith("is_") else f"{column} varchar"
            for column in suite.columns
        )
        connection.execute(f"create table {schema}.{table} ({columns})")


@pytest.fixture
def make_warehouse(tmp_path) -> WarehouseFactory:
    """Return a function that builds a warehouse file, good or changed."""

    def make(*changes: str, name: str = "warehouse.duckdb") -> Path:
        return build_warehouse(tmp_path / name, changes)

    return make


@pytest.fixture
def report_dir(tmp_path) -> Path:
    return tmp_path / "reports"
