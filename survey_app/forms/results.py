"""Forms of the results pages."""

from flask_wtf import FlaskForm
from govuk_frontend_wtf.wtforms_widgets import GovSubmitInput
from wtforms import SubmitField


class UpdateResultsForm(FlaskForm):
    """A button that starts a pipeline run; the CSRF token is its only data."""

    submit = SubmitField("Update results", widget=GovSubmitInput())
