"""The anonymous questionnaire at /s/<token>: start, year group, pages, check, send.

The unfinished questionnaire lives only in the respondent's session cookie,
with a signed copy in each form (see survey_app.questionnaire), and reaches
the database only when sent. Every page is sent with Cache-Control: no-store
so that a shared device never shows an earlier respondent's answers.
"""

import time
import uuid

from flask import (
    Blueprint,
    current_app,
    flash,
    redirect,
    render_template,
    request,
    session,
    url_for,
)
from werkzeug.exceptions import BadRequest

from ..calendar import london_today
from ..db import get_db
from ..gunicorn_config import install_app_log_format, install_dev_server_log_filter
from ..models import AccessCode, SurveyLink
from ..questionnaire import (
    PREFER_NOT_TO_SAY,
    CheckForm,
    Questionnaire,
    QuestionnaireState,
    StartForm,
    build_page_form,
    build_year_group_form,
    first_unanswered_step,
    is_csrf_failure,
    load_questionnaire,
    read_progress,
    sign_progress,
)
from ..submissions import (
    CodeAlreadyUsedError,
    CodeRequiredError,
    Submission,
    response_exists,
    store_submission,
)
from ..windows import (
    WindowStatus,
    access_code_pepper,
    find_link,
    hash_access_code,
    normalise_access_code,
    window_status,
)

bp = Blueprint("survey", __name__, url_prefix="/s")


@bp.record_once
def _anonymise_logs(state) -> None:
    install_dev_server_log_filter()
    install_app_log_format()


SESSION_KEY = "questionnaires"
# Response ids of questionnaires the respondent discarded with "Start again".
DISCARDED_KEY = "discarded_questionnaires"
MAX_DISCARDED = 20
FORM_MIMETYPES = ("application/x-www-form-urlencoded", "multipart/form-data")
KIOSK_RETURN_SECONDS = 20


class SurveyUnavailableError(Exception):
    """The link is unknown, or its window is closed or not yet open."""

    def __init__(self, template: str, status: int, **context):
        super().__init__(template)
        self.template = template
        self.status = status
        self.context = context


@bp.app_template_filter("long_date")
def long_date(day) -> str:
    """Format a date like 1 March 2026."""
    return f"{day.day} {day:%B %Y}"


@bp.errorhandler(SurveyUnavailableError)
def _render_unavailable(error: SurveyUnavailableError):
    return render_template(error.template, **error.context), error.status


@bp.errorhandler(BadRequest)
def _render_bad_request(error: BadRequest):
    token = (request.view_args or {}).get("token")
    current_app.logger.warning(
        "questionnaire request rejected: %s", error.description, extra={"token": token}
    )
    return render_template("survey/bad-request.html", token=token), 400


@bp.after_request
def _forbid_caching(response):
    response.headers["Cache-Control"] = "no-store"
    return response


# Views


@bp.route("/<token>", methods=["GET", "POST"])
def start(token):
    link, questionnaire = _open_link(token)
    state = _saved_state(link)
    form = StartForm()
    if request.method == "GET":
        return _render_start(link, questionnaire, state, form)

    _reject_unexpected_fields({"csrf_token", "access_code", "action"})
    action = request.form.get("action", "start")
    if action not in ("start", "restart"):
        raise BadRequest(f"unknown start action {action[:20]!r}")
    if not form.validate():
        if is_csrf_failure(form):
            return _render_start(
                link,
                questionnaire,
                state,
                StartForm(formdata=request.form),
                banner="This page was open for a long time. Press the button again.",
            )
        return _render_start(link, questionnaire, state, form)
    if action == "restart":
        _discard_state(link)
        return redirect(url_for(".start", token=link.token), 303)

    code_hash = None
    if _needs_code(link, state):
        code_hash = _check_access_code(link, questionnaire, form)
        if code_hash is None:
            return _render_start(link, questionnaire, state, form)
    state = _start_or_continue(link, state, code_hash)
    return _redirect_to_step(link, questionnaire, state)


@bp.route("/<token>/year-group", methods=["GET", "POST"])
def year_group(token):
    link, questionnaire = _open_link(token)
    if not questionnaire.is_pupil:
        return redirect(url_for(".page", token=link.token, number=1), 303)

    if request.method == "GET":
        state = _saved_state(link)
        if state is None:
            return redirect(url_for(".start", token=link.token))
        form = build_year_group_form(
            questionnaire, data={"year_group": state.year_group}
        )
        return _render_step("survey/year-group.html", link, questionnaire, state, form)

    _reject_unexpected_fields({"csrf_token", "progress", "year_group"})
    state = _posted_state(link)
    if state is None:
        return _lost_state(link)
    form = build_year_group_form(questionnaire)
    if form.validate():
        state.year_group = form.year_group.data
        _save_state(link, state)
        return _redirect_after_answer(link, questionnaire, state, next_page=1)
    if is_csrf_failure(form):
        _save_state(link, state)
        form = build_year_group_form(questionnaire, formdata=request.form)
        return _render_step(
            "survey/year-group.html",
            link,
            questionnaire,
            state,
            form,
            banner=_expired_message("Continue"),
        )
    return _render_step("survey/year-group.html", link, questionnaire, state, form)


@bp.route("/<token>/page/<int:number>", methods=["GET", "POST"])
def page(token, number):
    link, questionnaire = _open_link(token)
    question_page = questionnaire.page(number)
    if question_page is None:
        return redirect(url_for(".start", token=link.token))

    if request.method == "GET":
        state = _saved_state(link)
        if state is None:
            return redirect(url_for(".start", token=link.token))
        step = first_unanswered_step(questionnaire, state)
        if step == "year-group" or (isinstance(step, int) and number > step):
            return _redirect_to_step(link, questionnaire, state)
        if state.started_at is None:
            state.started_at = time.time()
            _save_state(link, state)
        data = {
            question.question_id: state.answers.get(question.question_id)
            for question in question_page.questions
        }
        form = build_page_form(questionnaire, question_page, data=data)
        return _render_page(link, questionnaire, state, question_page, form)

    allowed = {"csrf_token", "progress"}
    allowed.update(question.question_id for question in question_page.questions)
    _reject_unexpected_fields(allowed)
    state = _posted_state(link)
    if state is None:
        return _lost_state(link)
    form = build_page_form(questionnaire, question_page)
    if form.validate():
        for question in question_page.questions:
            state.answers[question.question_id] = form[question.question_id].data
        if state.started_at is None:
            state.started_at = time.time()
        _save_state(link, state)
        return _redirect_after_answer(link, questionnaire, state, next_page=number + 1)
    if is_csrf_failure(form):
        _save_state(link, state)
        form = build_page_form(questionnaire, question_page, formdata=request.form)
        return _render_page(
            link,
            questionnaire,
            state,
            question_page,
            form,
            banner=_expired_message("Continue"),
        )
    return _render_page(link, questionnaire, state, question_page, form)


@bp.route("/<token>/check", methods=["GET", "POST"])
def check(token):
    link, questionnaire = _open_link(token)

    if request.method == "GET":
        state = _saved_state(link)
        if state is None:
            return redirect(url_for(".start", token=link.token))
        if first_unanswered_step(questionnaire, state) != "check":
            return _redirect_to_step(link, questionnaire, state)
        form = CheckForm(data={"response_id": state.response_id})
        return _render_check(link, questionnaire, state, form)

    _reject_unexpected_fields({"csrf_token", "progress", "response_id"})
    posted_id = request.form.get("response_id", "")
    if _is_uuid(posted_id) and response_exists(get_db(), posted_id):
        # A double click, a refresh or the back button: already stored.
        _finish(link)
        return redirect(url_for(".thank_you", token=link.token), 303)
    state = _posted_state(link)
    if state is None:
        return _lost_state(link)
    if state.response_id != posted_id:
        raise BadRequest("response_id does not match the questionnaire in progress")

    form = CheckForm()
    if not form.validate():
        _save_state(link, state)
        return _render_check(
            link,
            questionnaire,
            state,
            CheckForm(data={"response_id": state.response_id}),
            banner=_expired_message("Send my answers"),
        )
    if first_unanswered_step(questionnaire, state) != "check":
        return _redirect_to_step(link, questionnaire, state)

    submission = Submission(
        response_id=state.response_id,
        link=link,
        answers={
            question.question_id: state.answers[question.question_id]
            for question in questionnaire.questions
        },
        year_group=_year_group_number(state.year_group),
        is_too_fast=_is_too_fast(questionnaire, state),
        code_hash=state.code_hash,
    )
    try:
        store_submission(get_db(), submission, questionnaire, today=london_today())
    except CodeAlreadyUsedError:
        current_app.logger.warning(
            "access code already spent", extra={"link_id": link.link_id}
        )
        if link.kiosk:
            # A shared device keeps no answers for whoever comes next.
            _finish(link, sent=False)
        else:
            # The answers stay in this browser, to send with a new code.
            state.code_hash = None
            _save_state(link, state)
        return _render(
            "survey/code-used.html",
            link,
            questionnaire,
            answers_kept=not link.kiosk,
        ), 409
    except CodeRequiredError:
        flash("Enter your code to send your answers.")
        return redirect(url_for(".start", token=link.token), 303)
    _finish(link)
    return redirect(url_for(".thank_you", token=link.token), 303)


@bp.get("/<token>/thank-you")
def thank_you(token):
    link, questionnaire = _find_link(token)
    return _render(
        "survey/thank-you.html",
        link,
        questionnaire,
        kiosk_return_seconds=KIOSK_RETURN_SECONDS if link.kiosk else None,
        stay=request.args.get("stay") == "1",
    )


# Links and questionnaires


def _find_link(token: str) -> tuple[SurveyLink, Questionnaire]:
    link = find_link(get_db(), token)
    if link is None:
        raise SurveyUnavailableError("survey/not-found.html", 404)
    return link, _questionnaire_for(link)


def _open_link(token: str) -> tuple[SurveyLink, Questionnaire]:
    """Return the link and its questionnaire, or raise if the survey is not open."""
    link, questionnaire = _find_link(token)
    window = link.window
    status = window_status(window)
    if status is WindowStatus.NOT_YET_OPEN:
        raise SurveyUnavailableError(
            "survey/not-open-yet.html", 200, window=window, school=window.school
        )
    if status is WindowStatus.CLOSED:
        raise SurveyUnavailableError(
            "survey/closed.html", 410, window=window, school=window.school
        )
    return link, questionnaire


def _questionnaire_for(link: SurveyLink) -> Questionnaire:
    """Return the link's questionnaire, built once per app: bank versions are frozen."""
    cache = current_app.extensions.setdefault("questionnaires", {})
    key = (link.window.bank_version, link.stakeholder_group)
    if key not in cache:
        cache[key] = load_questionnaire(get_db(), *key)
    return cache[key]


# Session state


def _saved_state(link: SurveyLink) -> QuestionnaireState | None:
    states = session.get(SESSION_KEY) or {}
    return QuestionnaireState.from_dict(states.get(link.token))


def _posted_state(link: SurveyLink) -> QuestionnaireState | None:
    """Return the questionnaire a POST continues, or None if it continues none.

    The session's state comes first, and a form from another questionnaire
    run on this device continues nothing. The form's signed copy rebuilds a
    lost session unless that questionnaire was sent or discarded, so that an
    old form sent again from a shared device's history cannot bring back an
    earlier respondent's answers.
    """
    saved = _saved_state(link)
    posted = _signed_copy(link)
    if saved is not None:
        if posted is not None and posted.response_id != saved.response_id:
            return None
        return saved
    if posted is None or posted.response_id in session.get(DISCARDED_KEY, []):
        return None
    if response_exists(get_db(), posted.response_id):
        return None
    return posted


def _signed_copy(link: SurveyLink) -> QuestionnaireState | None:
    return read_progress(
        current_app.secret_key, link.token, request.form.get("progress")
    )


def _save_state(link: SurveyLink, state: QuestionnaireState) -> None:
    states = dict(session.get(SESSION_KEY) or {})
    states[link.token] = state.to_dict()
    session[SESSION_KEY] = states


def _forget_state(link: SurveyLink) -> QuestionnaireState | None:
    states = dict(session.get(SESSION_KEY) or {})
    state = QuestionnaireState.from_dict(states.pop(link.token, None))
    session[SESSION_KEY] = states
    return state


def _discard_state(link: SurveyLink) -> None:
    """Forget an unsent questionnaire, and refuse its old forms from now on.

    Only unsent ids are kept: the id of a sent response is stored with it,
    so keeping it would tie this browser to that response.
    """
    state = _forget_state(link)
    if state is not None:
        discarded = session.get(DISCARDED_KEY, []) + [state.response_id]
        session[DISCARDED_KEY] = discarded[-MAX_DISCARDED:]


def _finish(link: SurveyLink, sent: bool = True) -> None:
    """End a questionnaire. A kiosk device also clears its session, keeping only
    the ids of discarded questionnaires."""
    if sent:
        _forget_state(link)
    else:
        _discard_state(link)
    if link.kiosk:
        discarded = session.get(DISCARDED_KEY, [])
        session.clear()
        if discarded:
            session[DISCARDED_KEY] = discarded


def _needs_code(link: SurveyLink, state: QuestionnaireState | None) -> bool:
    """Return whether the respondent must still type an access code."""
    return link.access_mode == "codes" and (state is None or not state.code_hash)


def _start_or_continue(
    link: SurveyLink, state: QuestionnaireState | None, code_hash: str | None
) -> QuestionnaireState:
    if state is None:
        state = QuestionnaireState.new(code_hash=code_hash)
    elif code_hash:
        state.code_hash = code_hash
    _save_state(link, state)
    return state


def _lost_state(link: SurveyLink):
    """Send a POST that continues no questionnaire to the start page.

    Only a form without a valid signed copy lost answers. A form of a sent or
    discarded questionnaire is just old, so it gets no message.
    """
    if _signed_copy(link) is None:
        current_app.logger.warning(
            "questionnaire state missing", extra={"link_id": link.link_id}
        )
        flash("We could not find your earlier answers. Please start again.")
    return redirect(url_for(".start", token=link.token), 303)


# Form checks


def _reject_unexpected_fields(allowed: set[str]) -> None:
    """Abort with 400 for a form that is not one the questionnaire rendered."""
    if request.mimetype not in FORM_MIMETYPES:
        raise BadRequest(f"content type {request.mimetype!r} is not a form")
    if request.files:
        raise BadRequest("the questionnaire takes no files")
    # Every form the questionnaire renders has a CSRF token. Werkzeug parses a
    # broken multipart body or a body that is not UTF-8 as an empty form.
    if "csrf_token" not in request.form:
        raise BadRequest("the form has no CSRF token field")
    for name in request.form:
        if name not in allowed:
            raise BadRequest(f"field {name[:60]!r} is not on this page")
        if len(request.form.getlist(name)) > 1:
            raise BadRequest(f"field {name[:60]!r} is repeated")


def _check_access_code(
    link: SurveyLink, questionnaire: Questionnaire, form: StartForm
) -> str | None:
    """Return the hash of a valid unspent code typed in form, or set a field error."""
    typed = (form.access_code.data or "").strip()
    helper = "your teacher" if questionnaire.is_pupil else "the school"
    code = normalise_access_code(typed)
    if not typed:
        form.access_code.errors = ["Enter your code"]
        return None
    if code is None:
        form.access_code.errors = [
            f"Code ‘{typed[:20]}’ is not right. Check it: it has 3 groups of 3 "
            "letters and numbers"
        ]
        return None
    code_hash = hash_access_code(code, access_code_pepper())
    stored = get_db().get(AccessCode, code_hash)
    if stored is None or stored.link_id != link.link_id:
        form.access_code.errors = [
            f"Code ‘{code}’ is not a code for this survey. Check it, or ask "
            f"{helper} for a new one"
        ]
        return None
    if stored.is_spent:
        form.access_code.errors = [
            f"Code ‘{code}’ has already been used. Ask {helper} for a new one"
        ]
        return None
    return code_hash


def _is_uuid(text: str) -> bool:
    try:
        return str(uuid.UUID(text)) == text
    except (TypeError, ValueError):
        return False


def _year_group_number(year_group: str | None) -> int | None:
    if year_group in (None, PREFER_NOT_TO_SAY):
        return None
    return int(year_group)


def _is_too_fast(questionnaire: Questionnaire, state: QuestionnaireState) -> bool:
    """Return whether the questions took less than the configured minimum."""
    if state.started_at is None:
        return False
    minimum = (
        current_app.config["MIN_SECONDS_PER_QUESTION"] * questionnaire.question_count
    )
    return time.time() - state.started_at < minimum


def _expired_message(button: str) -> str:
    return (
        "This page was open for a long time, so your answers have not been "
        f"saved yet. They are still here: check them and press ‘{button}’ again."
    )


# Navigation and rendering


def _step_url(link: SurveyLink, step) -> str:
    if step == "year-group":
        return url_for(".year_group", token=link.token)
    if step == "check":
        return url_for(".check", token=link.token)
    return url_for(".page", token=link.token, number=step)


def _redirect_to_step(link, questionnaire, state):
    step = first_unanswered_step(questionnaire, state)
    return redirect(_step_url(link, step), 303)


def _redirect_after_answer(link, questionnaire, state, next_page: int):
    """Go to the check page after a change, otherwise to the next page."""
    step = first_unanswered_step(questionnaire, state)
    if request.args.get("change") == "1" and step == "check":
        return redirect(_step_url(link, "check"), 303)
    if next_page > len(questionnaire.pages):
        return redirect(_step_url(link, step), 303)
    return redirect(_step_url(link, next_page), 303)


def _render(template: str, link: SurveyLink, questionnaire: Questionnaire, **context):
    return render_template(
        template,
        link=link,
        school=link.window.school,
        window=link.window,
        questionnaire=questionnaire,
        service_home_url=url_for(".start", token=link.token),
        **context,
    )


def _render_start(link, questionnaire, state, form, **context):
    if state is not None:
        continue_url = _step_url(link, first_unanswered_step(questionnaire, state))
    else:
        continue_url = None
    return _render(
        "survey/start.html",
        link,
        questionnaire,
        form=form,
        state=state,
        needs_code=_needs_code(link, state),
        continue_url=continue_url,
        **context,
    )


def _render_step(template, link, questionnaire, state, form, **context):
    """Render a questionnaire form with a fresh signed copy of the state."""
    form.progress.data = sign_progress(current_app.secret_key, link.token, state)
    step = first_unanswered_step(questionnaire, state)
    return _render(
        template,
        link,
        questionnaire,
        form=form,
        state=state,
        is_change=request.args.get("change") == "1",
        check_url=_step_url(link, "check") if step == "check" else None,
        **context,
    )


def _render_page(link, questionnaire, state, question_page, form, **context):
    if question_page.number > 1:
        back_url = _step_url(link, question_page.number - 1)
    elif questionnaire.is_pupil:
        back_url = _step_url(link, "year-group")
    else:
        back_url = url_for(".start", token=link.token)
    fields = [form[question.question_id] for question in question_page.questions]
    return _render_step(
        "survey/page.html",
        link,
        questionnaire,
        state,
        form,
        question_page=question_page,
        fields=fields,
        back_url=back_url,
        **context,
    )


def _render_check(link, questionnaire, state, form, **context):
    year_group = None
    if questionnaire.is_pupil:
        number = _year_group_number(state.year_group)
        year_group = f"Year {number}" if number else "Prefer not to say"
    return _render_step(
        "survey/check.html",
        link,
        questionnaire,
        state,
        form,
        year_group=year_group,
        back_url=_step_url(link, len(questionnaire.pages)),
        **context,
    )
