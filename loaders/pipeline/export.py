"""``c2c export``: deterministic dumps of the current store, with checksums and a DCAT record.

The same build always gives byte-identical files: blank nodes are canonicalised with RDFC-1.0
(pyoxigraph's ``Dataset.canonicalize``), statements are sorted, gzip headers carry no time.

Written into the output folder (flat, so the server can offer each at ``/dumps/latest/{name}``):

* ``all.nq.gz``, ``all.trig.gz``, ``all.jsonld.gz``: every named graph;
* ``graph-{name}.ttl.gz``: one Turtle file per named graph, with prefixes;
* ``licence-{licence}.nq.gz``: the graphs under one licence together (CC0, CC BY, CC BY-SA
  parts kept apart), as each graph's VoID description gives it;
* ``twinning-pairs.csv``: a flat table of twinning agreements for people who do not use RDF;
* ``{file}.sha256`` beside every file, and ``void.ttl``: the DCAT/VoID description of every
  distribution with its licence, size and checksum;
* ``index.json``: the listing the server's ``/dumps/latest/`` page shows — per file its size,
  SHA-256, media type, licence and triples (quads; rows for the CSV) — and the **store
  version** the dumps were made from, so that the server can tell whether they are dumps of
  the store it serves (the one value that differs between two builds of one commit).
"""

from __future__ import annotations

import csv
import gzip
import hashlib
import io
import json
import os
import re
from collections import defaultdict
from dataclasses import dataclass
from pathlib import Path

import pyoxigraph as ox

from loaders.kernel import assets
from loaders.kernel.backends import open_configured
from loaders.kernel.config import Settings
from loaders.kernel.namespaces import PREFIXES, Minter
from loaders.kernel.results import media_type_of
from loaders.kernel.store import OxigraphStore

CC_BY = "https://creativecommons.org/licenses/by/4.0/"
CC_BY_SA = "https://creativecommons.org/licenses/by-sa/4.0/"
CC0 = "https://creativecommons.org/publicdomain/zero/1.0/"
_LICENCE_NAMES = {CC_BY: "cc-by-4.0", CC_BY_SA: "cc-by-sa-4.0", CC0: "cc0-1.0"}
OWN_LICENCE = CC_BY
"""The licence of c2c's own statements (curated data, ontology, derived and VoID graphs)."""


@dataclass(frozen=True)
class Distribution:
    name: str
    media_type: str
    size: int
    sha256: str
    licence: str
    graphs: tuple[str, ...]
    triples: int = 0
    """Statements in the file (quads; data rows for the CSV)."""


INDEX = "index.json"


def _canonical_quads(store: OxigraphStore) -> list[ox.Quad]:
    # the named graphs only: a build's default graph is their materialised union
    dataset = ox.Dataset(q for q in store.raw.quads_for_pattern(None, None, None, None)
                         if not isinstance(q.graph_name, ox.DefaultGraph))
    dataset.canonicalize(ox.CanonicalizationAlgorithm.RDFC_1_0)
    return sorted(dataset, key=lambda q: (str(q.graph_name), str(q.subject),
                                          str(q.predicate), str(q.object)))


def _graph_licences(store: OxigraphStore, minter: Minter) -> dict[str, str]:
    rows = store.query(
        f"SELECT ?g ?licence WHERE {{ GRAPH <{minter.graph('void')}> "
        "{ ?g dcterms:license ?licence } }")
    return {row["g"].value: row["licence"].value for row in rows}


def _slug(graph: str, minter: Minter) -> str:
    name = graph.removeprefix(str(minter.graph("")))
    return re.sub(r"[^A-Za-z0-9._-]+", "-", name).strip("-") or "default"


def _gzip(data: bytes) -> bytes:
    buffer = io.BytesIO()
    with gzip.GzipFile(filename="", mode="wb", fileobj=buffer, mtime=0, compresslevel=9) as f:
        f.write(data)
    return buffer.getvalue()


def _twinning_csv(store: OxigraphStore) -> bytes:
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    rows = store.query(assets.query("export/twinning-pairs.rq"))
    variables = [v.value for v in rows.variables]
    writer.writerow(variables)
    for row in rows:
        writer.writerow(["" if row[v] is None else row[v].value for v in variables])
    return out.getvalue().encode("utf-8")


def export(settings: Settings, out: Path, *, progress: bool = False) -> list[Distribution]:
    """Write the dumps of the current store into *out*; return what was written. *progress*
    draws a bar: canonicalisation, then the files written (:mod:`loaders.kernel.progress`)."""
    from loaders.kernel.progress import bar

    minter = Minter(settings.base_iri)
    store = open_configured(settings)
    if not isinstance(store, OxigraphStore):  # a remote store: its served version, copied
        from loaders.kernel.remote_store import remote_dataset

        store = remote_dataset(store)
    out.mkdir(parents=True, exist_ok=True)
    # first the whole dataset is canonicalised (most of the time, one step), then each file
    progress_bar = bar(desc="c2c export: canonicalise and serialise", unit="step", total=1,
                       enabled=progress)
    quads = _canonical_quads(store)
    licences = _graph_licences(store, minter)
    by_graph: dict[str, list[ox.Quad]] = defaultdict(list)
    for quad in quads:
        by_graph[str(quad.graph_name.value) if isinstance(quad.graph_name, ox.NamedNode)
                 else ""].append(quad)
    all_graphs = tuple(sorted(g for g in by_graph if g))
    files: dict[str, tuple[bytes, str, str, tuple[str, ...]]] = {}
    counts: dict[str, int] = {}

    def whole(fmt: ox.RdfFormat, prefixes: dict[str, str] | None = None) -> bytes:
        return ox.serialize(quads, format=fmt, prefixes=prefixes) or b""

    counts.update({"all.nq.gz": len(quads), "all.trig.gz": len(quads),
                   "all.jsonld.gz": len(quads)})
    files["all.nq.gz"] = (whole(ox.RdfFormat.N_QUADS), media_type_of(".nq"), CC_BY_SA,
                          all_graphs)
    files["all.trig.gz"] = (whole(ox.RdfFormat.TRIG, PREFIXES), media_type_of(".trig"), CC_BY_SA,
                            all_graphs)
    expanded = json.loads(whole(ox.RdfFormat.JSON_LD) or b"[]")
    files["all.jsonld.gz"] = (json.dumps({"@context": PREFIXES, "@graph": expanded},
                                         ensure_ascii=False, sort_keys=True, indent=1
                                         ).encode("utf-8"),
                              media_type_of(".jsonld"), CC_BY_SA, all_graphs)
    by_licence: dict[str, list[ox.Quad]] = defaultdict(list)
    for graph, graph_quads in sorted(by_graph.items()):
        licence = licences.get(graph, OWN_LICENCE)
        by_licence[licence] += graph_quads
        triples = [ox.Triple(q.subject, q.predicate, q.object) for q in graph_quads]
        body = ox.serialize(triples, format=ox.RdfFormat.TURTLE, prefixes=PREFIXES) or b""
        name = f"graph-{_slug(graph, minter) if graph else 'default'}.ttl.gz"
        files[name] = (body, media_type_of(".ttl"), licence, (graph,) if graph else ())
        counts[name] = len(graph_quads)
    for licence, licence_quads in sorted(by_licence.items()):
        name = f"licence-{_LICENCE_NAMES.get(licence, _slug(licence, minter))}.nq.gz"
        graphs = tuple(sorted({str(q.graph_name.value) for q in licence_quads
                               if isinstance(q.graph_name, ox.NamedNode)}))
        files[name] = (ox.serialize(licence_quads, format=ox.RdfFormat.N_QUADS) or b"",
                       media_type_of(".nq"), licence, graphs)
        counts[name] = len(licence_quads)
    files["twinning-pairs.csv"] = (_twinning_csv(store), media_type_of(".csv"), CC_BY_SA,
                                   all_graphs)
    counts["twinning-pairs.csv"] = len(list(csv.reader(io.StringIO(
        files["twinning-pairs.csv"][0].decode("utf-8"))))) - 1

    written: list[Distribution] = []
    progress_bar.reset(total=len(files))
    progress_bar.set_description("c2c export: write")
    progress_bar.unit = "file"
    for name, (body, media, licence, graphs) in sorted(files.items()):
        progress_bar.update()
        data = _gzip(body) if name.endswith(".gz") else body
        digest = hashlib.sha256(data).hexdigest()
        _write_atomically(out / name, data)
        _write_atomically(out / f"{name}.sha256", f"{digest}  {name}\n".encode())
        written.append(Distribution(name, media, len(data), digest, licence, graphs,
                                    counts[name]))
    _write_atomically(out / "void.ttl", _void(written, minter))
    _write_atomically(out / INDEX, _index(written, store.version))
    progress_bar.close()
    return written


def _index(distributions: list[Distribution], version: str) -> bytes:
    """``index.json``: the store version the dumps are of, and each file's facts."""
    listing = {"store_version": version,
               "files": [{"name": d.name, "media_type": d.media_type, "size": d.size,
                          "sha256": d.sha256, "licence": d.licence, "triples": d.triples,
                          "graphs": len(d.graphs)} for d in distributions]}
    return (json.dumps(listing, indent=1, sort_keys=True) + "\n").encode("utf-8")


def _write_atomically(path: Path, data: bytes) -> None:
    tmp = path.with_name(f".{path.name}.tmp")
    tmp.write_bytes(data)
    os.replace(tmp, path)


SPDX = "http://spdx.org/rdf/terms#"


def _void(distributions: list[Distribution], minter: Minter) -> bytes:
    """The DCAT/VoID description of the dumps, each with its licence, size and SHA-256."""
    prefixes = dict(PREFIXES, spdx=SPDX)
    triples: list[ox.Triple] = []

    def add(s: ox.NamedNode, p: str, o: ox.NamedNode | ox.Literal) -> None:
        prefix, local = p.split(":")
        triples.append(ox.Triple(s, ox.NamedNode(prefixes[prefix] + local), o))

    def media(kind: str) -> ox.NamedNode:
        return ox.NamedNode("https://www.iana.org/assignments/media-types/" + kind)

    dataset = ox.NamedNode(str(minter.thing("dataset", "c2c")))
    for d in distributions:
        node = ox.NamedNode(f"{minter.base}dumps/latest/{d.name}")
        checksum = ox.NamedNode(f"{node.value}#sha256")
        add(dataset, "dcat:distribution", node)
        add(dataset, "void:dataDump", node)
        add(node, "rdf:type", ox.NamedNode(PREFIXES["dcat"] + "Distribution"))
        add(node, "dcat:downloadURL", node)
        add(node, "dcat:mediaType", media(d.media_type))
        if d.name.endswith(".gz"):
            add(node, "dcat:compressFormat", media("application/gzip"))
        add(node, "dcat:byteSize", ox.Literal(str(d.size), datatype=ox.NamedNode(
            PREFIXES["xsd"] + "nonNegativeInteger")))
        add(node, "dcterms:license", ox.NamedNode(d.licence))
        add(node, "spdx:checksum", checksum)
        add(checksum, "spdx:algorithm", ox.NamedNode(SPDX + "checksumAlgorithm_sha256"))
        add(checksum, "spdx:checksumValue", ox.Literal(d.sha256))
    return ox.serialize(sorted(triples, key=str), format=ox.RdfFormat.TURTLE,
                        prefixes=prefixes) or b""
