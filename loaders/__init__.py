"""c2c loaders: read curated and public sources, validate them with SHACL, build the store.

The public façade is small: :func:`loaders.pipeline.build.build` runs the whole pipeline,
:func:`loaders.validate.validate_files` checks files without building, and the ``c2c`` command
(:mod:`loaders.pipeline.cli`) exposes both.
"""

__version__ = "0.1.0"
