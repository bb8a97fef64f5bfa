"""Staff pages for a school's survey links: QR codes, posters, access and codes."""

import io
import json

import segno
from flask import (
    Blueprint,
    Response,
    abort,
    current_app,
    flash,
    g,
    redirect,
    render_template,
    url_for,
)
from flask_wtf import FlaskForm
from govuk_frontend_wtf.wtforms_widgets import (
    GovCheckboxInput,
    GovRadioInput,
    GovSubmitInput,
    GovTextInput,
)
from sqlalchemy import case, func, select
from wtforms import BooleanField, IntegerField, RadioField, StringField, SubmitField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import InputRequired, Length, NumberRange, Optional

from ..auth import login_required, require_school_access
from ..db import get_db
from ..forms.text import PlainText
from ..models import (
    AccessCode,
    AccessCodeBatch,
    AuditEvent,
    BankGroup,
    School,
    SurveyLink,
    SurveyWindow,
)
from ..questionnaire import AUDIENCES
from ..windows import (
    MAX_CODES_PER_BATCH,
    MAX_NUMBER_ON_ROLL,
    issue_access_codes,
    set_access,
    window_status,
)

bp = Blueprint("survey_admin", __name__)

STAFF_ROLES = ("school", "borough", "admin")


class WholeNumberField(IntegerField):
    """An integer field whose parse error is a message written for people."""

    def __init__(self, label, invalid_message: str, **kwargs):
        super().__init__(label, **kwargs)
        self.invalid_message = invalid_message

    def process_formdata(self, valuelist):
        try:
            super().process_formdata(valuelist)
        except ValueError:
            self.data = None
            raise ValueError(self.invalid_message) from None


class AccessForm(FlaskForm):
    access_mode = RadioField(
        "Who can answer through this link?",
        choices=[
            SelectChoice("open", "Anyone with the link"),
            SelectChoice("codes", "Only people with a single-use code"),
        ],
        widget=GovRadioInput(),
        validators=[InputRequired("Select who can answer through this link")],
    )
    kiosk = BooleanField(
        "Shared device: after each person sends their answers, go back to a "
        "fresh start page",
        widget=GovCheckboxInput(),
    )
    number_on_roll = WholeNumberField(
        "Number of people in this group (optional)",
        "Enter the number of people as a whole number, like 120",
        widget=GovTextInput(),
        validators=[
            Optional(),
            NumberRange(
                min=1,
                max=MAX_NUMBER_ON_ROLL,
                message=f"Number of people must be between 1 and {MAX_NUMBER_ON_ROLL}",
            ),
        ],
    )
    submit = SubmitField("Save access settings", widget=GovSubmitInput())


class CodesForm(FlaskForm):
    label = StringField(
        "Class or group",
        widget=GovTextInput(),
        filters=[lambda value: value.strip() if value else value],
        validators=[
            InputRequired("Enter a class or group name, like 5B"),
            Length(max=100, message="Class or group must be 100 characters or fewer"),
            PlainText("Class or group"),
        ],
    )
    count = WholeNumberField(
        "How many codes",
        f"Enter how many codes to print as a whole number, from 1 to "
        f"{MAX_CODES_PER_BATCH}",
        widget=GovTextInput(),
        validators=[
            InputRequired(
                f"Enter how many codes to print, from 1 to {MAX_CODES_PER_BATCH}"
            ),
            NumberRange(
                min=1,
                max=MAX_CODES_PER_BATCH,
                message=f"Number of codes must be between 1 and {MAX_CODES_PER_BATCH}",
            ),
        ],
    )
    submit = SubmitField("Print access codes", widget=GovSubmitInput())


# Views


@bp.get("/survey-links")
@login_required(*STAFF_ROLES)
def links():
    """Send a school user to their school's links, and list schools for others."""
    if g.user.role == "school":
        return redirect(url_for(".school_links", school_id=g.user.school_id))
    schools = get_db().scalars(select(School).order_by(School.name)).all()
    return render_template("survey_admin/schools.html", schools=schools)


@bp.get("/schools/<int:school_id>/survey-links")
@login_required(*STAFF_ROLES)
def school_links(school_id):
    require_school_access(school_id)
    db = get_db()
    school = db.get(School, school_id) or abort(404)
    windows = db.scalars(
        select(SurveyWindow)
        .where(SurveyWindow.school_id == school_id)
        .order_by(SurveyWindow.opens_on.desc())
    ).all()
    return render_template(
        "survey_admin/school-links.html",
        school=school,
        windows=windows,
        statuses={window.window_id: window_status(window) for window in windows},
        titles=_group_titles(windows),
        code_counts=_code_counts([link for w in windows for link in w.links]),
        public_url=_public_url,
    )


@bp.get("/schools/<int:school_id>/survey-links/<int:link_id>/qr.svg")
@login_required(*STAFF_ROLES)
def qr_code(school_id, link_id):
    link = _school_link(school_id, link_id)
    buffer = io.BytesIO()
    segno.make_qr(_public_url(link), error="m").save(
        buffer, kind="svg", scale=8, border=4, title=f"QR code for {_public_url(link)}"
    )
    return Response(buffer.getvalue(), mimetype="image/svg+xml")


@bp.get("/schools/<int:school_id>/survey-links/<int:link_id>/poster")
@login_required(*STAFF_ROLES)
def poster(school_id, link_id):
    link = _school_link(school_id, link_id)
    return render_template(
        "survey_admin/poster.html",
        link=link,
        school=link.window.school,
        window=link.window,
        audience=AUDIENCES[link.stakeholder_group],
        url=_public_url(link),
        back_url=url_for(".school_links", school_id=school_id),
    )


@bp.route(
    "/schools/<int:school_id>/survey-links/<int:link_id>/access",
    methods=["GET", "POST"],
)
@login_required(*STAFF_ROLES)
def access(school_id, link_id):
    link = _school_link(school_id, link_id)
    form = AccessForm(
        data={
            "access_mode": link.access_mode,
            "kiosk": link.kiosk,
            "number_on_roll": link.number_on_roll,
        }
    )
    if form.validate_on_submit():
        try:
            set_access(
                link,
                form.access_mode.data,
                form.kiosk.data,
                form.number_on_roll.data,
            )
        except ValueError as error:
            form.access_mode.errors.append(str(error))
        else:
            _audit(
                "survey_link.access_changed",
                link,
                {
                    "access_mode": link.access_mode,
                    "kiosk": link.kiosk,
                    "number_on_roll": link.number_on_roll,
                },
            )
            get_db().commit()
            flash(f"Access settings saved for {AUDIENCES[link.stakeholder_group]}")
            return redirect(url_for(".school_links", school_id=school_id), 303)
    return render_template(
        "survey_admin/access.html",
        form=form,
        link=link,
        school=link.window.school,
        audience=AUDIENCES[link.stakeholder_group],
        back_url=url_for(".school_links", school_id=school_id),
    )


@bp.route(
    "/schools/<int:school_id>/survey-links/<int:link_id>/codes",
    methods=["GET", "POST"],
)
@login_required(*STAFF_ROLES)
def codes(school_id, link_id):
    """Issue a batch of codes and show them once, as a sheet of slips to print.

    The sheet is the POST's response, not a redirect: the codes exist only in
    this response. A refresh makes the browser offer to send the form again,
    which issues a new batch.
    """
    link = _school_link(school_id, link_id)
    form = CodesForm()
    if form.validate_on_submit():
        try:
            issued = issue_access_codes(
                get_db(), link, form.label.data, form.count.data
            )
        except ValueError as error:
            form.label.errors.append(str(error))
        else:
            _audit(
                "access_codes.issued",
                link,
                {"label": form.label.data, "count": len(issued)},
            )
            get_db().commit()
            return render_template(
                "survey_admin/code-slips.html",
                codes=issued,
                label=form.label.data,
                link=link,
                school=link.window.school,
                audience=AUDIENCES[link.stakeholder_group],
                url=_public_url(link),
                back_url=url_for(".school_links", school_id=school_id),
            )
    return render_template(
        "survey_admin/codes.html",
        form=form,
        link=link,
        school=link.window.school,
        audience=AUDIENCES[link.stakeholder_group],
        back_url=url_for(".school_links", school_id=school_id),
    )


@bp.get("/survey-links/print.css")
def print_css():
    """Serve the print styles of posters and code slips."""
    css = render_template("survey_admin/print.css")
    return Response(css, mimetype="text/css", headers={"Cache-Control": "max-age=3600"})


# Helpers


def _school_link(school_id: int, link_id: int) -> SurveyLink:
    """Return a link of the school, or 404 if the user may not see it."""
    require_school_access(school_id)
    link = get_db().get(SurveyLink, link_id)
    if link is None or link.window.school_id != school_id:
        abort(404)
    return link


def _public_url(link: SurveyLink) -> str:
    return url_for("survey.start", token=link.token, _external=True)


def _group_titles(windows) -> dict[tuple[str, str], str]:
    versions = {window.bank_version for window in windows}
    if not versions:
        return {}
    rows = get_db().execute(
        select(
            BankGroup.bank_version, BankGroup.stakeholder_group, BankGroup.title
        ).where(BankGroup.bank_version.in_(versions))
    )
    return {(version, group): title for version, group, title in rows}


def _code_counts(links) -> dict[int, list[tuple[str, int, int]]]:
    """Return each link's code batches as (label, issued, used), oldest first."""
    link_ids = [link.link_id for link in links]
    if not link_ids:
        return {}
    rows = get_db().execute(
        select(
            AccessCodeBatch.link_id,
            AccessCodeBatch.label,
            func.count(AccessCode.code_hash),
            func.sum(case((AccessCode.is_spent, 1), else_=0)),
        )
        .join(AccessCode, AccessCode.batch_id == AccessCodeBatch.batch_id)
        .where(AccessCodeBatch.link_id.in_(link_ids))
        .group_by(AccessCodeBatch.batch_id)
        .order_by(AccessCodeBatch.batch_id)
    )
    counts: dict[int, list[tuple[str, int, int]]] = {}
    for link_id, label, issued, used in rows:
        counts.setdefault(link_id, []).append((label, issued, used or 0))
    return counts


def _audit(action: str, link: SurveyLink, detail: dict) -> None:
    get_db().add(
        AuditEvent(
            user_id=g.user.user_id,
            action=action,
            object_type="survey_link",
            object_id=str(link.link_id),
            detail_json=json.dumps(detail),
        )
    )
    current_app.logger.info(action, extra={"link_id": link.link_id})
