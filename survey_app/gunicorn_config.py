"""Gunicorn settings, and the request log rules that both web servers follow.

Run with: gunicorn -c python:survey_app.gunicorn_config

Respondents are anonymous, so the request log keeps no remote address, no
user agent, no referrer and no query string, only the method, the URL path,
the status and the size. It keeps no time either: the time of a POST to a
questionnaire's check page would give each response a submission time,
which the store deliberately keeps only as a date. Answers travel in POST
bodies, which neither server logs. The app's own log lines have no time
for the same reason: a warning about a questionnaire request would date it.
"""

import logging
import os
import re

from flask.logging import default_handler

wsgi_app = "survey_app:create_app()"
bind = os.environ.get("IMHARS_BIND", "127.0.0.1:8000")
workers = int(os.environ.get("WEB_CONCURRENCY", "2"))
accesslog = "-"
errorlog = "-"
# %(U)s is the URL path without the query string. The request line %(r)s,
# address %(h)s, user agent %(a)s, referrer %(f)s and time %(t)s are left out.
access_log_format = '"%(m)s %(U)s %(H)s" %(s)s %(B)s %(M)sms'
forwarded_allow_ips = os.environ.get("IMHARS_FORWARDED_ALLOW_IPS", "127.0.0.1")
# The service does not use gunicorn's control interface. Its default socket
# path is shared by every gunicorn of the same user, so a second server
# would take over the first one's socket.
control_socket_disable = True

# Flask's default format without its leading %(asctime)s.
APP_LOG_FORMAT = "%(levelname)s in %(module)s: %(message)s"

# Werkzeug's development server (flask run, used by make run) prefixes each
# request line with "<address> - - [<time>] ".
_WERKZEUG_PREFIX = re.compile(r"^\S+ - - \[[^\]]*\] ")
_QUERY_STRING = re.compile(r"\?[^\s\x1b\"']*")


class AnonymousRequestLogFilter(logging.Filter):
    """Remove the client address, time and query strings from Werkzeug's log."""

    def filter(self, record: logging.LogRecord) -> bool:
        if isinstance(record.msg, str):
            record.msg = _QUERY_STRING.sub("", _WERKZEUG_PREFIX.sub("", record.msg))
        if isinstance(record.args, tuple):
            record.args = tuple(
                _QUERY_STRING.sub("", arg) if isinstance(arg, str) else arg
                for arg in record.args
            )
        return True


def install_dev_server_log_filter() -> None:
    """Add AnonymousRequestLogFilter to the 'werkzeug' logger, once."""
    logger = logging.getLogger("werkzeug")
    if not any(isinstance(item, AnonymousRequestLogFilter) for item in logger.filters):
        logger.addFilter(AnonymousRequestLogFilter())


def install_app_log_format() -> None:
    """Format the app's log lines without a time, on Flask's default handler.

    The handler is the one Flask adds when no logging is configured. A
    deployment that configures logging chooses its own format.
    """
    default_handler.setFormatter(logging.Formatter(APP_LOG_FORMAT))
