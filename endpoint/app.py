"""The Flask application factory. gunicorn runs ``endpoint.app:create_app()``."""

from __future__ import annotations

import json

from flask import Flask, Response, render_template

from endpoint.service import home_context
from endpoint.sparql import blueprint as sparql_blueprint
from endpoint.store import ServedStore
from loaders import __version__
from loaders.config import Settings
from loaders.errors import StoreError


def create_app(settings: Settings | None = None) -> Flask:
    """Build the app for *settings* (default: the ``C2C_*`` environment)."""
    settings = settings or Settings.from_env()
    app = Flask(__name__)
    app.config["MAX_CONTENT_LENGTH"] = settings.max_body_bytes
    app.extensions["c2c.settings"] = settings
    app.extensions["c2c.store"] = ServedStore(settings.store)
    app.register_blueprint(sparql_blueprint)

    @app.get("/")
    def home() -> Response:
        return Response(render_template("home.html", **home_context()),
                        content_type="text/html; charset=utf-8")

    @app.get("/healthz")
    def healthz() -> Response:
        served = app.extensions["c2c.store"]
        try:
            served.get().query("ASK {}")
            body = {"status": "ok", "version": served.info.version, "c2c": __version__}
            status = 200
        except StoreError as exc:
            body, status = {"status": "unavailable", "detail": str(exc)}, 503
        return Response(json.dumps(body), status=status, content_type="application/json")

    @app.errorhandler(StoreError)
    def no_store(exc: StoreError) -> Response:
        from endpoint.problems import problem

        return problem(503, "store-unavailable", "No store to serve", str(exc))

    @app.errorhandler(413)
    def too_large(_exc: object) -> Response:
        from endpoint.problems import problem

        return problem(413, "payload-too-large", "Request body too large",
                       f"The limit is {settings.max_body_bytes} bytes.")

    return app
