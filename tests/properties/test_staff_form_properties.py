"""Any POST to a staff form gets no server error and stores nothing invalid.

The forms: sign-in, a link's access settings and access codes, the
self-review (start, a component page, submit, new version), next steps
(new, edit, remove), the results update button, and administration
(new school, survey windows, account). Each is posted by the
role that may use it, school A's lead for school pages, with bodies from
strategies.form_requests: the form's own fields with values of every kind,
other fields, repeats, and raw bodies.
"""

import sqlite3
from collections.abc import Callable
from dataclasses import dataclass

import pytest
from hypothesis import HealthCheck, event, given, settings
from hypothesis import strategies as st
from security.routes import (
    component_form,
    new_account_form,
    new_school_form,
    new_windows_form,
    next_step_form,
)

from .strategies import form_requests

pytestmark = [pytest.mark.dbt, pytest.mark.slow]

SETTINGS = settings(
    max_examples=50,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)
LEVELS = ["0", "1", "2", "3", ""]
GROUPS = ["pupil_primary", "pupil_secondary", "parent", "staff", "governor"]


@dataclass(frozen=True)
class StaffForm:
    name: str
    role: str
    url: Callable
    fields: Callable

    def __str__(self) -> str:
        return self.name


def link_url(world, action: str) -> str:
    school = world.info.school_a
    return f"/schools/{school.school_id}/survey-links/{school.parent_link_id}/{action}"


def component_fields(world) -> dict:
    """Return the component page's fields, with the draft's current edit count."""
    valid = component_form(world, world.info.school_a)
    fields = {name: [value] for name, value in valid.items()}
    fields["edit_count"] += ["0", "-1", "99"]
    for number in range(1, 7):
        fields[f"level_P1_{number}"] += LEVELS
        fields[f"evidence_P1_{number}"].append("")
    return fields


def first_values(form: dict) -> dict:
    """Turn a valid form into fields whose first values are that form."""
    return {
        name: [tuple(value) if isinstance(value, list) else value]
        for name, value in form.items()
    }


def school_fields(world) -> dict:
    fields = first_values(new_school_form(world, world.info.school_a))
    fields["urn"] += ["12345", "1234567", "100001", ""]
    fields["phase"] += ["nursery", ""]
    fields["roll_pupil_primary"] += ["0", "-5", "100001", "12.5"]
    fields["roll_governor"] = ["9", "x"]
    return fields


def windows_fields(world) -> dict:
    fields = first_values(new_windows_form(world, world.info.school_a))
    fields["school_ids"] += ["999999", "0", "-1", ("1", "2", "1")]
    fields["phases"] = ["primary", "special", "nursery", ("primary", "primary")]
    fields["academic_year"] += ["2025/27", "1999/00", world.info.current_year]
    fields["opens_on"] += [("1", "9", "1990"), ("12", "1"), ("31", "2", "2026")]
    fields["closes_on"] += [("1", "1", "1"), ("", "", ""), ("1", "2", "3", "4")]
    return fields


def account_fields(world) -> dict:
    fields = first_values(new_account_form(world, world.info.school_a))
    fields["email"] += ["lead@elm-park.demo", "LEAD@ELM-PARK.DEMO", "not-an-email"]
    fields["role"] += ["borough", "admin", "superuser"]
    fields["school_id"] += ["", "999999", str(world.info.school_b.school_id)]
    fields["password_choice"] += ["type", "other"]
    fields["password"] = ["a long enough password", "short", "aaaaaaaaaaaaaaaa"]
    return fields


def next_step_fields(world) -> dict:
    """Return the next step form's fields, dates as their three boxes."""
    fields = first_values(next_step_form(world, world.info.school_a))
    start = int(world.info.current_year[:4])
    fields["target_id"] += ["C1", "P7.6", "C9", "P1.99"]
    fields["stakeholder_group"] += GROUPS
    fields["starts_on"] += [("31", "2", "2025"), ("1", "1", "1"), ("1", "10")]
    fields["review_on"] += [("1", "9", str(start)), ("0", "0", "0"), ("", "", "")]
    return fields


FORMS = [
    StaffForm(
        "sign-in",
        "anonymous",
        lambda world: "/sign-in",
        lambda world: {
            "email": ["lead@elm-park.demo", "officer@borough.demo", "a@b.c"],
            "password": ["demo-password-not-secret", "wrong password"],
        },
    ),
    StaffForm(
        "link access",
        "a",
        lambda world: link_url(world, "access"),
        lambda world: {
            "access_mode": ["open", "codes"],
            "kiosk": ["y", "on", ""],
            "number_on_roll": ["1", "120", "100000", "100001", "0"],
        },
    ),
    StaffForm(
        "access codes",
        "a",
        lambda world: link_url(world, "codes"),
        lambda world: {
            "label": ["5B", "Year 6", "=cmd|' /C calc'!A0"],
            "count": ["1", "30", "300", "301", "0"],
        },
    ),
    StaffForm(
        "self-review start",
        "a",
        lambda world: "/self-review/start",
        lambda world: {
            "academic_year": [
                world.info.current_year,
                world.info.previous_year,
                "2023/24",
                "1999/00",
                "2025/27",
            ]
        },
    ),
    StaffForm(
        "self-review component",
        "a",
        lambda world: f"/self-review/{world.info.current_slug}/components/C1",
        component_fields,
    ),
    StaffForm(
        "self-review submit",
        "a",
        lambda world: f"/self-review/{world.info.current_slug}/submit",
        lambda world: {"edit_count": ["0", "7", "8", "42"]},
    ),
    StaffForm(
        "self-review new version",
        "a",
        lambda world: f"/self-review/{world.info.previous_slug}/new-version",
        lambda world: {},
    ),
    StaffForm(
        "new next step",
        "a",
        lambda world: f"/self-review/{world.info.current_slug}/next-steps/new",
        next_step_fields,
    ),
    StaffForm(
        "edit next step",
        "a",
        lambda world: (
            f"/self-review/{world.info.current_slug}/next-steps/"
            f"{world.info.school_a.draft_next_step_id}/edit"
        ),
        next_step_fields,
    ),
    StaffForm(
        "remove next step",
        "a",
        lambda world: (
            f"/self-review/{world.info.previous_slug}/next-steps/"
            f"{world.info.school_a.submitted_next_step_id}/remove"
        ),
        lambda world: {"edit_count": ["0", "1"]},
    ),
    StaffForm("new school", "admin", lambda world: "/admin/schools/new", school_fields),
    StaffForm(
        "new windows", "admin", lambda world: "/admin/windows/new", windows_fields
    ),
    StaffForm(
        "new account", "admin", lambda world: "/admin/accounts/new", account_fields
    ),
    StaffForm(
        "update results",
        "borough",
        lambda world: "/results/update",
        lambda world: {},
    ),
]


@pytest.mark.parametrize("form", FORMS, ids=str)
@SETTINGS
@given(data=st.data())
def test_staff_posts_keep_store_valid(world, store_watch, form, data):
    query = data.draw(st.sampled_from(["", "?school=1", "?school=%ff", "?next=//x"]))
    content_type, body = data.draw(
        form_requests(form.fields(world), world.csrf_token()), label="request"
    )

    response = world.client(form.role).post(
        form.url(world) + query, data=body, content_type=content_type
    )

    event(str(response.status_code))
    assert response.status_code < 500
    assert store_watch.problems_since_last_check() == {}


@pytest.mark.parametrize("text", ["\x00", "Peer\x00mentoring", "Bell\x07"])
def test_control_character_rejected(world, text):
    """A next step whose action holds a control character is not stored."""
    form = next_step_form(world, world.info.school_a)
    data = {**form, "action": text, "csrf_token": world.csrf_token()}
    connection = sqlite3.connect(world.store_path)
    try:
        before = connection.execute("select count(*) from next_steps").fetchone()
        response = world.client("a").post(
            f"/self-review/{world.info.current_slug}/next-steps/new", data=data
        )
        after = connection.execute("select count(*) from next_steps").fetchone()
    finally:
        connection.close()

    assert response.status_code == 400
    assert "hidden control character" in response.get_data(as_text=True)
    assert after == before
