"""What must hold in the store after any request: integrity and value ranges.

Each check is a query that returns the offending rows, so a failure shows
them. The CHECK constraints of the schema cover some of these already; the
queries check them again because a migration could drop one.
"""

import re
import sqlite3
from pathlib import Path

from survey_app.db import codes_path_for
from survey_app.self_review import MAX_TEXT_LENGTH
from survey_app.windows import MAX_CODES_PER_BATCH, MAX_NUMBER_ON_ROLL

# Name of the check, and a query returning the rows that break it.
ROW_CHECKS = {
    "answer value outside its scale": """
        select a.response_seq, a.question_id, a.value, s.points
        from answers a
        join responses r using (response_seq)
        join bank_groups g
            on g.bank_version = r.bank_version
            and g.stakeholder_group = r.stakeholder_group
        join scales s on s.bank_version = g.bank_version and s.scale_id = g.scale_id
        where (a.value is null) != a.is_dont_know
            or (a.value is not null and (a.value < 1 or a.value > s.points))
            or typeof(a.value) not in ('integer', 'null')
    """,
    "answer to a question not of the response's group": """
        select a.response_seq, a.question_id
        from answers a
        join responses r using (response_seq)
        left join questions q
            on q.bank_version = r.bank_version
            and q.question_id = a.question_id
            and q.stakeholder_group = r.stakeholder_group
        where q.question_id is null
    """,
    # The demo loader stores some responses with most questions unanswered,
    # so only responses stored after the check's starting point count.
    "new survey response without every question answered": """
        select r.response_seq, count(a.question_id), count(q.question_id)
        from responses r
        join questions q
            on q.bank_version = r.bank_version
            and q.stakeholder_group = r.stakeholder_group
        left join answers a
            on a.response_seq = r.response_seq and a.question_id = q.question_id
        where r.source = 'survey' and r.response_seq > :since
        group by r.response_seq
        having count(a.question_id) != count(q.question_id)
    """,
    "year group outside the group's years": """
        select response_seq, stakeholder_group, year_group
        from responses
        where not (
            year_group is null
            or (stakeholder_group = 'pupil_primary' and year_group between 3 and 6)
            or (stakeholder_group = 'pupil_secondary' and year_group between 7 and 13)
        )
    """,
    "response date not a date": """
        select response_seq, submitted_on from responses
        where typeof(submitted_on) != 'text'
            or submitted_on not glob '[0-9][0-9][0-9][0-9]-[0-9][0-9]-[0-9][0-9]'
    """,
    "response id not a UUID": """
        select response_seq, response_id from responses
        where length(response_id) != 36
            or lower(response_id) != response_id
            or substr(response_id, 15, 1) != '4'
    """,
    "response link of another window or group": """
        select r.response_seq from responses r
        join survey_links l using (link_id)
        where l.window_id != r.window_id
            or l.stakeholder_group != r.stakeholder_group
    """,
    "access code of another link than its batch": """
        select c.code_hash from access_codes c
        join access_code_batches b using (batch_id)
        where b.link_id != c.link_id or c.is_spent not in (0, 1)
            or length(c.code_hash) != 64
    """,
    # The codes file cannot enforce these as foreign keys.
    "access code of no stored link or batch": """
        select c.code_hash from access_codes c
        left join survey_links l using (link_id)
        left join access_code_batches b using (batch_id)
        where l.link_id is null or b.batch_id is null
    """,
    "access code batch label or size invalid": f"""
        select b.batch_id, b.label, count(c.code_hash) from access_code_batches b
        left join access_codes c using (batch_id)
        group by b.batch_id
        having length(trim(b.label)) not between 1 and 100
            or count(c.code_hash) not between 1 and {MAX_CODES_PER_BATCH}
    """,
    "link settings invalid": f"""
        select link_id from survey_links
        where access_mode not in ('open', 'codes')
            or kiosk not in (0, 1)
            or (number_on_roll is not null
                and number_on_roll not between 1 and {MAX_NUMBER_ON_ROLL})
    """,
    "self-review rating invalid": f"""
        select self_review_id, practice_id from self_review_ratings
        where (level is not null and level not between 0 and 3)
            or typeof(level) not in ('integer', 'null')
            or length(evidence) > {MAX_TEXT_LENGTH}
            or evidence = ''
    """,
    "self-review provision invalid": f"""
        select self_review_id, component_id from self_review_components
        where length(for_all_pupils) > {MAX_TEXT_LENGTH}
            or length(for_pupils_at_risk) > {MAX_TEXT_LENGTH}
            or length(for_most_vulnerable) > {MAX_TEXT_LENGTH}
    """,
    "self-review state invalid": """
        select self_review_id from self_reviews
        where status not in ('draft', 'submitted')
            or (status = 'submitted') != (submitted_at is not null)
            or academic_year not glob '[0-9][0-9][0-9][0-9]/[0-9][0-9]'
    """,
    "submitted self-review with an unrated practice": """
        select s.self_review_id, r.practice_id from self_reviews s
        join self_review_ratings r using (self_review_id)
        where s.status = 'submitted' and r.level is null
    """,
    "next step invalid": f"""
        select next_step_id from next_steps
        where starts_on > review_on
            or starts_on not glob '[0-9][0-9][0-9][0-9]-[0-9][0-9]-[0-9][0-9]'
            or review_on not glob '[0-9][0-9][0-9][0-9]-[0-9][0-9]-[0-9][0-9]'
            or stakeholder_group not in
                ('pupil_primary', 'pupil_secondary', 'parent', 'staff', 'governor')
            or length(trim(action)) not between 1 and {MAX_TEXT_LENGTH}
            or length(trim(lead)) not between 1 and 200
            or length(trim(expected_change)) not between 1 and {MAX_TEXT_LENGTH}
    """,
    "next step target not in the framework": """
        select n.next_step_id from next_steps n
        left join components c
            on c.framework_version = n.framework_version
            and c.component_id = n.component_id
        left join practices p
            on p.framework_version = n.framework_version
            and p.practice_id = n.practice_id
            and p.component_id = n.component_id
        where c.component_id is null
            or (n.practice_id is not null and p.practice_id is null)
    """,
    "user invalid": """
        select user_id from users
        where role not in ('school', 'borough', 'admin')
            or (role = 'school') != (school_id is not null)
            or password_hash not like '$argon2id$%'
    """,
}


# Text that staff type, shown on pages, in reports and in exports. A control
# character other than tab and line breaks there is invalid: it cannot be
# seen or typed, and SQLite's length() and other tools stop at a NUL.
STAFF_TEXT_COLUMNS = {
    "schools": ("school_id", ("name",)),
    "users": ("user_id", ("email", "display_name")),
    "access_code_batches": ("batch_id", ("label",)),
    "next_steps": ("next_step_id", ("action", "lead", "expected_change")),
    "self_review_ratings": ("self_review_id", ("evidence",)),
    "self_review_components": (
        "self_review_id",
        ("for_all_pupils", "for_pupils_at_risk", "for_most_vulnerable"),
    ),
}
CONTROL_CHARACTER = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")


def text_problems(connection) -> list:
    """Return (table, key, column) of staff text with a control character."""
    found = []
    for table, (key, columns) in STAFF_TEXT_COLUMNS.items():
        for column in columns:
            query = f"select {key}, {column} from {table}"  # noqa: S608
            for row_key, text in connection.execute(query):
                if text and CONTROL_CHARACTER.search(text):
                    found.append((table, row_key, column))
    return found


def connect_store(path: Path) -> sqlite3.Connection:
    """Open the store with its access codes file attached, as the app does."""
    connection = sqlite3.connect(path)
    connection.execute("attach database ? as codes", (str(codes_path_for(path)),))
    return connection


def last_response_seq(path: Path) -> int:
    connection = sqlite3.connect(path)
    try:
        return connection.execute(
            "select coalesce(max(response_seq), 0) from responses"
        ).fetchone()[0]
    finally:
        connection.close()


def store_problems(path: Path, since: int = 0) -> dict[str, list]:
    """Return each broken check with up to five offending rows.

    since is the last response_seq before the requests under test.
    """
    connection = connect_store(path)
    try:
        problems = {}
        integrity = connection.execute("pragma integrity_check").fetchall()
        if integrity != [("ok",)]:
            problems["integrity_check"] = integrity[:5]
        foreign_keys = connection.execute("pragma foreign_key_check").fetchall()
        if foreign_keys:
            problems["foreign_key_check"] = foreign_keys[:5]
        texts = text_problems(connection)
        if texts:
            problems["control character in staff text"] = texts[:5]
        for name, query in ROW_CHECKS.items():
            parameters = {"since": since} if ":since" in query else {}
            rows = connection.execute(query, parameters).fetchmany(5)
            if rows:
                problems[name] = rows
        return problems
    finally:
        connection.close()


class StoreWatch:
    """Checks the store only after requests that committed something."""

    def __init__(self, path: Path):
        self.path = path
        self.since = last_response_seq(path)
        self.connection = connect_store(path)
        self.version = self._data_version()

    def _data_version(self) -> tuple[int, int]:
        return (
            self.connection.execute("pragma main.data_version").fetchone()[0],
            self.connection.execute("pragma codes.data_version").fetchone()[0],
        )

    def problems_since_last_check(self) -> dict[str, list]:
        version = self._data_version()
        if version == self.version:
            return {}
        self.version = version
        return store_problems(self.path, self.since)

    def close(self) -> None:
        self.connection.close()
