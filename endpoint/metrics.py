"""``/metrics`` in the Prometheus text format, summed over every gunicorn worker.

Each worker process counts into its own small memory-mapped file under
``{C2C_METRICS}/{server}/`` (the server being the gunicorn master's pid), so counting is
a memory write with no lock shared between processes; a scrape adds the files up, the way
Prometheus' own multi-process mode does. The folder is outside the store (serving needs no
write access there). Metrics never fail a request: when the folder cannot be written, the worker
counts in its own memory and ``/metrics`` says so (``c2c_metrics_shared 0``).
"""

from __future__ import annotations

import mmap
import os
import struct
import threading
from pathlib import Path

STATUSES = (200, 204, 206, 304, 400, 401, 403, 404, 405, 406, 413, 414, 415, 429, 500, 503)
BUCKETS = (0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0, 30.0, 60.0)
_COUNTERS = ("timeouts", "cache_hits", "updates", "executor_restarts", "duration_sum",
             "duration_count", "rows")
_SLOTS = len(STATUSES) + 1 + len(BUCKETS) + 1 + len(_COUNTERS)
_SIZE = 8 * _SLOTS


def _slot_of_status(status: int) -> int:
    return STATUSES.index(status) if status in STATUSES else len(STATUSES)


_BUCKET0 = len(STATUSES) + 1
_COUNTER0 = _BUCKET0 + len(BUCKETS) + 1


class Metrics:
    """This worker's counters, and the sum over all workers of the same server."""

    def __init__(self, folder: Path) -> None:
        self.folder = Path(folder) / str(os.getppid())
        self._lock = threading.Lock()
        self._pid: int | None = None
        self._map: mmap.mmap | bytearray | None = None
        self.shared = True
        """False once the folder could not be written: this worker then counts in memory."""

    def _slots(self) -> mmap.mmap | bytearray:
        if self._map is None or self._pid != os.getpid():  # a forked child counts on its own
            self._pid = os.getpid()
            try:
                self.folder.mkdir(parents=True, exist_ok=True)
                path = self.folder / f"{os.getpid()}.bin"
                with open(path, "a+b") as handle:
                    handle.truncate(_SIZE)
                    self._map = mmap.mmap(handle.fileno(), _SIZE)
                self.shared = True
            except OSError:
                self._map = bytearray(_SIZE)
                self.shared = False
        return self._map

    def _add(self, slot: int, value: float) -> None:
        slots = self._slots()
        (old,) = struct.unpack_from("d", slots, slot * 8)
        struct.pack_into("d", slots, slot * 8, old + value)

    def count_request(self, status: int, seconds: float, rows: int = 0) -> None:
        with self._lock:
            self._add(_slot_of_status(status), 1)
            bucket = next((i for i, b in enumerate(BUCKETS) if seconds <= b), len(BUCKETS))
            self._add(_BUCKET0 + bucket, 1)
            self._add(_COUNTER0 + _COUNTERS.index("duration_sum"), seconds)
            self._add(_COUNTER0 + _COUNTERS.index("duration_count"), 1)
            self._add(_COUNTER0 + _COUNTERS.index("rows"), rows)

    def count(self, name: str, value: float = 1) -> None:
        with self._lock:
            self._add(_COUNTER0 + _COUNTERS.index(name), value)

    def totals(self) -> list[float]:
        """Every slot summed over the worker files of this server."""
        with self._lock:
            self._slots()
        if not self.shared:
            return list(struct.unpack(f"{_SLOTS}d", bytes(self._slots())))
        total = [0.0] * _SLOTS
        for path in self.folder.glob("*.bin"):
            try:
                data = path.read_bytes()
            except OSError:
                continue
            if len(data) != _SIZE:
                continue
            for i, value in enumerate(struct.unpack(f"{_SLOTS}d", data)):
                total[i] += value
        return total

    def exposition(self) -> str:
        """The Prometheus text format (version 0.0.4)."""
        t = self.totals()
        counter = {name: t[_COUNTER0 + i] for i, name in enumerate(_COUNTERS)}
        lines = ["# HELP c2c_queries_total SPARQL requests answered, by HTTP status.",
                 "# TYPE c2c_queries_total counter"]
        for i, status in enumerate(STATUSES):
            lines.append(f'c2c_queries_total{{status="{status}"}} {t[i]:.0f}')
        lines.append(f'c2c_queries_total{{status="other"}} {t[len(STATUSES)]:.0f}')
        lines += ["# HELP c2c_query_duration_seconds Time to answer a SPARQL request.",
                  "# TYPE c2c_query_duration_seconds histogram"]
        running = 0.0
        for i, bound in enumerate(BUCKETS):
            running += t[_BUCKET0 + i]
            lines.append(f'c2c_query_duration_seconds_bucket{{le="{bound}"}} {running:.0f}')
        running += t[_BUCKET0 + len(BUCKETS)]
        lines.append(f'c2c_query_duration_seconds_bucket{{le="+Inf"}} {running:.0f}')
        lines.append(f"c2c_query_duration_seconds_sum {counter['duration_sum']:.6f}")
        lines.append(f"c2c_query_duration_seconds_count {counter['duration_count']:.0f}")
        for name, help_text in (
                ("timeouts", "Queries stopped at the time limit (answered 503)."),
                ("cache_hits", "Queries answered from the result cache."),
                ("updates", "Successful SPARQL updates and Graph Store writes."),
                ("executor_restarts", "Executor processes killed and replaced."),
                ("rows", "Result rows and triples sent.")):
            lines += [f"# HELP c2c_{name}_total {help_text}", f"# TYPE c2c_{name}_total counter",
                      f"c2c_{name}_total {counter[name]:.0f}"]
        lines += ["# HELP c2c_metrics_shared 1 if these figures are summed over all workers, 0 "
                  "if the metrics folder is not writable and they are this worker's alone.",
                  "# TYPE c2c_metrics_shared gauge", f"c2c_metrics_shared {int(self.shared)}"]
        return "\n".join(lines) + "\n"
