"""Read the framework and question banks from reference/ and freeze them in the store.

The YAML files are the one place the framework and question wording are
edited. Syncing copies each version into the database once; a version already
stored whose file has since changed is rejected, because windows that used it
would silently change meaning.
"""

import hashlib
import json
from dataclasses import dataclass
from pathlib import Path

import yaml
from sqlalchemy import select
from sqlalchemy.orm import Session

from .models import (
    STAKEHOLDER_GROUPS,
    BankGroup,
    Component,
    FrameworkVersion,
    Practice,
    Question,
    QuestionBankVersion,
    Scale,
)


class ReferenceDataError(ValueError):
    """A reference file is invalid or conflicts with what is stored."""


@dataclass(frozen=True)
class LoadedFile:
    path: Path
    data: dict
    sha256: str


def read_yaml(path: Path) -> LoadedFile:
    """Parse one YAML file and hash its bytes."""
    raw = path.read_bytes()
    try:
        data = yaml.safe_load(raw)
    except yaml.YAMLError as error:
        raise ReferenceDataError(f"{path}: not valid YAML: {error}") from error
    if not isinstance(data, dict):
        raise ReferenceDataError(f"{path}: expected a mapping at the top level")
    return LoadedFile(path, data, hashlib.sha256(raw).hexdigest())


def read_framework(reference_dir: Path) -> LoadedFile:
    """Read and check reference/framework.yml."""
    loaded = read_yaml(reference_dir / "framework.yml")
    _check_framework(loaded)
    return loaded


def read_question_banks(reference_dir: Path, framework: LoadedFile) -> list[LoadedFile]:
    """Read and check every reference/question_banks/*.yml, oldest version first."""
    banks = [
        read_yaml(path)
        for path in sorted((reference_dir / "question_banks").glob("*.yml"))
    ]
    if not banks:
        raise ReferenceDataError(
            f"{reference_dir / 'question_banks'}: no question bank files found"
        )
    practice_ids = framework_practice_ids(framework.data)
    for bank in banks:
        _check_bank(bank, framework.data, practice_ids)
    _check_question_ids_stable(banks)
    return sorted(banks, key=lambda bank: str(bank.data["version"]))


def framework_practice_ids(framework: dict) -> dict[str, str]:
    """Map each practice id to its component id."""
    return {
        practice["practice_id"]: component["component_id"]
        for component in framework["components"]
        for practice in component["practices"]
    }


def _check_framework(loaded: LoadedFile) -> None:
    data, path = loaded.data, loaded.path
    for key in ("version", "name", "components"):
        if key not in data:
            raise ReferenceDataError(f"{path}: missing key {key!r}")
    seen: set[str] = set()
    for component in data["components"]:
        for key in ("component_id", "title", "practices"):
            if key not in component:
                raise ReferenceDataError(
                    f"{path}: component {component!r} is missing {key!r}"
                )
        for practice in component["practices"]:
            practice_id = practice.get("practice_id")
            if not practice_id or not practice.get("text"):
                raise ReferenceDataError(
                    f"{path}: practice {practice!r} needs practice_id and text"
                )
            if practice_id in seen:
                raise ReferenceDataError(f"{path}: practice {practice_id} repeated")
            seen.add(practice_id)


def _check_bank(loaded: LoadedFile, framework: dict, practice_ids: dict) -> None:
    data, path = loaded.data, loaded.path
    for key in ("version", "framework_version", "scales", "groups"):
        if key not in data:
            raise ReferenceDataError(f"{path}: missing key {key!r}")
    # An unquoted version such as 2024.10 is read as the float 2024.1, and a
    # copied file that keeps the old version would pass for the stored one.
    if not isinstance(data["version"], str) or data["version"] != path.stem:
        raise ReferenceDataError(
            f"{path}: version {data['version']!r} must be the file name "
            f'{path.stem!r} in quotes, for example version: "{path.stem}"'
        )
    if data["framework_version"] != framework["version"]:
        raise ReferenceDataError(
            f"{path}: framework_version {data['framework_version']} does not match "
            f"reference/framework.yml version {framework['version']}"
        )
    for scale_id, scale in data["scales"].items():
        labels = scale.get("labels") or []
        if len(labels) != scale.get("points"):
            raise ReferenceDataError(
                f"{path}: scale {scale_id} has {len(labels)} labels for "
                f"{scale.get('points')} points"
            )
        # YAML reads a bare No, Yes, On or Off as a boolean, which would be
        # stored and shown as "false" or "true".
        for label in [*labels, scale.get("dont_know_label", "")]:
            if not isinstance(label, str):
                raise ReferenceDataError(
                    f"{path}: scale {scale_id} label {label!r} is not text. Put "
                    'the label in quotes, for example "No"'
                )
        if not 1 <= scale.get("positive_from", 0) <= scale["points"]:
            raise ReferenceDataError(
                f"{path}: scale {scale_id} positive_from must be 1..{scale['points']}"
            )
    question_ids: set[str] = set()
    covered: set[str] = set()
    all_components = {
        component["component_id"] for component in framework["components"]
    }
    for group in data["groups"]:
        group_id = group.get("group_id")
        if group_id not in STAKEHOLDER_GROUPS:
            raise ReferenceDataError(
                f"{path}: group {group_id!r} is not one of "
                f"{', '.join(STAKEHOLDER_GROUPS)}"
            )
        if group.get("scale") not in data["scales"]:
            raise ReferenceDataError(
                f"{path}: group {group_id} uses unknown scale {group.get('scale')!r}"
            )
        group_components: set[str] = set()
        for question in group.get("questions", []):
            question_id = question.get("question_id")
            practice_id = question.get("practice_id")
            if not question_id or not question.get("text"):
                raise ReferenceDataError(
                    f"{path}: group {group_id} has a question without id or text"
                )
            if question_id in question_ids:
                raise ReferenceDataError(f"{path}: question {question_id} repeated")
            if practice_id not in practice_ids:
                raise ReferenceDataError(
                    f"{path}: question {question_id} names unknown practice "
                    f"{practice_id!r}"
                )
            question_ids.add(question_id)
            covered.add(practice_id)
            group_components.add(practice_ids[practice_id])
        missing_components = all_components - group_components
        if missing_components:
            raise ReferenceDataError(
                f"{path}: group {group_id} has no question for component(s) "
                f"{', '.join(sorted(missing_components))}"
            )
    uncovered = set(practice_ids) - covered
    if uncovered:
        raise ReferenceDataError(
            f"{path}: no group has a question on practice(s) "
            f"{', '.join(sorted(uncovered))}"
        )


def _question_signature(bank: dict, group: dict, question: dict) -> tuple:
    scale = bank["scales"][group["scale"]]
    return (
        group["group_id"],
        question["practice_id"],
        question["text"].strip(),
        tuple(scale["labels"]),
        scale.get("positive_from"),
        scale.get("dont_know_label"),
    )


def _check_question_ids_stable(banks: list[LoadedFile]) -> None:
    """Reject a question id reused with other wording, practice or scale."""
    seen: dict[str, tuple[str, tuple]] = {}
    for bank in banks:
        for group in bank.data["groups"]:
            for question in group["questions"]:
                signature = _question_signature(bank.data, group, question)
                earlier = seen.get(question["question_id"])
                if earlier and earlier[1] != signature:
                    raise ReferenceDataError(
                        f"{bank.path}: question {question['question_id']} differs from "
                        f"its wording or scale in bank {earlier[0]}; give the changed "
                        "question a new question_id so years stay comparable"
                    )
                seen[question["question_id"]] = (str(bank.data["version"]), signature)


def sync_reference_data(session: Session, reference_dir: Path) -> list[str]:
    """Store framework and bank versions not yet stored; return what was added."""
    framework = read_framework(reference_dir)
    banks = read_question_banks(reference_dir, framework)
    added = []
    if _store_framework(session, framework):
        added.append(f"framework version {framework.data['version']}")
    for bank in banks:
        if _store_bank(session, bank):
            added.append(f"question bank {bank.data['version']}")
    session.commit()
    return added


def _store_framework(session: Session, loaded: LoadedFile) -> bool:
    data = loaded.data
    stored = session.get(FrameworkVersion, data["version"])
    if stored is not None:
        if stored.content_sha256 != loaded.sha256:
            _check_framework_unchanged(session, data, loaded.path)
            stored.content_sha256 = loaded.sha256
        return False
    session.add(
        FrameworkVersion(
            framework_version=data["version"],
            name=data["name"],
            content_sha256=loaded.sha256,
        )
    )
    session.flush()
    for position, component in enumerate(data["components"], start=1):
        session.add(
            Component(
                framework_version=data["version"],
                component_id=component["component_id"],
                position=position,
                title=component["title"],
            )
        )
        for practice_position, practice in enumerate(component["practices"], start=1):
            session.add(
                Practice(
                    framework_version=data["version"],
                    practice_id=practice["practice_id"],
                    component_id=component["component_id"],
                    position=practice_position,
                    text=practice["text"],
                )
            )
    session.flush()
    return True


def _check_framework_unchanged(session: Session, data: dict, path: Path) -> None:
    """Allow edits of component titles only; practice wording is frozen."""
    stored = {
        practice.practice_id: (practice.component_id, practice.text)
        for practice in session.scalars(
            select(Practice).where(Practice.framework_version == data["version"])
        )
    }
    current = {
        practice["practice_id"]: (component["component_id"], practice["text"])
        for component in data["components"]
        for practice in component["practices"]
    }
    if stored != current:
        raise ReferenceDataError(
            f"{path}: practices of framework version {data['version']} differ from the "
            "stored copy; raise the version number to change them"
        )
    for component in data["components"]:
        stored_component = session.get(
            Component, (data["version"], component["component_id"])
        )
        stored_component.title = component["title"]


def _check_question_ids_match_stored(session: Session, loaded: LoadedFile) -> None:
    """Reject a question id that a stored version used with other wording or scale.

    The check across files misses a stored version whose file was removed, so
    the new version is also compared with every stored question of the same id.
    """
    stored_rows = session.execute(
        select(Question, Scale)
        .join(
            BankGroup,
            (BankGroup.bank_version == Question.bank_version)
            & (BankGroup.stakeholder_group == Question.stakeholder_group),
        )
        .join(
            Scale,
            (Scale.bank_version == BankGroup.bank_version)
            & (Scale.scale_id == BankGroup.scale_id),
        )
    )
    stored = {
        question.question_id: (
            question.bank_version,
            (
                question.stakeholder_group,
                question.practice_id,
                question.text,
                tuple(json.loads(scale.labels_json)),
                scale.positive_from,
                scale.dont_know_label,
            ),
        )
        for question, scale in stored_rows
    }
    for group in loaded.data["groups"]:
        for question in group["questions"]:
            earlier = stored.get(question["question_id"])
            signature = _question_signature(loaded.data, group, question)
            if earlier and earlier[1] != signature:
                raise ReferenceDataError(
                    f"{loaded.path}: question {question['question_id']} differs from "
                    f"its wording or scale in stored bank {earlier[0]}. Give the "
                    "changed question a new question_id so years stay comparable"
                )


def _store_bank(session: Session, loaded: LoadedFile) -> bool:
    data = loaded.data
    version = str(data["version"])
    stored = session.get(QuestionBankVersion, version)
    if stored is not None:
        if stored.content_sha256 != loaded.sha256:
            raise ReferenceDataError(
                f"{loaded.path}: question bank {version} was changed after it was "
                "stored; restore the file and put the changes in a new version"
            )
        return False
    _check_question_ids_match_stored(session, loaded)
    session.add(
        QuestionBankVersion(
            bank_version=version,
            framework_version=data["framework_version"],
            content_sha256=loaded.sha256,
        )
    )
    session.flush()
    for scale_id, scale in data["scales"].items():
        session.add(
            Scale(
                bank_version=version,
                scale_id=scale_id,
                points=scale["points"],
                positive_from=scale["positive_from"],
                labels_json=json.dumps(scale["labels"]),
                dont_know_label=scale.get("dont_know_label"),
            )
        )
    session.flush()
    for group in data["groups"]:
        session.add(
            BankGroup(
                bank_version=version,
                stakeholder_group=group["group_id"],
                scale_id=group["scale"],
                title=group["title"],
            )
        )
        session.flush()
        for position, question in enumerate(group["questions"], start=1):
            session.add(
                Question(
                    bank_version=version,
                    question_id=question["question_id"],
                    stakeholder_group=group["group_id"],
                    practice_id=question["practice_id"],
                    position=position,
                    text=question["text"].strip(),
                )
            )
    session.flush()
    return True
