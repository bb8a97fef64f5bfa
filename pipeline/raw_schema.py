"""The raw schema of raw.duckdb: one DDL for every table the load writes.

Column types are fixed here rather than inferred from SQLite, whose columns
have no enforced type: SQLAlchemy stores booleans as 0/1, dates as
'YYYY-MM-DD' text and timestamps as naive UTC text. The load reads each
column's type back from DuckDB's catalog and casts to it (see
`cast_expression`), so this DDL is the only place raw column types are set.
"""

# Bump when RAW_DDL changes: the load then drops the raw schema and reloads
# every response from the operational store into the new tables.
RAW_SCHEMA_VERSION = 3

RAW_DDL = """
create schema if not exists raw;

create table raw.framework_versions (
    framework_version integer primary key,
    name varchar not null,
    content_sha256 varchar not null,
    loaded_at timestamptz not null
);

create table raw.components (
    framework_version integer not null,
    component_id varchar not null,
    position integer not null,
    title varchar not null,
    primary key (framework_version, component_id)
);

create table raw.practices (
    framework_version integer not null,
    practice_id varchar not null,
    component_id varchar not null,
    position integer not null,
    text varchar not null,
    primary key (framework_version, practice_id)
);

create table raw.question_bank_versions (
    bank_version varchar primary key,
    framework_version integer not null,
    content_sha256 varchar not null,
    loaded_at timestamptz not null
);

create table raw.scales (
    bank_version varchar not null,
    scale_id varchar not null,
    points integer not null,
    positive_from integer not null,
    labels_json varchar not null,
    dont_know_label varchar,
    primary key (bank_version, scale_id)
);

create table raw.bank_groups (
    bank_version varchar not null,
    stakeholder_group varchar not null,
    scale_id varchar not null,
    title varchar not null,
    primary key (bank_version, stakeholder_group)
);

create table raw.questions (
    bank_version varchar not null,
    question_id varchar not null,
    stakeholder_group varchar not null,
    practice_id varchar not null,
    position integer not null,
    text varchar not null,
    primary key (bank_version, question_id)
);

create table raw.schools (
    school_id integer primary key,
    name varchar not null,
    urn varchar,
    phase varchar not null,
    is_demo boolean not null,
    created_at timestamptz not null
);

create table raw.school_rolls (
    school_id integer not null,
    stakeholder_group varchar not null,
    number_on_roll integer not null,
    primary key (school_id, stakeholder_group)
);

create table raw.survey_windows (
    window_id integer primary key,
    school_id integer not null,
    academic_year varchar not null,
    opens_on date not null,
    closes_on date not null,
    bank_version varchar not null,
    created_at timestamptz not null
);

-- Without the link's token: it admits respondents and the warehouse has no
-- use for it.
create table raw.survey_links (
    link_id integer primary key,
    window_id integer not null,
    stakeholder_group varchar not null,
    access_mode varchar not null,
    kiosk boolean not null,
    number_on_roll integer
);

-- Counts only: code hashes never leave the operational store.
create table raw.access_code_counts (
    link_id integer primary key,
    codes_issued integer not null,
    codes_spent integer not null
);

create table raw.responses (
    response_seq bigint primary key,
    response_id varchar not null,
    window_id integer not null,
    link_id integer,
    stakeholder_group varchar not null,
    bank_version varchar not null,
    submitted_on date not null,
    year_group integer,
    is_too_fast boolean not null,
    source varchar not null
);

-- No primary key: indexing millions of answers made a full load several
-- times slower. The load checks the rows it appends instead, and dbt tests
-- (response_seq, question_id) for uniqueness on every build.
create table raw.answers (
    response_seq bigint not null,
    question_id varchar not null,
    value integer,
    is_dont_know boolean not null
);

-- The school self-review: ids, ratings and targets only. Evidence, provision
-- and next step texts, and who wrote them, stay in the operational store.
create table raw.self_reviews (
    self_review_id integer primary key,
    school_id integer not null,
    academic_year varchar not null,
    version_number integer not null,
    framework_version integer not null,
    status varchar not null,
    submitted_at timestamptz
);

create table raw.self_review_ratings (
    self_review_id integer not null,
    practice_id varchar not null,
    component_id varchar not null,
    level integer,
    primary key (self_review_id, practice_id)
);

create table raw.next_steps (
    next_step_id integer primary key,
    school_id integer not null,
    academic_year varchar not null,
    framework_version integer not null,
    component_id varchar not null,
    practice_id varchar,
    stakeholder_group varchar not null
);

create table raw.load_state (
    last_response_seq bigint not null,
    loaded_at timestamptz not null,
    schema_version integer not null
);
"""

# Copied whole on every run, in this order. Each is small (reference data and
# one row per school, window or link).
REPLACED_TABLES = (
    "framework_versions",
    "components",
    "practices",
    "question_bank_versions",
    "scales",
    "bank_groups",
    "questions",
    "schools",
    "school_rolls",
    "survey_windows",
    "survey_links",
    "self_reviews",
    "self_review_ratings",
    "next_steps",
    # Last: the access codes file runs in rollback-journal mode, where a read
    # holds off the app's code spends until the load's read transaction ends.
    "access_code_counts",
)

# Appended by response_seq. The SQLite driver infers each column's Arrow type
# from the first batch of rows, so a nullable text, date or timestamp column
# here would fail a load whose first batch is all null. Keep nullable columns
# of these tables integer (tests/pipeline/test_raw_schema.py checks).
INCREMENTAL_TABLES = ("responses", "answers")

# Store columns that the warehouse leaves out, for the reasons in RAW_DDL's
# comments: secrets, staff identities and free text stay in the store.
EXCLUDED_SOURCE_COLUMNS = {
    ("survey_links", "token"),
    *(
        ("self_reviews", column)
        for column in (
            "edit_count",
            "created_at",
            "created_by_user_id",
            "submitted_by_user_id",
        )
    ),
    ("self_review_ratings", "evidence"),
    *(
        ("next_steps", column)
        for column in (
            "action",
            "lead",
            "starts_on",
            "review_on",
            "expected_change",
            "edit_count",
            "created_at",
            "created_by_user_id",
            "updated_at",
            "updated_by_user_id",
        )
    ),
}

# Tables whose SQLite source is not the table of the same name.
SOURCE_QUERIES = {
    # Every link gets a row, with zeros when it has no codes. The codes live
    # in the access codes file, which the load attaches as schema codes.
    "access_code_counts": """
        select
            survey_links.link_id,
            count(access_codes.code_hash) as codes_issued,
            coalesce(sum(access_codes.is_spent), 0) as codes_spent
        from survey_links
        left join codes.access_codes as access_codes
            on access_codes.link_id = survey_links.link_id
        group by survey_links.link_id
    """,
}


def cast_expression(column: str, duckdb_type: str) -> str:
    """Return the DuckDB expression that converts a SQLite value to duckdb_type.

    Temporal values go through varchar because an all-null or empty Arrow
    column arrives typed int64, which DuckDB will not cast to a date.
    """
    quoted = f'"{column}"'
    if duckdb_type == "DATE":
        return f"cast(cast({quoted} as varchar) as date)"
    if duckdb_type == "TIMESTAMP WITH TIME ZONE":
        # SQLite stores naive UTC, so read it as UTC whatever the session zone.
        return f"cast(cast({quoted} as varchar) as timestamp) at time zone 'UTC'"
    return f"cast({quoted} as {duckdb_type})"
