"""Who is signed in, and the decorators that guard staff pages.

Respondents never sign in. Staff sign in with an email and password; the
session stores the user id and the account's session_version, so that
signing out or changing the password ends every copy of the session.
"""

import functools

from flask import abort, g, redirect, request, session, url_for

from .db import get_db
from .models import User


def load_signed_in_user() -> None:
    """Set g.user from the session, or None for anonymous requests."""
    user_id = session.get("user_id")
    g.user = None
    if user_id is not None:
        user = get_db().get(User, user_id)
        if (
            user is not None
            and user.is_active
            and session.get("session_version", 0) == user.session_version
        ):
            g.user = user


def login_required(*roles: str):
    """Require a signed-in user, and one of roles when any are given.

    Anonymous users go to the sign-in page; a signed-in user of another role
    gets 403.
    """

    def decorator(view):
        @functools.wraps(view)
        def wrapped(*args, **kwargs):
            if g.get("user") is None:
                return redirect(url_for("auth.sign_in", next=request.full_path))
            if g.user.must_change_password:
                return redirect(url_for("auth.change_password"))
            if roles and g.user.role not in roles:
                abort(403)
            return view(*args, **kwargs)

        return wrapped

    return decorator


def require_school_access(school_id: int) -> None:
    """Abort with 404 unless the signed-in user may see this school's data.

    Borough users and administrators see every school; a school user only
    their own. 404, not 403, so that other schools' ids are not confirmed.
    """
    user = g.get("user")
    if user is None:
        abort(404)
    if user.role in ("borough", "admin"):
        return
    if user.school_id != school_id:
        abort(404)


def init_app(app) -> None:
    app.before_request(load_signed_in_user)
