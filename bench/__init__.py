"""Benchmarks of survey intake, the warehouse pipeline and the results pages.

Run them with `make bench`; bench/__main__.py lists the settings.
"""
