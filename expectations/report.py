"""The validation report: one self-contained HTML page and a JSON file per run.

GX Data Docs are not used: their pages load Bootstrap, jQuery and fonts from
public CDNs, so they render unstyled offline, and their layout does not name
failing rows by the warehouse's keys.
"""

import dataclasses
import json
import os
import tempfile
from datetime import UTC, datetime
from pathlib import Path

from jinja2 import Environment, select_autoescape

from .results import ValidationOutcome

TEMPLATE = """<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>Warehouse validation, run {{ run_id }}: {{ verdict }}</title>
<style>
body { font-family: Arial, sans-serif; margin: 1.5rem; color: #0b0c0c;
  line-height: 1.4; max-width: 80rem; }
h1 { font-size: 1.8rem; }
h2 { font-size: 1.4rem; margin-top: 2.5rem; }
h3 { font-size: 1.15rem; margin-top: 2rem; }
table { border-collapse: collapse; width: 100%; margin: 0.5rem 0 1rem; }
th, td { border-bottom: 1px solid #b1b4b6; padding: 0.4rem 0.6rem;
  text-align: left; vertical-align: top; }
th { background: #f3f2f1; }
code { font-size: 0.9em; overflow-wrap: anywhere; }
.status { font-weight: bold; white-space: nowrap; }
.passed { color: #00703c; }
.failed, .error { color: #d4351c; }
.warning { color: #8a5100; }
.banner { padding: 1rem; border-left: 0.4rem solid; margin: 1rem 0; }
.banner.passed { border-color: #00703c; background: #e6f3ec; }
.banner.failed { border-color: #d4351c; background: #fbe9e6; }
ul.rows { margin: 0; padding-left: 1.2rem; }
</style>
</head>
<body>
<h1>Warehouse validation, run {{ run_id }}</h1>
<div class="banner {{ 'passed' if outcome.success else 'failed' }}">
  <p class="status">{{ verdict | capitalize }}:
  {% if outcome.success %}this warehouse may be published.
  {% else %}this warehouse must not be published.{% endif %}</p>
  <p>{{ counts.suites_passed }} of {{ counts.suites }} suites passed;
  {{ counts.expectations_passed }} of {{ counts.expectations }} expectations
  passed.</p>
</div>
<dl>
  <dt>Warehouse file</dt><dd><code>{{ database }}</code></dd>
  <dt>Validated at</dt><dd>{{ generated_at }} (UTC)</dd>
</dl>

{% if outcome.failures %}
<h2 id="failures">Failures that stop publication</h2>
<ul>
{% for failure in outcome.failures %}  <li><code>{{ failure }}</code></li>
{% endfor %}</ul>
{% endif %}
{% if outcome.warnings %}
<h2 id="warnings">Warnings</h2>
<p>These do not stop publication, but need a look.</p>
<ul>
{% for warning in outcome.warnings %}  <li><code>{{ warning }}</code></li>
{% endfor %}</ul>
{% endif %}

<h2 id="suites">Suites</h2>
<table>
<thead><tr><th scope="col">Suite</th><th scope="col">Rows read</th>
<th scope="col">Expectations passed</th><th scope="col">Seconds</th>
<th scope="col">Status</th></tr></thead>
<tbody>
{% for suite in outcome.suites %}<tr>
<td><a href="#{{ suite.name }}">{{ suite.name }}</a></td>
<td>{{ "{:,}".format(suite.rows_read) if suite.rows_read is not none
  else "not read" }}</td>
<td>{{ suite.expectations | selectattr("success") | list | length }}
of {{ suite.expectations | length }}</td>
<td>{{ "%.2f" | format(suite.seconds) }}</td>
<td class="status {{ status_class(suite) }}">{{ status_text(suite) }}</td>
</tr>
{% endfor %}</tbody>
</table>

{% for suite in outcome.suites %}
<h3 id="{{ suite.name }}">{{ suite.name }}:
<span class="status {{ status_class(suite) }}">{{ status_text(suite) }}</span></h3>
{% if suite.description %}<p>{{ suite.description }}</p>{% endif %}
{% if suite.problems %}
<p class="error">The suite could not run completely:</p>
<ul>
{% for problem in suite.problems %}  <li><code>{{ problem }}</code></li>
{% endfor %}</ul>
{% endif %}
{% if suite.expectations %}
<table>
<thead><tr><th scope="col">Expectation</th><th scope="col">Checks that</th>
<th scope="col">Result</th><th scope="col">Observed</th>
<th scope="col">Failing rows</th></tr></thead>
<tbody>
{% for expectation in suite.expectations %}<tr>
<td><code>{{ expectation.label }}</code></td>
<td>{{ expectation.description }}</td>
{% if expectation.errors %}<td class="status error">Error</td>
{% elif expectation.success %}<td class="status passed">Passed</td>
{% else %}<td class="status failed">Failed</td>{% endif %}
<td>{{ observed(expectation) }}</td>
<td>{% if expectation.errors %}<ul class="rows">
{% for error in expectation.errors %}<li><code>{{ error }}</code></li>{% endfor %}
</ul>{% elif expectation.failing_rows %}<ul class="rows">
{% for row in expectation.failing_rows %}<li><code>{{ row }}</code></li>{% endfor %}
{% if expectation.unexpected_count
  and expectation.unexpected_count > expectation.failing_rows | length %}
<li>and {{ expectation.unexpected_count - expectation.failing_rows | length }}
more</li>{% endif %}
</ul>{% endif %}</td>
</tr>
{% endfor %}</tbody>
</table>
{% endif %}
{% endfor %}
</body>
</html>
"""


def _status_class(suite) -> str:
    if suite.success:
        return "passed"
    return "failed" if suite.severity == "critical" else "warning"


def _status_text(suite) -> str:
    if suite.success:
        return "Passed"
    return "Failed" if suite.severity == "critical" else "Warning"


def _observed(expectation) -> str:
    if expectation.errors:
        return ""
    if expectation.element_count is not None:
        failing = expectation.unexpected_count or 0
        return f"{failing:,} of {expectation.element_count:,} rows failing"
    if expectation.observed_value is not None:
        return expectation.observed_value
    return ""


_environment = Environment(autoescape=select_autoescape(default=True))
_environment.globals.update(
    status_class=_status_class, status_text=_status_text, observed=_observed
)
_template = _environment.from_string(TEMPLATE)


def write_report(outcome: ValidationOutcome, database_path: Path, run_id: str) -> None:
    """Write run-<run_id>.html and .json to the report's folder, and latest.*.

    Each file is written to a temporary name and renamed, so a reader never
    sees half a report.
    """
    report_dir = outcome.report_path.parent
    report_dir.mkdir(parents=True, exist_ok=True)
    generated_at = datetime.now(UTC).replace(microsecond=0)
    counts = _count(outcome)

    html = _template.render(
        outcome=outcome,
        run_id=run_id,
        verdict="passed" if outcome.success else "failed",
        database=str(database_path),
        generated_at=generated_at.strftime("%Y-%m-%d %H:%M:%S"),
        counts=counts,
    )
    document = {
        "run_id": run_id,
        "database": str(database_path),
        "validated_at": generated_at.isoformat(),
        "success": outcome.success,
        "failures": outcome.failures,
        "warnings": outcome.warnings,
        "counts": counts,
        "suites": [
            {**dataclasses.asdict(suite), "success": suite.success}
            for suite in outcome.suites
        ],
    }
    text = json.dumps(document, indent=2, ensure_ascii=False) + "\n"

    _write_atomically(outcome.report_path, html)
    _write_atomically(report_dir / "latest.html", html)
    _write_atomically(outcome.report_path.with_suffix(".json"), text)
    _write_atomically(report_dir / "latest.json", text)


def _count(outcome: ValidationOutcome) -> dict[str, int]:
    expectations = [
        expectation for suite in outcome.suites for expectation in suite.expectations
    ]
    return {
        "suites": len(outcome.suites),
        "suites_passed": sum(suite.success for suite in outcome.suites),
        "expectations": len(expectations),
        "expectations_passed": sum(expectation.success for expectation in expectations),
    }


def _write_atomically(path: Path, text: str) -> None:
    descriptor, temporary = tempfile.mkstemp(
        dir=path.parent, prefix=f".{path.name}.", suffix=".tmp"
    )
    try:
        with os.fdopen(descriptor, "w", encoding="utf-8") as file:
            file.write(text)
        os.chmod(temporary, 0o644)
        os.replace(temporary, path)
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise
