"""The configuration is documented where it is read (after datasette's ``tests/test_docs.py``):
every ``C2C_*`` variable ``loaders/kernel/config.py`` reads is in ``.env.example`` and in the
README's configuration table and no other is; every value written in ``.env.example`` and every
literal default in the README's table is the default ``Settings.from_env`` gives."""

from __future__ import annotations

import ast
import re
from dataclasses import fields

import pytest

from loaders.kernel.config import Settings
from tests.conftest import ROOT

CONFIG = (ROOT / "loaders" / "kernel" / "config.py").read_text(encoding="utf-8")
READ = set(re.findall(r"\"(C2C_[A-Z0-9_]+|SOURCE_DATE_EPOCH)\"", CONFIG))


def env_example(*, commented: bool = True) -> dict[str, str]:
    """The assignments of .env.example (with *commented*, the commented-out ones too,
    ``# NAME=example``)."""
    found = {}
    for line in (ROOT / ".env.example").read_text(encoding="utf-8").splitlines():
        match = re.fullmatch(r"(#?)\s*((?:C2C_|SOURCE_DATE_EPOCH)[A-Z0-9_]*)=(.*)", line.strip())
        if match and (commented or not match[1]):
            found[match[2]] = match[3]
    return found


def readme_table() -> list[tuple[list[str], list[str]]]:
    """The README's configuration table: (variables, their default cells) per row."""
    text = (ROOT / "README.md").read_text(encoding="utf-8")
    section = text.split("## Configuration", 1)[1].split("\n## ", 1)[0]
    rows = []
    for line in section.splitlines():
        if line.startswith("| `"):
            cells = [c.strip() for c in line.strip("|").split("|")]
            rows.append((re.findall(r"`([A-Z0-9_]+)`", cells[0]), cells[1]))
    return rows


def test_every_variable_read_is_in_env_example_and_nothing_else() -> None:
    assert {"C2C_STORE", "C2C_QUERY_TIMEOUT", "SOURCE_DATE_EPOCH"} <= READ
    assert set(env_example()) == READ


def test_every_variable_read_is_in_the_readme_table_and_nothing_else() -> None:
    assert {v for names, _ in readme_table() for v in names} == READ


def test_env_example_gives_the_defaults() -> None:
    """Loaded as it is (commented-out lines left out), .env.example changes no setting."""
    assert Settings.from_env(env_example(commented=False)) == Settings.from_env({})


@pytest.mark.parametrize(("names", "defaults"), [
    (names, defaults) for names, defaults in readme_table()
    if re.fullmatch(r"`[^`{]*`(, `[^`{]*`)*", defaults)], ids=lambda x: str(x))
def test_the_readme_defaults_are_the_defaults(names: list[str], defaults: str) -> None:
    values = re.findall(r"`([^`]*)`", defaults)
    assert len(values) == len(names)
    assert Settings.from_env(dict(zip(names, values, strict=True))) == Settings.from_env({})


#: The defaults that depend on the machine or on other settings: computed in ``from_env``.
COMPUTED = {"executors", "queue_length", "client_concurrency", "long_queries",
            "update_memory_mb", "query_memory_mb"}


def test_each_default_is_written_once() -> None:
    """``from_env`` takes every literal default from the field it belongs to: no ``_int``,
    ``_float`` or ``env.get(...) or …`` in it falls back on a literal of its own."""
    tree = ast.parse(CONFIG)
    from_env = next(n for n in ast.walk(tree)
                    if isinstance(n, ast.FunctionDef) and n.name == "from_env")
    literals = []
    for node in ast.walk(from_env):
        if isinstance(node, ast.Call) and isinstance(node.func, ast.Name) \
                and node.func.id in ("_int", "_float") and len(node.args) == 3 \
                and isinstance(node.args[2], ast.Constant) and node.args[1].value != \
                "SOURCE_DATE_EPOCH":
            literals.append(f"{node.args[1].value}: {node.args[2].value!r}")
        if isinstance(node, ast.BoolOp) and isinstance(node.op, ast.Or) \
                and isinstance(node.values[-1], ast.Constant):
            literals.append(f"... or {node.values[-1].value!r}")
        if isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute) \
                and node.func.attr == "get" and len(node.args) == 2 \
                and isinstance(node.args[1], ast.Constant) and node.args[1].value != "":
            literals.append(f"{node.args[0].value}: {node.args[1].value!r}")
    assert literals == []


@pytest.mark.parametrize("name", [f.name for f in fields(Settings) if f.name not in COMPUTED])
def test_an_empty_environment_gives_the_fields_defaults(name: str) -> None:
    assert getattr(Settings.from_env({}), name) == getattr(Settings(), name)


def test_the_public_url_follows_host_and_port() -> None:
    settings = Settings.from_env({"C2C_HOST": "0.0.0.0", "C2C_PORT": "9000"})
    assert settings.public_url == "http://0.0.0.0:9000/"
    assert Settings.from_env({"C2C_PUBLIC_URL": "https://c2c.example.org"}).public_url == \
        "https://c2c.example.org/"
