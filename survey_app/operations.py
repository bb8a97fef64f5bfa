"""The operator's tasks: back up, restore, and delete responses past retention.

A backup folder contains the operational store (imhars.sqlite), its access
codes file (imhars-codes.sqlite), raw.duckdb and published.duckdb, and
manifest.json with the SHA-256 of each file. Each SQLite file is copied with
SQLite's online backup API, which copies one consistent snapshot while the
app goes on writing. The DuckDB files are copied while holding the pipeline
lock, so no run writes them meanwhile, and the store is copied under the
same lock, after them: the warehouse's watermark can then never be ahead of
the store it is restored with.

The codes file is copied after the store. The app commits a code's spend
before the response it lets in, so every response in the copied store has
its code spent in the later copy of the codes file. A restore writes the
codes file first and the store second, so that a submission the app takes
in between (restore expects the app stopped) can waste its code but never
leave a stored response whose code is usable again.
"""

import hashlib
import json
import logging
import os
import shutil
import sqlite3
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, date, datetime
from importlib.metadata import version
from pathlib import Path

import duckdb
from sqlalchemy import delete, func, select
from sqlalchemy.orm import Session

from pipeline.lock import PipelineBusyError, pipeline_lock
from pipeline.settings import PipelineSettings

from .calendar import academic_year_bounds, academic_year_for, london_today
from .config import ConfigurationError
from .db import codes_path_for, store_path_from_url
from .models import Answer, AuditEvent, ImportedResponse, Response, SurveyWindow

logger = logging.getLogger(__name__)

MANIFEST_NAME = "manifest.json"
BACKUP_FORMAT = 1
STORE_NAME = "imhars.sqlite"
CODES_NAME = codes_path_for(Path(STORE_NAME)).name
WAREHOUSE_NAMES = ("raw.duckdb", "published.duckdb")
# DuckDB keeps committed changes not yet checkpointed in FILE.wal.
WAL_SUFFIX = ".wal"
RESTORE_PREFIX = ".restoring-"


class OperationError(Exception):
    """A backup, restore or retention run was rejected or failed.

    The message names what failed and what to do next.
    """


# Backup


@dataclass(frozen=True)
class BackupSummary:
    """The contents of a backup folder, as its manifest records them."""

    directory: Path
    created_at: str
    responses: int
    store_revision: str | None
    raw_last_response_seq: int | None
    published_run_id: int | None
    files: dict[str, dict]

    def to_json(self) -> str:
        return json.dumps(
            {
                "format": BACKUP_FORMAT,
                "created_at": self.created_at,
                "imhars_version": _imhars_version(),
                "responses": self.responses,
                "store_revision": self.store_revision,
                "raw_last_response_seq": self.raw_last_response_seq,
                "published_run_id": self.published_run_id,
                "files": self.files,
            },
            indent=2,
        )


def store_path_of(config) -> Path:
    """Return the SQLite file of the app's configuration, or raise OperationError."""
    try:
        return store_path_from_url(config["SQLALCHEMY_DATABASE_URL"])
    except ConfigurationError as error:
        raise OperationError(error.message) from error


def back_up(
    store_path: Path,
    settings: PipelineSettings,
    destination: Path,
    wait_seconds: float,
) -> BackupSummary:
    """Copy the store and the warehouse files into destination, with a manifest.

    destination must be missing or an empty folder. Waits up to wait_seconds
    for a pipeline run to release its lock.
    """
    if not store_path.is_file():
        raise OperationError(
            f"the operational store {store_path} does not exist: check "
            "IMHARS_DATABASE_URL or IMHARS_VAR_DIR"
        )
    codes_path = codes_path_for(store_path)
    if not codes_path.is_file():
        raise OperationError(
            f"the access codes file {codes_path} does not exist: run 'flask "
            "--app survey_app db-upgrade', which creates it beside the store"
        )
    _prepare_destination(destination)
    with _locked(settings, wait_seconds):
        try:
            for name in WAREHOUSE_NAMES:
                _copy_with_wal(settings.warehouse_dir / name, destination / name)
        except OSError as error:
            raise OperationError(
                f"copying the warehouse to {destination} failed: {error}. The "
                "folder has no manifest, so restore rejects it. Next: free space "
                "or fix permissions there, delete the folder and run again"
            ) from error
        _backup_sqlite(store_path, destination / STORE_NAME)
        _backup_sqlite(codes_path, destination / CODES_NAME)

    for source, name in ((store_path, STORE_NAME), (codes_path, CODES_NAME)):
        problems = _sqlite_problems(destination / name)
        if problems:
            raise OperationError(
                f"the copy of {source} failed SQLite's integrity check: "
                f"{'; '.join(problems[:5])}. The backup in {destination} is not "
                "usable: check the file with 'sqlite3 FILE \"pragma "
                "integrity_check\"'"
            )
    files = {
        path.name: {"sha256": file_sha256(path), "bytes": path.stat().st_size}
        for path in sorted(destination.iterdir())
    }
    summary = BackupSummary(
        directory=destination,
        created_at=datetime.now(UTC).isoformat(timespec="seconds"),
        responses=_count_responses(destination / STORE_NAME),
        store_revision=_store_revision(destination / STORE_NAME),
        raw_last_response_seq=_raw_watermark(destination / "raw.duckdb"),
        published_run_id=_published_run_id(destination / "published.duckdb"),
        files=files,
    )
    _write_atomically(destination / MANIFEST_NAME, summary.to_json())
    logger.info("backed up %d responses to %s", summary.responses, destination)
    return summary


def _prepare_destination(destination: Path) -> None:
    if destination.exists() and not destination.is_dir():
        raise OperationError(
            f"{destination} is a file: give the path of a new or empty folder"
        )
    if destination.is_dir() and any(destination.iterdir()):
        raise OperationError(
            f"{destination} is not empty: give a new folder for each backup, "
            "for example one named by the date"
        )
    destination.mkdir(parents=True, exist_ok=True)


@contextmanager
def _locked(settings: PipelineSettings, wait_seconds: float) -> Iterator[None]:
    """Hold the pipeline lock, or raise OperationError naming the run holding it."""
    try:
        with pipeline_lock(settings.lock_path, wait_seconds):
            yield
    except PipelineBusyError as error:
        raise OperationError(
            f"{error.message}. Next: wait for the run to finish, or pass "
            "--wait-seconds to wait for it"
        ) from error


def _copy_with_wal(source: Path, target: Path) -> None:
    """Copy a DuckDB file and, if one exists, its write-ahead log."""
    for suffix in ("", WAL_SUFFIX):
        source_file = source.with_name(source.name + suffix)
        if source_file.is_file():
            target_file = target.with_name(target.name + suffix)
            shutil.copyfile(source_file, target_file)
            _fsync_file(target_file)


def _backup_sqlite(source_path: Path, target_path: Path) -> None:
    """Copy a SQLite database with its online backup API, in one step.

    One step (pages=-1) copies a single read snapshot; in WAL mode writers go
    on meanwhile. The copy is switched to a rollback journal so that it is
    one self-contained file.
    """
    source = sqlite3.connect(f"file:{source_path}?mode=ro", uri=True, timeout=30)
    target = sqlite3.connect(target_path)
    try:
        source.backup(target, pages=-1)
        target.execute("pragma journal_mode = delete")
    except sqlite3.Error as error:
        raise OperationError(
            f"copying {source_path} to {target_path} failed: {error}. Next: "
            "check free space and permissions of both folders, then run again"
        ) from error
    finally:
        target.close()
        source.close()
    _fsync_file(target_path)


# Restore


def read_manifest(backup_dir: Path) -> dict:
    """Read a backup folder's manifest and check every file's SHA-256."""
    manifest_path = backup_dir / MANIFEST_NAME
    try:
        manifest = json.loads(manifest_path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise OperationError(
            f"{manifest_path} does not exist, so {backup_dir} is not a backup "
            "made by 'flask --app survey_app backup': give the folder that "
            "backup wrote"
        ) from None
    except (json.JSONDecodeError, UnicodeDecodeError) as error:
        raise OperationError(
            f"{manifest_path} is not valid JSON ({error}): the backup is "
            "damaged, so restore another one"
        ) from error
    if manifest.get("format") != BACKUP_FORMAT:
        raise OperationError(
            f"{manifest_path} has format {manifest.get('format')!r}, and this "
            f"version restores format {BACKUP_FORMAT}: restore it with the "
            "version of the app that made it"
        )
    files = manifest.get("files") or {}
    if STORE_NAME not in files:
        raise OperationError(
            f"{manifest_path} lists no {STORE_NAME}: the backup is damaged, so "
            "restore another one"
        )
    for name, facts in sorted(files.items()):
        path = backup_dir / name
        if Path(name).name != name or not path.is_file():
            raise OperationError(
                f"{path} is listed in the manifest but missing: the backup is "
                "incomplete, so restore another one"
            )
        digest = file_sha256(path)
        if digest != facts["sha256"]:
            raise OperationError(
                f"{path} has SHA-256 {digest}, not {facts['sha256']} as the "
                "manifest records: the file changed since the backup, so restore "
                "another backup"
            )
    return manifest


def restore(
    backup_dir: Path,
    store_path: Path,
    settings: PipelineSettings,
    force: bool,
    wait_seconds: float,
) -> dict:
    """Replace the store and warehouse files with a backup's; return its manifest.

    Without force, raises OperationError when any target file exists and is
    not empty. Earlier published files in previous/ are deleted, because they
    belong to the replaced data. A backup made before access codes had their
    own file has none, and then the codes file is emptied: the store's
    migration moves the backup's codes into it.
    """
    manifest = read_manifest(backup_dir)
    names = [STORE_NAME] + ([CODES_NAME] if CODES_NAME in manifest["files"] else [])
    for name in names:
        problems = _sqlite_problems(backup_dir / name)
        if problems:
            raise OperationError(
                f"{backup_dir / name} failed SQLite's integrity check: "
                f"{'; '.join(problems[:5])}. Restore another backup"
            )
    occupied = [
        path for path in _restore_targets(store_path, settings) if _has_data(path)
    ]
    if occupied and not force:
        raise OperationError(
            f"{', '.join(str(path) for path in occupied)} would be replaced. "
            "Next: stop the app, then run restore again with --force to replace "
            "them, or restore into an empty IMHARS_VAR_DIR"
        )

    with _locked(settings, wait_seconds):
        # Codes first: see the module's docstring.
        codes_source = backup_dir / CODES_NAME if CODES_NAME in names else None
        _restore_sqlite(codes_source, codes_path_for(store_path), "delete")
        _restore_sqlite(backup_dir / STORE_NAME, store_path, "wal")
        try:
            settings.warehouse_dir.mkdir(parents=True, exist_ok=True)
            for name in WAREHOUSE_NAMES:
                _restore_duckdb(
                    backup_dir, name, settings.warehouse_dir / name, manifest
                )
            _remove_previous(settings.previous_dir)
            _fsync_directory(settings.warehouse_dir)
        except OSError as error:
            raise OperationError(
                f"restoring the warehouse in {settings.warehouse_dir} failed: "
                f"{error}. The store is restored already. Next: free space or "
                "fix permissions there, then restore again with --force"
            ) from error

    restored = _count_responses(store_path)
    if restored != manifest["responses"]:
        raise OperationError(
            f"{store_path} has {restored} responses after the restore, not "
            f"{manifest['responses']} as the backup recorded: stop the app and "
            "restore again with --force"
        )
    logger.info("restored %d responses from %s", restored, backup_dir)
    return manifest


def _restore_targets(store_path: Path, settings: PipelineSettings) -> list[Path]:
    targets = [store_path, codes_path_for(store_path)]
    for name in WAREHOUSE_NAMES:
        path = settings.warehouse_dir / name
        targets += [path, path.with_name(path.name + WAL_SUFFIX)]
    return targets


def _has_data(path: Path) -> bool:
    try:
        return path.stat().st_size > 0
    except FileNotFoundError:
        return False


def _restore_sqlite(
    source_path: Path | None, store_path: Path, journal_mode: str
) -> None:
    """Write a backup into a SQLite file through SQLite's backup API.

    The API writes through the file's own journal and locks, so connections
    the app still holds see the restored data rather than a swapped file.
    A source_path of None empties the file. journal_mode is 'wal' for the
    store and 'delete' for the access codes file.
    """
    store_path.parent.mkdir(parents=True, exist_ok=True)
    if source_path is None:
        source = sqlite3.connect(":memory:")
    else:
        source = sqlite3.connect(f"file:{source_path}?mode=ro", uri=True)
    target = sqlite3.connect(store_path, timeout=30)
    try:
        target.execute("pragma busy_timeout = 30000")
        source.backup(target, pages=-1)
        target.execute(f"pragma journal_mode = {journal_mode}")
        if journal_mode == "wal":
            target.execute("pragma wal_checkpoint(truncate)")
    except sqlite3.Error as error:
        raise OperationError(
            f"restoring {store_path} from {source_path or 'nothing'} failed: {error}. "
            "Next: "
            "stop the app, check free space and permissions, then run again"
        ) from error
    finally:
        target.close()
        source.close()


def _restore_duckdb(backup_dir: Path, name: str, target: Path, manifest) -> None:
    """Replace target with the backup's copy, or delete it if the backup has none.

    Called holding the pipeline lock. The copy is written beside target and
    moved over it with os.replace, so the app reads the old file or the new
    one, never a partial copy.
    """
    target_wal = target.with_name(target.name + WAL_SUFFIX)
    target_wal.unlink(missing_ok=True)
    if name not in manifest["files"]:
        target.unlink(missing_ok=True)
        return
    wal_name = name + WAL_SUFFIX
    if wal_name in manifest["files"]:
        shutil.copyfile(backup_dir / wal_name, target_wal)
        _fsync_file(target_wal)
    staging = target.with_name(RESTORE_PREFIX + name)
    shutil.copyfile(backup_dir / name, staging)
    _fsync_file(staging)
    if file_sha256(staging) != manifest["files"][name]["sha256"]:
        staging.unlink()
        raise OperationError(
            f"the copy of {backup_dir / name} differs from the backup: check "
            f"the disk under {target.parent}, then restore again"
        )
    os.replace(staging, target)


def _remove_previous(previous_dir: Path) -> None:
    if not previous_dir.is_dir():
        return
    for path in previous_dir.glob("published-*.duckdb"):
        path.unlink()


# Retention


@dataclass(frozen=True)
class RetentionPlan:
    """Responses older than the retention period, by academic year."""

    keep_years: int
    current_year: str
    first_kept_year: str
    responses_by_year: dict[str, int]
    answers: int

    @property
    def responses(self) -> int:
        return sum(self.responses_by_year.values())


def plan_retention(
    session: Session, keep_years: int, today: date | None = None
) -> RetentionPlan:
    """Count the responses of academic years before the kept ones.

    keep_years N keeps the current academic year and the N before it, so
    N = 2 in 2026/27 keeps 2024/25, 2025/26 and 2026/27.
    """
    if keep_years < 0:
        raise OperationError(
            f"--keep-years {keep_years} is not valid: give 0 or more years"
        )
    current_year = academic_year_for(today or london_today())
    current_start, _ = academic_year_bounds(current_year)
    first_kept_year = academic_year_for(date(current_start.year - keep_years, 9, 1))
    old_years = sorted(
        year
        for year in session.scalars(select(SurveyWindow.academic_year).distinct())
        if academic_year_bounds(year)[0].year < current_start.year - keep_years
    )
    counts = dict(
        session.execute(
            select(SurveyWindow.academic_year, func.count(Response.response_seq))
            .join(Response, Response.window_id == SurveyWindow.window_id)
            .where(SurveyWindow.academic_year.in_(old_years))
            .group_by(SurveyWindow.academic_year)
        ).all()
    )
    answers = session.scalar(
        select(func.count())
        .select_from(Answer)
        .where(Answer.response_seq.in_(_responses_of_years(old_years)))
    )
    return RetentionPlan(
        keep_years=keep_years,
        current_year=current_year,
        first_kept_year=first_kept_year,
        responses_by_year={year: counts[year] for year in old_years if year in counts},
        answers=answers or 0,
    )


def _responses_of_years(academic_years: list[str]):
    return (
        select(Response.response_seq)
        .join(SurveyWindow, Response.window_id == SurveyWindow.window_id)
        .where(SurveyWindow.academic_year.in_(academic_years))
    )


def delete_old_responses(
    session: Session, keep_years: int, performed_by: str, today: date | None = None
) -> tuple[RetentionPlan, int | None]:
    """Delete responses older than keep_years, with their answers, in one transaction.

    Records an audit event naming performed_by and the counts; returns the
    plan carried out and the audit event's id (None when nothing was old).
    Deleted rows are overwritten in the file (secure_delete), and the
    write-ahead log is checkpointed afterwards when no reader prevents it.
    """
    if session.new or session.dirty or session.deleted:
        raise RuntimeError("delete_old_responses needs a session without changes")
    session.commit()
    connection = session.connection()
    connection.exec_driver_sql("pragma secure_delete = on")
    connection.exec_driver_sql("BEGIN IMMEDIATE")
    try:
        plan = plan_retention(session, keep_years, today)
        if not plan.responses:
            session.rollback()
            return plan, None
        old_responses = _responses_of_years(sorted(plan.responses_by_year))
        session.execute(
            delete(Answer)
            .where(Answer.response_seq.in_(old_responses))
            .execution_options(synchronize_session=False)
        )
        session.execute(
            delete(ImportedResponse)
            .where(ImportedResponse.response_seq.in_(old_responses))
            .execution_options(synchronize_session=False)
        )
        session.execute(
            delete(Response)
            .where(Response.response_seq.in_(old_responses))
            .execution_options(synchronize_session=False)
        )
        event = AuditEvent(
            user_id=None,
            action="responses_deleted",
            object_type="responses",
            object_id=f"before {plan.first_kept_year}",
            detail_json=json.dumps(
                {
                    "keep_years": plan.keep_years,
                    "current_academic_year": plan.current_year,
                    "first_kept_academic_year": plan.first_kept_year,
                    "responses_by_academic_year": plan.responses_by_year,
                    "responses": plan.responses,
                    "answers": plan.answers,
                    "by": performed_by,
                    "via": "cli",
                }
            ),
        )
        session.add(event)
        session.commit()
    except BaseException:
        session.rollback()
        raise
    _checkpoint(session)
    logger.info(
        "deleted %d responses of academic years before %s",
        plan.responses,
        plan.first_kept_year,
    )
    return plan, event.event_id


def _checkpoint(session: Session) -> None:
    """Copy the write-ahead log into the database file and truncate it."""
    busy, _, _ = (
        session.connection().exec_driver_sql("pragma wal_checkpoint(truncate)").one()
    )
    session.commit()
    if busy:
        logger.warning(
            "a reader kept the write-ahead log from being truncated; SQLite "
            "checkpoints it again automatically"
        )


# Files


def file_sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def _sqlite_problems(path: Path) -> list[str]:
    """Return SQLite's integrity_check findings, or none for a sound file."""
    connection = sqlite3.connect(f"file:{path}?mode=ro", uri=True)
    try:
        findings = [row[0] for row in connection.execute("pragma integrity_check")]
    except sqlite3.DatabaseError as error:
        return [str(error)]
    finally:
        connection.close()
    return [] if findings == ["ok"] else findings


def _count_responses(path: Path) -> int:
    connection = sqlite3.connect(f"file:{path}?mode=ro", uri=True)
    try:
        return connection.execute("select count(*) from responses").fetchone()[0]
    finally:
        connection.close()


def _store_revision(path: Path) -> str | None:
    connection = sqlite3.connect(f"file:{path}?mode=ro", uri=True)
    try:
        row = connection.execute("select version_num from alembic_version").fetchone()
    except sqlite3.OperationalError:
        return None
    finally:
        connection.close()
    return row[0] if row else None


def _raw_watermark(path: Path) -> int | None:
    if not path.is_file():
        return None
    with duckdb.connect(":memory:") as connection:
        connection.execute(f"attach {_sql_string(path)} as raw_copy (read_only)")
        row = connection.execute(
            "select last_response_seq from raw_copy.raw.load_state"
        ).fetchone()
    return row[0] if row else None


def _published_run_id(path: Path) -> int | None:
    if not path.is_file():
        return None
    with duckdb.connect(":memory:") as connection:
        connection.execute(f"attach {_sql_string(path)} as published_copy (read_only)")
        row = connection.execute(
            "select run_id from published_copy.marts.publication"
        ).fetchone()
    return row[0] if row else None


def _sql_string(path: Path) -> str:
    return "'" + str(path).replace("'", "''") + "'"


def _imhars_version() -> str:
    return version("imhars")


def _write_atomically(path: Path, text: str) -> None:
    staging = path.with_name(path.name + ".tmp")
    staging.write_text(text, encoding="utf-8")
    _fsync_file(staging)
    os.replace(staging, path)
    _fsync_directory(path.parent)


def _fsync_file(path: Path) -> None:
    with open(path, "rb") as handle:
        os.fsync(handle.fileno())


def _fsync_directory(path: Path) -> None:
    descriptor = os.open(path, os.O_RDONLY)
    try:
        os.fsync(descriptor)
    finally:
        os.close(descriptor)
