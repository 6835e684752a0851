"""One module per dashboard view; each exposes ``render(ctx)``."""
