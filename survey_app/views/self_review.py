"""The school's self-review, its comparison with stakeholder views, next steps
and the report for governors.

Every page works on one school. A school user always works on their own
school (g.user.school_id). Borough and admin users name a school with the
`school` query parameter, and may only read. Each view reads the form, calls
survey_app.self_review and redirects or renders.
"""

from flask import (
    Blueprint,
    Response,
    abort,
    current_app,
    flash,
    g,
    redirect,
    render_template,
    request,
    url_for,
)
from flask_wtf import FlaskForm
from govuk_frontend_wtf.wtforms_widgets import GovDateInput
from sqlalchemy import select
from wtforms.fields.choices import SelectChoice
from wtforms.widgets import HiddenInput

from .. import report
from .. import self_review as service
from ..auth import login_required, require_school_access
from ..calendar import academic_year_for, london_today
from ..db import get_db
from ..forms.self_review import (
    DeleteNextStepForm,
    NewVersionForm,
    NextStepForm,
    StartForm,
    SubmitSelfReviewForm,
    component_form_class,
    field_key,
)
from ..models import (
    PROVISION_FIELDS,
    RATING_LEVELS,
    STAKEHOLDER_GROUPS,
    School,
    SelfReview,
    SurveyWindow,
)
from ..windows import stakeholder_groups_for

bp = Blueprint("self_review", __name__, url_prefix="/self-review")

STAKEHOLDER_LABELS = service.STAKEHOLDER_LABELS

FORM_EXPIRED = (
    "This page was open too long, so nothing was saved. Check your answers "
    "and select the button again"
)


# Which school, and who may change it


def _school_id() -> int:
    """Return the school of this request, aborting with 404 when not allowed.

    A school user's school comes from their account; a `school` parameter
    naming any other school is not found, so no URL reaches it.
    """
    user = g.user
    requested = request.args.get("school")
    if user.role == "school":
        if requested is not None and requested != str(user.school_id):
            abort(404)
        return user.school_id
    if requested is None or not requested.isdigit():
        abort(404)
    school_id = int(requested)
    require_school_access(school_id)
    if get_db().get(School, school_id) is None:
        abort(404)
    g.self_review_school_id = school_id
    return school_id


def _can_edit(school_id: int) -> bool:
    return g.user.role == "school" and g.user.school_id == school_id


def _require_editor(school_id: int) -> None:
    if not _can_edit(school_id):
        abort(403)


@bp.url_defaults
def _add_school_parameter(endpoint, values):
    """Keep a borough user's chosen school in every link of these pages."""
    school_id = g.get("self_review_school_id")
    if school_id is not None and "school" not in values:
        values["school"] = school_id


def _academic_year(year_slug: str) -> str:
    try:
        return service.academic_year_from_slug(year_slug)
    except ValueError:
        abort(404)


@bp.context_processor
def _helpers():
    return {
        "format_time": report.format_london_time,
        "format_date": report.format_date,
        "format_score": report.format_score,
        "rating_labels": service.RATING_LABELS,
        "rating_levels": RATING_LEVELS,
        "provision_fields": PROVISION_FIELDS,
        "provision_labels": service.PROVISION_LABELS,
        "stakeholder_labels": STAKEHOLDER_LABELS,
        "year_slug": service.academic_year_slug,
        "describe_change": report.describe_change,
        "describe_value": report.describe_value,
        "format_signed": report.format_signed,
        "multiline": report.multiline,
        "reading_names": report.READING_NAMES,
    }


def _set_edit_count(form: FlaskForm, edit_count: int) -> None:
    """Put the current edit counter in a re-rendered form.

    The field renders what was submitted (raw_data) in preference to data,
    so both are set.
    """
    form.edit_count.data = edit_count
    form.edit_count.raw_data = [str(edit_count)]


def _error_list(form: FlaskForm | None, extra: list[dict] | None = None) -> list:
    """Return the GOV.UK error summary items: extra first, then field errors."""
    errors = list(extra or [])
    if form is None:
        return errors
    for name, field in form._fields.items():
        if not field.errors or name == "csrf_token":
            continue
        href = f"#{field.id}"
        if isinstance(field.widget, GovDateInput):
            href = f"#{field.name}-day"
        elif isinstance(field.widget, HiddenInput):
            href = "#main-content"
        errors.append({"text": field.errors[0], "href": href})
    if "csrf_token" in form._fields and form.csrf_token.errors:
        errors.insert(0, {"text": FORM_EXPIRED, "href": "#main-content"})
    return errors


# Self-review pages


@bp.get("")
@login_required()
def index():
    if g.user.role != "school" and request.args.get("school") is None:
        schools = get_db().scalars(select(School).order_by(School.name)).all()
        return render_template("self_review/choose-school.html", schools=schools)

    school_id = _school_id()
    db = get_db()
    form = StartForm()
    form.academic_year.choices = _startable_years(school_id)
    return render_template(
        "self_review/index.html",
        school=db.get(School, school_id),
        years=service.list_self_review_years(db, school_id),
        form=form,
        can_edit=_can_edit(school_id),
        error_list=[],
    )


def _startable_years(school_id: int) -> list[SelectChoice]:
    """Offer this academic year, the last one, and every year with a survey."""
    current = academic_year_for(london_today())
    years = {current, _previous_academic_year(current)}
    years.update(
        get_db().scalars(
            select(SurveyWindow.academic_year).where(
                SurveyWindow.school_id == school_id
            )
        )
    )
    return [SelectChoice(year, year) for year in sorted(years, reverse=True)]


def _previous_academic_year(academic_year: str) -> str:
    start = int(academic_year[:4]) - 1
    return f"{start}/{(start + 1) % 100:02d}"


@bp.post("/start")
@login_required()
def start():
    school_id = _school_id()
    _require_editor(school_id)
    db = get_db()
    form = StartForm()
    form.academic_year.choices = _startable_years(school_id)
    if not form.validate_on_submit():
        return render_template(
            "self_review/index.html",
            school=db.get(School, school_id),
            years=service.list_self_review_years(db, school_id),
            form=form,
            can_edit=True,
            error_list=_error_list(form),
        ), 400

    draft = service.start_draft(db, school_id, form.academic_year.data, g.user)
    current_app.logger.info(
        "Self-review draft opened",
        extra={"school_id": school_id, "self_review_id": draft.self_review_id},
    )
    return redirect(
        url_for(
            "self_review.overview",
            year_slug=service.academic_year_slug(draft.academic_year),
        )
    )


@bp.get("/<year_slug>")
@login_required()
def overview(year_slug):
    school_id = _school_id()
    academic_year = _academic_year(year_slug)
    return _render_overview(school_id, academic_year)


def _render_overview(
    school_id, academic_year, submit_form=None, error_list=None, status=200
):
    db = get_db()
    version = service.current_version(db, school_id, academic_year)
    if version is None:
        if not _can_edit(school_id):
            abort(404)
        return render_template(
            "self_review/not-started.html",
            academic_year=academic_year,
            start_form=StartForm(academic_year=academic_year),
            error_list=[],
        )

    framework = service.load_framework(db, version.framework_version)
    if submit_form is None:
        submit_form = SubmitSelfReviewForm(edit_count=version.edit_count)
    versions = service.list_versions(db, school_id, academic_year)
    names = service.user_names(
        db,
        {row.created_by_user_id for row in versions}
        | {row.submitted_by_user_id for row in versions},
    )
    return render_template(
        "self_review/overview.html",
        school=db.get(School, school_id),
        academic_year=academic_year,
        version=version,
        versions=versions,
        names=names,
        framework=framework,
        component_progress=report.component_progress(framework, version),
        unrated=service.unrated_practice_ids(version),
        changes=service.list_changes(db, version.self_review_id)[:20],
        submit_form=submit_form,
        new_version_form=NewVersionForm(),
        has_draft=any(row.status == "draft" for row in versions),
        can_edit=_can_edit(school_id),
        error_list=error_list or [],
    ), status


@bp.route("/<year_slug>/components/<component_id>", methods=["GET", "POST"])
@login_required()
def component(year_slug, component_id):
    school_id = _school_id()
    academic_year = _academic_year(year_slug)
    db = get_db()
    version = service.current_version(db, school_id, academic_year)
    if version is None:
        abort(404)
    framework = service.load_framework(db, version.framework_version)
    try:
        component_info = framework.component(component_id)
    except service.NotFoundError:
        abort(404)

    editable = version.status == "draft" and _can_edit(school_id)
    if request.method == "POST":
        _require_editor(school_id)
    form_class = component_form_class(component_info)
    if request.method == "POST":
        form = form_class()
    else:
        form = form_class(data=_component_form_data(version, component_info))

    error_list: list[dict] = []
    conflicts: dict[str, str | None] = {}
    if request.method == "POST":
        if version.status != "draft":
            error_list.append(
                {
                    "text": (
                        f"Version {version.version_number} was submitted, so it "
                        "cannot change. Start a new version to make changes"
                    ),
                    "href": "#main-content",
                }
            )
        elif form.validate_on_submit():
            try:
                service.save_component(
                    db,
                    version,
                    component_id,
                    _component_values(form, component_info),
                    form.edit_count.data,
                    g.user,
                )
            except service.StaleEditError as error:
                conflicts = _conflicts(db, version, component_info, form)
                _set_edit_count(form, _provision_edit_count(db, version, component_id))
                error_list.append(
                    {"text": _stale_message(error.last_change), "href": "#main-content"}
                )
                current_app.logger.warning(
                    "Stale self-review save rejected",
                    extra={
                        "self_review_id": version.self_review_id,
                        "component_id": component_id,
                    },
                )
            except service.NotEditableError:
                error_list.append(
                    {
                        "text": (
                            "Someone submitted this self-review while you were "
                            "editing, so your changes were not saved. Start a new "
                            "version to make changes"
                        ),
                        "href": "#main-content",
                    }
                )
            else:
                flash(f"{component_info.title}: saved", "success")
                return redirect(url_for("self_review.overview", year_slug=year_slug))

    error_list = _error_list(form if request.method == "POST" else None, error_list)
    return render_template(
        "self_review/component.html",
        academic_year=academic_year,
        version=version,
        component=component_info,
        form=form,
        field_key=field_key,
        ratings=service.ratings_by_practice(version),
        provision=service.provision_by_component(version)[component_id],
        conflicts=conflicts,
        editable=editable,
        error_list=error_list,
        last_change=service.last_component_change(
            db, version.self_review_id, component_id
        ),
    ), (400 if error_list else 200)


def _component_form_data(version: SelfReview, component_info) -> dict:
    ratings = service.ratings_by_practice(version)
    provision = service.provision_by_component(version)[component_info.component_id]
    data = {"edit_count": provision.edit_count}
    for practice in component_info.practices:
        rating = ratings[practice.practice_id]
        key = field_key(practice.practice_id)
        data[f"level_{key}"] = None if rating.level is None else str(rating.level)
        data[f"evidence_{key}"] = rating.evidence or ""
    for name in PROVISION_FIELDS:
        data[name] = getattr(provision, name) or ""
    return data


def _component_values(form, component_info) -> service.ComponentValues:
    values = service.ComponentValues()
    for practice in component_info.practices:
        key = field_key(practice.practice_id)
        level = getattr(form, f"level_{key}").data
        values.levels[practice.practice_id] = (
            int(level) if level not in (None, "") else None
        )
        values.evidence[practice.practice_id] = getattr(form, f"evidence_{key}").data
    for name in PROVISION_FIELDS:
        values.provision[name] = getattr(form, name).data
    return values


def _provision_edit_count(db, version, component_id) -> int:
    db.expire_all()
    version = db.get(SelfReview, version.self_review_id)
    return service.provision_by_component(version)[component_id].edit_count


def _conflicts(db, version, component_info, form) -> dict[str, str | None]:
    """Map each field whose saved value differs from the form to the saved value."""
    db.expire_all()
    version = db.get(SelfReview, version.self_review_id)
    saved = _component_form_data(version, component_info)
    conflicts = {}
    for name, saved_value in saved.items():
        if name == "edit_count":
            continue
        submitted = getattr(form, name).data
        if (submitted or None) != (saved_value or None):
            if name.startswith("level_") and saved_value is not None:
                saved_value = service.RATING_LABELS[RATING_LEVELS[int(saved_value)]]
            conflicts[name] = saved_value
    return conflicts


def _stale_message(last_change) -> str:
    if last_change is None:
        return (
            "Someone saved this page after you opened it, so your changes were "
            "not saved. Check the saved answers shown below and select Save again"
        )
    return (
        f"{last_change.user_name} saved this page at "
        f"{report.format_london_time(last_change.changed_at)}, after you opened "
        "it, so your changes were not saved. Check the saved answers shown "
        "below and select Save again"
    )


@bp.post("/<year_slug>/submit")
@login_required()
def submit(year_slug):
    school_id = _school_id()
    _require_editor(school_id)
    academic_year = _academic_year(year_slug)
    db = get_db()
    version = service.current_version(db, school_id, academic_year)
    if version is None:
        abort(404)

    form = SubmitSelfReviewForm()
    if not form.validate_on_submit():
        return _render_overview(
            school_id,
            academic_year,
            error_list=_error_list(form)
            or [{"text": FORM_EXPIRED, "href": "#submit-self-review"}],
            status=400,
        )
    try:
        service.submit(db, version, form.edit_count.data, g.user)
    except service.IncompleteError as error:
        return _render_overview(
            school_id,
            academic_year,
            error_list=[
                {
                    "text": f"Rate {practice_id} before you submit",
                    "href": url_for(
                        "self_review.component",
                        year_slug=year_slug,
                        component_id=framework_component(db, version, practice_id),
                    )
                    + f"#level_{field_key(practice_id)}",
                }
                for practice_id in error.unrated_practice_ids
            ],
            status=400,
        )
    except service.StaleEditError as error:
        return _render_overview(
            school_id,
            academic_year,
            error_list=[
                {
                    "text": _submit_stale_message(error.last_change),
                    "href": "#submit-self-review",
                }
            ],
            status=409,
        )
    except service.NotEditableError:
        flash(f"Version {version.version_number} was already submitted")
        return redirect(url_for("self_review.overview", year_slug=year_slug))

    current_app.logger.info(
        "Self-review submitted",
        extra={"school_id": school_id, "self_review_id": version.self_review_id},
    )
    flash(
        f"Version {version.version_number} of the self-review is submitted", "success"
    )
    return redirect(url_for("self_review.overview", year_slug=year_slug))


def framework_component(db, version, practice_id) -> str:
    framework = service.load_framework(db, version.framework_version)
    return framework.practice(practice_id).component_id


def _submit_stale_message(last_change) -> str:
    who = f"{last_change.user_name} changed" if last_change else "Someone changed"
    return (
        f"{who} the self-review after you opened this page, so it was not "
        "submitted. Check the changes below and select Submit again"
    )


@bp.post("/<year_slug>/new-version")
@login_required()
def new_version(year_slug):
    school_id = _school_id()
    _require_editor(school_id)
    academic_year = _academic_year(year_slug)
    db = get_db()
    if service.latest_submitted_version(db, school_id, academic_year) is None:
        abort(404)

    form = NewVersionForm()
    if not form.validate_on_submit():
        flash(FORM_EXPIRED)
        return redirect(url_for("self_review.overview", year_slug=year_slug))
    draft = service.start_draft(db, school_id, academic_year, g.user)
    flash(
        f"Version {draft.version_number} started as a copy of the submitted version",
        "success",
    )
    return redirect(url_for("self_review.overview", year_slug=year_slug))


@bp.get("/<year_slug>/versions/<int:version_number>")
@login_required()
def version(year_slug, version_number):
    school_id = _school_id()
    academic_year = _academic_year(year_slug)
    db = get_db()
    try:
        version = service.get_version(db, school_id, academic_year, version_number)
    except service.NotFoundError:
        abort(404)
    framework = service.load_framework(db, version.framework_version)
    names = service.user_names(
        db, {version.created_by_user_id, version.submitted_by_user_id}
    )
    return render_template(
        "self_review/version.html",
        academic_year=academic_year,
        version=version,
        names=names,
        framework=framework,
        ratings=service.ratings_by_practice(version),
        provision=service.provision_by_component(version),
        component_scores=report.component_scores(framework, version),
        changes=service.list_changes(db, version.self_review_id),
        error_list=[],
    )


# Comparison with stakeholder views


@bp.get("/<year_slug>/comparison")
@login_required()
def comparison(year_slug):
    school_id = _school_id()
    academic_year = _academic_year(year_slug)
    db = get_db()
    latest = service.latest_submitted_version(db, school_id, academic_year)
    framework = service.load_framework(db, latest.framework_version if latest else None)
    comparisons = report.read_comparisons(school_id, academic_year)
    return render_template(
        "self_review/comparison.html",
        academic_year=academic_year,
        latest=latest,
        framework=framework,
        comparisons=comparisons,
        charts={
            component.component_id: report.comparison_chart_svg(comparisons, component)
            for component in framework.components
        }
        if comparisons.available
        else {},
        can_edit=_can_edit(school_id),
        error_list=[],
    )


# Next steps


@bp.get("/<year_slug>/next-steps")
@login_required()
def next_steps(year_slug):
    school_id = _school_id()
    academic_year = _academic_year(year_slug)
    db = get_db()
    framework = service.load_framework(db)
    steps = service.list_next_steps(db, school_id, academic_year)
    names = service.user_names(db, {step.updated_by_user_id for step in steps})
    return render_template(
        "self_review/next-steps.html",
        academic_year=academic_year,
        framework=framework,
        steps=steps,
        names=names,
        impacts=report.read_impacts(school_id, academic_year),
        follow_up_year=service.following_academic_year(academic_year),
        can_edit=_can_edit(school_id),
        error_list=[],
    )


def _target_choices(framework) -> list[SelectChoice]:
    choices = [SelectChoice("", "Select a practice or component")]
    for component in framework.components:
        choices.append(
            SelectChoice(
                component.component_id,
                f"{component.component_id} {component.title} (whole component)",
            )
        )
        for practice in component.practices:
            choices.append(
                SelectChoice(
                    practice.practice_id, f"{practice.practice_id} {practice.text}"
                )
            )
    return choices


def _group_choices(school_id: int, kept: str | None = None) -> list[SelectChoice]:
    """Return the groups that the school's phase surveys, in the usual order.

    kept, the group of a next step saved earlier, stays a choice even if the
    school's phase has changed since.
    """
    school = get_db().get(School, school_id)
    surveyed = set(stakeholder_groups_for(school.phase))
    return [
        SelectChoice(group, STAKEHOLDER_LABELS[group])
        for group in STAKEHOLDER_GROUPS
        if group in surveyed or group == kept
    ]


def _next_step_values(form: NextStepForm) -> service.NextStepValues:
    return service.NextStepValues(
        target_id=form.target_id.data,
        stakeholder_group=form.stakeholder_group.data,
        action=form.action.data,
        lead=form.lead.data,
        starts_on=form.starts_on.data,
        review_on=form.review_on.data,
        expected_change=form.expected_change.data,
    )


@bp.route("/<year_slug>/next-steps/new", methods=["GET", "POST"])
@login_required()
def new_next_step(year_slug):
    school_id = _school_id()
    _require_editor(school_id)
    academic_year = _academic_year(year_slug)
    db = get_db()
    framework = service.load_framework(db)
    form = NextStepForm()
    form.target_id.choices = _target_choices(framework)
    form.stakeholder_group.choices = _group_choices(school_id)
    if request.method == "GET":
        _prefill_from_comparison(form, framework)

    if form.validate_on_submit():
        try:
            service.create_next_step(
                db, school_id, academic_year, _next_step_values(form), g.user
            )
        except service.NotFoundError:
            form.target_id.errors.append("Select a practice or component from the list")
        else:
            flash("Next step added", "success")
            return redirect(url_for("self_review.next_steps", year_slug=year_slug))

    return _render_next_step_form(academic_year, form, None)


def _prefill_from_comparison(form: NextStepForm, framework) -> None:
    """Fill the target and group from a 'plan a next step' link, when valid."""
    target = request.args.get("target")
    if target:
        try:
            service.resolve_target(framework, target)
        except service.NotFoundError:
            target = None
    if target:
        form.target_id.data = target
    group = request.args.get("group")
    if group in {choice.value for choice in form.stakeholder_group.choices}:
        form.stakeholder_group.data = group


def _render_next_step_form(academic_year, form, step, extra_errors=None):
    return render_template(
        "self_review/next-step-form.html",
        academic_year=academic_year,
        form=form,
        step=step,
        error_list=_error_list(form, extra_errors) if request.method == "POST" else [],
    ), (400 if request.method == "POST" else 200)


def _get_step_or_404(school_id, academic_year, next_step_id):
    try:
        return service.get_next_step(get_db(), school_id, academic_year, next_step_id)
    except service.NotFoundError:
        abort(404)


@bp.route("/<year_slug>/next-steps/<int:next_step_id>/edit", methods=["GET", "POST"])
@login_required()
def edit_next_step(year_slug, next_step_id):
    school_id = _school_id()
    _require_editor(school_id)
    academic_year = _academic_year(year_slug)
    db = get_db()
    step = _get_step_or_404(school_id, academic_year, next_step_id)
    framework = service.load_framework(db, step.framework_version)
    if request.method == "GET":
        form = NextStepForm(
            data={
                "target_id": step.practice_id or step.component_id,
                "stakeholder_group": step.stakeholder_group,
                "action": step.action,
                "lead": step.lead,
                "starts_on": step.starts_on,
                "review_on": step.review_on,
                "expected_change": step.expected_change,
                "edit_count": step.edit_count,
            }
        )
    else:
        form = NextStepForm()
    form.target_id.choices = _target_choices(framework)
    form.stakeholder_group.choices = _group_choices(school_id, step.stakeholder_group)

    stale_errors = []
    if form.validate_on_submit():
        try:
            service.update_next_step(
                db, step, _next_step_values(form), form.edit_count.data, g.user
            )
        except service.StaleEditError:
            _set_edit_count(form, step.edit_count)
            stale_errors.append(
                {
                    "text": (
                        f"{_name_of(step.updated_by_user_id)} changed this next "
                        f"step at {report.format_london_time(step.updated_at)}, "
                        "after you opened it, so your changes were not saved. "
                        "Check the next steps page for the saved version, then "
                        "select Save again to replace it with yours"
                    ),
                    "href": "#main-content",
                }
            )
            current_app.logger.warning(
                "Stale next step save rejected",
                extra={"next_step_id": step.next_step_id},
            )
        except service.NotFoundError:
            form.target_id.errors.append("Select a practice or component from the list")
        else:
            flash("Next step saved", "success")
            return redirect(url_for("self_review.next_steps", year_slug=year_slug))

    return _render_next_step_form(academic_year, form, step, stale_errors)


def _name_of(user_id: int) -> str:
    return service.user_names(get_db(), {user_id}).get(user_id, "Someone")


@bp.route("/<year_slug>/next-steps/<int:next_step_id>/remove", methods=["GET", "POST"])
@login_required()
def remove_next_step(year_slug, next_step_id):
    school_id = _school_id()
    _require_editor(school_id)
    academic_year = _academic_year(year_slug)
    db = get_db()
    step = _get_step_or_404(school_id, academic_year, next_step_id)
    form = DeleteNextStepForm(data={"edit_count": step.edit_count})
    error_list = []
    if request.method == "POST":
        form = DeleteNextStepForm()
        if form.validate_on_submit():
            try:
                service.delete_next_step(db, step, form.edit_count.data, g.user)
            except service.NotFoundError:
                flash("Someone else removed this next step")
                return redirect(url_for("self_review.next_steps", year_slug=year_slug))
            except service.StaleEditError:
                error_list.append(
                    {
                        "text": (
                            "Someone changed this next step after you opened this "
                            "page, so it was not removed. Check it and select "
                            "Remove again"
                        ),
                        "href": "#main-content",
                    }
                )
                _set_edit_count(form, step.edit_count)
            else:
                flash("Next step removed", "success")
                return redirect(url_for("self_review.next_steps", year_slug=year_slug))
        error_list = _error_list(form, error_list)
    framework = service.load_framework(db, step.framework_version)
    return render_template(
        "self_review/remove-next-step.html",
        academic_year=academic_year,
        step=step,
        framework=framework,
        form=form,
        error_list=error_list,
    ), (400 if error_list else 200)


# Report for governors


@bp.get("/<year_slug>/report")
@login_required()
def report_page(year_slug):
    school_id = _school_id()
    academic_year = _academic_year(year_slug)
    content = report.build_report(get_db(), school_id, academic_year)
    if content is None:
        abort(404)
    return render_template("report/report.html", report=content, for_pdf=False)


@bp.get("/<year_slug>/report.pdf")
@login_required()
def report_pdf(year_slug):
    school_id = _school_id()
    academic_year = _academic_year(year_slug)
    content = report.build_report(get_db(), school_id, academic_year)
    if content is None:
        abort(404)
    html = render_template("report/report.html", report=content, for_pdf=True)
    pdf = report.render_pdf(html)
    filename = f"self-review-{year_slug}-{london_today().isoformat()}.pdf"
    return Response(
        pdf,
        mimetype="application/pdf",
        headers={"Content-Disposition": f'attachment; filename="{filename}"'},
    )


@bp.get("/report.css")
def report_stylesheet():
    """Serve the report's print styles; CSP allows only same-origin styles."""
    return Response(
        render_template("report/report.css"),
        mimetype="text/css",
        headers={"Cache-Control": "public, max-age=3600"},
    )
