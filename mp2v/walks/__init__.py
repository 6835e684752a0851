"""Metapath-constrained random walks: GDS, pure-Cypher and in-memory CSR engines, streamed to a corpus."""
