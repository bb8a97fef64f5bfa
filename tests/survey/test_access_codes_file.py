"""Access codes in their own rollback-journal file, attached to the store.

The codes file is never in WAL mode, migration 0005 moves the codes into it
and back, and a spend whose response fails to be stored is undone.
"""

import threading
from pathlib import Path

import pytest
from alembic import command
from sqlalchemy import text
from sqlalchemy.exc import IntegrityError

from survey_app.db import get_db
from survey_app.migrate import alembic_config, upgrade_database
from survey_app.models import SurveyLink
from survey_app.windows import issue_access_codes

from .conftest import Respondent


def count(store, table: str) -> int:
    return store.execute(f"select count(*) from {table}").fetchone()[0]  # noqa: S608


def test_codes_file_is_attached_beside_store(app):
    store_path = app.config["SQLALCHEMY_DATABASE_URL"].removeprefix("sqlite:///")
    with app.extensions["db_engine"].connect() as connection:
        files = {
            row[1]: row[2]
            for row in connection.exec_driver_sql("pragma database_list").all()
        }
        main_mode = connection.exec_driver_sql("pragma main.journal_mode").scalar()
        codes_mode = connection.exec_driver_sql("pragma codes.journal_mode").scalar()
        secure_delete = connection.exec_driver_sql(
            "pragma codes.secure_delete"
        ).scalar()

    assert files["main"] == store_path
    assert files["codes"] == str(Path(store_path).with_name("imhars-codes.sqlite"))
    assert main_mode == "wal"
    assert codes_mode == "delete"
    assert secure_delete == 1


def test_migration_moves_codes_and_back(app, survey, issue_codes, store):
    issued = issue_codes(survey.link_ids["pupil_primary"], count=4)
    store.execute(
        "update codes.access_codes set is_spent = 1 where code_hash in "
        "(select code_hash from codes.access_codes limit 2)"
    )
    store.commit()
    before = store.execute(
        "select * from codes.access_codes order by code_hash"
    ).fetchall()
    engine = app.extensions["db_engine"]

    with engine.begin() as connection:
        command.downgrade(alembic_config(engine, connection), "0004")
    in_store = store.execute(
        "select * from main.access_codes order by code_hash"
    ).fetchall()
    codes_tables = count(store, "codes.sqlite_master")
    upgrade_database(engine)
    after = store.execute(
        "select * from codes.access_codes order by code_hash"
    ).fetchall()

    assert len(issued) == 4
    assert len(before) == 4
    assert in_store == before
    assert codes_tables == 0
    assert after == before
    assert count(store, "main.sqlite_master where name = 'access_codes'") == 0


def test_failed_insert_gives_code_back(app, respondent, survey, issue_codes, store):
    code = issue_codes(survey.link_ids["pupil_primary"], count=1)[0]
    # A real SQLite trigger makes the response's insert fail after the spend.
    store.execute(
        "create trigger reject_responses before insert on responses "
        "begin select raise(abort, 'injected fault'); end"
    )
    store.commit()
    respondent.start(code=code)
    respondent.answer_all()
    check = respondent.get("/check")

    with pytest.raises(IntegrityError, match="injected fault"):
        respondent.send(check)
    spent_after_fault = count(store, "access_codes where is_spent")
    store.execute("drop trigger reject_responses")
    store.commit()
    sent = respondent.send(check)

    assert spent_after_fault == 0
    assert sent.headers["Location"] == f"{respondent.base}/thank-you"
    assert count(store, "responses") == 1
    assert count(store, "access_codes where is_spent") == 1


def test_one_code_sent_twice_at_once_stores_once(
    app, client, survey, issue_codes, store
):
    code = issue_codes(survey.link_ids["pupil_primary"], count=1)[0]
    respondents = [
        Respondent(app.test_client(), survey.tokens["pupil_primary"]) for _ in range(4)
    ]
    checks = []
    for respondent in respondents:
        assert respondent.start(code=code).status_code == 303
        respondent.answer_all()
        checks.append(respondent.get("/check"))
    barrier = threading.Barrier(len(respondents))
    statuses = []

    def send(respondent, check):
        barrier.wait()
        statuses.append(respondent.send(check).status_code)

    threads = [
        threading.Thread(target=send, args=pair)
        for pair in zip(respondents, checks, strict=True)
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)

    assert sorted(statuses) == [303, 409, 409, 409]
    assert count(store, "responses") == 1
    assert count(store, "access_codes where is_spent") == 1


def test_issue_codes_rejects_unstored_link(app):
    with app.app_context():
        link = SurveyLink(token="notstored", stakeholder_group="parent")

        with pytest.raises(ValueError, match="'notstored' is not stored"):
            issue_access_codes(get_db(), link, "5B", 3)
        stored = get_db().execute(text("select count(*) from codes.access_codes"))

        assert stored.scalar() == 0
