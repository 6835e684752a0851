"""Serving: scoring rules over stored embeddings, and top-k queries from Neo4j's vector indexes."""
