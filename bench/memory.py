"""Peak resident memory of a process tree, sampled from /proc (Linux only).

The sum of the resident set sizes (RSS) of a process and all its descendants
is read every interval. Pages shared between processes (libraries, forked
copies) count once per process, so the sum overstates the tree's use a
little. A peak between two samples is missed, so each process's own
high-water mark (VmHWM) is kept too: their sum is an upper bound of the
tree's peak, reached only if every process peaked at the same moment. A
process that starts and ends between two samples is missed by both.
"""

import os
import subprocess
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path

PAGE_SIZE = os.sysconf("SC_PAGE_SIZE")
SAMPLE_SECONDS = 0.1


@dataclass
class TreeMemory:
    """The RSS sums sampled, the largest, and whether the cap stopped the tree."""

    peak_bytes: int = 0
    # The root process's own largest RSS, and its descendants' largest sum.
    peak_root_bytes: int = 0
    peak_descendant_bytes: int = 0
    # Each sampled process's VmHWM as last read, by process id.
    high_water_bytes: dict[int, int] = field(default_factory=dict)
    killed_at_cap: bool = False
    # (Unix time, bytes) of every sample.
    samples: list[tuple[float, int]] = field(default_factory=list)

    @property
    def high_water_sum_bytes(self) -> int:
        """Return the sum of the processes' own peaks: an upper bound of the peak."""
        return sum(self.high_water_bytes.values())

    def peak_between(self, start: float, end: float) -> int:
        """Return the largest sample taken from start to end (Unix times)."""
        return max(
            (total for moment, total in self.samples if start <= moment <= end),
            default=0,
        )


class TreeMemorySampler:
    """Sample a process tree's RSS in a thread until the root process ends.

    When the sum passes cap_bytes, every process of the tree is killed, so
    that a run that would exhaust the shared machine's memory ends instead.
    """

    def __init__(self, process: subprocess.Popen, cap_bytes: int | None = None):
        self.process = process
        self.cap_bytes = cap_bytes
        self.result = TreeMemory()
        self._thread = threading.Thread(target=self._run, daemon=True)

    def __enter__(self) -> "TreeMemorySampler":
        self._thread.start()
        return self

    def __exit__(self, *exc_info) -> None:
        self._thread.join()

    def kill(self) -> None:
        """Kill the whole tree now, for example when it ran out of time."""
        kill_tree(self.process.pid, descendants(self.process.pid))

    def _run(self) -> None:
        while self.process.poll() is None:
            children = descendants(self.process.pid)
            pids = children | {self.process.pid}
            root = rss_bytes(self.process.pid)
            below = sum(rss_bytes(pid) for pid in children)
            total = root + below
            result = self.result
            result.samples.append((time.time(), total))
            result.peak_bytes = max(result.peak_bytes, total)
            result.peak_root_bytes = max(result.peak_root_bytes, root)
            result.peak_descendant_bytes = max(result.peak_descendant_bytes, below)
            for pid in pids:
                high_water = high_water_bytes(pid)
                if high_water:
                    result.high_water_bytes[pid] = high_water
            if self.cap_bytes is not None and total > self.cap_bytes:
                self.result.killed_at_cap = True
                kill_tree(self.process.pid, pids)
            time.sleep(SAMPLE_SECONDS)


def rss_bytes(pid: int) -> int:
    """Return a process's resident set size, or 0 if it has ended."""
    try:
        fields = Path(f"/proc/{pid}/statm").read_text().split()
    except (FileNotFoundError, ProcessLookupError):
        return 0
    return int(fields[1]) * PAGE_SIZE


def high_water_bytes(pid: int) -> int:
    """Return a process's peak resident set size (VmHWM), or 0 if it has ended."""
    try:
        status = Path(f"/proc/{pid}/status").read_text()
    except (FileNotFoundError, ProcessLookupError):
        return 0
    for line in status.splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) * 1024
    return 0


def descendants(root: int) -> set[int]:
    """Return the ids of every living descendant of root."""
    children: dict[int, list[int]] = {}
    for entry in os.scandir("/proc"):
        if not entry.name.isdigit():
            continue
        try:
            stat = Path(entry.path, "stat").read_text()
        except (FileNotFoundError, ProcessLookupError):
            continue
        # The command name in brackets may contain spaces; fields follow it.
        parent = int(stat.rsplit(")", 1)[1].split()[1])
        children.setdefault(parent, []).append(int(entry.name))
    found: set[int] = set()
    pending = [root]
    while pending:
        for child in children.get(pending.pop(), []):
            if child not in found:
                found.add(child)
                pending.append(child)
    return found


def kill_tree(root: int, pids: set[int]) -> None:
    """Send SIGKILL to the given processes, root last."""
    for pid in sorted(pids - {root}, reverse=True) + [root]:
        try:
            os.kill(pid, 9)
        except ProcessLookupError:
            pass
