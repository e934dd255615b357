"""gunicorn settings, from the one place settings live (:class:`loaders.config.Settings`).

``gunicorn -c python:endpoint.gunicorn_conf 'endpoint.app:create_app()'`` is what ``c2c serve``
and the tests run. Threaded workers (``gthread``): each request thread hands its query to an
executor process of its own (:mod:`endpoint.executor`), so a slow query holds one thread and
one executor, never the worker.
"""

from loaders.config import Settings

_settings = Settings.from_env()

bind = f"{_settings.host}:{_settings.port}"
workers = _settings.workers
worker_class = "endpoint.gunicorn_worker.ProblemWorker"  # gthread, problem+json errors
threads = _settings.threads
# A query is stopped at C2C_QUERY_TIMEOUT by its executor; the worker itself must outlive that.
timeout = int(_settings.query_timeout) + 30
graceful_timeout = 10
# The endpoint answers over-long URLs with a readable 414 itself (C2C_MAX_URL_BYTES), so
# gunicorn's own request-line limit (which answers a bare 400) is lifted.
limit_request_line = 0
accesslog = None
errorlog = "-"
