"""The survey app: anonymous questionnaires, school results and administration."""

from flask import Flask, current_app, render_template, send_from_directory
from govuk_frontend_wtf.main import WTFormsHelpers
from jinja2 import ChoiceLoader, PackageLoader, PrefixLoader
from sqlalchemy.exc import OperationalError
from werkzeug.routing import IntegerConverter

from . import auth, cli, db, limiter, security
from .config import load_config


def create_app(overrides: dict | None = None) -> Flask:
    """Create the app; overrides replace settings from the environment."""
    config = load_config(overrides)
    app = Flask(__name__)
    app.config.from_object(config)
    app.jinja_loader = ChoiceLoader(
        [
            PackageLoader("survey_app"),
            PrefixLoader(
                {
                    "govuk_frontend_jinja": PackageLoader("govuk_frontend_jinja"),
                    "govuk_frontend_wtf": PackageLoader("govuk_frontend_wtf"),
                }
            ),
        ]
    )
    app.jinja_env.trim_blocks = True
    app.jinja_env.lstrip_blocks = True
    WTFormsHelpers(app)
    db.init_app(app)
    security.init_app(app)
    limiter.init_app(app)
    auth.init_app(app)
    cli.init_app(app)
    # Before the views, because a rule looks up its converters when it is added.
    app.url_map.converters["int"] = StoreIdConverter
    _register_views(app)
    _register_error_pages(app)
    _serve_govuk_assets(app)
    return app


# SQLite stores an INTEGER in at most 8 signed bytes.
MAX_STORE_INTEGER = 2**63 - 1


class StoreIdConverter(IntegerConverter):
    """The <int:...> converter, matching only numbers that SQLite can store.

    A larger number in a URL is then a 404, like any id that does not exist,
    where the query would otherwise raise OverflowError.
    """

    def __init__(self, url_map, *args, max=MAX_STORE_INTEGER, **kwargs):
        super().__init__(url_map, *args, max=max, **kwargs)


def _register_views(app: Flask) -> None:
    from .views import blueprints

    for blueprint in blueprints:
        app.register_blueprint(blueprint)


def _register_error_pages(app: Flask) -> None:
    for status in (400, 403, 404, 405, 413, 429, 500, 503):
        app.register_error_handler(status, _render_error)
    app.register_error_handler(OperationalError, _render_store_unavailable)


def _render_error(error):
    status = getattr(error, "code", 500) or 500
    return render_template(f"errors/{status}.html", error=error), status


def _render_store_unavailable(error: OperationalError):
    """Respond with 503 when the store cannot be read or written.

    The causes are a full or read-only disk, or a lock held past the busy
    timeout. The failed transaction stored nothing, and a respondent's
    answers stay in their session to send again.
    """
    # Only SQLite's message: the statement's parameters can hold answers.
    current_app.logger.error("operational store unavailable: %s", error.orig)
    return render_template("errors/503.html", error=None), 503


def _serve_govuk_assets(app: Flask) -> None:
    """Serve GOV.UK Frontend's images at /assets, where its CSS expects them."""
    assets_dir = app.static_folder + "/govuk"

    @app.get("/assets/<path:filename>")
    def govuk_assets(filename):
        return send_from_directory(assets_dir, filename, max_age=86400)

    # Browsers ask for /favicon.ico whatever the page links to.
    @app.get("/favicon.ico")
    def favicon():
        return send_from_directory(assets_dir + "/images", "favicon.ico", max_age=86400)
