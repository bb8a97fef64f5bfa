"""Great Expectations Core, imported once with its usage analytics turned off.

Every module of this package imports GX from here, so the environment variable
is set before GX reads it.
"""

import logging
import os
import warnings

# GX reads this at import time and would otherwise send usage events.
os.environ["GX_ANALYTICS_ENABLED"] = "false"

# GX logs its own set-up at INFO, about 200 lines per process and none
# about the data. Its warnings and errors still show.
logging.getLogger("great_expectations").setLevel(logging.WARNING)

with warnings.catch_warnings():
    # GX Core 1.24.1 imports the standard library's sre_constants and
    # sre_parse modules (datasource/fluent/data_connector/
    # file_path_data_connector.py), which warn on Python 3.11 and later.
    warnings.filterwarnings(
        "ignore",
        message=r"module 'sre_(constants|parse)' is deprecated",
        category=DeprecationWarning,
    )
    import great_expectations as gx
    import great_expectations.expectations as gxe
    from great_expectations.core.expectation_validation_result import (
        ExpectationValidationResult,
    )
    from great_expectations.data_context.types.base import ProgressBarsConfig
    from great_expectations.expectations.row_conditions import Column

# GX Core 1.24.1 sets this module's logger to INFO when it is imported.
logging.getLogger("great_expectations.data_context.types.base").setLevel(
    logging.WARNING
)

__all__ = [
    "Column",
    "ExpectationValidationResult",
    "ProgressBarsConfig",
    "gx",
    "gxe",
]
