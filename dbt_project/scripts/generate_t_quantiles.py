"""Write seeds/t_quantiles.csv: the 0.975 quantile of Student's t for df 1..1000.

DuckDB has no t quantile function, so the models look the value up in this
seed and use a Cornish-Fisher expansion above 1000 degrees of freedom (the
macro t_quantile_975). Run once with scipy installed and commit the CSV:

    .venv/bin/python dbt_project/scripts/generate_t_quantiles.py
"""

import csv
from pathlib import Path

from scipy.stats import t

MAX_DEGREES_OF_FREEDOM = 1000
SEED_PATH = Path(__file__).resolve().parent.parent / "seeds" / "t_quantiles.csv"


def write_t_quantiles(path: Path = SEED_PATH) -> None:
    """Write df and t(0.975, df) to 10 decimal places, one row per df."""
    with path.open("w", newline="") as seed_file:
        writer = csv.writer(seed_file, lineterminator="\n")
        writer.writerow(["degrees_of_freedom", "t_975"])
        for df in range(1, MAX_DEGREES_OF_FREEDOM + 1):
            writer.writerow([df, f"{t.ppf(0.975, df):.10f}"])


if __name__ == "__main__":
    write_t_quantiles()
