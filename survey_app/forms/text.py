"""A validator for text that staff type: no invisible control or format characters.

Tab, line feed and carriage return are text, and so are U+200C ZERO WIDTH
NON-JOINER and U+200D ZERO WIDTH JOINER, which Persian and several Indic
scripts need to spell names. Every other character of the Unicode
categories Cc (the C0 and C1 control characters and DEL) and Cf (format
characters such as U+200B ZERO WIDTH SPACE and U+202E RIGHT-TO-LEFT
OVERRIDE) is rejected. Such a character cannot be seen, so two names that
look the same could differ by one, a direction override makes a name read
backwards, and a control character breaks pages, reports, exports and the
tools that read the store (SQLite's length() stops at a NUL).
"""

import unicodedata

from wtforms.validators import ValidationError

ALLOWED_CONTROLS = frozenset("\t\n\r\u200c\u200d")
HIDDEN_CATEGORIES = frozenset({"Cc", "Cf"})


def hidden_character(text: str) -> str | None:
    """Return the first control or format character of text, or None."""
    for character in text:
        if (
            unicodedata.category(character) in HIDDEN_CATEGORIES
            and character not in ALLOWED_CONTROLS
        ):
            return character
    return None


def hidden_character_problem(label: str, text: str) -> str | None:
    """Return an error naming the field and its hidden character, or None."""
    found = hidden_character(text or "")
    if found is None:
        return None
    kind = "control" if unicodedata.category(found) == "Cc" else "formatting"
    # Control characters have no Unicode name, only a code point.
    name = unicodedata.name(found, "")
    shown = f"U+{ord(found):04X} {name}" if name else f"U+{ord(found):04X}"
    return (
        f"{label} contains a hidden {kind} character ({shown}): delete it, or "
        "type the text again instead of pasting it"
    )


class PlainText:
    """Reject a field whose text contains a hidden character, naming it."""

    def __init__(self, label: str):
        self.label = label

    def __call__(self, form, field) -> None:
        problem = hidden_character_problem(self.label, field.data or "")
        if problem:
            raise ValidationError(problem)
