"""Configuration in one place: every setting is an environment variable prefixed ``C2C_``.

:func:`Settings.from_env` is the only reader of the environment; everything else receives a
:class:`Settings` value. The variables are listed in ``.env.example`` and in the README.
"""

from __future__ import annotations

import os
import re
import tempfile
from dataclasses import dataclass, field, replace
from pathlib import Path

from loaders.kernel.errors import ConfigError


def _machine_memory_mb() -> int:
    """Physical memory of this machine in MiB (4096 where the platform does not say)."""
    try:
        return os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES") // (1024 * 1024)
    except (ValueError, OSError, AttributeError):
        return 4096


def default_query_memory_mb(workers: int, executors: int) -> int:
    """Half the machine's memory shared by every executor (workers x executors), between 256 MiB
    and 4 GiB each: all executors at their limit at once still leave half the machine."""
    return max(256, min(4096, _machine_memory_mb() // (2 * workers * executors)))


def default_update_memory_mb() -> int:
    """A quarter of the machine's memory, between 1 and 8 GiB: one update (copy, derivation,
    SHACL validation) runs at a time, whatever the number of workers."""
    return max(1024, min(8192, _machine_memory_mb() // 4))


def default_executors() -> int:
    """Query executors per worker: twice the machine's cores, at least 4 (the long-query cap
    lets a quarter of them run heavy queries; the others stay for cheap ones)."""
    return max(4, 2 * (os.cpu_count() or 2))


def _int(env: dict[str, str], name: str, default: int) -> int:
    raw = env.get(name)
    if raw is None or raw == "":
        return default
    try:
        value = int(raw)
    except ValueError:
        raise ConfigError(f"environment variable {name}={raw!r} is not a whole number") from None
    if value < 0:
        raise ConfigError(f"environment variable {name}={raw!r} must not be negative")
    return value


def _number(env: dict[str, str], name: str) -> float | None:
    """The number in *name*, or None where it is unset or empty."""
    raw = env.get(name)
    if raw is None or raw == "":
        return None
    try:
        return float(raw)
    except ValueError:
        raise ConfigError(f"environment variable {name}={raw!r} is not a number") from None


def _float(env: dict[str, str], name: str, default: float) -> float:
    value = _number(env, name)
    if value is None:
        return default
    if value <= 0:
        raise ConfigError(f"environment variable {name}={env[name]!r} must be greater than 0")
    return value


def _share(env: dict[str, str], name: str, default: float) -> float:
    value = _number(env, name)
    if value is None:
        return default
    if not 0.0 <= value <= 1.0:
        raise ConfigError(f"environment variable {name}={env[name]!r} must be between 0 and 1")
    return value


def _bool(env: dict[str, str], name: str) -> bool:
    return env.get(name, "").strip().lower() in {"1", "true", "yes", "on"}


def _in_memory(env: dict[str, str], default: str) -> str:
    value = (env.get("C2C_IN_MEMORY") or default).strip().lower()
    value = {"true": "1", "yes": "1", "on": "1", "false": "0", "no": "0", "off": "0"}.get(
        value, value)
    if value not in ("auto", "1", "0"):
        raise ConfigError(f"C2C_IN_MEMORY={value!r} must be auto, 1 or 0")
    return value


def _public_url(env: dict[str, str]) -> str:
    url = env.get("C2C_PUBLIC_URL", "")
    if not url:
        return ""  # Settings.__post_init__: http://{host}:{port}/
    if not re.fullmatch(r"https?://[^\s/?#<>\"]+(/[^\s?#<>\"]*)?", url):
        raise ConfigError(f"C2C_PUBLIC_URL={url!r} must be an http(s) URL")
    return url if url.endswith("/") else url + "/"


def _store_url(url: str) -> str:
    url = url.strip()
    if url and not re.fullmatch(r"https?://[^\s?#<>\"]+", url):
        raise ConfigError(f"{url!r} (C2C_STORE_URL and the like) must be an http(s) URL")
    return url


@dataclass(frozen=True)
class Settings:
    """Every setting of c2c, with its default."""

    store: Path = Path("var/store")
    """Folder holding the store builds and the ``current`` pointer (``C2C_STORE``)."""
    data: Path = Path("data")
    """Folder of curated data files read by ``c2c build`` (``C2C_DATA``)."""
    public_lists: bool = True
    """Whether ``c2c build`` imports the public twinning lists of ``{C2C_DATA}/public``
    (``C2C_PUBLIC_LISTS``; on unless 0/false/no/off)."""
    dumps: Path = Path("var/dumps")
    """Folder ``c2c export`` writes the dumps into and the server offers at /dumps/latest/
    (``C2C_DUMPS``)."""
    base_iri: str = "https://w3id.org/c2c/"
    """Base of every minted IRI (``C2C_BASE_IRI``)."""
    host: str = "127.0.0.1"
    """Address the server binds to (``C2C_HOST``)."""
    port: int = 8000
    """Port the server binds to (``C2C_PORT``)."""
    public_url: str = ""
    """Where clients reach the server (``C2C_PUBLIC_URL``, default ``http://{host}:{port}/``):
    the base of every absolute URL in an answer (``Link: rel="next"``, the service description,
    VoID), never the request's ``Host`` header, which a client chooses and a cache would keep."""
    workers: int = 2
    """gunicorn worker processes (``C2C_WORKERS``)."""
    query_timeout: float = 30.0
    """Hard wall-clock limit of one query in seconds (``C2C_QUERY_TIMEOUT``)."""
    max_rows: int = 10_000
    """Row cap of a SELECT result (``C2C_MAX_ROWS``)."""
    max_body_bytes: int = 1_048_576
    """Largest accepted request body (``C2C_MAX_BODY_BYTES``)."""
    max_url_bytes: int = 8192
    """Largest accepted request URL (``C2C_MAX_URL_BYTES``)."""
    writable: bool = False
    """Whether SPARQL Update and Graph Store writes are allowed at all (``C2C_WRITABLE``)."""
    update_token: str = field(default="", repr=False)
    """Bearer token that write requests must carry (``C2C_UPDATE_TOKEN``)."""
    threads: int = 64
    """Request threads per gunicorn worker (``C2C_THREADS``): enough that requests reach the
    admission control (and its deadline) instead of waiting unseen in gunicorn's queue."""
    executors: int = 4
    """Query executor processes per worker (``C2C_EXECUTORS``); at most ``C2C_THREADS``.
    :meth:`from_env` derives the default from the machine (:func:`default_executors`)."""
    queue_length: int = 58
    """Queries of one worker that may wait for an executor; more are refused with 503
    ``server-busy`` and ``Retry-After`` (``C2C_QUEUE_LENGTH``; default: threads - executors - 2,
    so that /healthz and pages always find a thread)."""
    client_concurrency: int = 4
    """Queries one client (remote address, or the bearer of the update token) may have in one
    worker at once; more get 429 and ``Retry-After`` (``C2C_CLIENT_CONCURRENCY``; default: the
    executors per worker)."""
    long_query_seconds: float = 0.25
    """A query running longer than this is long-running (``C2C_LONG_QUERY_SECONDS``)."""
    long_queries: int = 1
    """Long-running queries one worker lets run at once (``C2C_LONG_QUERIES``; default: a
    quarter of the executors, at least 1): a query that becomes long-running when the cap is
    reached is stopped with 503 ``long-query-cap`` and ``Retry-After``, so heavy work never
    holds every executor; a long-running query runs at a lower CPU priority."""
    update_timeout: float = 120.0
    """Hard wall-clock limit of one write (SPARQL Update, Graph Store write) in seconds, counted
    from the request's arrival, lock wait included (``C2C_UPDATE_TIMEOUT``)."""
    update_memory_mb: int = 0
    """Memory limit of the write process in MiB (``C2C_UPDATE_MEMORY_MB``; 0: none). Default:
    :func:`default_update_memory_mb`."""
    cache_max_age: int = 60
    """``Cache-Control: max-age`` of results and documents in seconds (``C2C_CACHE_MAX_AGE``)."""
    result_cache_bytes: int = 64 * 1024 * 1024
    """Bytes of serialised results each worker keeps for repeated queries; 0 turns the cache off
    (``C2C_RESULT_CACHE_BYTES``)."""
    rate_limit: int = 0
    """Queries per minute one client address may send to one worker; 0 means no limit
    (``C2C_RATE_LIMIT``)."""
    slow_query_seconds: float = 1.0
    """Queries slower than this are written to the slow-query log (``C2C_SLOW_QUERY_SECONDS``)."""
    fast_path: bool = True
    """Answer plain ``/sparql`` query requests below Flask (``C2C_FAST_PATH``;
    :mod:`endpoint.fastpath`): the same answers, byte for byte, for less of the worker's CPU.
    Off (``0``): every request goes through Flask."""
    query_log_sample: float = 1.0
    """Share of the answered queries written to the per-request query log, 0 to 1
    (``C2C_QUERY_LOG_SAMPLE``); error answers and slow queries are always written, and
    /metrics counts every request. Default 1: see bench/README.md (session 8)."""
    service_allow: tuple[str, ...] = ()
    """IRI prefixes that SPARQL ``SERVICE`` may call; empty means none (``C2C_SERVICE_ALLOW``,
    separated by spaces or commas)."""
    query_memory_mb: int = 0
    """Memory limit of one query executor process in MiB (``C2C_QUERY_MEMORY_MB``); 0 means no
    limit. :meth:`from_env` derives the default from the machine (:func:`default_query_memory_mb`).
    """
    metrics: Path = Path(tempfile.gettempdir()) / "c2c-metrics"
    """Folder of the workers' metrics files (``C2C_METRICS``); outside the store, so that
    serving never needs write access to the store."""
    profile: str = "research"
    """``research``: the default graph is the set union of the data graphs, for queries and
    writes; ``conformance``: a plain SPARQL 1.1 store for the W3C suites (``C2C_PROFILE``)."""
    source_date_epoch: int | None = None
    """Build time written as the dataset's ``dcterms:modified`` instead of the clock, so that two
    builds of one commit give byte-identical dumps (``SOURCE_DATE_EPOCH``, the reproducible-builds
    convention; ``make build`` sets it to the time of the last commit)."""
    wikidata_timeout: float = 60.0
    """Seconds to wait for one answer of ``c2c import wikidata --endpoint``
    (``C2C_WIKIDATA_TIMEOUT``)."""
    wikidata_retries: int = 4
    """Retries of one request after a 429, a 5xx, a timeout or a refused connection
    (``C2C_WIKIDATA_RETRIES``)."""
    wikidata_backoff: float = 2.0
    """First back-off in seconds, doubled at each retry; a ``Retry-After`` header wins
    (``C2C_WIKIDATA_BACKOFF``)."""
    wikidata_page_size: int = 5000
    """Statements per request (``LIMIT``) of the paged query (``C2C_WIKIDATA_PAGE_SIZE``)."""
    store_url: str = ""
    """A remote SPARQL 1.1 server as the store instead of the embedded one (``C2C_STORE_URL``,
    e.g. ``http://127.0.0.1:7878/``; empty: the embedded store in ``C2C_STORE``). See README
    "Store backends"."""
    store_engine: str = "oxigraph"
    """Which engine ``C2C_STORE_URL`` is (``C2C_STORE_ENGINE``;
    :data:`loaders.kernel.remote_store.ENGINES`): its URL layout and what it can do."""
    store_query_url: str = ""
    """Query URL of the remote store when the engine lays it out otherwise
    (``C2C_STORE_QUERY_URL``; likewise ``C2C_STORE_UPDATE_URL``, ``C2C_STORE_GRAPH_STORE_URL``)."""
    store_update_url: str = ""
    store_graph_store_url: str = ""
    publish_pause: bool = False
    """Test hook: ``c2c publish`` stops before its switch and waits for a line on stdin
    (``C2C_TEST_PUBLISH_PAUSE``)."""
    fail_after_rows: int = 0
    """Test hook: fail while writing a result after this many rows; 0 is off
    (``C2C_TEST_FAIL_AFTER_ROWS``)."""
    in_memory: str = "auto"
    """Whether each worker's executors serve the current build from memory (``C2C_IN_MEMORY``):
    ``1`` always, ``0`` never (read from the on-disk folder), ``auto`` when the build fits the
    machine's memory (:func:`endpoint.resident.fits`)."""

    def __post_init__(self) -> None:
        if not self.public_url:
            object.__setattr__(self, "public_url", f"http://{self.host}:{self.port}/")

    @classmethod
    def from_env(cls, env: dict[str, str] | None = None) -> Settings:
        """Read the ``C2C_*`` variables (from ``os.environ`` unless *env* is given). A variable
        unset or empty keeps the default written in the field above (``d``); the defaults that
        depend on the machine or on other settings are computed here."""
        env = dict(os.environ if env is None else env)
        d = cls()
        base_iri = env.get("C2C_BASE_IRI") or d.base_iri
        if not base_iri.startswith(("http://", "https://")) or not base_iri.endswith("/"):
            raise ConfigError(
                f"C2C_BASE_IRI={base_iri!r} must be an http(s) IRI ending with '/'"
            )
        profile = (env.get("C2C_PROFILE") or d.profile).strip().lower()
        threads = max(1, _int(env, "C2C_THREADS", d.threads))
        executors = min(threads, max(1, _int(env, "C2C_EXECUTORS", default_executors())))
        workers = max(1, _int(env, "C2C_WORKERS", d.workers))
        host = env.get("C2C_HOST") or d.host
        port = _int(env, "C2C_PORT", d.port)
        if profile not in ("research", "conformance"):
            raise ConfigError(f"C2C_PROFILE={profile!r} must be 'research' or 'conformance'")
        return cls(
            profile=profile,
            store=Path(env.get("C2C_STORE") or d.store),
            data=Path(env.get("C2C_DATA") or d.data),
            public_lists=env.get("C2C_PUBLIC_LISTS", "1" if d.public_lists else "0")
            .strip().lower() not in {"0", "false", "no", "off"},
            dumps=Path(env.get("C2C_DUMPS") or d.dumps),
            base_iri=base_iri,
            host=host,
            port=port,
            public_url=_public_url(env),
            workers=workers,
            query_timeout=_float(env, "C2C_QUERY_TIMEOUT", d.query_timeout),
            max_rows=_int(env, "C2C_MAX_ROWS", d.max_rows),
            max_body_bytes=_int(env, "C2C_MAX_BODY_BYTES", d.max_body_bytes),
            max_url_bytes=_int(env, "C2C_MAX_URL_BYTES", d.max_url_bytes),
            writable=_bool(env, "C2C_WRITABLE"),
            update_token=env.get("C2C_UPDATE_TOKEN", d.update_token),
            threads=threads,
            executors=executors,
            queue_length=_int(env, "C2C_QUEUE_LENGTH", max(1, threads - executors - 2)),
            client_concurrency=max(1, _int(env, "C2C_CLIENT_CONCURRENCY", executors)),
            long_query_seconds=_float(env, "C2C_LONG_QUERY_SECONDS", d.long_query_seconds),
            long_queries=max(1, _int(env, "C2C_LONG_QUERIES", max(1, executors // 4))),
            update_timeout=_float(env, "C2C_UPDATE_TIMEOUT", d.update_timeout),
            update_memory_mb=_int(env, "C2C_UPDATE_MEMORY_MB", default_update_memory_mb()),
            cache_max_age=_int(env, "C2C_CACHE_MAX_AGE", d.cache_max_age),
            result_cache_bytes=_int(env, "C2C_RESULT_CACHE_BYTES", d.result_cache_bytes),
            rate_limit=_int(env, "C2C_RATE_LIMIT", d.rate_limit),
            slow_query_seconds=_float(env, "C2C_SLOW_QUERY_SECONDS", d.slow_query_seconds),
            fast_path=env.get("C2C_FAST_PATH", "1" if d.fast_path else "0")
            .strip().lower() not in {"0", "false", "no", "off"},
            query_log_sample=_share(env, "C2C_QUERY_LOG_SAMPLE", d.query_log_sample),
            service_allow=tuple(p for p in re.split(r"[\s,]+", env.get("C2C_SERVICE_ALLOW", ""))
                                if p),
            query_memory_mb=_int(env, "C2C_QUERY_MEMORY_MB",
                                 default_query_memory_mb(workers, executors)),
            metrics=Path(env.get("C2C_METRICS") or d.metrics),
            fail_after_rows=_int(env, "C2C_TEST_FAIL_AFTER_ROWS", d.fail_after_rows),
            store_url=_store_url(env.get("C2C_STORE_URL", d.store_url)),
            store_engine=(env.get("C2C_STORE_ENGINE") or d.store_engine).strip().lower(),
            store_query_url=_store_url(env.get("C2C_STORE_QUERY_URL", d.store_query_url)),
            store_update_url=_store_url(env.get("C2C_STORE_UPDATE_URL", d.store_update_url)),
            store_graph_store_url=_store_url(env.get("C2C_STORE_GRAPH_STORE_URL",
                                                     d.store_graph_store_url)),
            publish_pause=_bool(env, "C2C_TEST_PUBLISH_PAUSE"),
            wikidata_timeout=_float(env, "C2C_WIKIDATA_TIMEOUT", d.wikidata_timeout),
            wikidata_retries=_int(env, "C2C_WIKIDATA_RETRIES", d.wikidata_retries),
            wikidata_backoff=_float(env, "C2C_WIKIDATA_BACKOFF", d.wikidata_backoff),
            wikidata_page_size=max(1, _int(env, "C2C_WIKIDATA_PAGE_SIZE", d.wikidata_page_size)),
            source_date_epoch=_int(env, "SOURCE_DATE_EPOCH", -1) if env.get("SOURCE_DATE_EPOCH")
            else d.source_date_epoch,
            in_memory=_in_memory(env, d.in_memory),
        )

    def with_overrides(self, **changes: object) -> Settings:
        """A copy with some settings replaced (command-line options win over the environment)."""
        return replace(self, **{k: v for k, v in changes.items() if v is not None})
