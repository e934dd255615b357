"""Shared fixtures: a store built from data/, the Flask app over it, and a real gunicorn server.

Servers are waited for by polling their /healthz, never by sleeping a fixed time.
"""

from __future__ import annotations

import gc
import os
import pickle
import shutil
import socket
import subprocess
import sys
import time
import urllib.request
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest

from loaders.kernel.collector import collector_paused
from loaders.kernel.config import Settings
from loaders.pipeline.build import build
from tests.prebuild import FULL_BUILD, full_build_settings, made_once_in, make_full_build

ROOT = Path(__file__).resolve().parent.parent
DATA = ROOT / "data"
SHARED_DATA = ROOT.parent / "shared" / "data"
FIXTURES = Path(__file__).resolve().parent / "fixtures"


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def wait_for_http(url: str, timeout: float = 120.0, process: subprocess.Popen | None = None
                  ) -> None:
    """Poll *url* until it answers 200; fail early if *process* died. The limit only bounds a
    failure (polling returns as soon as the server answers): a server over the default build
    copies it into memory in each worker before /healthz answers, which took over 30 s on the
    2-core machine at load 6 (test_links' 9 errors, sessions 8 and 9)."""
    deadline = time.monotonic() + timeout
    last: Exception | None = None
    while time.monotonic() < deadline:
        if process is not None and process.poll() is not None:
            raise RuntimeError(f"server exited with {process.returncode} before answering")
        try:
            with urllib.request.urlopen(url, timeout=2) as response:
                if response.status == 200:
                    return
        except OSError as exc:
            last = exc
        time.sleep(0.05)  # polling interval, not a fixed wait
    raise TimeoutError(f"{url} did not answer within {timeout} s: {last}")


@pytest.fixture(scope="session")
def built(tmp_path_factory: pytest.TempPathFactory) -> Settings:
    """Settings whose store holds a build of the repository's data/."""
    store = tmp_path_factory.mktemp("store")
    settings = Settings.from_env({}).with_overrides(store=store, data=DATA,
                                                    dumps=store / "dumps", public_lists=False)
    build(settings, progress=False)
    return settings


def copy_of_built(built: Settings, root: Path, **overrides: object) -> Settings:
    """A store of its own for a test that writes or rebuilds: a copy of the session's build of
    data/ (:func:`built`) under *root*, the same store as a build of data/ gives, made in a
    fraction of its time; *overrides* change the settings (``writable=True`` …)."""
    shutil.copytree(built.store, root / "store", symlinks=True,
                    ignore=shutil.ignore_patterns("dumps"))
    return built.with_overrides(store=root / "store", dumps=root / "dumps", **overrides)


def shared_root(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The folder the processes of one ``make test`` share (pytest-xdist workers' base
    folders are its children)."""
    root = tmp_path_factory.getbasetemp()
    return root.parent if os.environ.get("PYTEST_XDIST_WORKER") else root


def made_once(tmp_path_factory: pytest.TempPathFactory, name: str,
              make: Callable[[Path], None]) -> Path:
    """A folder *make* fills once for the whole test run, in whichever process asks first; the
    other processes of ``make test`` wait for it on a lock and then read what it made."""
    return made_once_in(shared_root(tmp_path_factory), name, make)


@pytest.fixture(scope="session")
def full_build(tmp_path_factory: pytest.TempPathFactory):
    """The repository's default build (curated data and every list of data/public), made once
    per run for the tests that only read it — once for all the processes of ``make test``
    (:func:`made_once`) — with the import results of those lists (the build's own, not
    imported a second time, kept beside the store as a pickle for the other processes):
    ``(settings, summary, store, [(list file, ImportResult), …])``."""
    from loaders.kernel.store import StoreLocation

    root = made_once(tmp_path_factory, FULL_BUILD, make_full_build)
    settings = full_build_settings(root)
    assert settings.public_lists
    with collector_paused():  # hundreds of thousands of objects, no cycle among them
        summary = pickle.loads((root / "summary.pickle").read_bytes())  # noqa: S301 - ours
    gc.freeze()  # kept for the session: out of the cyclic collector's full passes (prebuild.py)
    return (settings, summary, StoreLocation(settings.store).open_current(),
            list(summary.public))


@pytest.fixture(scope="session")
def store(built: Settings):
    from loaders.kernel.store import StoreLocation

    return StoreLocation(built.store).open_current()


BACKENDS = ("embedded", "remote", "virtuoso")
"""``remote`` is `oxigraph serve`; ``virtuoso`` Debian's Virtuoso open source (skipped where
``virtuoso-t`` is not installed)."""

_GROUP_CONCAT = ("Virtuoso concatenates GROUP_CONCAT's values in another order (SPARQL leaves "
                 "the order unspecified; the fixture has Oxigraph's)")
VIRTUOSO_XFAIL: dict[str, str] = {
    "test_competency_question[virtuoso-cq02-cross-border-pairs-classified.rq]":
        "a GROUP_CONCAT over a group whose values are all unbound: Virtuoso answers \"\", "
        "Oxigraph leaves the variable unbound",
    "test_competency_question[virtuoso-cq06-policy-periods.rq]": _GROUP_CONCAT,
    "test_two_exports_of_one_build_are_byte_identical":
        "Virtuoso stores a geo:wktLiteral as its own virtrdf:Geometry, in single precision: "
        "POINT(107.96667 21.55) comes back as \"POINT(107.96666717529 21.549999237061)\"^^"
        "virtrdf:Geometry (every other statement of the export is alike)",
    "test_search_across_languages_scripts_and_transliterations[virtuoso-Lao Cai-city/"
    "vn-lao-cai]":
        "two places of rank 0 ordered by their English labels (ORDER BY ?best ?label): "
        "Virtuoso puts \"Lào Cai Province\"@en before \"Lào Cai\"@en",
    "test_h11_syntax_error_with_position":
        "Virtuoso's syntax error names the line (\"SP030: SPARQL compiler, line 1: syntax "
        "error at …\"), not the column, so the answer has no line and column",
    "test_competency_question[virtuoso-cq09-uk-china-findings.rq]": _GROUP_CONCAT,
}
"""Contract test over Virtuoso (its name, or its full name with parameters) → why Virtuoso
answers it differently: marked ``xfail(strict=True)`` with that reason
(:func:`pytest_collection_modifyitems`; README "Store backends" lists them)."""


def pytest_generate_tests(metafunc: pytest.Metafunc) -> None:
    """A test marked ``contract`` runs over every store backend: its ``client``, ``server`` or
    ``contract_store`` is the embedded store's, then the remote stores' (``backend``)."""
    if metafunc.definition.get_closest_marker("contract") and "backend" in metafunc.fixturenames:
        metafunc.parametrize("backend", BACKENDS, indirect=True)


@pytest.fixture
def backend(request: pytest.FixtureRequest) -> str:
    """Which store backend the test runs over: "embedded" unless the test is a ``contract``
    test, which runs over both. The servers and apps of each backend are session fixtures,
    made once; ``client``, ``server`` and ``contract_store`` only pick one."""
    return getattr(request, "param", "embedded")


def oxigraph_binary() -> str | None:
    """The `oxigraph` server of the PyPI package `oxigraph` (test extras), or None."""
    found = shutil.which("oxigraph") or str(Path(sys.executable).parent / "oxigraph")
    return found if Path(found).exists() else None


@contextmanager
def run_oxigraph(location: Path, *extra: str) -> Iterator[tuple[str, subprocess.Popen]]:
    """`oxigraph serve` (read-write) over *location* on 127.0.0.1; yields its base URL and
    process once it answers; stops it afterwards (if the test has not killed it)."""
    binary = oxigraph_binary()
    if binary is None:
        pytest.skip("the `oxigraph` server (PyPI oxigraph, in the test extras) is not installed")
    port = free_port()
    process = subprocess.Popen([binary, "serve", "--location", str(location), "--bind",
                                f"127.0.0.1:{port}", *extra],
                               stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    url = f"http://127.0.0.1:{port}/"
    try:
        wait_for_http(f"{url}query?query=ASK%7B%7D", process=process)
        yield url, process
    finally:
        if process.poll() is None:
            stop(process)


@pytest.fixture(scope="session")
def remote_store(built: Settings, tmp_path_factory: pytest.TempPathFactory
                 ) -> Iterator[Settings]:
    """A real `oxigraph serve` on 127.0.0.1 with the session's build published to it once
    (``c2c publish``'s code path); yields the settings of the build with ``C2C_STORE_URL``."""
    from loaders.kernel.remote_store import publish_current

    location = tmp_path_factory.mktemp("oxigraph-remote")
    with run_oxigraph(location, "--timeout-s", "30") as (url, _process):
        settings = built.with_overrides(store_url=url)
        publish_current(settings)
        yield settings


@pytest.fixture(scope="session")
def remote_contract_store(remote_store: Settings):
    """The remote store as a :class:`loaders.kernel.store.GraphStore`."""
    from loaders.kernel.backends import open_configured

    return open_configured(remote_store)


@pytest.fixture
def contract_store(backend: str, request: pytest.FixtureRequest):
    """The session's build as a :class:`loaders.kernel.store.GraphStore` of the test's backend."""
    return request.getfixturevalue(
        "store" if backend == "embedded" else f"{backend}_contract_store")


VIRTUOSO_INI = """\
[Database]
DatabaseFile = virtuoso.db
ErrorLogFile = virtuoso.log
LockFile = virtuoso.lck
TransactionFile = virtuoso.trx
xa_persistent_file = virtuoso.pxa
TempStorage = TempDatabase
[TempDatabase]
DatabaseFile = virtuoso-temp.db
TransactionFile = virtuoso-temp.trx
[Parameters]
ServerPort = 127.0.0.1:{sql_port}
DisableUnixSocket = 1
CheckpointInterval = 0
DirsAllowed = .
NumberOfBuffers = 10000
MaxDirtyBuffers = 6000
[HTTPServer]
ServerPort = 127.0.0.1:{http_port}
ServerRoot = {folder}
ServerThreads = 10
MaxKeepAlives = 10
Charset = UTF-8
[SPARQL]
ResultSetMaxRows = 1000000
MaxQueryExecutionTime = 30
"""


@pytest.fixture(scope="session")
def virtuoso_store(built: Settings, tmp_path_factory: pytest.TempPathFactory
                   ) -> Iterator[Settings]:
    """Debian's Virtuoso (`virtuoso-t +foreground`) on two free ports of 127.0.0.1 over a
    database of its own, the session's build loaded into it once by the publish code
    (``first_load``: Virtuoso does not apply an update as one transaction); yields the build's
    settings with ``C2C_STORE_URL`` and ``C2C_STORE_ENGINE=virtuoso``. Skips where
    ``virtuoso-t`` (and its ``isql-vt``) are not installed."""
    from loaders.kernel.remote_store import RemoteStore, engine_named, publish
    from loaders.kernel.store import OxigraphStore, StoreLocation

    binary, isql = shutil.which("virtuoso-t"), shutil.which("isql-vt")
    if binary is None or isql is None:
        pytest.skip("Virtuoso is not installed (Debian: apt-get install virtuoso-opensource)")
    folder = tmp_path_factory.mktemp("virtuoso")
    sql_port, http_port = free_port(), free_port()
    (folder / "virtuoso.ini").write_text(VIRTUOSO_INI.format(
        sql_port=sql_port, http_port=http_port, folder=folder))
    process = subprocess.Popen([binary, "+foreground", "+configfile", "virtuoso.ini"],
                               cwd=folder, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    url = f"http://127.0.0.1:{http_port}/"
    try:
        wait_for_http(f"{url}sparql?query=ASK%7B%7D", timeout=120, process=process)
        # updates and Graph Store writes at /sparql and /sparql-graph-crud (no auth, 127.0.0.1)
        subprocess.run([isql, f"127.0.0.1:{sql_port}", "dba", "dba",
                        'exec=GRANT SPARQL_UPDATE TO "SPARQL";'],
                       check=True, stdout=subprocess.DEVNULL, timeout=60)
        settings = built.with_overrides(store_url=url, store_engine="virtuoso")
        location = StoreLocation(built.store)
        build_folder = location.current()
        publish(RemoteStore(url, engine_named("virtuoso"), settings.base_iri),
                OxigraphStore.open(build_folder, read_only=True), location.info(build_folder),
                first_load=True)
        yield settings
    finally:
        stop(process)


@pytest.fixture(scope="session")
def virtuoso_contract_store(virtuoso_store: Settings):
    """The Virtuoso store as a :class:`loaders.kernel.store.GraphStore`."""
    from loaders.kernel.backends import open_configured

    return open_configured(virtuoso_store)


@pytest.fixture(scope="session")
def virtuoso_client(virtuoso_store: Settings):
    from endpoint.app import create_app

    return create_app(virtuoso_store).test_client()


@pytest.fixture(scope="session")
def virtuoso_server(virtuoso_store: Settings) -> Iterator[str]:
    """A real gunicorn over the Virtuoso store; yields its base URL."""
    with run_gunicorn(virtuoso_store, free_port(), C2C_STORE_URL=virtuoso_store.store_url,
                      C2C_STORE_ENGINE="virtuoso") as base:
        yield base


@pytest.fixture(scope="session")
def embedded_client(built: Settings):
    from endpoint.app import create_app

    return create_app(built).test_client()


@pytest.fixture(scope="session")
def remote_client(remote_store: Settings):
    from endpoint.app import create_app

    return create_app(remote_store).test_client()


@pytest.fixture
def client(backend: str, request: pytest.FixtureRequest):
    """A Flask test client of the app over the test's backend."""
    return request.getfixturevalue(f"{backend}_client")


@pytest.fixture(scope="session")
def embedded_server(built: Settings) -> Iterator[str]:
    """A real gunicorn serving the built store on 127.0.0.1; yields its base URL."""
    port = free_port()
    with run_gunicorn(built, port) as base:
        yield base


@pytest.fixture
def server(backend: str, request: pytest.FixtureRequest) -> str:
    """The base URL of a real gunicorn over the test's backend."""
    return request.getfixturevalue(f"{backend}_server")


@pytest.fixture(scope="session")
def remote_server(remote_store: Settings) -> Iterator[str]:
    """A real gunicorn over the remote store (``C2C_STORE_URL``); yields its base URL."""
    with run_gunicorn(remote_store, free_port(), C2C_STORE_URL=remote_store.store_url) as base:
        yield base


@contextmanager
def run_gunicorn(settings: Settings, port: int, *, stderr: Path | None = None,
                 **env_overrides: str) -> Iterator[str]:
    """Start gunicorn with the repository's gunicorn configuration over *settings*' store, on
    127.0.0.1:*port* (its stderr, the query log included, into the file *stderr* if given);
    yield its base URL once /healthz answers; stop it afterwards."""
    env = dict(os.environ, C2C_STORE=str(settings.store), C2C_PORT=str(port),
               C2C_HOST="127.0.0.1", C2C_DUMPS=str(settings.dumps), **env_overrides)
    gunicorn = shutil.which("gunicorn") or str(Path(sys.executable).parent / "gunicorn")
    with open(stderr or os.devnull, "wb") as errors:
        process = subprocess.Popen(
            [gunicorn, "-c", "python:endpoint.gunicorn_conf", "endpoint.app:create_app()"],
            env=env, cwd=ROOT, stdout=subprocess.DEVNULL, stderr=errors)
    base = f"http://127.0.0.1:{port}"
    try:
        wait_for_http(f"{base}/healthz", process=process)
        yield base
    finally:
        stop(process)


def stop(process: subprocess.Popen) -> None:
    """Ask a server process to stop; kill it if it has not within 15 s."""
    process.terminate()
    try:
        process.wait(timeout=15)
    except subprocess.TimeoutExpired:
        process.kill()


def readme_counts() -> dict[str, int]:
    """The README's table under 'What the graph holds' (between ``<!-- counts -->`` markers):
    kind (``TwinningAgreement``, ``Entity`` …) → number."""
    text = (ROOT / "README.md").read_text(encoding="utf-8")
    counts = {}
    for line in text.split("<!-- counts -->", 2)[1].splitlines():
        if line.startswith("| `"):
            cells = line.split("|")
            counts[cells[1].strip(" `").split("`")[0].strip()] = int(cells[2].strip())
    return counts


def ask(store, query: str) -> bool:
    """An ASK over a store (:class:`loaders.kernel.store.OxigraphStore`)."""
    return bool(store.query(query))


def rows(store, query: str) -> list[dict[str, str]]:
    """A SELECT over a store, as rows of plain strings (unbound variables left out)."""
    results = store.query(query)
    names = [v.value for v in results.variables]
    return [{n: r[n].value for n in names if r[n] is not None} for r in results]


def require_shared_data() -> Path:
    if not SHARED_DATA.is_dir():
        pytest.skip(f"../shared/data not found at {SHARED_DATA}: the cross-checks need it")
    return SHARED_DATA


GC_THRESHOLD = (100_000, 20, 20)
"""Python's cyclic collector in the test processes: a young collection every 100,000
allocations, not 700. The test processes keep large long-lived data (GeoNames' cities, the
session's builds, parsed manifests) that every full pass walks; at the default the passes
came to a third of some files' CPU (bench/README.md, "Test-suite CPU, session 10")."""


def pytest_configure(config: pytest.Config) -> None:
    gc.set_threshold(*GC_THRESHOLD)


def pytest_addoption(parser: pytest.Parser) -> None:
    parser.addoption("--prebuild", action="store_true",
                     help="make the default build in a process of its own while the tests "
                          "start (tests/prebuild.py; make test passes it)")


_prebuild: subprocess.Popen | None = None


def pytest_sessionstart(session: pytest.Session) -> None:
    """With ``--prebuild``, in the process that starts the others (or the only one): start the
    default build in a process of its own before any test runs (:mod:`tests.prebuild`)."""
    global _prebuild
    config = session.config
    if not config.getoption("prebuild") or hasattr(config, "workerinput"):
        return
    root = config._tmp_path_factory.getbasetemp()  # the workers' folders go under it
    log = open(root / "prebuild.log", "w")  # noqa: SIM115 - closed with the process
    _prebuild = subprocess.Popen([sys.executable, "-m", "tests.prebuild", str(root)],
                                 cwd=ROOT, stdout=log, stderr=subprocess.STDOUT)


def pytest_sessionfinish(session: pytest.Session) -> None:
    if _prebuild is not None and _prebuild.poll() is None:
        _prebuild.kill()
        _prebuild.wait()


REMOTE_BACKEND_FILES = ("tests.test_competency", "tests.test_linked_data", "tests.test_protocol",
                        "tests.test_protocol_server", "tests.test_remote_store")
"""The files whose tests run over the remote backends (Virtuoso, `oxigraph serve`: the
``virtuoso_store`` and ``remote_store`` session fixtures). With ``--dist loadscope`` one process
takes them all (:func:`pytest_xdist_make_scheduler`), so that each of those servers is started
and loaded once per run rather than once in each process: one Virtuoso and one `oxigraph serve`
fewer on two cores. :func:`pytest_collection_modifyitems` refuses a file that uses them but is
not listed here."""


def _uses_remote_backends(item: pytest.Item) -> bool:
    callspec = getattr(item, "callspec", None)
    backend = callspec.params.get("backend") if callspec is not None else None
    return backend in ("remote", "virtuoso") or bool(
        {"virtuoso_store", "remote_store"} & set(getattr(item, "fixturenames", ())))


@pytest.hookimpl(optionalhook=True)
def pytest_xdist_make_scheduler(config: pytest.Config, log):
    """pytest-xdist's ``loadscope`` (whole files to a process), but the files of
    :data:`REMOTE_BACKEND_FILES` are one unit."""
    if config.getoption("dist") != "loadscope":
        return None
    from xdist.scheduler import LoadScopeScheduling

    shared = {name.replace(".", "/") + ".py" for name in REMOTE_BACKEND_FILES}

    class SharedRemoteBackends(LoadScopeScheduling):
        def _split_scope(self, nodeid: str) -> str:
            scope = super()._split_scope(nodeid)
            return "remote backends" if scope.split("::")[0] in shared else scope

    return SharedRemoteBackends(config, log)


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    """The files that read the session's default build (``full_build``) run last, so that
    with ``--prebuild`` the processes run the other tests while it is made
    (:mod:`tests.prebuild`); the order is otherwise kept. (``make test`` hands whole files
    to its processes: pytest-xdist's ``--dist loadscope``, which hands them out by their
    number of tests, most first, not in this order; the files that read the default build
    have few tests, so they come late there too.)"""
    full = {item.module.__name__ for item in items if "full_build" in item.fixturenames}
    unlisted = sorted({item.module.__name__ for item in items if _uses_remote_backends(item)}
                      - set(REMOTE_BACKEND_FILES))
    if unlisted:
        raise pytest.UsageError(f"{', '.join(unlisted)} run over the remote backends: add them "
                                "to REMOTE_BACKEND_FILES in tests/conftest.py")
    for item in items:
        callspec = getattr(item, "callspec", None)
        if callspec is not None and callspec.params.get("backend") == "virtuoso":
            reason = VIRTUOSO_XFAIL.get(item.name) or VIRTUOSO_XFAIL.get(item.originalname)
            if reason:
                item.add_marker(pytest.mark.xfail(strict=True, reason=reason))
    items.sort(key=lambda item: item.module.__name__ in full)  # stable: order kept


@pytest.fixture
def listener() -> Iterator[socket.socket]:
    """A TCP listener on 127.0.0.1 that no request should reach (count with
    :func:`connections`)."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        sock.listen(8)
        sock.setblocking(False)
        yield sock


def connections(sock: socket.socket) -> int:
    """How many connections reached *sock* (a :func:`listener`) since the last call."""
    count = 0
    while True:
        try:
            accepted, _ = sock.accept()
        except BlockingIOError:
            return count
        accepted.close()
        count += 1
