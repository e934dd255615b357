"""The c2c OWL ontology (``c2c.ttl``), its SKOS schemes (``vocab/``) and competency questions.

This package holds data files only; it is a package so the files are found through
:mod:`importlib.resources` wherever c2c is installed.
"""
