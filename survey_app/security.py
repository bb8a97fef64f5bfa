"""Security headers and the Content Security Policy, with a nonce per response."""

import secrets

from flask import Flask, g, request


def init_app(app: Flask) -> None:
    """Give every request a CSP nonce and every response the security headers."""
    app.before_request(_make_nonce)
    app.after_request(_set_headers)
    app.jinja_env.globals["csp_nonce"] = lambda: g.get("csp_nonce", "")


def _make_nonce() -> None:
    g.csp_nonce = secrets.token_urlsafe(16)


def _set_headers(response):
    nonce = g.get("csp_nonce", "")
    # A view serving a self-contained page (the validation report) sets its own.
    response.headers.setdefault(
        "Content-Security-Policy",
        "default-src 'self'; "
        f"script-src 'self' 'nonce-{nonce}'; "
        "style-src 'self'; "
        "img-src 'self' data:; "
        "font-src 'self'; "
        "connect-src 'self'; "
        "form-action 'self'; "
        "frame-ancestors 'none'; "
        "base-uri 'none'; "
        "object-src 'none'",
    )
    response.headers["X-Content-Type-Options"] = "nosniff"
    response.headers["X-Frame-Options"] = "DENY"
    response.headers["Referrer-Policy"] = "no-referrer"
    response.headers["Permissions-Policy"] = "camera=(), microphone=(), geolocation=()"
    response.headers["Cross-Origin-Opener-Policy"] = "same-origin"
    if request.is_secure:
        response.headers["Strict-Transport-Security"] = "max-age=31536000"
    return response
