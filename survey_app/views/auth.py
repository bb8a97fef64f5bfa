"""Staff sign-in, sign-out and password change, and the navigation of signed-in
pages."""

from urllib.parse import urlsplit

from flask import (
    Blueprint,
    current_app,
    flash,
    g,
    redirect,
    render_template,
    request,
    session,
    url_for,
)
from flask_wtf.csrf import generate_csrf
from markupsafe import Markup
from sqlalchemy import func, select

from ..db import get_db
from ..forms import ChangePasswordForm, SignInForm, SignOutForm
from ..limiter import limit_password_change, limit_sign_in
from ..models import User
from ..passwords import (
    hash_password,
    needs_rehash,
    password_problem,
    verify_dummy_password,
    verify_password,
)

bp = Blueprint("auth", __name__)

SIGN_IN_FAILED = "Enter a correct email address and password"
FORM_EXPIRED = "This page expired, so nothing was sent. Try again"
# The staff sections, in the order of the service navigation.
NAVIGATION = (
    ("results.index", "Results"),
    ("self_review.index", "Self-review"),
    ("survey_admin.links", "Survey links"),
)
# Sections shown only to some roles, after the shared ones.
ROLE_NAVIGATION = (
    ("borough.dashboard", "Borough", ("borough", "admin")),
    ("admin.index", "Administration", ("admin",)),
)


@bp.route("/sign-in", methods=["GET", "POST"])
@limit_sign_in
def sign_in():
    next_path = safe_next_path(request.args.get("next"))
    if g.user is not None and request.method == "GET":
        return redirect(next_path or url_for("results.index"))

    form = SignInForm()
    if form.validate_on_submit():
        user = _authenticate(form.email.data, form.password.data)
        if user is not None:
            _start_session(user)
            return redirect(next_path or url_for("results.index"))

        current_app.logger.warning("Sign-in failed")
        form.password.errors.append(SIGN_IN_FAILED)
    elif form.csrf_token.errors:
        flash(FORM_EXPIRED)
        return redirect(url_for("auth.sign_in", next=next_path))

    return render_template("auth/sign-in.html", form=form, next_path=next_path)


@bp.get("/sign-out")
def sign_out_page():
    if g.user is None:
        return redirect(url_for("auth.sign_in"))

    return render_template("auth/sign-out.html", sign_out_form=SignOutForm())


@bp.post("/sign-out")
def sign_out():
    form = SignOutForm()
    if not form.validate_on_submit():
        flash(FORM_EXPIRED)
        return redirect(url_for("auth.sign_out_page"))

    if g.user is not None:
        # Ends this session's copies too, such as a cookie taken from a shared
        # computer, and the person's sessions on other devices.
        g.user.session_version += 1
        get_db().commit()
        current_app.logger.info("Signed out", extra={"user_id": g.user.user_id})
    session.clear()
    flash("You have signed out")
    return redirect(url_for("auth.sign_in"))


def safe_next_path(target: str | None) -> str | None:
    """Return target when it is a path on this site, else None.

    Rejects absolute and scheme-relative URLs ("//host"), backslashes (which
    browsers read as slashes) and control characters, so that a link to the
    sign-in page cannot send a user on to another site.
    """
    if not target or not target.startswith("/") or target.startswith("//"):
        return None
    if "\\" in target or any(ord(character) < 32 for character in target):
        return None
    parts = urlsplit(target)
    if parts.scheme or parts.netloc:
        return None
    return target.removesuffix("?")


def _authenticate(email: str, password: str) -> User | None:
    """Return the active user with this email and password, or None.

    Every path verifies one Argon2 hash, so an unknown email takes as long as
    a wrong password.
    """
    db = get_db()
    user = db.scalar(select(User).where(func.lower(User.email) == email.lower()))
    if user is None:
        verify_dummy_password(password)
        return None
    if not verify_password(user.password_hash, password) or not user.is_active:
        return None

    if needs_rehash(user.password_hash):
        user.password_hash = hash_password(password)
        db.commit()
        current_app.logger.info("Password rehashed", extra={"user_id": user.user_id})
    return user


def _start_session(user: User) -> None:
    """Replace whatever the session held with this user's id.

    Clearing first drops anything stored before sign-in, including the old
    CSRF token, so nothing planted in a session survives into a signed-in one.
    """
    session.clear()
    session["user_id"] = user.user_id
    session["session_version"] = user.session_version
    current_app.logger.info("Signed in", extra={"user_id": user.user_id})


@bp.route("/account/password", methods=["GET", "POST"])
@limit_password_change
def change_password():
    """Let a signed-in person choose a new password.

    People whose password an administrator chose are sent here by every
    staff page until they change it. A change ends the person's other
    sessions.
    """
    user = g.user
    if user is None:
        return redirect(url_for("auth.sign_in", next=url_for("auth.change_password")))

    form = ChangePasswordForm()
    if form.validate_on_submit():
        if not verify_password(user.password_hash, form.current_password.data):
            current_app.logger.warning(
                "Password change failed: wrong current password",
                extra={"user_id": user.user_id},
            )
            form.current_password.errors.append(
                "The current password is wrong: type the password you signed in with"
            )
        else:
            problem = password_problem(form.new_password.data, user.email)
            if problem is None and form.new_password.data == (
                form.current_password.data
            ):
                problem = "Enter a password that differs from your current one"
            if problem:
                form.new_password.errors.append(problem)
            else:
                user.password_hash = hash_password(form.new_password.data)
                user.must_change_password = False
                user.session_version += 1
                get_db().commit()
                _start_session(user)
                current_app.logger.info(
                    "Password changed", extra={"user_id": user.user_id}
                )
                flash("Your password is changed")
                return redirect(url_for("results.index"))
    elif form.csrf_token.errors:
        flash(FORM_EXPIRED)
        return redirect(url_for("auth.change_password"))

    return render_template("auth/change-password.html", form=form)


@bp.after_app_request
def _forbid_caching_staff_pages(response):
    """Keep signed-in pages and the sign-in form out of browser and proxy caches."""
    if g.get("user") is not None or request.blueprint == "auth":
        response.headers["Cache-Control"] = "no-store"
    return response


@bp.app_context_processor
def _navigation():
    """Give signed-in pages the service navigation, ending with a sign-out button."""
    if g.get("user") is None:
        return {}

    blueprint = request.blueprint or ""
    items = [
        {
            "href": url_for(endpoint),
            "text": text,
            "active": blueprint == endpoint.split(".")[0],
        }
        for endpoint, text in NAVIGATION
    ]
    items += [
        {
            "href": url_for(endpoint),
            "text": text,
            "active": blueprint == endpoint.split(".")[0],
        }
        for endpoint, text, roles in ROLE_NAVIGATION
        if g.user.role in roles
    ]
    items.append(
        {
            "href": url_for("auth.change_password"),
            "text": "Change password",
            "active": request.endpoint == "auth.change_password",
        }
    )
    items.append({"html": _sign_out_button()})
    return {"navigation_items": items}


def _sign_out_button() -> Markup:
    """Render a form whose button signs out, so the navigation needs no script."""
    return Markup(
        '<form method="post" action="{action}" class="app-sign-out">'
        '<input type="hidden" name="csrf_token" value="{token}">'
        '<button type="submit" class="app-sign-out__button '
        'govuk-service-navigation__link">Sign out</button>'
        "</form>"
    ).format(action=url_for("auth.sign_out"), token=generate_csrf())
