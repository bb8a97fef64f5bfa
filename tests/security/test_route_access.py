"""Every route, for every role: who may read and change what.

The table is routes.ROUTES. Every POST carries a valid CSRF token, so that
each request tests authorisation alone; test_csrf.py leaves it out.
"""

import itertools

import pytest

from .demo_world import WorldCopy
from .requests import (
    access_outcome,
    build_url,
    leaked_markers,
    school_fingerprint,
    send,
    watch_store,
)
from .routes import ALLOWED, FORBIDDEN, NOT_FOUND, ROLES, ROUTES, no_values

pytestmark = [pytest.mark.dbt, pytest.mark.slow]

SCHOOL_SCOPED = [case for case in ROUTES if case.school_scoped]
WITH_IDS = [case for case in SCHOOL_SCOPED if case.values is not no_values]


@pytest.fixture(scope="module")
def world(world_template, tmp_path_factory):
    copy = WorldCopy(world_template, tmp_path_factory.mktemp("access"))
    yield copy
    copy.close()


def test_every_route_has_an_entry(world):
    registered = {
        (rule.endpoint, method)
        for rule in world.app.url_map.iter_rules()
        for method in rule.methods - {"HEAD", "OPTIONS"}
    }
    listed = {case.key for case in ROUTES}

    assert sorted(registered - listed) == [], "routes without an entry in ROUTES"
    assert sorted(listed - registered) == [], "entries of routes that do not exist"


@pytest.mark.parametrize("role", ROLES)
@pytest.mark.parametrize("case", ROUTES, ids=lambda case: case.id)
def test_route_access(world: WorldCopy, case, role):
    url = build_url(world, case, case.values(world, world.info.school_a))

    with watch_store(world.store_path) as store_changed:
        response = send(world, case, role, url)
        changed = store_changed()
    if changed:
        world.reset()

    expected = case.access.of(role)
    assert access_outcome(response) == expected, (url, response.status_code)
    if case.key == ("auth.sign_out", "POST") and role != "anonymous":
        # Signing out moves the account's session number on, which ends
        # copies of the session.
        assert changed, f"POST {url} as {role} left the session number"
    elif case.method == "GET" or expected != ALLOWED:
        assert not changed, f"{case.method} {url} as {role} changed the store"
    elif case.changes_store:
        assert changed, f"allowed POST {url} as {role} changed nothing"


@pytest.mark.parametrize("case", SCHOOL_SCOPED, ids=lambda case: case.id)
def test_pages_show_no_other_school(world: WorldCopy, case):
    """A school user's responses never name the other school or its links."""
    for role, other in (("a", world.info.school_b), ("b", world.info.school_a)):
        url = build_url(world, case, case.values(world, world.info.school_a))
        response = send(world, case, role, url)
        if case.method != "GET":
            world.reset()

        if role == "b" and access_outcome(response) == ALLOWED:
            continue
        assert leaked_markers(response, other) == [], (role, url)


def cross_school_values(world: WorldCopy, case) -> list[dict]:
    """Return case's URL values with school B's ids swapped in, every way.

    Each non-empty subset of the ids that differ between the two schools
    takes B's value. A `school` query parameter is also left out, since a
    school user's own pages omit it.
    """
    own = case.values(world, world.info.school_a)
    other = case.values(world, world.info.school_b)
    keys = [key for key in own if own[key] != other[key]]
    variants = []
    for size in range(1, len(keys) + 1):
        for swapped in itertools.combinations(keys, size):
            values = {**own, **{key: other[key] for key in swapped}}
            variants.append(values)
            if "school" in values and "school" not in swapped:
                variants.append({k: v for k, v in values.items() if k != "school"})
    return variants


@pytest.mark.parametrize("case", WITH_IDS, ids=lambda case: case.id)
def test_school_user_cannot_reach_other_school(world: WorldCopy, case):
    """School A's user gets 404 or 403 for every URL that names school B's ids."""
    variants = cross_school_values(world, case)
    assert variants, "the URL names no id of a school's object"
    before = school_fingerprint(world.store_path, world.info.school_b.school_id)

    for values in variants:
        url = build_url(world, case, values)
        response = send(world, case, "a", url, form=_form_of_b(world, case))

        assert access_outcome(response) in (NOT_FOUND, FORBIDDEN), (
            url,
            response.status_code,
        )
        assert leaked_markers(response, world.info.school_b) == [], url
        after = school_fingerprint(world.store_path, world.info.school_b.school_id)
        assert after == before, f"{case.method} {url} changed school B's rows"
        if case.method != "GET":
            world.reset()


def _form_of_b(world: WorldCopy, case):
    """Return the POST body for school B's object, so edit counters match B's."""
    if case.form is None:
        return None
    return case.form(world, world.info.school_b)
