"""Small helpers every stage shares, written once."""
