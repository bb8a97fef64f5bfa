"""Hypothesis strategies for what a client can send to a form.

A request is form-encoded or multipart fields, or a raw body of any bytes
under any content type. Fields take the form's own names, other names, or
both, repeated or not. Values are text of any script, control characters,
numbers in odd forms, long text around the app's limits, and the values a
form expects.
"""

from hypothesis import strategies as st
from werkzeug.datastructures import MultiDict

# Text the app has limits at or near: 100 (labels), 200 (a lead), 256
# (passwords), 4,000 (self-review text) and 64 KiB (a form's memory).
LONG_VALUES = ["x" * 101, "y" * 201, "z" * 257, "e" * 4001, "é" * 2100, "w" * 70_000]
ODD_VALUES = [
    "",
    " ",
    "\t\n",
    "\x00",
    "\x00abc",
    "\r\n\r\n",
    "0",
    "-1",
    "1",
    "2",
    "3",
    "4",
    "5",
    "99",
    "1e3",
    "0x10",
    "١٢",
    "３",
    "99999999999999999999999999",
    "nan",
    "None",
    "null",
    "true",
    "[]",
    "{}",
    "<script>alert(1)</script>",
    "' or 1=1 --",
    "%00",
    "%ZZ",
    "../../etc/passwd",
    "😀",
    "\u202e",
    "\ufeff",
    "2025/26",
    "2025-26",
    "31 2 2025",
    "dk",
    "none",
]
CONTENT_TYPES = [
    "application/x-www-form-urlencoded",
    "application/x-www-form-urlencoded; charset=latin-1",
    "multipart/form-data; boundary=boundary",
    "multipart/form-data",
    "application/json",
    "text/plain",
    "",
]

any_text = st.text(st.characters(exclude_categories=("Cs",)), max_size=40)


def field_values(expected: list[str]):
    """Values of a field: the form's own half the time, else odd ones, long
    ones or any text."""
    others = st.one_of(
        any_text, st.sampled_from(ODD_VALUES), st.sampled_from(LONG_VALUES)
    )
    if not expected:
        return others
    return st.booleans().flatmap(
        lambda own: st.sampled_from(expected) if own else others
    )


def _pairs(name: str, value) -> list[tuple[str, str]]:
    """Return a field's pairs: a tuple value sends the name once per item,
    as a date input's three boxes do."""
    if isinstance(value, tuple):
        return [(name, item) for item in value]
    return [(name, value)]


@st.composite
def form_requests(draw, fields: dict[str, list], token: str):
    """Return (content type or None, body) for one POST to a form.

    fields maps the form's field names to the values it expects, each a
    string or a tuple of strings for a field sent several times. The first
    values of all fields make a valid form together. A body is
    one of: raw bytes under any content type (1 in 10); every field with its
    first value, and half the time one field with another (3 in 10); the
    form's fields, each at most once, with a valid CSRF token nine times in
    ten (3 in 10); or any names and values, repeated or not (3 in 10).
    """
    names = list(fields)
    shape = draw(st.integers(0, 9))
    if shape == 0:
        body = draw(
            st.one_of(
                st.binary(max_size=2000),
                any_text.map(lambda text: text.encode("utf-8")),
                st.sampled_from([b"a=%ff%fe", b"\xff\xfe=\x00", b"=&=&&", b"%"]),
            )
        )
        return draw(st.sampled_from(CONTENT_TYPES)), body

    if shape <= 3 and names:
        # Every field with its first value, which should be valid together,
        # but one field with any value.
        values = {name: fields[name][0] for name in names}
        if draw(st.booleans()):
            changed = draw(st.sampled_from(names))
            values[changed] = draw(field_values(fields[changed]))
        pairs = [pair for name in names for pair in _pairs(name, values[name])]
        pairs.append(("csrf_token", token))
        return None, MultiDict(pairs)

    if shape <= 6:
        every_field = draw(st.booleans())
        if every_field or not names:
            chosen = names
        else:
            chosen = draw(st.lists(st.sampled_from(names), unique=True))
        pairs = [
            pair
            for name in chosen
            for pair in _pairs(name, draw(field_values(fields[name])))
        ]
        if draw(st.integers(0, 9)) > 0:
            pairs.append(("csrf_token", token))
        return None, MultiDict(pairs)

    name = st.one_of(st.sampled_from(names), any_text) if names else any_text
    expected = [value for values in fields.values() for value in values]
    drawn = draw(st.lists(st.tuples(name, field_values(expected)), max_size=12))
    pairs = [pair for key, value in drawn for pair in _pairs(key, value)]
    if draw(st.booleans()):
        pairs.append(("csrf_token", token))
    multipart = draw(st.integers(0, 5)) == 0
    return ("multipart/form-data" if multipart else None), MultiDict(pairs)
