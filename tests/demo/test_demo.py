"""The demo borough: what demo-load stores, and that it is safe to run again."""

import re
import time
from collections import Counter, defaultdict
from pathlib import Path

import pytest
import yaml
from sqlalchemy import func, select

from survey_app.db import get_db
from survey_app.demo import (
    ADMIN_EMAIL,
    BOROUGH_EMAIL,
    DEFAULT_SEED,
    DEMO_ACCESS_CODES,
    DEMO_PASSWORD,
    DEMO_SCHOOLS,
    delete_demo,
    load_demo,
)
from survey_app.models import (
    AccessCode,
    Answer,
    AuditEvent,
    Response,
    School,
    SchoolRoll,
    SurveyLink,
    SurveyWindow,
    User,
)
from survey_app.passwords import hash_password, verify_password
from survey_app.windows import (
    access_code_pepper,
    create_school,
    create_window,
    hash_access_code,
    is_open,
)

from .conftest import TODAY, create_migrated_app

DBT_PROJECT = Path(__file__).resolve().parents[2] / "dbt_project" / "dbt_project.yml"
PAST_YEARS = ("2023/24", "2024/25", "2025/26")
CURRENT_YEAR = "2026/27"
# Responses in a whole (past) window, per school, as in real schools.
SIZE_RANGES = {"pupils": (80, 400), "parent": (30, 150), "staff": (20, 60)}
# The one demo school whose governors are numerous enough to be reported.
SCHOOL_WITH_REPORTED_GOVERNORS = "Demo: Northgate Academy"


def disclosure_threshold() -> int:
    """Return the threshold the warehouse suppresses below (dbt var)."""
    project = yaml.safe_load(DBT_PROJECT.read_text(encoding="utf-8"))
    return int(project["vars"]["disclosure_threshold"])


def response_counts(db) -> dict[tuple[str, str, str], int]:
    """Count responses by school name, academic year and stakeholder group."""
    rows = db.execute(
        select(
            School.name,
            SurveyWindow.academic_year,
            Response.stakeholder_group,
            func.count(),
        )
        .join(SurveyWindow, SurveyWindow.window_id == Response.window_id)
        .join(School, School.school_id == SurveyWindow.school_id)
        .group_by(School.name, SurveyWindow.academic_year, Response.stakeholder_group)
    )
    return {(name, year, group): count for name, year, group, count in rows}


def snapshot(db) -> tuple[list, list]:
    """Return every response and answer in a form independent of row ids."""
    responses = db.execute(
        select(
            Response.response_id,
            School.name,
            SurveyWindow.academic_year,
            Response.stakeholder_group,
            Response.bank_version,
            Response.submitted_on,
            Response.year_group,
            Response.is_too_fast,
        )
        .join(SurveyWindow, SurveyWindow.window_id == Response.window_id)
        .join(School, School.school_id == SurveyWindow.school_id)
        .order_by(Response.response_id)
    ).all()
    answers = db.execute(
        select(
            Response.response_id,
            Answer.question_id,
            Answer.value,
            Answer.is_dont_know,
        )
        .join(Response, Response.response_seq == Answer.response_seq)
        .order_by(Response.response_id, Answer.question_id)
    ).all()
    return responses, answers


def table_counts(db) -> dict[str, int]:
    return {
        model.__tablename__: db.scalar(select(func.count()).select_from(model))
        for model in (School, SchoolRoll, SurveyWindow, SurveyLink, Response, Answer)
    } | {
        "users": db.scalar(select(func.count()).select_from(User)),
        "access_codes": db.scalar(select(func.count()).select_from(AccessCode)),
    }


# What one load stores


def test_demo_schools_are_labelled(demo_db):
    schools = demo_db.scalars(select(School).order_by(School.name)).all()

    assert len(schools) == len(DEMO_SCHOOLS) == 6
    assert all(school.is_demo for school in schools)
    assert all(school.name.startswith("Demo: ") for school in schools)
    assert all(school.urn is None for school in schools)


def test_demo_schools_cover_phases(demo_db):
    phases = Counter(demo_db.scalars(select(School.phase)))

    assert phases["primary"] >= 1
    assert phases["secondary"] >= 1
    assert phases["all_through"] + phases["special"] >= 1


def test_demo_windows_have_years_and_banks(demo_db):
    windows = demo_db.scalars(select(SurveyWindow)).all()
    banks_by_year = defaultdict(set)
    for window in windows:
        banks_by_year[window.academic_year].add(window.bank_version)

    assert len(windows) == 6 * 4
    assert banks_by_year == {
        "2023/24": {"2024.1"},
        "2024/25": {"2024.1"},
        "2025/26": {"2025.1"},
        "2026/27": {"2025.1"},
    }


def test_only_current_windows_are_open(demo_db):
    windows = demo_db.scalars(select(SurveyWindow)).all()
    open_years = {window.academic_year for window in windows if is_open(window, TODAY)}

    assert open_years == {CURRENT_YEAR}
    assert sum(is_open(window, TODAY) for window in windows) == 6


def test_open_windows_have_some_responses(demo_db):
    counts = response_counts(demo_db)
    for school in DEMO_SCHOOLS:
        for plan in school.groups:
            current = counts.get((school.name, CURRENT_YEAR, plan.stakeholder_group), 0)
            last_year = counts[(school.name, "2025/26", plan.stakeholder_group)]
            if plan.stakeholder_group != "governor":
                assert current > 0, (school.name, plan.stakeholder_group)
            assert current < last_year, (school.name, plan.stakeholder_group)


@pytest.mark.parametrize("year", PAST_YEARS)
def test_group_sizes_like_real_schools(demo_db, year):
    counts = response_counts(demo_db)
    for school in DEMO_SCHOOLS:
        pupils = sum(
            counts.get((school.name, year, group), 0)
            for group in ("pupil_primary", "pupil_secondary")
        )
        low, high = SIZE_RANGES["pupils"]
        assert low <= pupils <= high, (school.name, "pupils", pupils)
        for group in ("parent", "staff"):
            low, high = SIZE_RANGES[group]
            count = counts[(school.name, year, group)]
            assert low <= count <= high, (school.name, group, count)


def test_governors_mostly_under_threshold(demo_db):
    threshold = disclosure_threshold()
    counts = response_counts(demo_db)
    governors = {
        (name, year): count
        for (name, year, group), count in counts.items()
        if group == "governor"
    }

    under = [key for key, count in governors.items() if count < threshold]
    over = [key for key, count in governors.items() if count >= threshold]
    assert len(under) >= 15
    assert {name for name, _ in over} == {SCHOOL_WITH_REPORTED_GOVERNORS}
    for year in PAST_YEARS:
        assert governors[(SCHOOL_WITH_REPORTED_GOVERNORS, year)] >= threshold


def test_other_past_groups_reach_threshold(demo_db):
    threshold = disclosure_threshold()
    for (name, year, group), count in response_counts(demo_db).items():
        if group != "governor" and year in PAST_YEARS:
            assert count >= threshold, (name, year, group, count)


def test_rolls_cover_each_group(demo_db):
    for school in DEMO_SCHOOLS:
        school_id = demo_db.scalar(
            select(School.school_id).where(School.name == school.name)
        )
        rolls = dict(
            demo_db.execute(
                select(SchoolRoll.stakeholder_group, SchoolRoll.number_on_roll).where(
                    SchoolRoll.school_id == school_id
                )
            ).all()
        )
        links = demo_db.scalars(
            select(SurveyLink)
            .join(SurveyWindow, SurveyWindow.window_id == SurveyLink.window_id)
            .where(SurveyWindow.school_id == school_id)
        ).all()

        assert rolls == {
            plan.stakeholder_group: plan.number_on_roll for plan in school.groups
        }
        for link in links:
            if link.stakeholder_group in rolls:
                assert link.number_on_roll == rolls[link.stakeholder_group]


def test_responses_fit_their_rolls(demo_db):
    counts = response_counts(demo_db)
    for school in DEMO_SCHOOLS:
        for plan in school.groups:
            for year in PAST_YEARS:
                count = counts[(school.name, year, plan.stakeholder_group)]
                assert count <= plan.number_on_roll, (school.name, year, plan)


def test_responses_dated_inside_windows(demo_db):
    outside = demo_db.scalar(
        select(func.count())
        .select_from(Response)
        .join(SurveyWindow, SurveyWindow.window_id == Response.window_id)
        .where(
            (Response.submitted_on < SurveyWindow.opens_on)
            | (Response.submitted_on > SurveyWindow.closes_on)
            | (Response.submitted_on > TODAY)
        )
    )

    assert outside == 0


def test_responses_use_window_bank(demo_db):
    mismatched = demo_db.scalar(
        select(func.count())
        .select_from(Response)
        .join(SurveyWindow, SurveyWindow.window_id == Response.window_id)
        .where(Response.bank_version != SurveyWindow.bank_version)
    )

    assert mismatched == 0


def test_pupil_year_groups_mostly_given(demo_db):
    rows = demo_db.execute(
        select(Response.stakeholder_group, Response.year_group).where(
            Response.stakeholder_group.in_(("pupil_primary", "pupil_secondary"))
        )
    ).all()
    given = [year for _, year in rows if year is not None]
    primary_years = {year for group, year in rows if group == "pupil_primary"}
    secondary_years = {year for group, year in rows if group == "pupil_secondary"}

    assert 0.85 <= len(given) / len(rows) < 1
    assert primary_years - {None} == {3, 4, 5, 6}
    assert secondary_years - {None} == {7, 8, 9, 10, 11, 12, 13}


def test_adults_have_no_year_group(demo_db):
    with_year = demo_db.scalar(
        select(func.count()).where(
            Response.stakeholder_group.in_(("parent", "staff", "governor")),
            Response.year_group.is_not(None),
        )
    )

    assert with_year == 0


def test_some_answers_are_dont_know(demo_db):
    total = demo_db.scalar(select(func.count()).select_from(Answer))
    dont_know = demo_db.scalar(select(func.count()).where(Answer.is_dont_know))

    assert 0.01 < dont_know / total < 0.15


def test_some_responses_are_flagged(demo_db):
    total = demo_db.scalar(select(func.count()).select_from(Response))
    too_fast = demo_db.scalar(select(func.count()).where(Response.is_too_fast))
    answers_by_response = defaultdict(list)
    for response_seq, value in demo_db.execute(
        select(Answer.response_seq, Answer.value)
    ):
        answers_by_response[response_seq].append(value)
    straight_lined = sum(
        1
        for values in answers_by_response.values()
        if len(values) >= 10 and len(set(values)) == 1
    )
    too_few = sum(1 for values in answers_by_response.values() if len(values) < 5)

    assert 0.005 < too_fast / total < 0.05
    assert 0.005 < straight_lined / total < 0.05
    assert 0 < too_few / total < 0.03


def mean_scores(db, school_name, group, component_id) -> dict[str, float]:
    """Mean answer value (don't know left out) by academic year."""
    rows = db.execute(
        select(SurveyWindow.academic_year, func.avg(Answer.value))
        .select_from(Answer)
        .join(Response, Response.response_seq == Answer.response_seq)
        .join(SurveyWindow, SurveyWindow.window_id == Response.window_id)
        .join(School, School.school_id == SurveyWindow.school_id)
        .where(
            School.name == school_name,
            Response.stakeholder_group == group,
            Answer.question_id.like(f"%-P{component_id[1:]}.%"),
            Answer.value.is_not(None),
            Response.is_too_fast.is_(False),
        )
        .group_by(SurveyWindow.academic_year)
    )
    return dict(rows.all())


def test_one_school_improves_one_declines(demo_db):
    improving = mean_scores(demo_db, "Demo: Hazel Road Primary", "pupil_primary", "C5")
    declining = mean_scores(demo_db, "Demo: Riverside High School", "staff", "C7")

    assert improving["2023/24"] < improving["2025/26"] < improving["2026/27"]
    assert declining["2023/24"] > declining["2025/26"] > declining["2026/27"]


def test_staff_rate_wellbeing_lowest(demo_db):
    staff_scores = {
        component: sum(scores.values()) / len(scores)
        for component in ("C1", "C2", "C3", "C4", "C5", "C6", "C7")
        if (
            scores := mean_scores(
                demo_db, "Demo: Northgate Academy", "staff", component
            )
        )
    }

    assert min(staff_scores, key=staff_scores.get) == "C7"


# Sign-ins and access modes


def test_demo_sign_ins_exist(demo_db):
    users = {user.email: user for user in demo_db.scalars(select(User))}
    schools = {
        school.name: school.school_id for school in demo_db.scalars(select(School))
    }

    assert set(users) == {school.lead_email for school in DEMO_SCHOOLS} | {
        BOROUGH_EMAIL,
        ADMIN_EMAIL,
    }
    assert users[BOROUGH_EMAIL].role == "borough"
    assert users[BOROUGH_EMAIL].school_id is None
    assert users[ADMIN_EMAIL].role == "admin"
    assert users[ADMIN_EMAIL].school_id is None
    for school in DEMO_SCHOOLS:
        lead = users[school.lead_email]
        assert lead.role == "school"
        assert lead.school_id == schools[school.name]
        assert verify_password(lead.password_hash, DEMO_PASSWORD)


def test_demo_lead_can_sign_in(demo_app):
    client = demo_app.test_client()
    page = client.get("/sign-in").get_data(as_text=True)
    csrf_token = re.search(r'name="csrf_token"[^>]*value="([^"]+)"', page).group(1)

    response = client.post(
        "/sign-in",
        data={
            "csrf_token": csrf_token,
            "email": DEMO_SCHOOLS[0].lead_email,
            "password": DEMO_PASSWORD,
        },
    )

    assert response.status_code == 302
    assert "/sign-in" not in response.headers["Location"]


def test_one_open_link_uses_codes(demo_db, demo_app):
    links = demo_db.scalars(
        select(SurveyLink).where(SurveyLink.access_mode == "codes")
    ).all()
    codes_file = Path(demo_app.config["VAR_DIR"]) / "demo-access-codes.txt"

    assert len(links) == 1
    assert is_open(demo_db.get(SurveyWindow, links[0].window_id), TODAY)
    stored = demo_db.scalars(
        select(AccessCode.code_hash).where(AccessCode.link_id == links[0].link_id)
    ).all()
    assert len(stored) == DEMO_ACCESS_CODES
    # load_demo alone writes no sheet: demo-load does.
    assert not codes_file.exists()


def test_one_open_link_is_kiosk(demo_db):
    links = demo_db.scalars(select(SurveyLink).where(SurveyLink.kiosk)).all()

    assert len(links) == 1
    assert links[0].access_mode == "open"
    assert is_open(demo_db.get(SurveyWindow, links[0].window_id), TODAY)


# Determinism, running again, replacing


@pytest.mark.slow
def test_same_seed_same_answers(tmp_path, demo_db):
    app = create_migrated_app(tmp_path / "var")
    with app.app_context():
        load_demo(get_db(), seed=DEFAULT_SEED, today=TODAY)
        again = snapshot(get_db())
    app.extensions["db_engine"].dispose()

    assert again == snapshot(demo_db)


@pytest.mark.slow
def test_other_seed_other_answers(tmp_path, demo_db):
    app = create_migrated_app(tmp_path / "var")
    with app.app_context():
        load_demo(get_db(), seed=DEFAULT_SEED + 1, today=TODAY)
        other_responses, other_answers = snapshot(get_db())
    app.extensions["db_engine"].dispose()
    responses, answers = snapshot(demo_db)

    assert other_responses != responses
    assert other_answers != answers


def test_load_takes_seconds(app):
    with app.app_context():
        started = time.perf_counter()
        load_demo(get_db(), today=TODAY)
        elapsed = time.perf_counter() - started

    # About 2 s on an idle 2-core machine, and up to 9 s on a busy one.
    assert elapsed < 15


def test_demo_load_twice_changes_nothing(app, runner):
    first = runner.invoke(args=["demo-load"])
    with app.app_context():
        before = table_counts(get_db())
    second = runner.invoke(args=["demo-load"])
    with app.app_context():
        after = table_counts(get_db())

    assert first.exit_code == 0, first.output
    assert "Loaded the demo borough" in first.output
    assert DEMO_PASSWORD in first.output
    assert second.exit_code == 0, second.output
    assert "loaded already" in second.output
    assert DEMO_PASSWORD in second.output
    assert after == before
    assert before["schools"] == 6


def test_demo_load_writes_codes(app, runner):
    result = runner.invoke(args=["demo-load"])
    codes_file = Path(app.config["VAR_DIR"]) / "demo-access-codes.txt"
    codes = re.findall(
        r"\b[A-Z0-9]{3}-[A-Z0-9]{3}-[A-Z0-9]{3}\b", codes_file.read_text()
    )

    assert result.exit_code == 0, result.output
    assert len(codes) == DEMO_ACCESS_CODES
    with app.app_context():
        pepper = access_code_pepper(app.config["SECRET_KEY"])
        stored = set(get_db().scalars(select(AccessCode.code_hash)))
    assert {hash_access_code(code, pepper) for code in codes} == stored


def test_demo_info_prints_sign_ins(app, runner):
    before = runner.invoke(args=["demo-info"])
    runner.invoke(args=["demo-load"])
    after = runner.invoke(args=["demo-info"])

    assert "not loaded" in before.output
    assert DEMO_PASSWORD in after.output
    assert BOROUGH_EMAIL in after.output
    assert "Demo access codes" in after.output


@pytest.mark.slow
def test_replace_keeps_other_schools(app, runner):
    with app.app_context():
        db = get_db()
        real = create_school(db, "Hilltop Primary", "primary", urn="100001")
        window = create_window(db, real.school_id, CURRENT_YEAR)
        db.add(
            Response(
                response_id="00000000-0000-4000-8000-000000000001",
                window_id=window.window_id,
                stakeholder_group="staff",
                bank_version=window.bank_version,
                submitted_on=TODAY,
                answers=[Answer(question_id="stf-P1.1-a", value=4)],
            )
        )
        real_user = User(
            email="lead@hilltop.example",
            display_name="Hilltop lead",
            password_hash=hash_password("hilltop lead password"),
            role="school",
            school_id=real.school_id,
        )
        db.add(real_user)
        db.commit()
        real_id = real.school_id
    runner.invoke(args=["demo-load"])
    with app.app_context():
        db = get_db()
        borough_id = db.scalar(select(User.user_id).where(User.email == BOROUGH_EMAIL))
        db.add(AuditEvent(user_id=borough_id, action="signed_in", object_type="user"))
        db.commit()
        before = snapshot(db)

    result = runner.invoke(args=["demo-load", "--replace"])

    assert result.exit_code == 0, result.output
    assert "Deleted 6 demo schools" in result.output
    with app.app_context():
        db = get_db()
        after = snapshot(db)
        schools = db.scalars(select(School)).all()
        real_responses = [row for row in after[0] if row.name == "Hilltop Primary"]
        events = db.scalars(select(AuditEvent)).all()
        emails = set(db.scalars(select(User.email)))
    assert after == before
    assert len(schools) == 7
    assert sum(not school.is_demo for school in schools) == 1
    assert db.get(School, real_id) is not None
    assert len(real_responses) == 1
    assert "lead@hilltop.example" in emails
    assert BOROUGH_EMAIL in emails
    # The demo officer's audit event stays, no longer tied to a deleted user.
    assert [event.user_id for event in events] == [None]


def test_delete_demo_leaves_no_rows(app):
    with app.app_context():
        db = get_db()
        load_demo(db, today=TODAY)
        deleted = delete_demo(db)
        counts = table_counts(db)

    assert deleted == 6
    assert counts == {
        "schools": 0,
        "school_rolls": 0,
        "survey_windows": 0,
        "survey_links": 0,
        "responses": 0,
        "answers": 0,
        "users": 0,
        "access_codes": 0,
    }


def test_demo_load_rejected_in_production(tmp_path):
    app = create_migrated_app(tmp_path / "var")
    app.config["ENV_NAME"] = "production"

    result = app.test_cli_runner().invoke(args=["demo-load"])

    assert result.exit_code == 1
    assert "IMHARS_ENV=production" in result.output
    with app.app_context():
        assert get_db().scalar(select(func.count()).select_from(School)) == 0
    app.extensions["db_engine"].dispose()
