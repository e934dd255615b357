"""The build pipeline and the ``c2c`` command: read the sources, reconcile the public lists
(with :mod:`loaders.importers`), build, export. Nothing in ``endpoint/`` imports it (README,
"Where things live")."""
