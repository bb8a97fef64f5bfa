"""Small file systems that fill up or turn read-only, for the disk fault tests.

Each is a tmpfs mounted over a test folder, which needs root and mount
rights: the tests are skipped with the reason where mounting fails.
"""

import errno
import subprocess
from pathlib import Path

import pytest

FILLER_NAME = "filler"
CHUNK = b"\0" * (256 * 1024)


class SmallDisk:
    """A tmpfs of size_mb mebibytes mounted on path."""

    def __init__(self, path: Path, size_mb: int):
        self.path = path
        self.size_mb = size_mb

    def mount(self) -> None:
        self.path.mkdir(parents=True, exist_ok=True)
        result = _mount(
            "-t", "tmpfs", "-o", f"size={self.size_mb}m", "tmpfs", str(self.path)
        )
        if result.returncode != 0:
            pytest.skip(
                "the disk fault tests mount a tmpfs, which needs root and mount "
                f"rights: mount said {result.stderr.strip()!r}"
            )

    def fill(self) -> None:
        """Write a file until the file system has no space left."""
        with open(self.path / FILLER_NAME, "ab") as filler:
            try:
                while True:
                    filler.write(CHUNK)
                    filler.flush()
            except OSError as error:
                if error.errno != errno.ENOSPC:
                    raise

    def free(self) -> None:
        (self.path / FILLER_NAME).unlink(missing_ok=True)

    def set_read_only(self, read_only: bool) -> None:
        mode = "ro" if read_only else "rw"
        result = _mount("-o", f"remount,{mode}", str(self.path))
        assert result.returncode == 0, result.stderr

    def unmount(self) -> None:
        subprocess.run(["umount", "--lazy", str(self.path)], check=False)


def _mount(*arguments: str) -> subprocess.CompletedProcess:
    return subprocess.run(
        ["mount", *arguments], capture_output=True, text=True, check=False
    )
