"""Loaders: dataset files -> validated load plans -> Neo4j (transactional batches or the bulk importer).

Public API::

    from loaders import LoadOptions, run_load, rejects_folder
    from loaders.lastfm import LastfmConfig, build_plan           # Last.fm HetRec 2011
    from loaders.kuairec import KuaiRecConfig, build_plan         # KuaiRec 1.0 / 2.0
    from loaders.kuairec_matrix import read_kuairec_matrix        # a matrix file -> pairs, no Neo4j
    from loaders.csv_generic import CsvConfig, build_plan         # generic CSV

    result = run_load(lambda validation: build_plan(config, validation), runner, LoadOptions(),
                      rejects_dir=rejects_folder(settings.paths.home, "lastfm"), server=settings.server)

Stages, one module each: reading (structure) -> checks (rows) -> rejects (files, stop rules) -> <source>
(plan) -> schema + writer (transactional) or bulk (neo4j-admin import) -> summary.
"""

from loaders.kuairec_matrix import KuaiRecMatrix, read_kuairec_matrix
from loaders.pipeline import LoadOptions, LoadResult, rejects_folder, run_load
from loaders.plan import GraphPlan, NodeSet, RelationshipSet
from loaders.rejects import FileCheck, RejectPolicy, Validation

__all__ = [
    "FileCheck", "GraphPlan", "KuaiRecMatrix", "LoadOptions", "LoadResult", "NodeSet", "RejectPolicy",
    "RelationshipSet", "Validation", "read_kuairec_matrix", "rejects_folder", "run_load",
]
