"""Who may read and change what: one entry per route and method of the app.

Every (endpoint, method) in app.url_map needs an entry here, or
test_every_route_has_an_entry fails: a new route states its access rules
before it ships.

URLs are built for school A's objects. Each entry gives the expected outcome
for the five roles: anonymous, a school user of school A (`a`), a school user
of school B (`b`), a borough user and an administrator. The cross-school tests
then build the same URL with school B's ids in place of A's, one id at a time
and all at once, and request it as school A's user.
"""

from collections.abc import Callable
from dataclasses import dataclass

from sqlalchemy import select

from survey_app.db import get_db
from survey_app.models import (
    ComponentProvision,
    NextStep,
    School,
    SchoolRoll,
    SelfReview,
)

from .demo_world import SchoolInfo, WorldCopy

ROLES = ("anonymous", "a", "b", "borough", "admin")

# Outcomes of a request, as access_outcome() classifies responses.
ALLOWED = "allowed"  # 2xx, or a redirect anywhere but the sign-in page
SIGN_IN = "sign in"  # a redirect to the sign-in page
FORBIDDEN = "forbidden"  # 403
NOT_FOUND = "not found"  # 404: other schools' ids are not confirmed
REJECTED = "rejected"  # another 4xx: the request was read and refused
ERROR = "server error"  # 5xx: never expected


@dataclass(frozen=True)
class Access:
    anonymous: str
    a: str
    b: str
    borough: str
    admin: str

    def of(self, role: str) -> str:
        return getattr(self, role)


PUBLIC = Access(ALLOWED, ALLOWED, ALLOWED, ALLOWED, ALLOWED)
STAFF = Access(SIGN_IN, ALLOWED, ALLOWED, ALLOWED, ALLOWED)
# School A's data: its own staff, borough users and administrators.
SCHOOL_A_READ = Access(SIGN_IN, ALLOWED, NOT_FOUND, ALLOWED, ALLOWED)
# Changes to school A's survey links: its own staff, borough and admin users.
SCHOOL_A_MANAGE = Access(SIGN_IN, ALLOWED, NOT_FOUND, ALLOWED, ALLOWED)
# Changes to school A's self-review: only its own staff. Others may read it.
SCHOOL_A_EDIT = Access(SIGN_IN, ALLOWED, NOT_FOUND, FORBIDDEN, FORBIDDEN)
BOROUGH_ONLY = Access(SIGN_IN, FORBIDDEN, FORBIDDEN, ALLOWED, ALLOWED)
ADMIN_ONLY = Access(SIGN_IN, FORBIDDEN, FORBIDDEN, FORBIDDEN, ALLOWED)
# Signing out ends on the sign-in page, whoever asks.
TO_SIGN_IN = Access(SIGN_IN, SIGN_IN, SIGN_IN, SIGN_IN, SIGN_IN)

Values = Callable[[WorldCopy, SchoolInfo], dict]
Form = Callable[[WorldCopy, SchoolInfo], dict]


def no_values(world, school) -> dict:
    return {}


@dataclass(frozen=True)
class RouteCase:
    """The access rule of one endpoint and method, with a URL and form to try it.

    values returns url_for's arguments (path and query) for one school's
    objects. The keys whose values differ between schools A and B are the
    ids that the cross-school tests swap. form returns a valid POST body for
    school A's object, without the CSRF token that send() adds. changes_store says
    that an allowed POST must commit a change to the store.
    """

    endpoint: str
    method: str
    access: Access
    values: Values = no_values
    form: Form | None = None
    changes_store: bool = False
    # False for routes whose URL names no school's object, and for survey
    # links, which are capabilities: whoever has the token may answer.
    school_scoped: bool = True
    # False for files: PDF, SVG and CSS.
    is_html: bool = True

    @property
    def key(self) -> tuple[str, str]:
        return (self.endpoint, self.method)

    @property
    def id(self) -> str:
        return f"{self.endpoint}-{self.method}"


# URL values and forms of school A's (or B's) objects


def link_values(world, school):
    return {"school_id": school.school_id, "link_id": school.parent_link_id}


def school_values(world, school):
    return {"school_id": school.school_id}


def school_query(world, school):
    return {"school": school.school_id}


def component_query(world, school):
    return {"component_id": "C1", "school": school.school_id}


def school_component_values(world, school):
    return {"school_id": school.school_id, "component_id": "C1"}


def school_export(world, school):
    return {
        "school_id": school.school_id,
        "table": "components",
        "export_format": "csv",
        "year": world.info.current_year,
    }


def current_review(world, school):
    return {"year_slug": world.info.current_slug, "school": school.school_id}


def previous_review(world, school):
    return {"year_slug": world.info.previous_slug, "school": school.school_id}


def current_component(world, school):
    return {**current_review(world, school), "component_id": "C1"}


def submitted_version(world, school):
    return {**previous_review(world, school), "version_number": 1}


def draft_step(world, school):
    return {
        **current_review(world, school),
        "next_step_id": school.draft_next_step_id,
    }


def parent_token(world, school):
    return {"token": school.parent_token}


def parent_page(world, school):
    return {"token": school.parent_token, "number": 1}


def _query_store(world: WorldCopy, statement):
    with world.app.app_context():
        return get_db().scalar(statement)


def draft_of(world, school) -> SelfReview:
    return _query_store(
        world,
        select(SelfReview).where(
            SelfReview.school_id == school.school_id,
            SelfReview.academic_year == world.info.current_year,
            SelfReview.status == "draft",
        ),
    )


def component_form(world, school):
    draft = draft_of(world, school)
    provision = _query_store(
        world,
        select(ComponentProvision).where(
            ComponentProvision.self_review_id == draft.self_review_id,
            ComponentProvision.component_id == "C1",
        ),
    )
    form = {"edit_count": str(provision.edit_count)}
    for practice_number in range(1, 7):
        form[f"level_P1_{practice_number}"] = "3"
        form[f"evidence_P1_{practice_number}"] = "Seen in lessons"
    form.update(
        for_all_pupils="Circle time",
        for_pupils_at_risk="Nurture group",
        for_most_vulnerable="CAMHS referral",
    )
    return form


def submit_form(world, school):
    return {"edit_count": str(draft_of(world, school).edit_count)}


def next_step_form(world, school):
    step = _query_store(
        world,
        select(NextStep).where(NextStep.next_step_id == school.draft_next_step_id),
    )
    start_year = int(world.info.current_year[:4])
    return {
        "target_id": "P1.2",
        "stakeholder_group": "staff",
        "action": "Staff wellbeing survey follow-up",
        "lead": "Deputy head",
        "starts_on": ["1", "10", str(start_year)],
        "review_on": ["1", "6", str(start_year + 1)],
        "expected_change": "Staff feel listened to",
        "edit_count": str(step.edit_count),
    }


def remove_step_form(world, school):
    return {"edit_count": next_step_form(world, school)["edit_count"]}


def start_review_form(world, school):
    # A year with a survey window and no self-review yet.
    start_year = int(world.info.current_year[:4]) - 2
    return {"academic_year": f"{start_year}/{(start_year + 1) % 100:02d}"}


def access_form(world, school):
    return {"access_mode": "open", "kiosk": "y", "number_on_roll": "321"}


def codes_form(world, school):
    return {"label": "Class 4C", "count": "2"}


def sign_in_form(world, school):
    return {"email": "nobody@security.example", "password": "not the password"}


def change_password_form(world, school):
    return {
        "current_password": "not the password",
        "new_password": "a new password of some length",
        "confirm_password": "a new password of some length",
    }


def new_school_form(world, school):
    return {
        "name": "Orchard Vale Primary",
        "urn": "654321",
        "phase": "primary",
        "roll_pupil_primary": "210",
    }


def new_windows_form(world, school):
    # Next academic year, which no demo school has a window for yet.
    start_year = int(world.info.current_year[:4]) + 1
    return {
        "school_ids": str(school.school_id),
        "academic_year": f"{start_year}/{(start_year + 1) % 100:02d}",
        "opens_on": ["12", "1", str(start_year + 1)],
        "closes_on": ["27", "3", str(start_year + 1)],
    }


def edit_school_form(world, school):
    """Return the school's stored values with a new name, so that a save changes it."""
    with world.app.app_context():
        db = get_db()
        stored = db.get(School, school.school_id)
        rolls = db.scalars(
            select(SchoolRoll).where(SchoolRoll.school_id == school.school_id)
        )
        return {
            "name": f"{stored.name} Renamed",
            "urn": stored.urn or str(900000 + school.school_id),
            "phase": stored.phase,
            **{
                f"roll_{roll.stakeholder_group}": str(roll.number_on_roll)
                for roll in rolls
            },
        }


def other_account(world, school):
    """Return the URL values of school B's user, an account other than the admin's."""
    return {"user_id": world.info.user_ids["b"]}


def new_account_form(world, school):
    return {
        "email": "new.lead@security.example",
        "display_name": "Nia New",
        "role": "school",
        "school_id": str(school.school_id),
        "password_choice": "generate",
    }


def borough_export(world, school):
    return {"table": "schools", "export_format": "csv"}


def survey_start_form(world, school):
    return {"action": "start"}


def survey_progress_form(world, school):
    return {"progress": ""}


ROUTES = (
    RouteCase("main.index", "GET", PUBLIC),
    RouteCase(
        "static",
        "GET",
        PUBLIC,
        values=lambda world, school: {"filename": "govuk/app.css"},
        school_scoped=False,
        is_html=False,
    ),
    RouteCase("favicon", "GET", PUBLIC, school_scoped=False, is_html=False),
    RouteCase(
        "govuk_assets",
        "GET",
        PUBLIC,
        values=lambda world, school: {"filename": "app.css"},
        school_scoped=False,
        is_html=False,
    ),
    # Sign-in and sign-out
    RouteCase("auth.sign_in", "GET", PUBLIC),
    # A wrong password gets the form again with an error (200). Signing in
    # with a right one is tested through the form in test_sign_in_security.
    RouteCase("auth.sign_in", "POST", PUBLIC, form=sign_in_form),
    RouteCase("auth.sign_out_page", "GET", STAFF),
    RouteCase("auth.sign_out", "POST", TO_SIGN_IN, form=lambda world, school: {}),
    RouteCase("auth.change_password", "GET", STAFF, school_scoped=False),
    # A wrong current password gets the form again with an error (200) and
    # changes nothing; a real change is tested in tests/auth.
    RouteCase(
        "auth.change_password",
        "POST",
        STAFF,
        form=change_password_form,
        school_scoped=False,
    ),
    # Results
    RouteCase("results.index", "GET", STAFF),
    RouteCase("results.index", "GET", SCHOOL_A_READ, values=school_query),
    RouteCase("results.school", "GET", SCHOOL_A_READ, values=school_values),
    RouteCase("results.component", "GET", SCHOOL_A_READ, values=component_query),
    RouteCase(
        "results.school_component",
        "GET",
        SCHOOL_A_READ,
        values=school_component_values,
    ),
    RouteCase(
        "results.export",
        "GET",
        SCHOOL_A_READ,
        values=school_export,
        is_html=False,
    ),
    RouteCase(
        "results.update",
        "POST",
        SCHOOL_A_READ,
        values=school_query,
        # The world's queued run is returned: no pipeline process starts.
        form=lambda world, school: {},
    ),
    RouteCase("results.validation_report", "GET", BOROUGH_ONLY),
    # Self-review: school A's staff change it, borough and admin users read it
    RouteCase("self_review.index", "GET", STAFF),
    RouteCase("self_review.index", "GET", SCHOOL_A_READ, values=school_query),
    RouteCase(
        "self_review.start",
        "POST",
        SCHOOL_A_EDIT,
        values=school_query,
        form=start_review_form,
        changes_store=True,
    ),
    RouteCase("self_review.overview", "GET", SCHOOL_A_READ, values=current_review),
    RouteCase("self_review.component", "GET", SCHOOL_A_READ, values=current_component),
    RouteCase(
        "self_review.component",
        "POST",
        SCHOOL_A_EDIT,
        values=current_component,
        form=component_form,
        changes_store=True,
    ),
    RouteCase(
        "self_review.submit",
        "POST",
        SCHOOL_A_EDIT,
        values=current_review,
        form=submit_form,
        changes_store=True,
    ),
    RouteCase(
        "self_review.new_version",
        "POST",
        SCHOOL_A_EDIT,
        values=previous_review,
        form=lambda world, school: {},
        changes_store=True,
    ),
    RouteCase("self_review.version", "GET", SCHOOL_A_READ, values=submitted_version),
    RouteCase("self_review.comparison", "GET", SCHOOL_A_READ, values=previous_review),
    RouteCase("self_review.next_steps", "GET", SCHOOL_A_READ, values=current_review),
    RouteCase("self_review.new_next_step", "GET", SCHOOL_A_EDIT, values=current_review),
    RouteCase(
        "self_review.new_next_step",
        "POST",
        SCHOOL_A_EDIT,
        values=current_review,
        form=next_step_form,
        changes_store=True,
    ),
    RouteCase("self_review.edit_next_step", "GET", SCHOOL_A_EDIT, values=draft_step),
    RouteCase(
        "self_review.edit_next_step",
        "POST",
        SCHOOL_A_EDIT,
        values=draft_step,
        form=next_step_form,
        changes_store=True,
    ),
    RouteCase("self_review.remove_next_step", "GET", SCHOOL_A_EDIT, values=draft_step),
    RouteCase(
        "self_review.remove_next_step",
        "POST",
        SCHOOL_A_EDIT,
        values=draft_step,
        form=remove_step_form,
        changes_store=True,
    ),
    RouteCase("self_review.report_page", "GET", SCHOOL_A_READ, values=previous_review),
    RouteCase(
        "self_review.report_pdf",
        "GET",
        SCHOOL_A_READ,
        values=previous_review,
        is_html=False,
    ),
    RouteCase(
        "self_review.report_stylesheet",
        "GET",
        PUBLIC,
        school_scoped=False,
        is_html=False,
    ),
    # Survey links, QR codes, posters, access settings and codes
    RouteCase("survey_admin.links", "GET", STAFF),
    RouteCase("survey_admin.school_links", "GET", SCHOOL_A_READ, values=school_values),
    RouteCase(
        "survey_admin.qr_code",
        "GET",
        SCHOOL_A_READ,
        values=link_values,
        is_html=False,
    ),
    RouteCase("survey_admin.poster", "GET", SCHOOL_A_READ, values=link_values),
    RouteCase("survey_admin.access", "GET", SCHOOL_A_READ, values=link_values),
    RouteCase(
        "survey_admin.access",
        "POST",
        SCHOOL_A_MANAGE,
        values=link_values,
        form=access_form,
        changes_store=True,
    ),
    RouteCase("survey_admin.codes", "GET", SCHOOL_A_READ, values=link_values),
    RouteCase(
        "survey_admin.codes",
        "POST",
        SCHOOL_A_MANAGE,
        values=link_values,
        form=codes_form,
        changes_store=True,
    ),
    RouteCase(
        "survey_admin.print_css",
        "GET",
        PUBLIC,
        school_scoped=False,
        is_html=False,
    ),
    # The borough dashboard and its exports: borough and admin users
    RouteCase("borough.dashboard", "GET", BOROUGH_ONLY),
    RouteCase(
        "borough.export",
        "GET",
        BOROUGH_ONLY,
        values=borough_export,
        school_scoped=False,
        is_html=False,
    ),
    RouteCase(
        "borough.stylesheet",
        "GET",
        PUBLIC,
        school_scoped=False,
        is_html=False,
    ),
    # Administration: administrators only
    RouteCase("admin.index", "GET", ADMIN_ONLY),
    RouteCase("admin.schools", "GET", ADMIN_ONLY),
    RouteCase("admin.new_school", "GET", ADMIN_ONLY),
    RouteCase(
        "admin.new_school",
        "POST",
        ADMIN_ONLY,
        form=new_school_form,
        changes_store=True,
    ),
    RouteCase("admin.edit_school", "GET", ADMIN_ONLY, values=school_values),
    RouteCase(
        "admin.edit_school",
        "POST",
        ADMIN_ONLY,
        values=school_values,
        form=edit_school_form,
        changes_store=True,
    ),
    RouteCase("admin.new_windows", "GET", ADMIN_ONLY),
    RouteCase(
        "admin.new_windows",
        "POST",
        ADMIN_ONLY,
        form=new_windows_form,
        changes_store=True,
    ),
    RouteCase("admin.accounts", "GET", ADMIN_ONLY),
    RouteCase("admin.new_account", "GET", ADMIN_ONLY),
    RouteCase(
        "admin.new_account",
        "POST",
        ADMIN_ONLY,
        form=new_account_form,
        changes_store=True,
    ),
    RouteCase(
        "admin.account", "GET", ADMIN_ONLY, values=other_account, school_scoped=False
    ),
    RouteCase(
        "admin.deactivate_account",
        "POST",
        ADMIN_ONLY,
        values=other_account,
        form=lambda world, school: {},
        changes_store=True,
        school_scoped=False,
    ),
    # The account is active, so reactivating it changes nothing.
    RouteCase(
        "admin.reactivate_account",
        "POST",
        ADMIN_ONLY,
        values=other_account,
        form=lambda world, school: {},
        school_scoped=False,
    ),
    RouteCase(
        "admin.reset_password",
        "POST",
        ADMIN_ONLY,
        values=other_account,
        form=lambda world, school: {},
        changes_store=True,
        school_scoped=False,
    ),
    RouteCase("admin.audit_log", "GET", ADMIN_ONLY),
    # The questionnaire: anyone with a link's token may answer. A response is
    # stored only by a complete questionnaire (tests/survey and the property
    # tests cover that), so these POSTs change the session only.
    RouteCase("survey.start", "GET", PUBLIC, values=parent_token, school_scoped=False),
    RouteCase(
        "survey.start",
        "POST",
        PUBLIC,
        values=parent_token,
        form=survey_start_form,
        school_scoped=False,
    ),
    RouteCase(
        "survey.year_group",
        "GET",
        PUBLIC,
        values=lambda world, school: {"token": school.pupil_token},
        school_scoped=False,
    ),
    RouteCase(
        "survey.year_group",
        "POST",
        PUBLIC,
        values=lambda world, school: {"token": school.pupil_token},
        form=lambda world, school: {
            **survey_progress_form(world, school),
            "year_group": "4",
        },
        school_scoped=False,
    ),
    RouteCase("survey.page", "GET", PUBLIC, values=parent_page, school_scoped=False),
    RouteCase(
        "survey.page",
        "POST",
        PUBLIC,
        values=parent_page,
        form=survey_progress_form,
        school_scoped=False,
    ),
    RouteCase("survey.check", "GET", PUBLIC, values=parent_token, school_scoped=False),
    RouteCase(
        "survey.check",
        "POST",
        PUBLIC,
        values=parent_token,
        form=lambda world, school: {
            **survey_progress_form(world, school),
            "response_id": "",
        },
        school_scoped=False,
    ),
    RouteCase(
        "survey.thank_you", "GET", PUBLIC, values=parent_token, school_scoped=False
    ),
)
