"""The Flask application factory. gunicorn runs ``endpoint.app:create_app()``.

Routes: ``/`` and ``/query`` (:mod:`endpoint.front`), ``/sparql`` (:mod:`endpoint.sparql`),
``/rdf-graph-store`` (:mod:`endpoint.graph_store`), ``/.well-known/void``, ``/healthz``,
``/metrics``, ``/dumps/latest/{file}``, ``/assets/yasgui/{file}``, ``/assets/vendor/{file}``
(the map packages), ``/static/…`` (c2c's own scripts and style sheet). Cross-cutting behaviour
(CORS, gzip, limits) is in :mod:`endpoint.http`; the query log and metrics are written here,
once per request.
"""

from __future__ import annotations

import json
import time

from flask import Flask, Response, g, has_request_context, render_template, request, send_file
from werkzeug.exceptions import HTTPException

from endpoint import http, resident
from endpoint.admission import Admission
from endpoint.caching import ResultCache
from endpoint.dumps import Dumps
from endpoint.executor import WARM_UP_QUERY, ExecutorCrashed, ExecutorPool, PoolBusy, QueryTimeout
from endpoint.fastpath import FastPath
from endpoint.front import blueprint as front_blueprint
from endpoint.graph_store import blueprint as graph_store_blueprint
from endpoint.jobs import Job
from endpoint.linked_data import blueprint as linked_data_blueprint
from endpoint.metrics import Metrics
from endpoint.negotiation import negotiate
from endpoint.problems import http_problem, not_acceptable, problem
from endpoint.request_log import (  # noqa: F401 - QUERY_LOG, SLOW_LOG: names tests use
    QUERY_LOG,
    SLOW_LOG,
    configure_logging,
    record,
)
from endpoint.running import Overloaded, failure_response
from endpoint.search import blueprint as search_blueprint
from endpoint.service import graph_response, void_graph
from endpoint.sparql import blueprint as sparql_blueprint
from endpoint.state import AppState
from endpoint.state import install as install_state
from endpoint.store import ServedStore
from endpoint.vendor import NODE_MODULES, VENDOR, YASGUI, maps_available, yasgui_available
from endpoint.worker import started
from loaders import __version__
from loaders.kernel.config import Settings
from loaders.kernel.errors import StoreError
from loaders.kernel.remote_store import RemoteStore
from loaders.kernel.results import Format
from loaders.kernel.store import StoreLocation

_LOGGED = {"sparql.sparql", "graph_store.graph_store"}
_HEALTH_SECONDS = 5.0
_FIRST_HEALTH_SECONDS = 30.0
"""How long /healthz waits for its query (the first time: for its executor to start too)."""


def create_app(settings: Settings | None = None) -> Flask:
    """Build the app for *settings* (default: the ``C2C_*`` environment)."""
    settings = settings or Settings.from_env()
    configure_logging()
    app = Flask(__name__)
    app.config["MAX_CONTENT_LENGTH"] = settings.max_body_bytes
    remote = RemoteStore.from_settings(settings) if settings.store_url else None
    served = ServedStore(settings.store, remote, deadline=lambda: (
        g.get("c2c_started", time.monotonic()) + settings.query_timeout
        if has_request_context() else None))

    def warm_job() -> Job:
        try:
            path, _info = served.current()
        except StoreError:
            return Job("warm")
        return Job("warm", str(path))

    resident.plan(settings)  # before the first executor starts the fork server
    executors = min(settings.executors, settings.threads)
    pool = ExecutorPool(executors, settings.query_memory_mb * 1024 * 1024, warm_job=warm_job,
                        long_after=settings.long_query_seconds,
                        long_cap=min(settings.long_queries, executors),
                        follow_resident=remote is None)
    if remote is None:  # over a remote store the engine evaluates; no executors
        pool.start()
    # writes run one at a time in a killable process of their own (loaders.revise); one killed
    # at its limit leaves its unfinished copy behind, removed here
    writer = ExecutorPool(1, settings.update_memory_mb * 1024 * 1024,
                          warm_job=lambda: Job("warm", writer=True),
                          on_replace=lambda: StoreLocation(settings.store).prune())
    if settings.writable:
        writer.start()
    app_state = AppState(
        settings=settings, store=served, pool=pool,
        # /healthz has an executor of its own: it answers through a real query, never behind
        # heavy work
        health=ExecutorPool(1, settings.query_memory_mb * 1024 * 1024,
                            warm_job=lambda: Job("warm")),
        writer=writer,
        admission=Admission(executors + settings.queue_length, settings.client_concurrency),
        cache=ResultCache(settings.result_cache_bytes) if settings.result_cache_bytes else None,
        metrics=Metrics(settings.metrics), dumps=Dumps(settings.dumps))
    install_state(app, app_state)
    app.register_blueprint(sparql_blueprint)
    app.register_blueprint(graph_store_blueprint)
    app.register_blueprint(linked_data_blueprint)
    app.register_blueprint(search_blueprint)
    app.register_blueprint(front_blueprint)
    http.install(app, settings)
    if settings.fast_path and remote is None and not settings.rate_limit:
        app.wsgi_app = FastPath(app, app_state)  # plain /sparql queries below Flask

    @app.before_request
    def start_clock() -> None:
        g.c2c_started = started()  # deadlines count from the arrival
        g.c2c_log = {}

    @app.after_request
    def log_and_count(response: Response) -> Response:
        if request.endpoint not in _LOGGED or request.method == "OPTIONS":
            return response
        return record(app_state, response, g.get("c2c_started", time.monotonic()),
                      g.get("c2c_log") or {}, request.method, request.path, request.remote_addr)

    if remote is not None:
        @app.after_request
        def same_version(response: Response) -> Response:
            """A page or document over the remote store ran several queries: if the store
            switched versions meanwhile, they may mix two versions, so it is not given."""
            info = g.get("c2c_remote_info")
            if info is None or response.status_code != 200 or g.get("c2c_remote_checked"):
                return response
            try:
                now = remote.bound(None, g.c2c_started + settings.query_timeout).published()
            except StoreError as exc:
                return problem(503, "store-unavailable", "No store to serve", str(exc))
            if now.version == info.version:
                return response
            switched = problem(503, "store-switched", "The store switched versions meanwhile",
                               "A new version of the data was published while this answer was "
                               "made; ask again.")
            switched.headers["Retry-After"] = "0"
            return switched

    @app.get("/assets/yasgui/<name>")
    def yasgui_asset(name: str) -> Response:
        if name not in ("yasgui.min.js", "yasgui.min.css") or not yasgui_available():
            return problem(404, "not-found", "No such asset",
                           "YASGUI is installed by 'make assets' (needs Node.js and npm).")
        response = send_file(YASGUI / name, conditional=True, max_age=86400)
        return response

    @app.get("/assets/vendor/<name>")
    def vendor_asset(name: str) -> Response:
        path = VENDOR.get(name)
        if path is None or not (NODE_MODULES / path).is_file():
            return problem(404, "not-found", "No such asset",
                           "The map packages are installed by 'make assets' (needs npm).")
        return send_file(NODE_MODULES / path, conditional=True, max_age=86400)

    @app.context_processor
    def front_end() -> dict:
        return {"maps": maps_available()}

    @app.get("/healthz")
    def healthz() -> Response:
        """Healthy when a real query is answered, through an executor, within a few seconds."""
        health = app_state.health
        try:
            path, info = served.current()
            if remote is not None:
                if not served.get().query(WARM_UP_QUERY) and info.quads:
                    raise StoreError("the remote store answers, but its dataset is empty")
                return Response(json.dumps({"status": "ok", "version": info.version,
                                            "triples": info.quads, "c2c": __version__,
                                            "store": remote.url}),
                                content_type="application/json",
                                headers={"Cache-Control": "no-store"})
            wait = _HEALTH_SECONDS if health.started else _FIRST_HEALTH_SECONDS
            answer = health.run(Job("query", str(path), WARM_UP_QUERY, solution_format="json"),
                                timeout=wait)
            if answer.kind != "boolean":
                raise StoreError(answer.message or "the health query failed")
            body = {"status": "ok", "version": info.version, "triples": info.quads,
                    "c2c": __version__}
            status = 200
        except StoreError as exc:
            body, status = {"status": "unavailable", "detail": str(exc)}, 503
        except (QueryTimeout, PoolBusy, ExecutorCrashed) as exc:
            detail = health.last_warm_error or {
                QueryTimeout: "the health query did not finish in time",
                PoolBusy: "no executor could start", ExecutorCrashed: "the executor died",
            }[type(exc)]
            body, status = {"status": "unavailable", "detail": detail}, 503
        return Response(json.dumps(body), status=status, content_type="application/json",
                        headers={"Cache-Control": "no-store"})

    @app.get("/metrics")
    def metrics() -> Response:
        return Response(app_state.metrics.exposition(),
                        content_type="text/plain; version=0.0.4; charset=utf-8",
                        headers={"Cache-Control": "no-store"})

    @app.get("/.well-known/void")
    def well_known_void() -> Response:
        return graph_response(void_graph())

    @app.get("/dumps/latest/")
    @app.get("/dumps/latest")
    def dump_index() -> Response:
        """The dumps with their sizes, checksums, statements and the store version they are
        of: HTML, or JSON (``Accept: application/json``; the file itself is ``index.json``)."""
        index = app_state.dumps.index()
        served = app_state.store.info.version
        current = index is not None and index.get("store_version") == served
        offers = [Format("text/html", ("html",), "text/html; charset=utf-8"),
                  Format("application/json", ("json",), "application/json")]
        fmt = negotiate(request.headers.get("Accept"), offers)
        if fmt is None:
            return not_acceptable([f.media_type for f in offers])
        if fmt.name == "json":
            body = json.dumps({**(index or {"files": []}), "served_store_version": served,
                               "current": current}, indent=1)
        else:
            body = render_template("dumps.html", index=index, served=served, current=current)
        return Response(body, content_type=fmt.content_type,
                        headers={"Vary": "Accept", "Cache-Control": "no-cache"})

    @app.get("/dumps/latest/<name>")
    def dump(name: str) -> Response:
        found = app_state.dumps.find(name)
        if found is None:
            return problem(404, "not-found", "No such dump",
                           "Dumps are written by 'c2c export'; see /.well-known/void.")
        return send_file(found.path, mimetype=found.media_type, conditional=True, etag=True,
                         max_age=settings.cache_max_age)

    # No store, or a read whose executor timed out or died, or for which the server had no
    # room: raised by endpoint.running.run_read and answered by one function
    # (endpoint.running.failure_response, which endpoint.fastpath calls too), the same way for
    # every route that reads (SPARQL queries, Graph Store reads), each counted in /metrics.
    @app.errorhandler(StoreError)
    @app.errorhandler(Overloaded)
    @app.errorhandler(QueryTimeout)
    @app.errorhandler(ExecutorCrashed)
    def read_failed(exc: Exception) -> Response:
        return failure_response(exc, app_state)

    @app.errorhandler(413)
    def too_large(_exc: object) -> Response:
        return problem(413, "payload-too-large", "Request body too large",
                       f"The limit is {settings.max_body_bytes} bytes.")

    @app.errorhandler(HTTPException)
    def http_error(exc: HTTPException) -> Response:
        return http_problem(exc)

    return app
