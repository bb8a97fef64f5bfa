"""Write responses.xlsx, a Microsoft Forms export in its layout, for the tests.

Run it from this folder with the project's Python to rebuild the file:
    ../../../../.venv/bin/python make_responses.py
"""

from datetime import datetime
from pathlib import Path

import openpyxl

HEADER = [
    "ID",
    "Start time",
    "Completion time",
    "Email",
    "Name",
    "Last modified time",
    "Which year are you in?",
    "Staff at my school treat pupils with respect.",
    "I feel safe at school.",
    "School rules are applied fairly and in the same way to everyone.",
    "There are times in the school day when I can relax and have fun.",
    "Anything else you would like to say?",
]
ROWS = [
    [
        1,
        datetime(2024, 11, 12, 9, 0, 5),
        datetime(2024, 11, 12, 9, 3, 40),
        "anonymous",
        None,
        None,
        "Year 7",
        "Agree",
        "Strongly agree",
        "Disagree",
        "Agree",
        "More clubs please",
    ],
    [
        2,
        datetime(2024, 11, 12, 9, 1, 0),
        datetime(2024, 11, 12, 9, 4, 12),
        "anonymous",
        None,
        None,
        "Year 8",
        "Neither agree nor disagree",
        "Don't know",
        "Agree",
        "Strongly disagree",
        None,
    ],
    # Four answers in five seconds: flagged as answered too fast.
    [
        3,
        datetime(2024, 11, 12, 9, 2, 0),
        datetime(2024, 11, 12, 9, 2, 5),
        "anonymous",
        None,
        None,
        "Year 10",
        "Agree",
        "Agree",
        "Agree",
        "Agree",
        None,
    ],
    [
        4,
        datetime(2024, 11, 13, 14, 20, 0),
        datetime(2024, 11, 13, 14, 26, 31),
        "sam.taylor@example.org",
        "Sam Taylor",
        None,
        "Year 12",
        "Strongly agree",
        "Agree",
        None,
        "Agree",
        "Contact me on 07700 900123",
    ],
]


def main() -> None:
    workbook = openpyxl.Workbook()
    sheet = workbook.active
    sheet.title = "Sheet1"
    sheet.append(HEADER)
    for row in ROWS:
        sheet.append(row)
    for row in sheet.iter_rows(min_row=2, min_col=2, max_col=3):
        for cell in row:
            cell.number_format = "m/d/yy h:mm:ss"
    workbook.save(Path(__file__).with_name("responses.xlsx"))


if __name__ == "__main__":
    main()
