"""The floor of any gunicorn-served Python endpoint on this machine: a WSGI app that answers
every request with the same small SPARQL JSON body, doing no work at all.

``bench/http --floor`` serves it with c2c's own gunicorn settings (``endpoint/gunicorn_conf.py``)
beside the native server, so the results say how much of the gap to ``oxigraph serve`` is the
HTTP front itself, before c2c does anything.
"""

from __future__ import annotations

BODY = (b'{"head":{"vars":["p","o"]},"results":{"bindings":['
        + b",".join([b'{"p":{"type":"uri","value":"http://www.w3.org/2000/01/rdf-schema#label"},'
                     b'"o":{"type":"literal","value":"City","xml:lang":"en"}}'] * 16)
        + b"]}}")


def app(environ, start_response):
    start_response("200 OK", [("Content-Type", "application/sparql-results+json"),
                              ("Content-Length", str(len(BODY)))])
    return [BODY]
