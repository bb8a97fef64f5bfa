"""Publish a validated build: stamp it, then swap it in for published.duckdb.

os.replace swaps the file in one step, so a reader opens either the old
file or the new one. A reader that already has the old file open keeps
reading it: the old inode lives until its last handle closes.
"""

import logging
import os
import shutil
from dataclasses import dataclass
from datetime import UTC, datetime
from importlib.metadata import version
from pathlib import Path

import duckdb

from .crash import crash_point
from .errors import PipelineError

logger = logging.getLogger(__name__)

# Earlier published files kept as hard links in previous/, newest first, so
# an operator can put one back with os.replace (see docs/architecture.md).
KEEP_PREVIOUS = 2

PUBLICATION_DDL = """
create schema if not exists marts;

create table if not exists marts.publication (
    run_id bigint not null,
    published_at timestamptz not null,
    n_responses bigint not null,
    n_responses_loaded bigint not null,
    last_response_seq bigint not null,
    dbt_version varchar not null,
    dbt_duckdb_version varchar not null,
    gx_version varchar not null,
    duckdb_version varchar not null
);
"""


class PublishError(PipelineError):
    step = "publish"


@dataclass(frozen=True)
class Publication:
    """The row that marts.publication gets in the published file."""

    run_id: int
    n_responses_loaded: int
    last_response_seq: int


def publish_build(
    build_path: Path, published_path: Path, previous_dir: Path, publication: Publication
) -> datetime:
    """Stamp build_path with its publication row and make it published_path.

    Returns the published_at written. published_path is untouched until the
    final os.replace.
    """
    try:
        published_at = _record_publication(build_path, publication)
        _fsync_file(build_path)
        _keep_previous(published_path, previous_dir, build_path, publication)
        crash_point("publish")
        os.replace(build_path, published_path)
        _fsync_directory(published_path.parent)
    except (OSError, duckdb.Error) as error:
        raise PublishError(
            f"publishing {build_path} as {published_path} failed: {error}",
            "check free disk space and file permissions in the warehouse "
            "folder, then run the pipeline again",
        ) from error

    logger.info("published run %d as %s", publication.run_id, published_path)
    return published_at


def _record_publication(build_path: Path, publication: Publication) -> datetime:
    published_at = datetime.now(UTC)
    with duckdb.connect(str(build_path)) as connection:
        n_responses = connection.execute(
            "select count(*) from raw.responses"
        ).fetchone()[0]
        connection.execute(PUBLICATION_DDL)
        connection.execute("delete from marts.publication")
        connection.execute(
            "insert into marts.publication values (?, ?, ?, ?, ?, ?, ?, ?, ?)",
            [
                publication.run_id,
                published_at,
                n_responses,
                publication.n_responses_loaded,
                publication.last_response_seq,
                version("dbt-core"),
                version("dbt-duckdb"),
                version("great-expectations"),
                duckdb.__version__,
            ],
        )
        # publish moves only the database file, so nothing may stay in a WAL.
        connection.execute("checkpoint")
    return published_at


def _keep_previous(
    published_path: Path,
    previous_dir: Path,
    build_path: Path,
    publication: Publication,
) -> None:
    """Hard-link the current published file into previous_dir and prune old ones.

    A hard link leaves the published file's content, inode and mtime as they
    are, so readers see no change. When the current file contains responses that
    the build no longer has (deleted from the store, by the retention command
    say), it is not kept and the older files go too: rolling back to any of
    them would publish deleted responses again.
    """
    try:
        status = published_path.stat()
    except FileNotFoundError:
        return

    if _holds_deleted_responses(
        published_path, build_path, publication.last_response_seq
    ):
        for old_path in previous_dir.glob("published-*.duckdb"):
            old_path.unlink()
        return

    previous_dir.mkdir(parents=True, exist_ok=True)
    stamp = datetime.fromtimestamp(status.st_mtime, UTC).strftime("%Y%m%dT%H%M%S%fZ")
    link_path = previous_dir / f"published-{stamp}.duckdb"
    if not link_path.exists():
        os.link(published_path, link_path)
    previous_files = sorted(previous_dir.glob("published-*.duckdb"), reverse=True)
    for old_path in previous_files[KEEP_PREVIOUS:]:
        old_path.unlink()


def _holds_deleted_responses(
    published_path: Path, build_path: Path, last_response_seq: int
) -> bool:
    """Return whether the published file has responses, up to the build's
    watermark, that the build lacks, or cannot be read to tell.

    A file without raw.responses (as in the pipeline's tests) has none.
    """
    with duckdb.connect(":memory:") as connection:
        connection.execute(
            f"attach {_sql_string(build_path)} as build_file (read_only)"
        )
        try:
            connection.execute(
                f"attach {_sql_string(published_path)} as current_file (read_only)"
            )
            deleted = connection.execute(
                "select count(*) from current_file.raw.responses "
                "where response_seq <= ? and response_seq not in "
                "(select response_seq from build_file.raw.responses)",
                [last_response_seq],
            ).fetchone()[0]
        except duckdb.CatalogException:
            return False
        except duckdb.Error as error:
            logger.warning(
                "not keeping %s for rollback: reading it failed: %s",
                published_path,
                error,
            )
            return True
    if deleted:
        logger.info(
            "not keeping earlier published files for rollback: they contain %d "
            "responses deleted from the store",
            deleted,
        )
    return deleted > 0


def _sql_string(path: Path) -> str:
    return "'" + str(path).replace("'", "''") + "'"


def remove_build(build_path: Path) -> None:
    """Delete a build file and its WAL; reports live elsewhere and are kept."""
    build_path.unlink(missing_ok=True)
    build_path.with_name(build_path.name + ".wal").unlink(missing_ok=True)


def remove_leftover_builds(build_dir: Path) -> None:
    """Delete builds that a crashed or killed run left behind.

    Call only while holding the pipeline lock, when no other run is building.
    """
    if not build_dir.is_dir():
        return
    for leftover in sorted(build_dir.iterdir()):
        logger.warning("removing leftover build %s", leftover)
        if leftover.is_dir():
            shutil.rmtree(leftover)
        else:
            leftover.unlink()


def _fsync_file(path: Path) -> None:
    with open(path, "rb") as handle:
        os.fsync(handle.fileno())


def _fsync_directory(path: Path) -> None:
    """Make a rename in the directory durable across a power cut."""
    descriptor = os.open(path, os.O_RDONLY)
    try:
        os.fsync(descriptor)
    finally:
        os.close(descriptor)
