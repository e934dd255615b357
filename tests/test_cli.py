"""The c2c command: every subcommand has --help, errors are one readable line, and a failed
build leaves the previous store serving."""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from loaders.kernel.config import Settings
from loaders.kernel.store import StoreLocation
from tests.conftest import DATA, ROOT

SUBCOMMANDS = ["build", "publish", "validate", "serve", "query", "export", "import", "docs"]


def run_c2c(*args: str, env: dict | None = None, cwd: Path = ROOT
            ) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "loaders.pipeline.cli", *args],
                          capture_output=True,
                          text=True, env=env, cwd=cwd, timeout=120)


@pytest.mark.parametrize("command", SUBCOMMANDS)
def test_every_subcommand_has_help(command: str) -> None:
    result = run_c2c(command, "--help")
    assert result.returncode == 0, result.stderr
    assert f"usage: c2c {command}" in result.stdout


def test_console_script_is_installed() -> None:
    """The `c2c` entry point of pyproject.toml resolves to a callable."""
    from importlib.metadata import entry_points

    (script,) = [e for e in entry_points(group="console_scripts") if e.name == "c2c"]
    assert callable(script.load())


def copy_data(tmp_path: Path) -> Path:
    target = tmp_path / "data"
    shutil.copytree(DATA, target)
    return target


def test_build_then_a_violating_build_keeps_the_previous_store(tmp_path: Path) -> None:
    data = copy_data(tmp_path)
    env = {"C2C_STORE": str(tmp_path / "store"), "C2C_DATA": str(data),
           "C2C_PUBLIC_LISTS": "0", "PATH": str(Path(sys.executable).parent)}
    first = run_c2c("build", "--quiet", env=env)
    assert first.returncode == 0, first.stderr
    location = StoreLocation(tmp_path / "store")
    served = location.current()
    assert served is not None

    # A twinning agreement whose two parties are the same city violates a shape.
    with (data / "agreements.csv").open("a", encoding="utf-8") as f:
        f.write("cn-harbin,cn-harbin,sister-city,2001,,,makeeva-2023,,,\n")
    second = run_c2c("build", "--quiet", env=env)
    assert second.returncode == 1
    assert "SHACL violation" in second.stderr
    assert "agreements.csv, row" in second.stderr
    assert "parties of a relationship must be distinct" in second.stderr
    assert "Traceback" not in second.stderr
    assert location.current() == served
    # the refused build was loaded into a folder of its own, which is gone again
    assert [p for p in location.builds.iterdir()] == [served]
    store = location.open_current()
    assert bool(store.query("ASK { ?a c2c:twinnedWith ?b }"))


def test_bad_csv_names_file_row_and_column(tmp_path: Path) -> None:
    data = copy_data(tmp_path)
    row = len((data / "agreements.csv").read_text(encoding="utf-8").splitlines()) + 1
    with (data / "agreements.csv").open("a", encoding="utf-8") as f:
        f.write("cn-harbin,ru-atlantis,sister-city,2001,,,makeeva-2023,,,\n")
    env = {"C2C_STORE": str(tmp_path / "store"), "C2C_DATA": str(data)}
    result = run_c2c("build", "--quiet", env=env)
    assert result.returncode == 1
    assert f"agreements.csv, row {row}, column 'party_b': no place has this key" in result.stderr
    assert "ru-atlantis" in result.stderr
    assert not (tmp_path / "store" / "current").exists()


def test_impossible_date_is_refused(tmp_path: Path) -> None:
    data = copy_data(tmp_path)
    with (data / "agreements.csv").open("a", encoding="utf-8") as f:
        f.write("cn-harbin,ru-moscow,sister-city,2019-02-30,,,makeeva-2023,,,\n")
    result = run_c2c("build", "--quiet",
                     env={"C2C_STORE": str(tmp_path / "s"), "C2C_DATA": str(data)})
    assert result.returncode == 1
    assert "'2019-02-30' is not a real date" in result.stderr


def test_unknown_column_is_refused(tmp_path: Path) -> None:
    data = copy_data(tmp_path)
    text = (data / "agreements.csv").read_text(encoding="utf-8")
    (data / "agreements.csv").write_text(text.replace("party_b,", "partyb,", 1),
                                         encoding="utf-8")
    result = run_c2c("validate", str(data))
    assert result.returncode == 1
    assert "agreements.csv, row 1, column 'partyb': unknown column" in result.stderr


def test_validate_reports_conformance_and_writes_turtle(tmp_path: Path) -> None:
    report = tmp_path / "report.ttl"
    result = run_c2c("validate", str(DATA), "--report", str(report))
    assert result.returncode == 0, result.stderr
    assert "conforms" in result.stdout
    assert "sh:conforms true" in report.read_text(encoding="utf-8")


def test_validate_malformed_turtle_names_the_line(tmp_path: Path) -> None:
    bad = tmp_path / "bad.ttl"
    bad.write_text("@prefix ex: <http://example.org/> .\nex:a ex:b .\n", encoding="utf-8")
    result = run_c2c("validate", str(bad))
    assert result.returncode == 1
    assert "bad.ttl" in result.stderr and "not valid turtle" in result.stderr


def test_query_prints_csv(built: Settings) -> None:
    result = run_c2c("--store", str(built.store), "query",
                     "SELECT (COUNT(*) AS ?n) WHERE { ?a a c2c:TwinningAgreement }")
    assert result.returncode == 0, result.stderr
    lines = result.stdout.split()
    assert lines[0] == "n" and int(lines[1]) >= 20


def test_query_syntax_error_is_one_line(built: Settings) -> None:
    result = run_c2c("--store", str(built.store), "query", "SELEC * WHERE {")
    assert result.returncode == 1
    assert "SPARQL syntax error" in result.stderr and "Traceback" not in result.stderr


def test_bad_configuration_is_reported(tmp_path: Path) -> None:
    result = run_c2c("build", env={"C2C_PORT": "eighty", "C2C_STORE": str(tmp_path)})
    assert result.returncode == 2
    assert "C2C_PORT='eighty' is not a whole number" in result.stderr


def test_settings_defaults() -> None:
    s = Settings.from_env({})
    assert s.base_iri == "https://w3id.org/c2c/"
    assert (s.host, s.port) == ("127.0.0.1", 8000)
    assert str(s.store) == "var/store"


def test_import_dry_run_prints_a_summary_and_writes_the_full_report(built: Settings,
                                                                    tmp_path: Path) -> None:
    """`c2c import … --dry-run` writes the whole JSON report to a file and prints a short
    summary naming it; no progress bar when stderr is not a terminal."""
    import json

    from loaders.importers import run_import

    fixture = ROOT / "tests" / "fixtures" / "imports" / "wikipedia_small.csv"
    report = tmp_path / "report.json"
    env = {"C2C_STORE": str(built.store), "C2C_DATA": str(DATA),
           "PATH": str(Path(sys.executable).parent)}
    before = StoreLocation(built.store).current()
    result = run_c2c("import", "wikipedia", str(fixture), "--dry-run", "--report", str(report),
                     env=env)
    assert result.returncode == 0, result.stderr
    lines = result.stdout.strip().splitlines()
    assert len(lines) <= 5 and len(result.stdout) < 2000
    assert lines[-1] == f"dry run, nothing changed; full report: {report}"
    assert result.stderr == ""  # no bar, no noise: stderr is a pipe here
    expected = run_import(built, "wikipedia", fixture).report()
    assert json.loads(report.read_text(encoding="utf-8")) == expected
    assert len(expected["places"]) > 5
    assert StoreLocation(built.store).current() == before


def test_export_and_docs_draw_no_bar_when_not_a_terminal(built: Settings,
                                                         tmp_path: Path) -> None:
    env = {"C2C_STORE": str(built.store), "PATH": str(Path(sys.executable).parent)}
    result = run_c2c("export", "--out", str(tmp_path / "dumps"), env=env)
    assert result.returncode == 0 and result.stderr == ""
    assert "all.nq.gz" in result.stdout and (tmp_path / "dumps" / "index.json").is_file()
