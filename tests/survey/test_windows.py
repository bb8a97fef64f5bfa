"""The survey window service: schools, windows, links, access and codes."""

import hashlib
import hmac
import re
from datetime import date

import pytest
from sqlalchemy import select

from survey_app.db import get_db
from survey_app.models import AccessCode, AccessCodeBatch, SchoolRoll, SurveyLink
from survey_app.windows import (
    CODE_ALPHABET,
    TOKEN_ALPHABET,
    WindowStatus,
    access_code_pepper,
    create_school,
    create_window,
    find_link,
    hash_access_code,
    is_open,
    issue_access_codes,
    newest_bank_version,
    normalise_access_code,
    open_windows,
    set_access,
    window_status,
)

YEAR = "2025/26"


@pytest.fixture
def db(app):
    with app.app_context():
        yield get_db()


@pytest.fixture
def school(db):
    school = create_school(db, "Hillside Primary", "primary", urn="100001")
    db.commit()
    return school


@pytest.mark.parametrize(
    ("phase", "pupil_groups"),
    [
        ("primary", {"pupil_primary"}),
        ("secondary", {"pupil_secondary"}),
        ("special", {"pupil_primary", "pupil_secondary"}),
        ("all_through", {"pupil_primary", "pupil_secondary"}),
    ],
)
def test_window_links_suit_school_phase(db, phase, pupil_groups):
    school = create_school(db, f"A {phase} school", phase)

    window = create_window(db, school.school_id, YEAR)

    groups = {link.stakeholder_group for link in window.links}
    assert groups == pupil_groups | {"parent", "staff", "governor"}


def test_window_defaults_to_academic_year_and_newest_bank(db, school):
    window = create_window(db, school.school_id, YEAR)

    assert window.opens_on == date(2025, 9, 1)
    assert window.closes_on == date(2026, 8, 31)
    assert window.bank_version == newest_bank_version(db)
    assert newest_bank_version(db) == "2025.1"


def test_window_links_have_short_unique_tokens(db, school):
    window = create_window(db, school.school_id, YEAR)
    other = create_school(db, "Other Primary", "primary")
    other_window = create_window(db, other.school_id, YEAR)

    tokens = [link.token for link in window.links + other_window.links]
    assert len(set(tokens)) == len(tokens)
    for token in tokens:
        assert len(token) == 8
        assert set(token) <= set(TOKEN_ALPHABET)
    for look_alike in "0o1li5s":
        assert look_alike not in TOKEN_ALPHABET


def test_window_links_take_number_on_roll(db, school):
    db.add(
        SchoolRoll(
            school_id=school.school_id,
            stakeholder_group="pupil_primary",
            number_on_roll=210,
        )
    )

    window = create_window(db, school.school_id, YEAR)

    rolls = {link.stakeholder_group: link.number_on_roll for link in window.links}
    assert rolls["pupil_primary"] == 210
    assert rolls["parent"] is None


@pytest.mark.parametrize(
    ("academic_year", "opens_on", "closes_on", "message"),
    [
        ("2025-26", None, None, "academic year '2025-26' is not valid"),
        ("2025/27", None, None, "the second year must follow the first"),
        (YEAR, date(2025, 8, 31), None, "opening date 2025-08-31 is outside"),
        (YEAR, None, date(2026, 9, 1), "closing date 2026-09-01 is outside"),
        (YEAR, date(2026, 3, 1), date(2026, 2, 1), "is after closing date"),
    ],
)
def test_create_window_rejects_bad_dates(
    db, school, academic_year, opens_on, closes_on, message
):
    with pytest.raises(ValueError, match=re.escape(message)):
        create_window(db, school.school_id, academic_year, opens_on, closes_on)


def test_create_window_rejects_second_window_same_year(db, school):
    create_window(db, school.school_id, YEAR)

    with pytest.raises(ValueError, match="already has window .* for 2025/26"):
        create_window(db, school.school_id, YEAR)


def test_create_window_rejects_unknown_school_and_bank(db, school):
    with pytest.raises(ValueError, match="school 999 not found"):
        create_window(db, 999, YEAR)
    with pytest.raises(ValueError, match="question bank '1999.1' is not stored"):
        create_window(db, school.school_id, YEAR, bank_version="1999.1")


def test_create_window_uses_given_bank_version(db, school):
    window = create_window(db, school.school_id, YEAR, bank_version="2024.1")

    assert window.bank_version == "2024.1"


@pytest.mark.parametrize(
    ("name", "phase", "urn", "message"),
    [
        ("", "primary", None, "school name '' is not valid"),
        ("A school", "nursery", None, "phase 'nursery' is not valid"),
        ("A school", "primary", "12345", "URN '12345' is not valid"),
        ("A school", "primary", "100001", "URN 100001 already belongs to school"),
        (
            " hillside  PRIMARY",
            "primary",
            None,
            "school name 'hillside  PRIMARY' is taken",
        ),
    ],
)
def test_create_school_rejects_bad_values(db, school, name, phase, urn, message):
    with pytest.raises(ValueError, match=re.escape(message)):
        create_school(db, name, phase, urn=urn)


def test_set_access_changes_link(db, school):
    link = create_window(db, school.school_id, YEAR).links[0]

    set_access(link, "codes", True, 30)

    assert link.access_mode == "codes"
    assert link.kiosk is True
    assert link.number_on_roll == 30


@pytest.mark.parametrize(
    ("mode", "number_on_roll", "message"),
    [
        ("closed", None, "access mode 'closed' is not valid: use one of open, codes"),
        ("open", 0, "number on roll 0 is not valid"),
        ("open", 100_001, "number on roll 100001 is not valid"),
    ],
)
def test_set_access_rejects_bad_values(db, school, mode, number_on_roll, message):
    link = create_window(db, school.school_id, YEAR).links[0]

    with pytest.raises(ValueError, match=re.escape(message)):
        set_access(link, mode, False, number_on_roll)


def test_issued_codes_are_short_and_unambiguous(db, school):
    link = create_window(db, school.school_id, YEAR).links[0]

    codes = issue_access_codes(db, link, "5B", 50)

    assert len(set(codes)) == 50
    for code in codes:
        assert re.fullmatch(r"[A-Z0-9]{3}-[A-Z0-9]{3}-[A-Z0-9]{3}", code)
        assert set(code.replace("-", "")) <= set(CODE_ALPHABET)
    for look_alike in "0O1IL2Z5S8B":
        assert look_alike not in CODE_ALPHABET


def test_issued_codes_stored_only_as_peppered_hashes(db, school, app):
    link = create_window(db, school.school_id, YEAR).links[0]

    codes = issue_access_codes(db, link, "5B", 5)
    db.commit()

    stored = db.scalars(select(AccessCode).where(AccessCode.link_id == link.link_id))
    hashes = {code.code_hash for code in stored}
    pepper = access_code_pepper(app.config["SECRET_KEY"])
    assert hashes == {hash_access_code(code, pepper) for code in codes}
    plain = {hashlib.sha256(code.encode()).hexdigest() for code in codes}
    assert not hashes & plain
    for code in codes:
        assert all(code not in value for value in hashes)
    expected = hmac.new(pepper, codes[0].encode(), hashlib.sha256).hexdigest()
    assert expected in hashes
    batch = db.scalar(
        select(AccessCodeBatch).where(AccessCodeBatch.link_id == link.link_id)
    )
    assert batch.label == "5B"


@pytest.mark.parametrize(
    ("label", "count", "message"),
    [
        ("", 5, "label '' is not valid"),
        ("x" * 101, 5, "is not valid: give a class or group name of 1 to 100"),
        ("5B", 0, "count 0 is not valid: issue from 1 to 300"),
        ("5B", 301, "count 301 is not valid"),
    ],
)
def test_issue_codes_rejects_bad_values(db, school, label, count, message):
    link = create_window(db, school.school_id, YEAR).links[0]

    with pytest.raises(ValueError, match=re.escape(message)):
        issue_access_codes(db, link, label, count)


@pytest.mark.parametrize(
    ("typed", "expected"),
    [
        ("ACE-347-XYF", "ACE-347-XYF"),
        ("ace 347 xyf", "ACE-347-XYF"),
        ("ACE347XYF", "ACE-347-XYF"),
        (" ace–347–xyf ", "ACE-347-XYF"),
        ("ACE-347-XY", None),
        ("ACE-347-XYFF", None),
        ("ACE-347-XY0", None),
        ("", None),
    ],
)
def test_normalise_access_code(typed, expected):
    assert normalise_access_code(typed) == expected


def test_window_status_by_date(db, school):
    window = create_window(
        db, school.school_id, YEAR, date(2026, 3, 1), date(2026, 3, 31)
    )

    assert window_status(window, date(2026, 2, 28)) is WindowStatus.NOT_YET_OPEN
    assert window_status(window, date(2026, 3, 1)) is WindowStatus.OPEN
    assert window_status(window, date(2026, 3, 31)) is WindowStatus.OPEN
    assert window_status(window, date(2026, 4, 1)) is WindowStatus.CLOSED
    assert is_open(window, date(2026, 3, 15))
    assert not is_open(window, date(2026, 4, 1))
    assert open_windows(db, date(2026, 3, 15)) == [window]
    assert open_windows(db, date(2026, 4, 1)) == []


def test_find_link_ignores_case_and_spaces(db, school):
    link = create_window(db, school.school_id, YEAR).links[0]
    db.commit()

    assert find_link(db, f" {link.token.upper()} ") == link
    assert find_link(db, "nosuchtk") is None
    assert find_link(db, "x" * 500) is None
    assert db.scalar(select(SurveyLink).where(SurveyLink.token == "")) is None
