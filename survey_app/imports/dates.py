"""Time stamps of the survey tools, read into aware datetimes.

A time stamp is read only in a format that cannot swap day and month: the
tool's own format, or the date_format that the mapping names. A time without
a zone is taken to be in the mapping's timezone (Europe/London by default).
"""

import re
from datetime import date, datetime, time, timedelta, timezone
from zoneinfo import ZoneInfo

from .values import CellValue

# Google Forms writes "2024/03/05 10:15:22 GMT" or, in some locales,
# "2024/03/05 10:15:22 am GMT+1".
GOOGLE_TIMESTAMP = re.compile(
    r"^(?P<year>\d{4})/(?P<month>\d{1,2})/(?P<day>\d{1,2})\s+"
    r"(?P<hour>\d{1,2}):(?P<minute>\d{2})(?::(?P<second>\d{2}))?"
    r"(?:\s*(?P<half>[ap]\.?m\.?))?"
    r"(?:\s+(?P<zone>gmt|utc|bst|z)(?P<offset>[+-]\d{1,2}(?::?\d{2})?)?)?$",
    re.IGNORECASE,
)
ZONE_OFFSETS = {"gmt": 0, "utc": 0, "z": 0, "bst": 60}


class TimestampError(ValueError):
    """A time stamp that cannot be read. The message names the fix."""


def parse_timestamp(
    value: CellValue,
    formats: tuple[str, ...],
    zone: ZoneInfo,
    is_google: bool = False,
) -> datetime | date:
    """Return a cell's time stamp as an aware datetime, or a date if it has no time.

    Raises TimestampError when the value fits none of the formats.
    """
    if isinstance(value, datetime):
        return value if value.tzinfo else value.replace(tzinfo=zone)
    if isinstance(value, date):
        return value
    if isinstance(value, time | timedelta):
        raise TimestampError(
            "holds a time without a date: set date_column in the mapping to the "
            "column with the date of each response"
        )
    text = value.strip()
    if is_google and not formats:
        return _parse_google(text, zone)
    for date_format in formats:
        try:
            parsed = datetime.strptime(text, date_format)
        except ValueError:
            continue
        return parsed if parsed.tzinfo else parsed.replace(tzinfo=zone)
    shown = ", ".join(f'"{date_format}"' for date_format in formats)
    raise TimestampError(
        f"is not a date and time in the format {shown}. If the file was opened "
        "and saved in a spreadsheet, export it again from the survey tool; or "
        'set date_format in the mapping, for example date_format: "%d/%m/%Y %H:%M"'
    )


def _parse_google(text: str, zone: ZoneInfo) -> datetime:
    match = GOOGLE_TIMESTAMP.match(text)
    if match is None:
        raise TimestampError(
            'is not a Google Forms time stamp like "2024/03/05 10:15:22 GMT". If '
            "the file was opened and saved in a spreadsheet, download it again "
            "from Google Forms; or set date_format in the mapping, for example "
            'date_format: "%d/%m/%Y %H:%M:%S"'
        )
    hour = int(match["hour"])
    if match["half"]:
        if not 1 <= hour <= 12:
            raise TimestampError(f"has hour {hour} with am or pm: check the file")
        is_pm = match["half"].lower().startswith("p")
        hour = hour % 12 + (12 if is_pm else 0)
    try:
        naive = datetime(
            int(match["year"]),
            int(match["month"]),
            int(match["day"]),
            hour,
            int(match["minute"]),
            int(match["second"] or 0),
        )
    except ValueError as error:
        raise TimestampError(f"is not a real date and time ({error})") from error
    if match["zone"] is None:
        return naive.replace(tzinfo=zone)
    minutes = ZONE_OFFSETS[match["zone"].lower()] + _offset_minutes(match["offset"])
    if abs(minutes) >= 24 * 60:
        raise TimestampError(f"has a time zone offset of {minutes} minutes")
    return naive.replace(tzinfo=timezone(timedelta(minutes=minutes)))


def _offset_minutes(offset: str | None) -> int:
    if not offset:
        return 0
    sign = -1 if offset[0] == "-" else 1
    digits = offset[1:].replace(":", "")
    if len(digits) <= 2:
        return sign * int(digits) * 60
    return sign * (int(digits[:-2]) * 60 + int(digits[-2:]))
