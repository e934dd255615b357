"""The ``c2c`` command: build, validate, serve, query, export, import, docs.

Every error a user can cause is a :class:`loaders.kernel.errors.C2CError`; :func:`main` prints its
one-line message to stderr and exits with its code, without a traceback.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence
from pathlib import Path

from loaders import __version__
from loaders.kernel.config import Settings
from loaders.kernel.errors import C2CError, InputError, Location
from loaders.pipeline.import_kinds import file_kinds


def _cmd_build(args: argparse.Namespace, settings: Settings) -> int:
    from loaders.pipeline.build import build

    summary = build(settings, progress=not args.quiet and sys.stderr.isatty())
    print(summary.text())
    if settings.store_url:
        return _cmd_publish(args, settings)
    return 0


def _cmd_publish(args: argparse.Namespace, settings: Settings) -> int:
    """Publish the current build of ``C2C_STORE`` to the remote store of ``C2C_STORE_URL``:
    staged, then switched in one update (:func:`loaders.kernel.remote_store.publish_current`)."""
    from loaders.kernel.remote_store import publish_current

    def pause() -> None:  # test hook: stop before the switch until told to go on
        print("c2c publish: staged, waiting before the switch", file=sys.stderr, flush=True)
        sys.stdin.readline()

    info = publish_current(settings, before_switch=pause if settings.publish_pause else None)
    print(f"published {info.version} ({info.quads} quads) to {settings.store_url}")
    return 0


def _cmd_validate(args: argparse.Namespace, settings: Settings) -> int:
    from rdflib import Graph

    from loaders.kernel.namespaces import Minter
    from loaders.pipeline.curated import read_curated
    from loaders.validate import report_graph, report_text, validate_data

    graphs: list[Graph] = []
    origins: dict = {}
    targets = [Path(f) for f in args.files] or [settings.data]
    for target in targets:
        if target.is_dir():
            data = read_curated(target, Minter(settings.base_iri))
            graphs += data.graphs.values()
            origins.update(data.origins)
        else:
            graphs.append(_parse_rdf(target))
    violations = validate_data(graphs, origins)
    if args.report:
        report_graph(violations).serialize(destination=args.report, format="turtle")
    if violations:
        print(f"{len(violations)} SHACL violation(s):\n{report_text(violations)}",
              file=sys.stderr)
        return 1
    print(f"conforms: {', '.join(str(t) for t in targets)}")
    return 0


def _parse_rdf(path: Path):
    """Parse an RDF file by its extension; a syntax error names the file and line."""
    from rdflib import Graph
    from rdflib.util import guess_format

    from loaders.kernel.rdf_input import (
        parse_jsonld_offline,
        read_bytes,
        refuse_entity_declarations,
    )

    fmt = guess_format(str(path))
    if fmt is None:
        raise InputError(Location(path), "unknown RDF file extension", term=path.suffix)
    data = read_bytes(path)
    if fmt == "json-ld":  # never rdflib's parser, which fetches remote contexts
        import pyoxigraph as ox

        quads = parse_jsonld_offline(data, Location(path), path.resolve().as_uri())
        triples = ox.serialize([ox.Triple(q.subject, q.predicate, q.object) for q in quads],
                               format=ox.RdfFormat.N_TRIPLES) or b""
        return Graph().parse(data=triples.decode("utf-8"), format="nt")
    if fmt == "xml":
        refuse_entity_declarations(data, Location(path))
    try:
        return Graph().parse(data=data, format=fmt, publicID=path.resolve().as_uri())
    except Exception as exc:  # rdflib raises many parser-specific types
        line = getattr(exc, "lines", None) or getattr(exc, "line", None)
        raise InputError(Location(path, line=line if isinstance(line, int) else None),
                         f"not valid {fmt}: {str(exc).splitlines()[0][:200]}") from None


def _cmd_serve(args: argparse.Namespace, settings: Settings) -> int:
    from endpoint.serve import serve

    return serve(settings)


def _cmd_query(args: argparse.Namespace, settings: Settings) -> int:
    from loaders.kernel.backends import open_configured
    from loaders.kernel.results import GRAPH_FORMATS, SOLUTION_FORMATS, find_format, serialize

    text = args.query
    if text.startswith("@"):
        path = Path(text[1:])
        try:
            text = path.read_text(encoding="utf-8")
        except OSError as exc:
            raise InputError(Location(path), f"cannot be read: {exc.strerror}") from None
    store = open_configured(settings)
    try:
        results = store.query(text)
    except SyntaxError as exc:
        raise InputError(Location(args.query[1:] if args.query.startswith("@") else "query"),
                         f"SPARQL syntax error: {exc}") from None
    import pyoxigraph as ox

    if not isinstance(results, (ox.QuerySolutions, ox.QueryBoolean)):
        fmt = find_format(args.format or "ttl", GRAPH_FORMATS)
    else:
        fmt = find_format(args.format or "csv", SOLUTION_FORMATS)
    if fmt is None:
        raise InputError(Location("--format"), "unknown format for this query form",
                         term=args.format)
    if isinstance(results, ox.QueryBoolean):
        sys.stdout.write("true\n" if bool(results) else "false\n")
        return 0
    sys.stdout.buffer.write(serialize(results, fmt))
    return 0


def _cmd_export(args: argparse.Namespace, settings: Settings) -> int:
    from loaders.kernel.progress import wanted
    from loaders.pipeline.export import export

    out = Path(args.out) if args.out else settings.dumps
    for d in export(settings, out, progress=wanted()):
        print(f"{out / d.name}  {d.size} bytes  {d.licence}")
    return 0


def _cmd_import(args: argparse.Namespace, settings: Settings) -> int:
    from loaders.importers import run_import, save_and_apply
    from loaders.kernel.progress import wanted

    country = args.country.upper() if args.country else None
    if args.endpoint:  # the live reader: loaders/importers/wikidata_sparql.py
        from loaders.importers.wikidata_sparql import import_from_endpoint

        if args.kind != "wikidata" or args.file:
            raise InputError(Location("--endpoint"), "only 'c2c import wikidata --endpoint URL'"
                             ", without a FILE", term=args.file or args.kind)
        fetched, result, report = import_from_endpoint(settings, args.endpoint, country,
                                                        apply=not args.dry_run)
        print(f"{fetched.summary()}\n{result.summary()}")
        if args.dry_run:
            print(f"dry run, nothing changed; full report: {_dry_run_report(args, result)}")
        else:
            print(f"applied to the served store; reconciliation report: {report}")
        return 0
    if not args.file:
        raise InputError(Location("c2c import"), "give a FILE, or --endpoint URL for wikidata")
    result = run_import(settings, args.kind, Path(args.file), country=country,
                        progress=wanted())
    print(result.summary())
    if args.dry_run:
        print(f"dry run, nothing changed; full report: {_dry_run_report(args, result)}")
        return 0
    report = save_and_apply(settings, result)
    print(f"applied to the served store; reconciliation report: {report}")
    return 0


def _dry_run_report(args: argparse.Namespace, result) -> Path:
    """Write a dry run's full JSON report (every place mention: hundreds of KB for a whole
    list) to ``--report FILE``, by default ``c2c-{key}-report.json`` in the current folder,
    so that the terminal shows only the summary and the path."""
    import json

    path = Path(args.report or f"c2c-{result.key}-report.json").resolve()
    try:
        path.write_text(json.dumps(result.report(), ensure_ascii=False, indent=1),
                        encoding="utf-8")
    except OSError as exc:
        raise InputError(Location(path), f"cannot write the report: {exc.strerror}") from None
    return path


def _cmd_docs(args: argparse.Namespace, settings: Settings) -> int:
    from loaders.docs import render_docs
    from loaders.kernel.progress import wanted

    for path in render_docs(Path(args.out), progress=wanted()):
        print(path)
    return 0


def parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(prog="c2c", description="The City-to-City Cooperation "
                                "Knowledge Graph: build, validate and serve it.")
    p.add_argument("--version", action="version", version=f"c2c {__version__}")
    p.add_argument("--store", help="store folder (default: C2C_STORE or var/store)")
    p.add_argument("--data", help="curated data folder (default: C2C_DATA or data)")
    sub = p.add_subparsers(dest="command", required=True, metavar="COMMAND")

    b = sub.add_parser("build", help="build the graph from data/ and make it the served store")
    b.add_argument("--quiet", action="store_true", help="no progress bars")
    b.set_defaults(run=_cmd_build)

    pb = sub.add_parser("publish", help="publish the current build to the remote store "
                        "(C2C_STORE_URL), switched atomically")
    pb.set_defaults(run=_cmd_publish)

    v = sub.add_parser("validate", help="check files against the SHACL shapes without building")
    v.add_argument("files", nargs="*", help="data folders or RDF files (default: the data folder)")
    v.add_argument("--report", metavar="FILE", help="also write the report as Turtle to FILE")
    v.set_defaults(run=_cmd_validate)

    s = sub.add_parser("serve", help="serve the current store over HTTP with gunicorn")
    s.add_argument("--host", help="address to bind (default: C2C_HOST or 127.0.0.1)")
    s.add_argument("--port", type=int, help="port to bind (default: C2C_PORT or 8000)")
    s.add_argument("--workers", type=int, help="worker processes (default: C2C_WORKERS or 2)")
    s.set_defaults(run=_cmd_serve)

    q = sub.add_parser("query", help="run a SPARQL query against the current store")
    q.add_argument("query", help="the query text, or @FILE to read it from a file")
    q.add_argument("--format", help="csv, tsv, json, xml for SELECT; ttl, nt, jsonld, rdf, nq "
                   "for CONSTRUCT/DESCRIBE")
    q.set_defaults(run=_cmd_query)

    e = sub.add_parser("export", help="write deterministic dumps of the current store")
    e.add_argument("--out", help="folder to write the dumps into (default: C2C_DUMPS or "
                   "var/dumps)")
    e.set_defaults(run=_cmd_export)

    i = sub.add_parser("import", help="import a public twinning list (wikidata or wikipedia)")
    i.add_argument("kind", choices=file_kinds(), help="the format of FILE")
    i.add_argument("file", nargs="?", help="the file to import")
    i.add_argument("--endpoint", metavar="URL", help="wikidata only: read P190 from this "
                   "SPARQL endpoint (e.g. https://query.wikidata.org/sparql) instead of a FILE")
    i.add_argument("--country", help="import only the rows with this ISO country on a side "
                   "(e.g. CN)")
    i.add_argument("--dry-run", action="store_true",
                   help="reconcile and report, but change nothing")
    i.add_argument("--report", metavar="FILE", help="with --dry-run: write the full JSON "
                   "report here (default: c2c-{import key}-report.json in this folder)")
    i.set_defaults(run=_cmd_import)

    d = sub.add_parser("docs", help="render HTML documentation of the ontology with pyLODE")
    d.add_argument("--out", default="var/docs", help="folder to write the HTML into")
    d.set_defaults(run=_cmd_docs)
    return p


def main(argv: Sequence[str] | None = None) -> int:
    args = parser().parse_args(argv)
    try:
        settings = Settings.from_env().with_overrides(
            store=Path(args.store) if args.store else None,
            data=Path(args.data) if args.data else None,
            host=getattr(args, "host", None), port=getattr(args, "port", None),
            workers=getattr(args, "workers", None))
        return args.run(args, settings)
    except C2CError as exc:
        print(f"c2c {args.command}: error: {exc}", file=sys.stderr)
        return exc.exit_code
    except KeyboardInterrupt:
        print(f"c2c {args.command}: interrupted", file=sys.stderr)
        return 130
    except OSError as exc:  # a path the user gave that cannot be written or read
        where = f"{exc.filename}: " if exc.filename else ""
        print(f"c2c {args.command}: error: {where}{exc.strerror or exc}", file=sys.stderr)
        return InputError.exit_code


if __name__ == "__main__":
    sys.exit(main())
