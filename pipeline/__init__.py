"""The warehouse pipeline: load, dbt build, validation and publication.

`imhars-pipeline run` (pipeline.cli) runs the steps in order as gates; see
docs/architecture.md for the files it writes.
"""
