"""A demo borough with staff, self-reviews and a warehouse the real pipeline built.

The security, privacy and property tests share it. Building it (demo load,
then `imhars-pipeline run` with dbt and GX) takes a few minutes, so it is
built once per test session under pytest's base temporary folder. Each test
module works on its own copy.

On top of the demo borough it holds:
- an administrator, and a second borough user;
- for schools A (Elm Park) and B (Hazel Road): a submitted self-review last
  year, a draft this year and a next step in each year;
- a school with groups just below and around the disclosure threshold, in
  this year and last, for the differencing attack.
"""

import json
import os
import random
import shutil
import sqlite3
import subprocess
import sys
import uuid
from dataclasses import asdict, dataclass
from datetime import date, timedelta
from pathlib import Path

from itsdangerous import URLSafeTimedSerializer
from sqlalchemy import select

from survey_app import create_app
from survey_app.calendar import academic_year_bounds, academic_year_for, london_today
from survey_app.commands.users import create_user
from survey_app.db import codes_path_for, get_db
from survey_app.demo import DEMO_PASSWORD, load_demo
from survey_app.migrate import upgrade_database
from survey_app.models import (
    Answer,
    BankGroup,
    PipelineRun,
    Question,
    Response,
    Scale,
    School,
    SurveyLink,
    SurveyWindow,
    User,
    utc_now,
)
from survey_app.reference import sync_reference_data
from survey_app.self_review import (
    ComponentValues,
    NextStepValues,
    academic_year_slug,
    create_next_step,
    load_framework,
    save_component,
    start_draft,
    submit,
)
from survey_app.windows import create_school, create_window

REPOSITORY = Path(__file__).resolve().parents[2]
SCHOOL_A_NAME = "Demo: Elm Park Primary"
SCHOOL_B_NAME = "Demo: Hazel Road Primary"
SMALL_SCHOOL_NAME = "Small Groups Academy"
ADMIN_EMAIL = "admin@security.example"
SECOND_BOROUGH_EMAIL = "second-officer@security.example"
STAFF_PASSWORD = "security tests password"  # noqa: S105 - test accounts only
# Year groups of the small school's secondary pupils, per academic year offset
# (0 = this year, -1 = last year); None is "prefer not to say".
SMALL_SCHOOL_PUPILS = {
    0: {7: 6, 8: 5, 10: 9, 12: 2, None: 1},
    -1: {7: 4, 9: 8, 11: 10, 13: 3},
}
# Responses per adult group of the small school, per academic year offset.
SMALL_SCHOOL_ADULTS = {
    0: {"parent": 10, "staff": 9, "governor": 4},
    -1: {"parent": 9, "staff": 11, "governor": 5},
}
# The session's raw CSRF token in every client of WorldCopy.client().
RAW_CSRF_TOKEN = "0123456789abcdef0123456789abcdef01234567"  # noqa: S105
WORLD_FILE = "world.json"
READY_FILE = "ready"


@dataclass(frozen=True)
class SchoolInfo:
    """One school's ids: links of its open window, its self-review and next steps."""

    school_id: int
    name: str
    pupil_link_id: int
    pupil_token: str
    parent_link_id: int
    parent_token: str
    # Every link token of the school, any year: none may appear on a page
    # that another school's user can open.
    tokens: tuple[str, ...]
    draft_next_step_id: int
    submitted_next_step_id: int


@dataclass(frozen=True)
class WorldInfo:
    school_a: SchoolInfo
    school_b: SchoolInfo
    small_school_id: int
    user_ids: dict[str, int]
    # This academic year (with a draft self-review) and last year (submitted).
    current_year: str
    previous_year: str

    @property
    def current_slug(self) -> str:
        return academic_year_slug(self.current_year)

    @property
    def previous_slug(self) -> str:
        return academic_year_slug(self.previous_year)

    def school(self, key: str) -> SchoolInfo:
        return {"a": self.school_a, "b": self.school_b}[key]

    @classmethod
    def load(cls, path: Path) -> "WorldInfo":
        data = json.loads(path.read_text())
        for key in ("school_a", "school_b"):
            school = data[key]
            data[key] = SchoolInfo(**{**school, "tokens": tuple(school["tokens"])})
        return cls(**data)


def app_settings(var_dir: Path) -> dict:
    return {
        "VAR_DIR": var_dir,
        "SQLALCHEMY_DATABASE_URL": f"sqlite:///{var_dir / 'imhars.sqlite'}",
        "WAREHOUSE_DIR": var_dir / "warehouse",
    }


def demo_world(tmp_path_factory) -> Path:
    """Return the folder of the session's demo world, building it on first use.

    IMHARS_TEST_DEMO_WORLD names a folder that build_world filled earlier, to
    reuse while working on these tests. It is read, never written, and goes
    stale when the app, the pipeline or the dbt project change.
    """
    reused = os.environ.get("IMHARS_TEST_DEMO_WORLD")
    if reused:
        return Path(reused)
    directory = tmp_path_factory.getbasetemp() / "demo-world"
    if not (directory / READY_FILE).exists():
        shutil.rmtree(directory, ignore_errors=True)
        directory.mkdir()
        build_world(directory)
        (directory / READY_FILE).write_text("ok\n")
    return directory


def build_world(directory: Path) -> WorldInfo:
    """Store the demo borough and this module's additions, then run the pipeline."""
    var_dir = directory / "var"
    app = create_app(app_settings(var_dir))
    upgrade_database(app.extensions["db_engine"])
    today = london_today()
    current_year = academic_year_for(today)
    previous_year = _shift_year(current_year, -1)
    with app.app_context():
        db = get_db()
        sync_reference_data(db, app.config["REFERENCE_DIR"])
        load_demo(db, today=today)
        user_ids = _add_staff(db)
        schools = {
            key: _school_info(db, name, current_year, previous_year, user_ids[key])
            for key, name in (("a", SCHOOL_A_NAME), ("b", SCHOOL_B_NAME))
        }
        small_school_id = _add_small_school(db, today)
        db.commit()
    app.extensions["db_engine"].dispose()

    world = WorldInfo(
        school_a=schools["a"],
        school_b=schools["b"],
        small_school_id=small_school_id,
        user_ids=user_ids,
        current_year=current_year,
        previous_year=previous_year,
    )
    (directory / WORLD_FILE).write_text(json.dumps(asdict(world), indent=2))
    run_pipeline(var_dir)
    _checkpoint(var_dir / "imhars.sqlite")
    return world


def run_pipeline(var_dir: Path) -> None:
    """Run `imhars-pipeline run` on var_dir's store, as make pipeline does."""
    environment = {
        **os.environ,
        "IMHARS_ENV": "test",
        "IMHARS_VAR_DIR": str(var_dir),
        "IMHARS_DATABASE_URL": f"sqlite:///{var_dir / 'imhars.sqlite'}",
        "IMHARS_WAREHOUSE_DIR": str(var_dir / "warehouse"),
        "DBT_SEND_ANONYMOUS_USAGE_STATS": "false",
        "GX_ANALYTICS_ENABLED": "false",
    }
    result = subprocess.run(  # noqa: S603 - fixed argv
        [sys.executable, "-m", "pipeline.cli", "run"],
        cwd=REPOSITORY,
        env=environment,
        capture_output=True,
        text=True,
        timeout=900,
    )
    assert result.returncode == 0, result.stderr[-4000:]


def _checkpoint(path: Path) -> None:
    """Fold the WAL into the store file, so copying the one file copies it all."""
    connection = sqlite3.connect(path)
    try:
        connection.execute("pragma wal_checkpoint(truncate)")
    finally:
        connection.close()


def _shift_year(academic_year: str, years: int) -> str:
    start, _ = academic_year_bounds(academic_year)
    return academic_year_for(date(start.year + years, 10, 1))


def _add_staff(db) -> dict[str, int]:
    """Return the user ids of each role, adding an administrator and a borough user."""
    users = {
        user.email: user for user in db.scalars(select(User)).all() if user.is_active
    }
    school_a = db.scalar(select(School).where(School.name == SCHOOL_A_NAME))
    school_b = db.scalar(select(School).where(School.name == SCHOOL_B_NAME))
    admin = create_user(
        db,
        email=ADMIN_EMAIL,
        display_name="Ada Admin",
        role="admin",
        school_id=None,
        password=STAFF_PASSWORD,
    )
    create_user(
        db,
        email=SECOND_BOROUGH_EMAIL,
        display_name="Bo Second",
        role="borough",
        school_id=None,
        password=STAFF_PASSWORD,
    )
    db.flush()

    def school_user(school):
        return next(
            user.user_id
            for user in users.values()
            if user.role == "school" and user.school_id == school.school_id
        )

    return {
        "a": school_user(school_a),
        "b": school_user(school_b),
        "borough": users["officer@borough.demo"].user_id,
        "admin": admin.user_id,
    }


def _school_info(db, name, current_year, previous_year, user_id) -> SchoolInfo:
    school = db.scalar(select(School).where(School.name == name))
    user = db.get(User, user_id)
    window = db.scalar(
        select(SurveyWindow).where(
            SurveyWindow.school_id == school.school_id,
            SurveyWindow.academic_year == current_year,
        )
    )
    links = {link.stakeholder_group: link for link in window.links}
    tokens = db.scalars(
        select(SurveyLink.token)
        .join(SurveyWindow)
        .where(SurveyWindow.school_id == school.school_id)
    ).all()
    submitted_step = _add_submitted_self_review(
        db, school.school_id, previous_year, user
    )
    draft_step = _add_draft_self_review(db, school.school_id, current_year, user)
    return SchoolInfo(
        school_id=school.school_id,
        name=school.name,
        pupil_link_id=links["pupil_primary"].link_id,
        pupil_token=links["pupil_primary"].token,
        parent_link_id=links["parent"].link_id,
        parent_token=links["parent"].token,
        tokens=tuple(tokens),
        draft_next_step_id=draft_step,
        submitted_next_step_id=submitted_step,
    )


def _rate_components(db, review, user, level: int) -> None:
    framework = load_framework(db, review.framework_version)
    for component in framework.components:
        values = ComponentValues()
        for practice in component.practices:
            values.levels[practice.practice_id] = level
            values.evidence[practice.practice_id] = (
                f"Evidence for {practice.practice_id}"
            )
        values.provision = {
            "for_all_pupils": "Assemblies",
            "for_pupils_at_risk": "Small groups",
            "for_most_vulnerable": "Referral",
        }
        provision = {item.component_id: item for item in review.components}
        save_component(
            db,
            review,
            component.component_id,
            values,
            provision[component.component_id].edit_count,
            user,
        )
        db.refresh(review)


def _add_submitted_self_review(db, school_id, academic_year, user) -> int:
    review = start_draft(db, school_id, academic_year, user)
    _rate_components(db, review, user, level=2)
    db.refresh(review)
    submit(db, review, review.edit_count, user)
    # Governors are too few to report, so this step's impact is suppressed,
    # while the parents' step has a measured impact.
    _add_next_step(db, school_id, academic_year, user, group="governor")
    return _add_next_step(db, school_id, academic_year, user)


def _add_draft_self_review(db, school_id, academic_year, user) -> int:
    review = start_draft(db, school_id, academic_year, user)
    _rate_components(db, review, user, level=1)
    return _add_next_step(db, school_id, academic_year, user)


def _add_next_step(db, school_id, academic_year, user, group="parent") -> int:
    start, _ = academic_year_bounds(academic_year)
    step = create_next_step(
        db,
        school_id,
        academic_year,
        NextStepValues(
            target_id="P1.1",
            stakeholder_group=group,
            action=f"Coffee mornings for parents, school {school_id}",
            lead="Family support worker",
            starts_on=start + timedelta(days=30),
            review_on=start + timedelta(days=200),
            expected_change="More parents say they feel welcome",
        ),
        user,
    )
    db.flush()
    return step.next_step_id


def _add_small_school(db, today: date) -> int:
    """Store a secondary school whose groups sit around the disclosure threshold."""
    school = create_school(db, SMALL_SCHOOL_NAME, "secondary")
    rng = random.Random(4242)
    for offset in (-1, 0):
        academic_year = _shift_year(academic_year_for(today), offset)
        window = create_window(db, school.school_id, academic_year)
        links = {link.stakeholder_group: link for link in window.links}
        submitted_on = min(window.closes_on, max(window.opens_on, today))
        plan = [
            ("pupil_secondary", year_group)
            for year_group, count in SMALL_SCHOOL_PUPILS[offset].items()
            for _ in range(count)
        ]
        plan += [
            (group, None)
            for group, count in SMALL_SCHOOL_ADULTS[offset].items()
            for _ in range(count)
        ]
        for number, (group, year_group) in enumerate(plan):
            _add_response(
                db,
                links[group],
                window,
                year_group,
                submitted_on,
                rng,
                # Every eighth response is flagged, so n_excluded is not zero.
                is_too_fast=number % 8 == 3,
            )
    db.flush()
    return school.school_id


def _add_response(db, link, window, year_group, submitted_on, rng, is_too_fast):
    questions = db.scalars(
        select(Question)
        .where(
            Question.bank_version == window.bank_version,
            Question.stakeholder_group == link.stakeholder_group,
        )
        .order_by(Question.position)
    ).all()
    group = db.get(BankGroup, (window.bank_version, link.stakeholder_group))
    scale = db.get(Scale, (window.bank_version, group.scale_id))
    lean = rng.random()
    response = Response(
        response_id=str(uuid.uuid4()),
        window_id=window.window_id,
        link_id=link.link_id,
        stakeholder_group=link.stakeholder_group,
        bank_version=window.bank_version,
        submitted_on=submitted_on,
        year_group=year_group,
        is_too_fast=is_too_fast,
        source="survey",
    )
    for question in questions:
        if rng.random() < 0.08:
            value, dont_know = None, True
        else:
            value = 1 + min(
                scale.points - 1, int(rng.random() * scale.points * lean * 1.6)
            )
            dont_know = False
        response.answers.append(
            Answer(
                question_id=question.question_id, value=value, is_dont_know=dont_know
            )
        )
    db.add(response)


class WorldCopy:
    """An app on a private copy of the demo world, with a way back to the start."""

    def __init__(self, template: Path, directory: Path, **overrides):
        self.template = template
        self.var_dir = directory / "var"
        self.info = WorldInfo.load(template / WORLD_FILE)
        shutil.copytree(
            template / "var",
            self.var_dir,
            ignore=shutil.ignore_patterns("raw.duckdb", "dbt-target", "logs", "build"),
        )
        self.app = create_app({**app_settings(self.var_dir), **overrides})
        self.reset()

    @property
    def store_path(self) -> Path:
        return self.var_dir / "imhars.sqlite"

    @property
    def codes_path(self) -> Path:
        """The access codes file, which the app attaches to the store."""
        return codes_path_for(self.store_path)

    def reset(self) -> None:
        """Put the store back as built, with a queued pipeline run.

        The queued run makes the Update results button return it instead of
        starting a real pipeline process.
        """
        self.app.extensions["db_engine"].dispose()
        for path in (self.store_path, self.codes_path):
            for suffix in ("-wal", "-shm", "-journal"):
                Path(f"{path}{suffix}").unlink(missing_ok=True)
            shutil.copyfile(self.template / "var" / path.name, path)
        with self.app.app_context():
            db = get_db()
            db.add(
                PipelineRun(status="queued", started_by="app", requested_at=utc_now())
            )
            db.commit()

    def client(self, role: str):
        """Return a test client of role: anonymous, a, b, borough or admin.

        The session contains the user id and session version as sign-in
        leaves them (sign-in itself is tested through its form), and the raw
        CSRF token that csrf_token() signs.
        """
        client = self.app.test_client()
        version = None
        if role != "anonymous":
            with self.app.app_context():
                user = get_db().get(User, self.info.user_ids[role])
                version = user.session_version
        with client.session_transaction() as session:
            session["csrf_token"] = RAW_CSRF_TOKEN
            if role != "anonymous":
                session["user_id"] = self.info.user_ids[role]
                session["session_version"] = version
        return client

    def csrf_token(self) -> str:
        """Return a valid CSRF form token for the sessions client() makes.

        Flask-WTF signs the session's raw token with the secret key and the
        salt "wtf-csrf-token", as generate_csrf does.
        """
        serializer = URLSafeTimedSerializer(self.app.secret_key, salt="wtf-csrf-token")
        return serializer.dumps(RAW_CSRF_TOKEN)

    def close(self) -> None:
        self.app.extensions["db_engine"].dispose()


__all__ = ["DEMO_PASSWORD"]
