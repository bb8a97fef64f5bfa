"""Checks of the mapping file, before and against the stored question bank."""

import pytest

from survey_app.imports import ImportRejected, load_mapping
from survey_app.models import Response

from .conftest import FILES, count_rows, stored_responses

GOOGLE = FILES / "google_forms"
BASE = """\
tool: google_forms
school_urn: "100001"
academic_year: "2023/24"
stakeholder_group: pupil_primary
bank_version: "2024.1"
questions:
  I feel safe at school.: pri-P1.4-a
"""


def mapping_problems(tmp_path, text: str) -> list[str]:
    path = tmp_path / "mapping.yml"
    path.write_text(text, encoding="utf-8")
    with pytest.raises(ImportRejected) as caught:
        load_mapping(path)
    return [problem.message for problem in caught.value.problems]


def test_sample_mappings_load():
    for tool in ("google_forms", "microsoft_forms", "limesurvey"):
        mapping = load_mapping(FILES / tool / "mapping.yml")
        assert mapping.layout.tool == tool


@pytest.mark.parametrize(
    ("change", "expected"),
    [
        (
            ("tool: google_forms", "tool: surveymonkey"),
            'tool "surveymonkey" is not known: set tool to one of google_forms, '
            "microsoft_forms, limesurvey",
        ),
        (
            ('school_urn: "100001"', "school_urn: 12345"),
            'school_urn "12345" must be the school\'s 6-digit DfE number',
        ),
        (
            ('academic_year: "2023/24"', 'academic_year: "2023/25"'),
            "academic year '2023/25' is not valid: the second year must follow "
            "the first, like 2023/24",
        ),
        (
            ('bank_version: "2024.1"', "bank_version: 2024.1"),
            'bank_version "2024.1" is not valid: give the question bank version '
            'in quotes, for example bank_version: "2024.1"',
        ),
        (
            ("stakeholder_group: pupil_primary", "stakeholder_group: pupils"),
            'stakeholder_group "pupils" is not known: set it to one of '
            "pupil_primary, pupil_secondary, parent, staff, governor",
        ),
        (
            ("tool: google_forms", "tool: google_forms\ndelimiter: ';'"),
            'key "delimiter" is not known: use only tool, school_urn, school_id, '
            "academic_year, stakeholder_group, bank_version, csv_delimiter, sheet, "
            "date_column, date_format, timezone, include_incomplete, year_group, "
            "answers, questions",
        ),
        (
            ("tool: google_forms", "tool: google_forms\ntimezone: London"),
            'timezone "London" is not known: give an IANA time zone such as '
            "Europe/London or UTC",
        ),
        (
            ("tool: google_forms", "tool: google_forms\nanswers:\n  Yes: 3"),
            "answers: label True is not text, because YAML reads an unquoted Yes, "
            "No, On or Off as true or false. Put the label in quotes, for example "
            '"Yes"',
        ),
        (
            ("tool: google_forms", 'tool: google_forms\nanswers:\n  "Yes": often'),
            'answers: label "Yes" maps to "often": give a scale value such as 4, '
            "or dont_know, or unanswered",
        ),
        (
            (
                "tool: google_forms",
                'tool: google_forms\nanswers:\n  "Yes": 3\n  "yes": 3',
            ),
            'answers: label "yes" is given twice (labels match ignoring case, '
            "spaces and curly quotes): keep one",
        ),
    ],
)
def test_mapping_problem_is_named(tmp_path, change, expected):
    assert mapping_problems(tmp_path, BASE.replace(*change)) == [expected]


def test_mapping_key_given_twice_is_rejected(tmp_path):
    text = BASE + "  I feel safe at school.: pri-P1.1-a\n"

    [message] = mapping_problems(tmp_path, text)

    assert message.startswith("is not valid YAML:")
    assert "key 'I feel safe at school.' is given twice: keep one" in message


def test_mapping_that_is_not_yaml_mapping_is_rejected(tmp_path):
    assert mapping_problems(tmp_path, "- just\n- a list\n") == [
        "must be a YAML mapping with keys such as tool, school_urn and questions: "
        "see docs/importing.md"
    ]


def test_mapping_lists_every_problem(tmp_path):
    messages = mapping_problems(tmp_path, "tool: other\nquestions: {}\n")

    assert len(messages) == 6


@pytest.mark.parametrize(
    ("extra", "expected"),
    [
        (
            "  At school we learn to listen.: pri-P2.1-b\n",
            'question_id "pri-P2.1-b" of column "At school we learn to listen." is '
            "not in question bank 2024.1 for pupil_primary. Did you mean pri-P2.1-a",
        ),
        (
            "  Safe again: pri-P1.4-a\n",
            'question_id pri-P1.4-a is mapped from two columns, "I feel safe at '
            'school." and "Safe again": map each question from one column',
        ),
    ],
)
def test_mapping_question_problem_is_named(app, run_import, tmp_path, extra, expected):
    path = tmp_path / "mapping.yml"
    path.write_text(BASE + extra, encoding="utf-8")

    with pytest.raises(ImportRejected) as caught:
        run_import(GOOGLE / "responses.csv", path)

    [problem] = caught.value.problems
    assert problem.message.startswith(expected)
    assert count_rows(app, Response) == 0


def test_mapping_value_outside_scale_is_rejected(run_import, tmp_path):
    path = tmp_path / "mapping.yml"
    path.write_text(BASE + 'answers:\n  "Yes": 5\n  "No": 1\n', encoding="utf-8")

    with pytest.raises(ImportRejected) as caught:
        run_import(GOOGLE / "responses.csv", path)

    assert str(caught.value) == (
        'mapping.yml: answers: label "Yes" maps to 5, but the pupil_primary scale '
        "of bank 2024.1 has values 1 to 3"
    )


def test_year_group_for_adults_is_rejected(run_import, tmp_path):
    text = BASE.replace("pupil_primary", "staff").replace("pri-P1.4-a", "stf-P1.4-a")
    path = tmp_path / "mapping.yml"
    path.write_text(text + "year_group: What year are you in?\n", encoding="utf-8")

    with pytest.raises(ImportRejected) as caught:
        run_import(GOOGLE / "responses.csv", path)

    assert "year_group is only for pupils, not staff" in str(caught.value)


@pytest.mark.parametrize(
    ("change", "expected"),
    [
        (
            ('school_urn: "100001"', 'school_urn: "999999"'),
            "no stored school has the URN 999999: check school_urn, or add the "
            "school first",
        ),
        (
            ("stakeholder_group: pupil_primary", "stakeholder_group: pupil_secondary"),
            "Hilltop Primary is a primary school, which does not survey "
            "pupil_secondary: check stakeholder_group",
        ),
        (
            ('bank_version: "2024.1"', 'bank_version: "2023.1"'),
            "question bank 2023.1 is not stored: use one of 2024.1, 2025.1",
        ),
    ],
)
def test_mapping_target_problem_is_named(run_import, tmp_path, change, expected):
    path = tmp_path / "mapping.yml"
    path.write_text(BASE.replace(*change), encoding="utf-8")

    with pytest.raises(ImportRejected) as caught:
        run_import(GOOGLE / "responses.csv", path)

    assert str(caught.value) == f"mapping.yml: {expected}"


def test_year_group_labels_are_mapped(app, run_import, tmp_path):
    path = tmp_path / "mapping.yml"
    path.write_text(
        BASE
        + "year_group:\n  column: What year are you in?\n  labels:\n"
        + "    Year 3: 3\n    Year 4: 4\n    Year 5: 5\n    Year 6: 6\n",
        encoding="utf-8",
    )

    run_import(GOOGLE / "responses.csv", path)

    years = [response["year_group"] for response in stored_responses(app)]
    assert years == [3, 4, 6, 5, None]
