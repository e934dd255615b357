"""The process tree of a server under benchmark, read from ``/proc`` (Linux)."""

from __future__ import annotations

import os
from pathlib import Path


def parent_pids() -> dict[int, int]:
    """pid → parent pid of every live process."""
    parents: dict[int, int] = {}
    for entry in os.listdir("/proc"):
        if entry.isdigit():
            try:
                stat = Path(f"/proc/{entry}/stat").read_text()
            except OSError:
                continue
            parents[int(entry)] = int(stat.rsplit(")", 1)[1].split()[1])
    return parents


def descendants(pid: int) -> list[int]:
    """Every live process below *pid* (children, their children …)."""
    parents = parent_pids()
    found, frontier = [], [pid]
    while frontier:
        parent = frontier.pop()
        children = [p for p, pp in parents.items() if pp == parent]
        found += children
        frontier += children
    return found


def cpu_ticks(pids: list[int]) -> int:
    """utime + stime of the processes *pids* (those still alive), in clock ticks."""
    total = 0
    for pid in pids:
        try:
            fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        total += int(fields[11]) + int(fields[12])
    return total
