"""Metapath2Vec recommendations from a Neo4j graph.

Data flow (one direction, one module per stage)::

    files -> loaders -> Neo4j -> walks (GDS / Cypher / in-memory) -> corpus file -> gensim
          -> embeddings (run store, Neo4j properties + vector index) -> recommend / evaluate -> dashboard
"""

__version__ = "0.1.0"
