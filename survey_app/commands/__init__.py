"""CLI command modules; each exposes a list named commands."""
