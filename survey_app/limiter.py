"""Rate limits on sign-in attempts, per client address and per email address.

Counts live in RATELIMIT_STORAGE_URI: by default a SQLite file in VAR_DIR
that every server process shares (imhars-var://), or any storage of the
limits library, such as redis://. The limit itself is LOGIN_RATE_LIMIT, like
"10 per minute".
"""

import hashlib

from flask import Flask, current_app, g, request
from flask_limiter import Limiter
from flask_limiter.util import get_remote_address

# Registers the imhars-var:// storage scheme with the limits library.
from . import ratelimit_storage  # noqa: F401

# NOTE: behind a reverse proxy every request comes from the proxy's address,
# so the per-client limit needs werkzeug's ProxyFix configured for that proxy.
limiter = Limiter(key_func=get_remote_address)


def init_app(app: Flask) -> None:
    """Attach the limiter to the app, with storage from RATELIMIT_STORAGE_URI."""
    limiter.init_app(app)


def login_rate_limit() -> str:
    """Return the configured sign-in limit, like "10 per minute"."""
    return current_app.config["LOGIN_RATE_LIMIT"]


def client_key() -> str:
    """Key the limit by the client's address."""
    return f"sign-in-client:{get_remote_address()}"


def email_key() -> str:
    """Key the limit by the email entered, hashed so the storage contains no emails."""
    email = request.form.get("email", "").strip().lower()
    digest = hashlib.sha256(email.encode()).hexdigest()
    return f"sign-in-email:{digest}"


def limit_sign_in(view):
    """Apply the sign-in limit to POSTs of view, per client and per email."""
    per_email = limiter.limit(login_rate_limit, key_func=email_key, methods=["POST"])
    per_client = limiter.limit(login_rate_limit, key_func=client_key, methods=["POST"])
    return per_client(per_email(view))


def account_key() -> str:
    """Key the limit by the signed-in account, or the client when signed out."""
    user = g.get("user")
    if user is None:
        return client_key()
    return f"password-change:{user.user_id}"


def limit_password_change(view):
    """Apply the sign-in limit to POSTs of view, per account and per client.

    Changing a password requires the current one, so without a limit a
    stolen session could be used to guess it.
    """
    per_account = limiter.limit(
        login_rate_limit, key_func=account_key, methods=["POST"]
    )
    per_client = limiter.limit(login_rate_limit, key_func=client_key, methods=["POST"])
    return per_client(per_account(view))
