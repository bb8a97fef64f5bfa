"""The export layouts of the survey tools that schools used before.

Each layout names the columns the tool adds around the questions. They are
never stored: the completion time gives the response's date, the start time
only flags responses answered implausibly fast, and everything else is
dropped with a reason shown in the import summary.
"""

from dataclasses import dataclass, field

TIME_REASON = "response times: only the date is kept"
START_REASON = "start times: used only to flag answers given too fast"


@dataclass(frozen=True)
class ToolLayout:
    tool: str
    title: str
    # Header of the completion time, the source of each response's date.
    date_column: str
    # Header of the start time, if the tool exports one.
    start_column: str | None
    # strptime formats of the tool's own time stamps, tried in order.
    date_formats: tuple[str, ...]
    # Casefolded headers of the tool's own columns, with why each is dropped.
    tool_columns: dict[str, str] = field(default_factory=dict)
    # LimeSurvey leaves submitdate blank for a response never submitted.
    blank_date_means_incomplete: bool = False


GOOGLE_FORMS = ToolLayout(
    tool="google_forms",
    title="Google Forms",
    date_column="Timestamp",
    start_column=None,
    # Parsed by dates.parse_google_timestamp, which also reads the time zone.
    date_formats=(),
    tool_columns={
        "timestamp": TIME_REASON,
        "email address": "email addresses",
        "score": "quiz scores",
        "total score": "quiz scores",
    },
)

# NOTE: the zone of Microsoft Forms' exported times is not stated in the
# file. They are read in the mapping's timezone (Europe/London by default);
# a school whose tenant exports UTC should set timezone: UTC.
MICROSOFT_FORMS = ToolLayout(
    tool="microsoft_forms",
    title="Microsoft Forms",
    date_column="Completion time",
    start_column="Start time",
    date_formats=(
        "%Y-%m-%d %H:%M:%S",
        "%Y-%m-%dT%H:%M:%S",
        "%Y-%m-%d %H:%M",
        "%Y-%m-%d",
    ),
    tool_columns={
        "id": "respondent numbers",
        "start time": START_REASON,
        "completion time": TIME_REASON,
        "email": "email addresses",
        "name": "names",
        "last modified time": "response times",
        "total points": "quiz scores",
        "quiz feedback": "free text",
    },
)

LIMESURVEY = ToolLayout(
    tool="limesurvey",
    title="LimeSurvey",
    date_column="submitdate",
    start_column="startdate",
    date_formats=("%Y-%m-%d %H:%M:%S", "%Y-%m-%d %H:%M", "%Y-%m-%d"),
    tool_columns={
        "id": "response numbers",
        "submitdate": TIME_REASON,
        "lastpage": "survey progress",
        "startlanguage": "languages",
        "seed": "random seeds",
        "startdate": START_REASON,
        "datestamp": "response times",
        "ipaddr": "IP addresses",
        "refurl": "referring web addresses",
        "token": "participant tokens",
        "firstname": "names",
        "lastname": "names",
        "email": "email addresses",
        "interviewtime": "response times",
    },
    blank_date_means_incomplete=True,
)

LAYOUTS = {
    layout.tool: layout for layout in (GOOGLE_FORMS, MICROSOFT_FORMS, LIMESURVEY)
}
