"""The SHACL shapes of c2c: data shapes and the offline ontology-quality shapes.

This package holds data files only; it is a package so the files are found through
:mod:`importlib.resources` wherever c2c is installed.
"""
