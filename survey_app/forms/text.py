"""A validator for text that staff type: no control characters.

Tab, line feed and carriage return are text; every other C0 control
character and DEL is not. Such a character cannot be seen or typed on
purpose, and stored text with one breaks pages, reports, exports and the
tools that read the store (SQLite's length() stops at a NUL).
"""

import re

from wtforms.validators import ValidationError

CONTROL_CHARACTER = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")


class PlainText:
    """Reject a field whose text contains a control character, naming it."""

    def __init__(self, label: str):
        self.label = label

    def __call__(self, form, field) -> None:
        found = CONTROL_CHARACTER.search(field.data or "")
        if found:
            raise ValidationError(
                f"{self.label} contains a hidden control character "
                f"(U+{ord(found.group()):04X}): type it again without it"
            )
