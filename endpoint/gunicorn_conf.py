"""gunicorn settings, from the one place settings live (:class:`loaders.kernel.config.Settings`).

``gunicorn -c python:endpoint.gunicorn_conf 'endpoint.app:create_app()'`` is what ``c2c serve``
and the tests run. Threaded workers (``gthread``, stamping each request's arrival): each request
thread hands its query to an executor process (:mod:`endpoint.executor`) after admission control
(:mod:`endpoint.admission`), so a slow query holds one thread and one executor, never the
worker.
"""

from loaders.kernel.config import Settings

_settings = Settings.from_env()

bind = f"{_settings.host}:{_settings.port}"
workers = _settings.workers
# gthread, stamping each request's arrival (endpoint/worker.py): deadlines count from it
worker_class = "endpoint.worker.ArrivalWorker"
threads = _settings.threads
# A query is stopped at C2C_QUERY_TIMEOUT, a write at C2C_UPDATE_TIMEOUT, by killing their
# process; the worker itself must outlive that.
timeout = int(max(_settings.query_timeout, _settings.update_timeout)) + 30
graceful_timeout = 10
# The endpoint answers over-long URLs with a readable 414 itself (C2C_MAX_URL_BYTES), so
# gunicorn's own request-line limit (which answers a bare 400) is lifted.
limit_request_line = 0
accesslog = None
errorlog = "-"
