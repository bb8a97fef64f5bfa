"""School calendar: dates in Europe/London and UK academic years."""

import re
from datetime import UTC, date, datetime
from zoneinfo import ZoneInfo

LONDON = ZoneInfo("Europe/London")
ACADEMIC_YEAR_PATTERN = re.compile(r"^(\d{4})/(\d{2})$")


def london_today(now: datetime | None = None) -> date:
    """Return today's date in Europe/London (now must be timezone-aware)."""
    now = now or datetime.now(UTC)
    return now.astimezone(LONDON).date()


def academic_year_for(day: date) -> str:
    """Return the academic year (1 September to 31 August) of a date, like 2025/26."""
    start = day.year if day.month >= 9 else day.year - 1
    return f"{start}/{(start + 1) % 100:02d}"


def academic_year_bounds(academic_year: str) -> tuple[date, date]:
    """Return the first and last day of an academic year labelled like 2025/26."""
    match = ACADEMIC_YEAR_PATTERN.match(academic_year or "")
    if not match:
        raise ValueError(
            f"academic year {academic_year!r} is not valid: write it like 2025/26"
        )
    start = int(match.group(1))
    if int(match.group(2)) != (start + 1) % 100:
        raise ValueError(
            f"academic year {academic_year!r} is not valid: the second year must "
            f"follow the first, like {start}/{(start + 1) % 100:02d}"
        )
    return date(start, 9, 1), date(start + 1, 8, 31)


def key_stage_for(year_group: int | None) -> str:
    """Return the key stage of an English school year group, or 'not_stated'."""
    if year_group is None:
        return "not_stated"
    if 1 <= year_group <= 2:
        return "KS1"
    if 3 <= year_group <= 6:
        return "KS2"
    if 7 <= year_group <= 9:
        return "KS3"
    if 10 <= year_group <= 11:
        return "KS4"
    if 12 <= year_group <= 13:
        return "KS5"
    raise ValueError(f"year group {year_group} is not valid: use 1 to 13")
