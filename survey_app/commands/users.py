"""CLI commands."""

commands = []
