"""Queries run in executor processes that can be killed: the endpoint's hard time limit.

pyoxigraph has no query timeout, and a thread cannot be stopped, so every query runs in a
separate process that the request thread may SIGKILL when the deadline passes. Each gunicorn
worker keeps a pool of :class:`Executor` processes (``C2C_EXECUTORS`` of them; a cap on
long-running jobs keeps some for cheap queries, see :class:`ExecutorPool`). An executor opens
the store read-only (``pyoxigraph.Store.read_only``: any number of processes may read one
store), evaluates the query, and writes the whole answer, capped at ``C2C_MAX_ROWS``, before
it sends anything back. The request thread therefore either has a complete body to send with
its 200, or an error to answer instead: never a 200 followed by a broken body.

Each executor also has a memory limit (``C2C_QUERY_MEMORY_MB``, set as ``RLIMIT_DATA`` in the
process: heap and anonymous maps, not the store's memory-mapped files). A query that needs more
fails its allocation and the executor dies or answers ``memory``; the request gets 503
(``query-memory``) and the executor is replaced, so one heavy query cannot take the machine.

Writes use the same machinery: a pool of one write process per worker runs
:func:`loaders.revise.revise` (job ``revise``) under ``C2C_UPDATE_TIMEOUT`` and
``C2C_UPDATE_MEMORY_MB``.

Executors are forked by a fork server (:func:`_forkserver`, one per gunicorn worker) that has
already imported pyoxigraph and the result writers; the protocol is one pickled message each
way per job over a pipe (:mod:`multiprocessing.connection`), a :class:`endpoint.jobs.Job` and
its :class:`endpoint.jobs.Answer`. An executor is handed out only
after it has answered a warm-up job (:func:`warm`: the store opened, a query run).
"""

from __future__ import annotations

import contextlib
import dataclasses
import math
import multiprocessing
import multiprocessing.context
import os
import re
import resource
import signal
import threading
import time
from collections import deque
from collections.abc import Callable, Iterable, Iterator
from itertools import islice
from multiprocessing.connection import Connection
from pathlib import Path
from typing import Any

from endpoint.jobs import Answer, Job, failed

_POSITION = re.compile(r"error at (\d+):(\d+)")


class QueryTimeout(Exception):  # noqa: N818 - the name says what happened
    """The job did not finish within its deadline; its executor was killed."""


class PoolBusy(Exception):  # noqa: N818
    """No executor became free before the deadline."""


class TooManyLong(Exception):  # noqa: N818
    """The job became long-running while the worker's cap of long-running jobs was reached;
    its executor was killed so that heavy work never holds every executor."""


class ExecutorCrashed(Exception):  # noqa: N818
    """The executor process died while answering (it has been replaced).

    ``out_of_memory`` is true when it died the way a failed allocation ends a process under
    its memory limit (Rust's allocation failure aborts: SIGABRT; or SIGSEGV, SIGBUS). A SIGKILL
    is not counted: it comes from outside (an operator, the kernel's OOM killer)."""

    def __init__(self, returncode: int | None = None, memory_limited: bool = False) -> None:
        super().__init__(returncode)
        self.returncode = returncode
        self.out_of_memory = memory_limited and returncode in (
            -signal.SIGABRT, -signal.SIGSEGV, -signal.SIGBUS)


# ------------------------------------------------------------------------------------------
# The executor process
# ------------------------------------------------------------------------------------------

class _FailAfter:
    """Test hook (``C2C_TEST_FAIL_AFTER_ROWS``): fail part-way through writing a result."""

    def __init__(self, rows: Iterable[Any], limit: int) -> None:
        self.rows, self.limit = rows, limit

    def __iter__(self) -> Iterator[Any]:
        for index, row in enumerate(self.rows):
            if self.limit and index >= self.limit:
                raise RuntimeError(f"test hook: failure after {self.limit} rows")
            yield row


def _capped(items: Iterable[Any], offset: int, limit: int) -> tuple[list[Any], bool]:
    """Items ``offset`` … ``offset + limit``, and whether more followed (the row cap bit)."""
    window = list(islice(items, offset, offset + limit + 1))
    return window[:limit], len(window) > limit


def run_job(job: Job, stores: dict[str, Any]) -> Answer:
    """Answer one job inside the executor. *stores* caches the opened store by path."""
    import pyoxigraph as ox

    from loaders.kernel.results import (
        GRAPH_FORMATS,
        SOLUTION_FORMATS,
        find_format,
        write_boolean,
        write_solutions,
        write_triples,
    )
    from loaders.kernel.store import OxigraphStore

    if job.op == "warm":
        return warm(job, stores)
    if job.op == "revise":
        return revise_job(job)
    path = job.path
    store = stores.get(path)
    if store is None:
        from endpoint import resident

        stores.clear()
        store = resident.get(path)
        if store is None:  # not the build the fork server holds (or it holds none): the disk
            store = OxigraphStore.open(Path(path), read_only=True)
            if resident.stale(path):
                stores["stale-resident"] = path
        stores[path] = store
    solution_fmt = find_format(job.solution_format, SOLUTION_FORMATS) \
        if job.solution_format else None
    graph_fmt = find_format(job.graph_format, GRAPH_FORMATS) if job.graph_format else None
    limit, offset, fail_after = job.limit, job.offset, job.fail_after_rows

    if job.op == "graph":
        if job.graph and not store.contains_graph(job.graph):
            return Answer("missing")
        triples = sorted(store.graph_triples(job.graph), key=str)
        if graph_fmt is None:
            return Answer("graph", rows=len(triples))
        return Answer("graph", write_triples(triples, graph_fmt), graph_fmt.name, len(triples))

    try:
        results = store.query(job.query, default_graph=job.default_graph,
                              named_graphs=job.named_graphs, base_iri=job.base_iri)
        if isinstance(results, ox.QueryBoolean):
            if solution_fmt is None or solution_fmt.name == "geojson":
                return Answer("boolean")
            return Answer("boolean", write_boolean(bool(results), solution_fmt),
                          solution_fmt.name, 1)
        if not isinstance(results, ox.QuerySolutions):  # triples (QueryTriples or a list)
            if graph_fmt is None:
                return Answer("graph")
            triples, truncated = _capped(results, offset, limit)
            body = write_triples(_FailAfter(triples, fail_after), graph_fmt)
            return Answer("graph", body, graph_fmt.name, len(triples), truncated)
        if solution_fmt is None:
            return Answer("solutions")
        variables = [v.value for v in results.variables]
        rows, truncated = _capped(results, offset, limit)
        body = write_solutions(variables, _FailAfter(rows, fail_after), solution_fmt)
        return Answer("solutions", body, solution_fmt.name, len(rows), truncated)
    except SyntaxError as exc:
        message = str(exc)
        position = _POSITION.search(message)
        if position:
            return failed("syntax", message, line=int(position.group(1)),
                          column=int(position.group(2)))
        return failed("syntax", message)
    except OSError as exc:
        return failed("evaluation", str(exc))


WARM_UP_QUERY = "ASK { ?s ?p ?o }"


def warm(job: Job, stores: dict[str, Any]) -> Answer:
    """Get ready before the first job: import what answering needs, open the store and run a
    warm-up query (``path`` None: no store yet, imports only); a writer imports the write path."""
    if job.writer:
        import loaders.revise  # loads pyshacl, rdflib and the build
        from loaders.validate import _default_checks

        _default_checks()  # the shapes, compiled once per process
        return Answer("warm")
    if job.path is None:
        import loaders.kernel.results  # noqa: F401
        return Answer("warm")
    answer = run_job(Job("query", job.path, WARM_UP_QUERY, solution_format="json"), stores)
    if answer.kind != "boolean":
        return failed("warm-up", answer.message)
    return Answer("warm")


def update_syntax_error(update: str, base_iri: str | None) -> str | None:
    """Oxigraph's syntax error for *update*, or None, found without the served store: the
    update is run on an empty in-memory store, with the prefixes and base IRI of the write
    (Oxigraph parses the whole update before it runs any of it, and has no parse-only call), so
    a malformed update costs no copy of the store. An update that ``LOAD``s or calls
    ``SERVICE`` is not tried here (it would reach out); any other failure on the empty store
    (a graph that does not exist …) is left to the write itself."""
    from endpoint.federation import keywords
    from loaders.kernel.store import OxigraphStore

    if {"LOAD", "SERVICE"} & set(keywords(update)):
        return None
    try:
        OxigraphStore.in_memory("syntax-check").update(update, base_iri=base_iri)
    except SyntaxError as exc:
        return str(exc)
    except Exception:  # noqa: S110 - not a syntax error: the write itself decides
        pass
    return None


def revise_job(job: Job) -> Answer:
    """One write, copy-on-write (:func:`loaders.revise.revise`), in this killable process: a
    SPARQL Update (``update``) or a Graph Store write (``gsp``: method, graph, N-Triples)."""
    import pyoxigraph as ox

    from loaders.kernel.errors import GraphStateError, StoreError, ValidationFailed
    from loaders.revise import revise

    settings = job.settings
    if job.update is not None:
        update = job.update
        malformed = update_syntax_error(update, settings.base_iri)
        if malformed is not None:  # refused before the write lock and the copy of the store
            return failed("syntax", malformed)

        def change(store: Any) -> None:
            try:
                store.update(update, base_iri=settings.base_iri)
            except RuntimeError as exc:
                # An operation on a graph that does not exist (DROP, CLEAR, MOVE … without
                # SILENT) or a CREATE of one that does: the operation fails (SPARQL 1.1
                # Update §3.1.3, §3.2), nothing is changed.
                message = str(exc)
                if message.endswith(("does not exist", "already exists")):
                    raise GraphStateError(message, missing=message.endswith("does not exist")) \
                        from None
                raise
    else:
        gsp = job.gsp
        assert gsp is not None, "a revise job has an update or a Graph Store write"
        target = ox.NamedNode(gsp.graph) if gsp.graph else ox.DefaultGraph()
        triples = list(ox.parse(gsp.ntriples, format=ox.RdfFormat.N_TRIPLES))

        def change(store: Any) -> None:
            raw = store.raw
            if gsp.method in ("PUT", "DELETE"):
                if gsp.graph is None:
                    raw.clear_graph(target)
                elif raw.contains_named_graph(target):
                    raw.remove_graph(target)
            if gsp.method in ("PUT", "POST"):
                raw.extend(ox.Quad(t.subject, t.predicate, t.object, target) for t in triples)
                if gsp.graph is not None:
                    raw.add_graph(target)
    try:
        revise(settings, change)
    except SyntaxError as exc:
        return failed("syntax", str(exc))
    except GraphStateError as exc:
        return failed("graph-missing" if exc.missing else "graph-exists", str(exc))
    except ValidationFailed as exc:
        return failed("shacl", "", count=len(exc.violations),
                      violations=tuple(str(v) for v in exc.violations[:50]))
    except StoreError as exc:
        return failed("store", str(exc))
    except OSError as exc:
        return failed("evaluation", str(exc))
    return Answer("revised")


def _limit_memory(limit_bytes: int) -> None:
    """Cap this process's heap and anonymous memory (``RLIMIT_DATA``); 0 leaves it unlimited."""
    if limit_bytes > 0:
        resource.setrlimit(resource.RLIMIT_DATA, (limit_bytes, limit_bytes))


def _serve(conn: Connection, memory_limit: int = 0) -> None:
    """The executor's loop: read a job, answer it, until the request side closes the pipe."""
    from endpoint import resident

    # the resident store is inherited heap, which RLIMIT_DATA counts: the limit is on top of it
    _limit_memory(memory_limit + resident.EXTRA_BYTES if memory_limit > 0 else 0)
    stores: dict[str, Any] = {}
    warmed = False
    while True:
        try:
            job = conn.recv()
        except (EOFError, OSError):
            return
        # The request side kills an executor at the job's deadline; should the request side
        # itself die first (a worker killed with -9), nobody would, and a heavy query would
        # run on as an orphan. So the executor also ends itself a little after the deadline:
        # SIGALRM's default action ends the process even inside pyoxigraph's native code.
        signal.alarm(int(job.alarm))
        try:
            answer = run_job(job, stores)
            warmed = warmed or answer.kind == "warm"
            answer.warmed = warmed  # whether this executor had warmed up before answering
            if stores.get("stale-resident"):  # tell the request side once: new fork server
                answer.stale_resident = stores.pop("stale-resident")
        except MemoryError:
            stores.clear()
            answer = failed("memory", "the query needed more memory than the executor may use")
        except Exception as exc:  # any failure becomes an answer, never a half-written one
            answer = failed("internal", f"{type(exc).__name__}: {exc}")
        signal.alarm(0)
        try:
            conn.send(answer)
        except (BrokenPipeError, OSError):
            return


# ------------------------------------------------------------------------------------------
# The request side
# ------------------------------------------------------------------------------------------

_PRELOAD = ["endpoint.executor", "endpoint.preload"]
_context: multiprocessing.context.ForkServerContext | None = None
_context_lock = threading.Lock()
_generation = 0
"""Bumped each time the fork server is replaced (:func:`refresh_resident`); an executor
remembers the generation it was forked in."""
_refreshed_for: str | None = None


def _forkserver() -> multiprocessing.context.ForkServerContext:
    """This process's fork server: one process that has imported what executors need and forks
    each new executor from itself, so a replacement starts in milliseconds, not the second a
    fresh interpreter takes (it holds no store, no thread: forking it is safe)."""
    global _context
    with _context_lock:
        if _context is None:
            context = multiprocessing.get_context("forkserver")
            context.set_forkserver_preload(_PRELOAD)
            _context = context
        return _context


def refresh_resident(path: str) -> bool:
    """Replace this worker's fork server, so that new executors hold the build *path* in memory
    (:mod:`endpoint.resident`): an executor reported that the fork server holds another build.
    Once per *path*; returns whether it was replaced. The old fork server is killed (its
    executors live on and are retired by their pools); multiprocessing starts a new one, which
    copies the current build, at the next executor's start."""
    global _generation, _refreshed_for
    from multiprocessing import forkserver

    with _context_lock:
        if path == _refreshed_for:
            return False
        _refreshed_for = path
        _generation += 1
        server = forkserver._forkserver  # multiprocessing has no public way to restart it
        with server._lock:
            pid = server._forkserver_pid
            if pid is not None:
                with contextlib.suppress(ProcessLookupError):
                    os.kill(pid, signal.SIGKILL)
                # wait for its end without reaping it: ensure_running() reaps it and starts anew
                with contextlib.suppress(ChildProcessError):
                    os.waitid(os.P_PID, pid, os.WEXITED | os.WNOWAIT)
    return True


def _gone(pid: int) -> bool:
    """Whether process *pid* has ended (or is a zombie, which holds no files or locks)."""
    try:
        return Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0] == "Z"
    except OSError:
        return True


class Executor:
    """One executor process (forked by the fork server) and the request side of its pipe."""

    def __init__(self, memory_limit: int = 0) -> None:
        context = _forkserver()
        self.generation = _generation
        ours, theirs = context.Pipe(duplex=True)
        self.process = context.Process(target=_serve, args=(theirs, memory_limit), daemon=True,
                                       name="c2c-executor")
        self.process.start()
        theirs.close()
        self.conn = ours

    def kill(self) -> None:
        # by pid: once its fork server has been replaced, multiprocessing no longer sees the
        # process's end (join returns at once) and would skip the signal
        pid = self.process.pid
        if pid is not None:
            with contextlib.suppress(OSError):
                os.kill(pid, signal.SIGKILL)
        with contextlib.suppress(OSError):
            self.conn.close()
        with contextlib.suppress(OSError, ValueError, AssertionError):
            self.process.join(timeout=5)
        deadline = time.monotonic() + 5
        while pid is not None and not _gone(pid) and time.monotonic() < deadline:
            time.sleep(0.005)  # polling for the end of a process that is not our child


ORPHAN_GRACE = 5
"""Seconds after a job's deadline at which its executor ends itself, should nobody have killed
it (the worker that would have was killed itself)."""
LONG_QUERY_NICENESS = 10
"""How much lower the CPU priority of an executor running a long query is (``nice``)."""


def _lower_priority(executor: Executor) -> None:
    with contextlib.suppress(OSError, TypeError):
        os.setpriority(os.PRIO_PROCESS, executor.process.pid, LONG_QUERY_NICENESS)


class ExecutorPool:
    """*size* warm executor processes shared by the request threads of one worker.

    An executor is handed out only once it has answered a warm-up job (:func:`warm`: the store
    opened and a query run); one that is killed (deadline, long-query cap) or died is replaced
    by a new one that warms up in a background thread, so no request waits for a cold start.

    *long_after* and *long_cap*: a job still running after *long_after* seconds is
    long-running; at most *long_cap* of them run at once, and a job that would exceed the cap
    is stopped (:class:`TooManyLong`). So at least ``size - long_cap`` executors are always
    idle or busy with young jobs, and cheap queries keep being answered while heavy ones run.
    A long-running job's executor runs at a lower CPU priority (:data:`LONG_QUERY_NICENESS`),
    and is retired afterwards.
    """

    def __init__(self, size: int, memory_limit: int = 0, *,
                 warm_job: Callable[[], Job] | None = None,
                 long_after: float | None = None, long_cap: int | None = None,
                 warm_timeout: float = 60.0, on_replace: Callable[[], None] | None = None,
                 follow_resident: bool = False) -> None:
        self.size = size
        self.memory_limit = memory_limit
        self.warm_job = warm_job or (lambda: Job("warm"))
        self.long_after = long_after
        self.long_cap = size if long_cap is None else long_cap
        self.warm_timeout = warm_timeout
        self.on_replace = on_replace
        self.follow_resident = follow_resident
        """Whether this pool moves to a new fork server when its executors report that the one
        they came from holds another build in memory (the query pool does)."""
        self._generation = _generation
        self._idle: list[Executor] = []  # the last returned is handed out first (warm caches)
        self._waiters: deque[tuple[threading.Event, list[Executor]]] = deque()
        self._lock = threading.Lock()
        self._all: list[Executor] = []
        self._long = 0
        self._closed = False
        self._started = False
        self.last_warm_error: str | None = None
        """Why the last warm-up failed (None once one has succeeded since)."""

    @property
    def started(self) -> bool:
        return self._started

    def start(self) -> None:
        """Start and warm every executor in the background (idempotent)."""
        with self._lock:
            if self._started:
                return
            self._started = True
        for _ in range(self.size):
            self._spawn()

    def _spawn(self) -> None:
        threading.Thread(target=self._warm_one, daemon=True, name="c2c-warm").start()

    def _warm_one(self) -> None:
        """Start an executor, warm it, hand it out; retry (with a pause) until one is warm."""
        pause = 0.2
        while not self._closed:
            try:
                executor = Executor(self.memory_limit)
            except Exception as exc:  # e.g. its fork server was replaced as it forked
                self.last_warm_error = f"the executor could not be started: {exc}"
                time.sleep(pause)  # a back-off before the next attempt
                pause = min(5.0, pause * 2)
                continue
            with self._lock:
                self._all.append(executor)
            error = self._warm(executor)
            if error is None:
                self.last_warm_error = None
                if self._closed:
                    self._drop(executor)
                    return
                executor.warm = True
                self._release(executor)
                self._retire_idle()
                return
            self.last_warm_error = error
            self._drop(executor)
            time.sleep(pause)  # a back-off before the next attempt, not a wait for readiness
            pause = min(5.0, pause * 2)

    def _warm(self, executor: Executor) -> str | None:
        try:
            executor.conn.send(self.warm_job())
            if not executor.conn.poll(self.warm_timeout):
                return f"no warm-up answer within {self.warm_timeout:g} s"
            answer = executor.conn.recv()
        except (EOFError, OSError) as exc:
            return f"the executor died while warming up: {exc or type(exc).__name__}"
        except Exception as exc:  # the warm-up job itself could not be made (no store)
            return str(exc)
        if answer.kind != "warm":
            return answer.message or str(answer)
        self._follow(answer)
        return None

    def _stale(self, executor: Executor) -> bool:
        """Whether *executor* comes from a replaced fork server and a newer one is ready here."""
        return executor.generation < self._generation and any(
            e.generation == self._generation and getattr(e, "warm", False) for e in self._all)

    def _retire_idle(self) -> None:
        """Kill the idle executors of a replaced fork server once a newer one is ready."""
        with self._lock:
            stale = [e for e in self._idle if self._stale(e)]
            self._idle = [e for e in self._idle if e not in stale]
        for executor in stale:
            threading.Thread(target=self._drop, args=(executor,), daemon=True,
                             name="c2c-retire").start()

    def _follow(self, answer: Answer) -> None:
        """After an answer from an executor whose fork server holds another build: replace the
        fork server (once per build) and start a full set of executors from the new one; the old
        ones keep answering until a new one is ready, then retire."""
        path, answer.stale_resident = answer.stale_resident, None
        if path is None or not self.follow_resident or self._closed:
            return
        refresh_resident(path)
        with self._lock:
            if self._generation == _generation:
                return
            self._generation = _generation
        for _ in range(self.size):
            self._spawn()

    def _drop(self, executor: Executor) -> None:
        executor.kill()
        with self._lock:
            if executor in self._all:
                self._all.remove(executor)

    def _replace(self, executor: Executor) -> None:
        """Kill *executor* and start a warm replacement. The request does not wait for the
        killed process to be reaped (a process at low priority may take a moment to die on a
        busy machine), except in a pool with *on_replace* (the writer: its lock is released
        only once the process is gone, and the answer must not come before)."""
        with contextlib.suppress(OSError, TypeError):
            os.kill(executor.process.pid, signal.SIGKILL)
        if self.on_replace is not None:
            self._drop(executor)
            self.on_replace()
            if not self._closed:
                self._spawn()
            return

        old = executor.generation < self._generation  # its replacements are already coming

        def reap_and_respawn() -> None:
            self._drop(executor)
            if not self._closed and not old:
                self._warm_one()

        threading.Thread(target=reap_and_respawn, daemon=True, name="c2c-replace").start()

    def _acquire(self, deadline: float) -> Executor:
        """An idle executor, or the first one returned while this request is the longest
        waiting: first come, first served, so that under load no request waits until its limit
        while later ones overtake it (a plain queue lets a newcomer take an executor that a
        waiter was about to get)."""
        self.start()
        with self._lock:
            if self._idle and not self._waiters:
                return self._idle.pop()
            handed: list[Executor] = []
            ticket = (threading.Event(), handed)
            self._waiters.append(ticket)
        ticket[0].wait(max(0.0, deadline - time.monotonic()))
        with self._lock:
            if not handed:
                self._waiters.remove(ticket)
                raise PoolBusy
        if time.monotonic() >= deadline:  # handed over just as its time ran out
            self._release(handed[0])
            raise PoolBusy
        return handed[0]

    def _release(self, executor: Executor) -> None:
        """Give *executor* to the longest-waiting request, or make it idle (or retire it, if it
        comes from a replaced fork server and a newer executor is ready)."""
        with self._lock:
            if self._stale(executor):
                stale = True
            elif self._waiters:
                stale = False
                event, handed = self._waiters.popleft()
                handed.append(executor)
                event.set()
            else:
                stale = False
                self._idle.append(executor)
        if stale:
            threading.Thread(target=self._drop, args=(executor,), daemon=True,
                             name="c2c-retire").start()

    def run(self, job: Job, timeout: float | None = None, *,
            deadline: float | None = None) -> Answer:
        """Answer *job* by *deadline* (a :func:`time.monotonic` time; or *timeout* seconds from
        now), or kill its executor and raise :class:`QueryTimeout` / :class:`TooManyLong`;
        :class:`PoolBusy` if no executor was free in time."""
        if deadline is None:
            deadline = time.monotonic() + (timeout or 0.0)
        if time.monotonic() >= deadline:  # spent waiting before it got here: no executor used
            raise QueryTimeout
        executor = self._acquire(deadline)
        long_running = False
        # the executor's own alarm: ORPHAN_GRACE seconds after the deadline (see _serve)
        job = dataclasses.replace(job, alarm=math.ceil(deadline - time.monotonic())
                                  + ORPHAN_GRACE)
        try:
            executor.conn.send(job)
            started = time.monotonic()
            first = deadline if self.long_after is None else min(deadline,
                                                                 started + self.long_after)
            if executor.conn.poll(max(0.0, first - time.monotonic())):
                return self._done(executor)
            if time.monotonic() < deadline:
                with self._lock:
                    long_running = self._long < self.long_cap
                    self._long += long_running
                if not long_running:
                    self._replace(executor)
                    raise TooManyLong
                _lower_priority(executor)  # cheap queries get the CPU first
                if executor.conn.poll(max(0.0, deadline - time.monotonic())):
                    answer = executor.conn.recv()
                    self._replace(executor)  # its priority stays low: retire it
                    self._follow(answer)
                    return answer
        except (EOFError, OSError):
            executor.process.join(timeout=2)
            returncode = executor.process.exitcode
            self._replace(executor)
            raise ExecutorCrashed(returncode, self.memory_limit > 0) from None
        finally:
            if long_running:
                with self._lock:
                    self._long -= 1
        self._replace(executor)
        raise QueryTimeout

    def _done(self, executor: Executor) -> Answer:
        answer = executor.conn.recv()
        self._follow(answer)
        self._release(executor)
        return answer

    def close(self) -> None:
        self._closed = True
        with self._lock:
            for executor in self._all:
                executor.kill()
            self._all.clear()

