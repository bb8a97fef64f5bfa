"""The machine and software versions a benchmark ran on, for the report."""

import os
import platform
import re
import sqlite3
import statistics
import subprocess
import threading
from importlib.metadata import PackageNotFoundError, version
from pathlib import Path

from .settings import PROJECT_ROOT

PACKAGES = (
    "duckdb",
    "dbt-core",
    "dbt-duckdb",
    "great-expectations",
    "gunicorn",
    "flask",
    "pyarrow",
    "adbc-driver-sqlite",
)


def describe_machine(path: Path) -> dict[str, str]:
    """Return the CPU model, cores, memory, disk and load of this machine."""
    cpu = "unknown"
    cpuinfo = Path("/proc/cpuinfo")
    if cpuinfo.exists():
        match = re.search(r"^model name\s*:\s*(.+)$", cpuinfo.read_text(), re.MULTILINE)
        cpu = match.group(1).strip() if match else cpu
    memory = "unknown"
    meminfo = Path("/proc/meminfo")
    if meminfo.exists():
        match = re.search(r"^MemTotal:\s+(\d+) kB", meminfo.read_text(), re.MULTILINE)
        memory = f"{int(match.group(1)) / 1024**2:.1f} GiB" if match else memory
    return {
        "CPU": cpu,
        "Cores": str(os.cpu_count()),
        "Memory": memory,
        "Disk": _disk(path),
        "Load average at the start (1, 5, 15 min)": ", ".join(
            f"{value:.1f}" for value in os.getloadavg()
        ),
        "Operating system": platform.platform(),
    }


class LoadAverageSampler:
    """Sample the 1-minute load average in a thread, to show how busy the run was."""

    def __init__(self, interval_seconds: float = 10.0):
        self.interval_seconds = interval_seconds
        self.samples: list[float] = []
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)

    def __enter__(self) -> "LoadAverageSampler":
        self._thread.start()
        return self

    def __exit__(self, *exc_info) -> None:
        self._stop.set()
        self._thread.join()

    def _run(self) -> None:
        while True:
            self.samples.append(os.getloadavg()[0])
            if self._stop.wait(self.interval_seconds):
                return

    def describe(self) -> str:
        """Return the median, range and number of the samples, and the core count."""
        if not self.samples:
            return "not sampled"
        return (
            f"median {statistics.median(self.samples):.1f}, "
            f"range {min(self.samples):.1f}-{max(self.samples):.1f}, "
            f"{len(self.samples)} samples every {self.interval_seconds:.0f} s, "
            f"against {os.cpu_count()} cores"
        )


def describe_source() -> str:
    """Return the commit measured, and whether the app's code differs from it.

    BENCH_COMMIT names the commit when the benchmarks run from an export of
    it, which has no .git folder.
    """
    commit = os.environ.get("BENCH_COMMIT", "").strip()
    if commit:
        return f"{commit} (an export of the commit, BENCH_COMMIT)"
    head = _git("rev-parse", "HEAD")
    if not head:
        return "unknown (no git checkout)"
    changed = _git(
        "status",
        "--porcelain",
        "--",
        "survey_app",
        "pipeline",
        "dbt_project",
        "expectations",
        "reference",
    )
    if changed:
        count = len(changed.splitlines())
        return f"{head}, with {count} uncommitted changes in the app's code"
    return head


def _git(*arguments: str) -> str:
    try:
        completed = subprocess.run(  # noqa: S603 - fixed argv, no shell
            ["git", "-C", str(PROJECT_ROOT), *arguments],  # noqa: S607
            capture_output=True,
            text=True,
            check=False,
        )
    except FileNotFoundError:
        return ""
    return completed.stdout.strip() if completed.returncode == 0 else ""


def describe_versions() -> dict[str, str]:
    """Return the versions of Python, SQLite and the packages measured."""
    versions = {
        "Python": platform.python_version(),
        "SQLite (Python's sqlite3)": sqlite3.sqlite_version,
    }
    for package in PACKAGES:
        try:
            versions[package] = version(package)
        except PackageNotFoundError:
            versions[package] = "not installed"
    for tool in ("wrk", "hey"):
        versions[tool] = _tool_version(tool)
    return versions


def _disk(path: Path) -> str:
    """Describe the file system and block device that path is on."""
    path.mkdir(parents=True, exist_ok=True)
    statvfs = os.statvfs(path)
    free = statvfs.f_bavail * statvfs.f_frsize / 1e9
    total = statvfs.f_blocks * statvfs.f_frsize / 1e9
    source = subprocess.run(
        ["df", "--output=source,fstype", str(path)],  # noqa: S607 - coreutils
        capture_output=True,
        text=True,
        check=False,
    ).stdout.split("\n")[1:2]
    device = " ".join(source[0].split()) if source and source[0] else "unknown"
    rotational = "unknown"
    name = device.split()[0].rsplit("/", 1)[-1] if device != "unknown" else ""
    flag = Path(f"/sys/block/{name}/queue/rotational")
    if name and flag.exists():
        rotational = (
            "reported as rotational"
            if flag.read_text().strip() == "1"
            else "reported as non-rotational"
        )
    return f"{device}, {rotational}, {free:.0f} GB free of {total:.0f} GB"


def _tool_version(tool: str) -> str:
    try:
        completed = subprocess.run(  # noqa: S603 - fixed argv, no shell
            ["dpkg-query", "-W", "-f=${Version}", tool],  # noqa: S607
            capture_output=True,
            text=True,
            check=False,
        )
    except FileNotFoundError:
        return "unknown"
    return completed.stdout.strip() or "not installed"
