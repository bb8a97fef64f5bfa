"""The question banks in reference/ and the loader that freezes them in the store."""

import re
import shutil
from pathlib import Path

import pytest
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from survey_app import create_app
from survey_app.db import create_database_engine
from survey_app.migrate import upgrade_database
from survey_app.models import (
    STAKEHOLDER_GROUPS,
    BankGroup,
    Component,
    Practice,
    Question,
    QuestionBankVersion,
)
from survey_app.reference import (
    ReferenceDataError,
    framework_practice_ids,
    read_framework,
    read_question_banks,
    sync_reference_data,
)

REFERENCE_DIR = Path(__file__).resolve().parent.parent / "reference"
BANK_VERSIONS = ("2024.1", "2025.1")
GROUP_PREFIXES = {
    "pupil_primary": "pri",
    "pupil_secondary": "sec",
    "parent": "par",
    "staff": "stf",
    "governor": "gov",
}
# Questions per group that keep a questionnaire to about 5-10 minutes.
GROUP_SIZES = {
    "pupil_primary": range(21, 25),
    "pupil_secondary": range(26, 31),
    "parent": range(21, 26),
    "staff": range(40, 41),
    "governor": range(21, 29),
}
MAX_TEXT_LENGTH = {"pupil_primary": 90}
DEFAULT_MAX_TEXT_LENGTH = 140
QUESTION_ID = re.compile(r"^(pri|sec|par|stf|gov)-(P[1-7]\.[1-9])-([a-z])$")


@pytest.fixture(autouse=True)
def test_environment(monkeypatch):
    """Use the test settings, which need no secret key from the environment."""
    monkeypatch.setenv("IMHARS_ENV", "test")


@pytest.fixture(scope="module")
def framework():
    return read_framework(REFERENCE_DIR)


@pytest.fixture(scope="module")
def banks(framework):
    return {
        bank.data["version"]: bank.data
        for bank in read_question_banks(REFERENCE_DIR, framework)
    }


@pytest.fixture
def reference_copy(tmp_path):
    """A copy of reference/ that a test may edit."""
    copy = tmp_path / "reference"
    shutil.copytree(REFERENCE_DIR, copy)
    return copy


@pytest.fixture
def session(tmp_path):
    """A session on a fresh, migrated SQLite store under tmp_path."""
    engine = create_database_engine(f"sqlite:///{tmp_path / 'store.sqlite'}")
    upgrade_database(engine)
    with Session(engine) as session:
        yield session
    engine.dispose()


@pytest.fixture
def cli_app(tmp_path):
    """An app whose store under tmp_path is created by the db-upgrade command."""
    var_dir = tmp_path / "var"
    app = create_app(
        {
            "VAR_DIR": var_dir,
            "SQLALCHEMY_DATABASE_URL": f"sqlite:///{var_dir / 'imhars.sqlite'}",
            "WAREHOUSE_DIR": var_dir / "warehouse",
        }
    )
    yield app
    app.extensions["db_engine"].dispose()


def run_db_upgrade(app):
    # The flask command pushes an app context, but the test runner does not.
    with app.app_context():
        return app.test_cli_runner().invoke(args=["db-upgrade"])


def replace_in_file(path: Path, old: str, new: str) -> None:
    text = path.read_text(encoding="utf-8")
    assert text.count(old) == 1, f"{old!r} is not in {path} exactly once"
    path.write_text(text.replace(old, new), encoding="utf-8")


def bank_questions(bank: dict):
    for group in bank["groups"]:
        for question in group["questions"]:
            yield group["group_id"], question


def bank_question_ids(bank: dict) -> set[str]:
    return {question["question_id"] for _, question in bank_questions(bank)}


# The banks as shipped


def test_banks_stored_by_app(app):
    with Session(app.extensions["db_engine"]) as session:
        versions = session.scalars(select(QuestionBankVersion.bank_version)).all()
        group_counts = session.execute(
            select(BankGroup.bank_version, func.count()).group_by(
                BankGroup.bank_version
            )
        ).all()

    assert sorted(versions) == list(BANK_VERSIONS)
    assert dict(group_counts) == {version: 5 for version in BANK_VERSIONS}


def test_banks_stored_by_cli(cli_app):
    result = run_db_upgrade(cli_app)
    again = run_db_upgrade(cli_app)

    assert result.exit_code == 0, result.output
    assert "Stored framework version 1" in result.output
    for version in BANK_VERSIONS:
        assert f"Stored question bank {version}" in result.output
    assert again.exit_code == 0, again.output
    assert "Stored" not in again.output


@pytest.mark.parametrize("version", BANK_VERSIONS)
def test_bank_covers_every_practice(banks, framework, version):
    covered = {
        question["practice_id"] for _, question in bank_questions(banks[version])
    }

    assert covered == set(framework_practice_ids(framework.data))


@pytest.mark.parametrize("version", BANK_VERSIONS)
def test_bank_groups_cover_every_component(banks, framework, version):
    component_of = framework_practice_ids(framework.data)
    all_components = set(component_of.values())

    groups = banks[version]["groups"]

    assert sorted(group["group_id"] for group in groups) == sorted(STAKEHOLDER_GROUPS)
    for group in groups:
        covered = {
            component_of[question["practice_id"]] for question in group["questions"]
        }
        assert covered == all_components, group["group_id"]


@pytest.mark.parametrize("version", BANK_VERSIONS)
def test_bank_group_sizes(banks, version):
    for group in banks[version]["groups"]:
        size = len(group["questions"])
        assert size in GROUP_SIZES[group["group_id"]], (group["group_id"], size)
        assert group["title"].strip(), group["group_id"]


@pytest.mark.parametrize("version", BANK_VERSIONS)
def test_staff_answer_one_question_per_practice(banks, framework, version):
    staff = next(g for g in banks[version]["groups"] if g["group_id"] == "staff")

    practice_ids = [question["practice_id"] for question in staff["questions"]]

    assert sorted(practice_ids) == sorted(framework_practice_ids(framework.data))


@pytest.mark.parametrize("version", BANK_VERSIONS)
def test_question_ids_unique_and_well_formed(banks, version):
    question_ids = [q["question_id"] for _, q in bank_questions(banks[version])]

    assert len(question_ids) == len(set(question_ids))
    for group_id, question in bank_questions(banks[version]):
        match = QUESTION_ID.match(question["question_id"])
        assert match, question["question_id"]
        assert match[1] == GROUP_PREFIXES[group_id], question["question_id"]
        assert match[2] == question["practice_id"], question["question_id"]


@pytest.mark.parametrize("version", BANK_VERSIONS)
def test_questions_ordered_by_component_then_practice(banks, framework, version):
    framework_order = list(framework_practice_ids(framework.data))

    for group in banks[version]["groups"]:
        positions = [
            framework_order.index(question["practice_id"])
            for question in group["questions"]
        ]
        assert positions == sorted(positions), group["group_id"]


@pytest.mark.parametrize("version", BANK_VERSIONS)
def test_question_texts_short_sentences(banks, version):
    for group_id, question in bank_questions(banks[version]):
        text = question["text"]
        max_length = MAX_TEXT_LENGTH.get(group_id, DEFAULT_MAX_TEXT_LENGTH)
        assert len(text) <= max_length, (question["question_id"], len(text))
        assert text.endswith("."), question["question_id"]
        assert text == text.strip(), question["question_id"]
        assert text[0].isupper(), question["question_id"]
        # Text shown to people uses the curly apostrophe, as GOV.UK style does.
        assert "'" not in text, question["question_id"]


@pytest.mark.parametrize("version", BANK_VERSIONS)
def test_scale_labels_as_documented(banks, version):
    scales = banks[version]["scales"]
    scale_of = {group["group_id"]: group["scale"] for group in banks[version]["groups"]}

    assert scales[scale_of["pupil_primary"]]["labels"] == ["No", "Sometimes", "Yes"]
    assert scales[scale_of["pupil_primary"]]["dont_know_label"] == "Not sure"
    for group_id in ("pupil_secondary", "parent", "staff", "governor"):
        scale = scales[scale_of[group_id]]
        assert scale["labels"] == [
            "Strongly disagree",
            "Disagree",
            "Neither agree nor disagree",
            "Agree",
            "Strongly agree",
        ]
        assert scale["dont_know_label"] == "Don’t know"
        assert scale["positive_from"] == 4


def test_bank_2025_changes_from_2024(banks):
    """2025.1 rewords 3 or 4 questions under letter b and adds 1 or 2."""
    old, new = banks["2024.1"], banks["2025.1"]
    old_ids, new_ids = bank_question_ids(old), bank_question_ids(new)
    old_texts = {q["question_id"]: q["text"] for _, q in bank_questions(old)}
    new_texts = {q["question_id"]: q["text"] for _, q in bank_questions(new)}

    dropped = old_ids - new_ids
    reworded = {question_id.removesuffix("-a") + "-b" for question_id in dropped}
    added = new_ids - old_ids - reworded

    assert 3 <= len(dropped) <= 4
    assert all(question_id.endswith("-a") for question_id in dropped)
    assert reworded <= new_ids
    assert 1 <= len(added) <= 2
    for question_id in old_ids & new_ids:
        assert old_texts[question_id] == new_texts[question_id], question_id


# The loader's checks, on an edited copy of reference/


def test_edited_stored_bank_rejected(session, reference_copy):
    sync_reference_data(session, reference_copy)
    bank_file = reference_copy / "question_banks" / "2024.1.yml"
    # pri-P6.4-a is not in 2025.1, so only the frozen-file check can fire.
    replace_in_file(
        bank_file,
        "text: My family are invited to things at my school.",
        "text: My family are asked to things at my school.",
    )

    with pytest.raises(ReferenceDataError) as error:
        sync_reference_data(session, reference_copy)
    session.rollback()

    message = str(error.value)
    assert str(bank_file) in message
    assert "restore the file and put the changes in a new version" in message
    stored = session.get(Question, ("2024.1", "pri-P6.4-a"))
    assert stored.text == "My family are invited to things at my school."


def test_edited_stored_bank_rejected_by_cli(cli_app, reference_copy):
    cli_app.config["REFERENCE_DIR"] = reference_copy
    assert run_db_upgrade(cli_app).exit_code == 0
    bank_file = reference_copy / "question_banks" / "2025.1.yml"
    with bank_file.open("a", encoding="utf-8") as file:
        file.write("# an added comment changes the file too\n")

    result = run_db_upgrade(cli_app)

    assert result.exit_code == 1
    assert str(bank_file) in result.output
    assert "put the changes in a new version" in result.output


def test_reused_question_id_with_new_wording_rejected(reference_copy, framework):
    bank_file = reference_copy / "question_banks" / "2025.1.yml"
    replace_in_file(
        bank_file,
        "text: We have fun and laugh together at school.",
        "text: We have fun together at school.",
    )

    with pytest.raises(ReferenceDataError, match="pri-P1.5-a differs") as error:
        read_question_banks(reference_copy, framework)

    assert str(bank_file) in str(error.value)
    assert "new question_id" in str(error.value)


def test_reused_question_id_rejected_against_stored_bank(session, reference_copy):
    """A stored version is checked even when its file is no longer present."""
    sync_reference_data(session, reference_copy)
    banks_dir = reference_copy / "question_banks"
    new_file = banks_dir / "2026.1.yml"
    shutil.copy(banks_dir / "2025.1.yml", new_file)
    for version in BANK_VERSIONS:
        (banks_dir / f"{version}.yml").unlink()
    replace_in_file(new_file, 'version: "2025.1"', 'version: "2026.1"')
    replace_in_file(
        new_file,
        "text: We have fun and laugh together at school.",
        "text: We have fun.",
    )

    with pytest.raises(ReferenceDataError, match=r"in stored bank 202[45]\.1") as error:
        sync_reference_data(session, reference_copy)
    session.rollback()

    assert "pri-P1.5-a" in str(error.value)
    assert session.get(QuestionBankVersion, "2026.1") is None


@pytest.mark.parametrize(
    ("old", "new"),
    (
        ('version: "2025.1"', "version: 2025.1"),
        ('version: "2025.1"', 'version: "2024.1"'),
    ),
)
def test_bank_version_must_match_file_name(reference_copy, framework, old, new):
    bank_file = reference_copy / "question_banks" / "2025.1.yml"
    replace_in_file(bank_file, old, new)

    with pytest.raises(ReferenceDataError, match="must be the file name") as error:
        read_question_banks(reference_copy, framework)

    assert str(bank_file) in str(error.value)


def test_framework_title_edit_accepted(session, reference_copy):
    sync_reference_data(session, reference_copy)
    replace_in_file(
        reference_copy / "framework.yml",
        "title: School ethos and environment",
        "title: Ethos and environment of the school",
    )

    added = sync_reference_data(session, reference_copy)

    assert added == []
    component = session.get(Component, (1, "C1"))
    assert component.title == "Ethos and environment of the school"


def test_framework_practice_edit_rejected(session, reference_copy):
    sync_reference_data(session, reference_copy)
    framework_file = reference_copy / "framework.yml"
    replace_in_file(
        framework_file,
        "text: Ensuring everyone feels safe within the school",
        "text: Ensuring pupils feel safe within the school",
    )

    with pytest.raises(ReferenceDataError, match="raise the version") as error:
        sync_reference_data(session, reference_copy)
    session.rollback()

    assert str(framework_file) in str(error.value)
    practice = session.get(Practice, (1, "P1.4"))
    assert practice.text == "Ensuring everyone feels safe within the school"


@pytest.mark.parametrize(
    ("old", "new"),
    (
        ('"No"', "No"),
        ('"Yes"', "Yes"),
        ("dont_know_label: Not sure", "dont_know_label: Off"),
    ),
)
def test_unquoted_boolean_label_rejected(reference_copy, framework, old, new):
    bank_file = reference_copy / "question_banks" / "2025.1.yml"
    replace_in_file(bank_file, old, new)

    with pytest.raises(ReferenceDataError, match="Put the label in quotes") as error:
        read_question_banks(reference_copy, framework)

    assert str(bank_file) in str(error.value)
