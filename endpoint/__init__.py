"""The c2c HTTP endpoint: a Flask app serving the current store over the SPARQL 1.1 Protocol.

Run it with ``c2c serve`` (gunicorn) or build it with :func:`endpoint.app.create_app`.
"""
