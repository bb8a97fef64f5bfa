"""The app's flask commands run as an operator runs them, and the store's rows."""

import subprocess
import sys

from survey_app.config import PROJECT_ROOT

from .server import app_environment
from .store import read_only


def flask_command(var_dir, *arguments: str) -> subprocess.CompletedProcess:
    """Run `flask --app survey_app ARGUMENTS` on the files under var_dir."""
    return subprocess.run(
        [sys.executable, "-m", "flask", "--app", "survey_app", *arguments],
        cwd=PROJECT_ROOT,
        env=app_environment(var_dir, secret_key="backup-test-secret"),
        capture_output=True,
        text=True,
        timeout=600,
        check=False,
    )


def sqlite_tables(path) -> dict[str, list[tuple]]:
    """Return every row of every table of a SQLite file, in a total order."""
    with read_only(path) as connection:
        names = [
            row[0]
            for row in connection.execute(
                "select name from sqlite_master where type = 'table' order by name"
            )
        ]
        return {
            name: sorted(
                connection.execute(f'select * from "{name}"').fetchall(), key=repr
            )
            for name in names
        }
