"""Stored embeddings: user and item vectors with the config, seed and graph fingerprint that made them."""
