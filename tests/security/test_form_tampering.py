"""School B's ids in the hidden fields and actions of school A's forms change
nothing of school B's.

Every POST form on every page that school A's user may open is sent back as
rendered, CSRF token included, after one change at a time: a hidden field
holding one of school A's ids gets school B's, a field naming a school,
link, next step or user is added with school B's id, or the action's
`school` parameter names school B.
"""

from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

import pytest

from .demo_world import WorldCopy
from .forms import post_forms
from .requests import build_url, leaked_markers, school_fingerprint, watch_store
from .routes import ALLOWED, ROUTES

pytestmark = [pytest.mark.dbt, pytest.mark.slow]

PAGES = [
    case
    for case in ROUTES
    if case.method == "GET"
    and case.school_scoped
    and case.is_html
    and case.access.a == ALLOWED
]


def swapped_ids(world: WorldCopy) -> dict[str, str]:
    """Map each id of school A's objects, as text, to school B's equivalent."""
    own, other = world.info.school_a, world.info.school_b
    pairs = {
        own.school_id: other.school_id,
        own.pupil_link_id: other.pupil_link_id,
        own.parent_link_id: other.parent_link_id,
        own.draft_next_step_id: other.draft_next_step_id,
        own.submitted_next_step_id: other.submitted_next_step_id,
        world.info.user_ids["a"]: world.info.user_ids["b"],
    }
    return {str(key): str(value) for key, value in pairs.items()}


def extra_fields(world: WorldCopy) -> dict[str, str]:
    other = world.info.school_b
    return {
        "school": str(other.school_id),
        "school_id": str(other.school_id),
        "link_id": str(other.parent_link_id),
        "next_step_id": str(other.draft_next_step_id),
        "user_id": str(world.info.user_ids["b"]),
    }


def with_school(action: str, school_id: int) -> str:
    parts = urlsplit(action)
    query = dict(parse_qsl(parts.query))
    query["school"] = str(school_id)
    return urlunsplit(parts._replace(query=urlencode(query)))


def tampered_requests(world: WorldCopy, form) -> list[tuple[str, str, dict]]:
    """Return (description, action, data) for each tampered copy of form."""
    data = form.data()
    swaps = swapped_ids(world)
    requests = []
    for name, value in form.hidden().items():
        if value in swaps:
            changed = {**data, name: [swaps[value]]}
            requests.append((f"hidden {name}", form.action, changed))
    for name, value in extra_fields(world).items():
        requests.append((f"added {name}", form.action, {**data, name: [value]}))
    other_action = with_school(form.action, world.info.school_b.school_id)
    requests.append(("action school", other_action, data))
    return requests


@pytest.mark.parametrize("case", PAGES, ids=lambda case: case.id)
def test_tampered_forms_leave_other_school(world: WorldCopy, case):
    other = world.info.school_b
    before = school_fingerprint(world.store_path, other.school_id)
    url = build_url(world, case, case.values(world, world.info.school_a))
    page = world.client("a").get(url, follow_redirects=True)

    for form in post_forms(page.get_data(as_text=True)):
        for description, action, data in tampered_requests(world, form):
            client = world.client("a")
            # Sessions differ per client: send the token the page rendered
            # with a session that has the same raw token.
            data = {**data, "csrf_token": [world.csrf_token()]}
            with watch_store(world.store_path) as store_changed:
                response = client.post(action, data=data)
                changed = store_changed()

            assert response.status_code < 500, (description, action)
            assert leaked_markers(response, other) == [], (description, action)
            after = school_fingerprint(world.store_path, other.school_id)
            assert after == before, f"{description} on {action} changed school B"
            if changed:
                world.reset()
