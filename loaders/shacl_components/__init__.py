"""The SHACL constraint components the SPARQL engine compiles, one module per section of the
SHACL specification; importing this package registers every one of them in
:data:`loaders.shacl_components.registry.COMPONENTS`. Adding a component: a builder with
``@component(SH.x)`` in its section's module (a new module is imported here), and a case in
``tests/test_shapes.py`` that compares the result with pySHACL."""

from loaders.shacl_components import (  # noqa: F401 - imported to register their components
    cardinality,
    logical,
    other,
    shape_based,
    string_based,
    value_range,
    value_type,
)
from loaders.shacl_components.registry import COMPONENTS, NEEDS_PATH, ShapeNotCompiled, Site

__all__ = ["COMPONENTS", "NEEDS_PATH", "ShapeNotCompiled", "Site"]
