"""``c2c serve``: the endpoint served by gunicorn as a child process.

The port is checked before anything says "serving", and Ctrl-C (or SIGTERM) stops gunicorn and
ends with one line instead of gunicorn's shutdown log. The command line
(:mod:`loaders.pipeline.cli`) calls :func:`serve` and maps a
:class:`~loaders.kernel.errors.ServeError` to its exit code.
"""

from __future__ import annotations

import os
import sys
from pathlib import Path

from loaders.kernel.config import Settings
from loaders.kernel.errors import ServeError


def serve(settings: Settings) -> int:
    """Serve with gunicorn as a child process in a session of its own: the port is checked
    before anything says "serving", and Ctrl-C (or SIGTERM) stops gunicorn and ends with one
    line instead of gunicorn's shutdown log."""
    import signal
    import subprocess

    from loaders.kernel.backends import open_configured

    open_configured(settings).query("ASK {}")  # fail early, readably
    check_port(settings.host, settings.port)
    env = dict(os.environ)
    env.update({"C2C_STORE": str(Path(settings.store).resolve()),
                "C2C_DUMPS": str(Path(settings.dumps).resolve()),
                "C2C_HOST": settings.host, "C2C_PORT": str(settings.port),
                "C2C_WORKERS": str(settings.workers)})
    argv = [sys.executable, "-m", "gunicorn", "-c", "python:endpoint.gunicorn_conf",
            "--log-level", "warning", "endpoint.app:create_app()"]
    server = subprocess.Popen(argv, env=env, start_new_session=True)
    signal.signal(signal.SIGTERM, lambda *_: server.terminate())
    print(f"serving http://{settings.host}:{settings.port}/ (SPARQL at /sparql)", flush=True)
    try:
        code = server.wait()
    except KeyboardInterrupt:
        server.terminate()
        try:
            server.wait(timeout=30)
        except subprocess.TimeoutExpired:
            server.kill()
        print("c2c serve: stopped", file=sys.stderr)
        return 0
    if code not in (0, -signal.SIGTERM):
        raise ServeError(f"gunicorn exited with {code} (its log is above)")
    return 0


def check_port(host: str, port: int) -> None:
    """Raise :class:`ServeError` unless *host*:*port* can be bound now."""
    import socket

    if not 0 < port < 65536:
        raise ServeError(f"port {port} is not between 1 and 65535 (--port or C2C_PORT)")
    try:
        infos = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)
    except OSError as exc:
        raise ServeError(f"{host}: cannot resolve this address ({exc.strerror or exc})") \
            from None
    family, kind, proto, _, address = infos[0]
    with socket.socket(family, kind, proto) as probe:
        probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)  # as gunicorn binds
        try:
            probe.bind(address)
        except OSError as exc:
            raise ServeError(f"{host}:{port}: cannot listen here ({exc.strerror}); choose "
                             "another with --port or C2C_PORT") from None
