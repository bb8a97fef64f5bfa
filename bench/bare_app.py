"""The baseline of the web benchmarks: a bare Flask app on the same gunicorn settings.

It has no templates, database, session or security headers, so what it
serves shows what gunicorn and Flask cost per request on this machine.
"""

from flask import Flask

app = Flask(__name__)


@app.get("/")
def index() -> str:
    return "Baseline page: a short text served by a bare Flask endpoint."
